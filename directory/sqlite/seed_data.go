package sqlite

import "github.com/usergraph/usergraph/directory"

// The demo data set: three organizations, a role catalogue and twenty users, some in two
// organizations, some invited or inactive. Content is fixed; ids and times are made at seed
// time. Organization and user order here is creation order, hence id order.

type seedPermission struct{ name, description string }

var seedPermissions = []seedPermission{
	{"users:read", "See the organization's users and their profiles"},
	{"users:write", "Create, update and remove users and their memberships"},
	{"org:read", "See the organization and its settings"},
	{"org:manage", "Change the organization's settings"},
	{"billing:read", "See invoices and the subscription"},
	{"billing:manage", "Change the subscription and payment methods"},
}

type seedRole struct {
	name, displayName, description string
	defaultMember                  bool
	permissions                    []string
}

var seedRoles = []seedRole{
	{"admin", "Administrator", "Manages the organization, its members and its billing", false,
		[]string{"users:read", "users:write", "org:read", "org:manage", "billing:read", "billing:manage"}},
	{"member", "Member", "Works in the organization and sees its people", true,
		[]string{"users:read", "org:read"}},
	{"viewer", "Viewer", "Read-only access to the organization", false,
		[]string{"org:read"}},
}

type seedOrganization struct {
	key, displayName, externalID string
	metadata                     map[string]string
}

var seedOrganizations = []seedOrganization{
	{"acme", "Acme Corp", "acme", map[string]string{"plan": "enterprise", "region": "us-east-1", "industry": "manufacturing"}},
	{"globex", "Globex", "globex", map[string]string{"plan": "business", "region": "eu-west-1", "industry": "energy"}},
	{"initech", "Initech", "initech", map[string]string{"plan": "starter", "region": "us-west-2", "industry": "software"}},
}

type seedMembership struct {
	org    string // seedOrganization.key
	roles  []string
	status directory.MembershipStatus
}

type seedUser struct {
	email, externalID       string
	given, family, username string
	locale, phone, picture  string
	emailVerified           bool
	lastLoginHoursAgo       int // 0: never logged in
	groups                  []string
	custom                  map[string]string
	memberships             []seedMembership
}

func active(org string, roles ...string) seedMembership {
	return seedMembership{org: org, roles: roles, status: directory.MembershipActive}
}

var seedUsers = []seedUser{
	{email: "wile.coyote@acme.test", externalID: "acme-0001", given: "Wile", family: "Coyote", username: "wile",
		locale: "en-US", phone: "+14155550101", picture: "https://avatars.example.com/wile.png", emailVerified: true,
		lastLoginHoursAgo: 2, groups: []string{"engineering", "admins"},
		custom:      map[string]string{"department": "Engineering", "title": "Chief Inventor", "employee_id": "A-0001"},
		memberships: []seedMembership{active("acme", "admin"), active("globex", "viewer")}},
	{email: "road.runner@acme.test", externalID: "acme-0002", given: "Road", family: "Runner", username: "roadrunner",
		locale: "en-US", emailVerified: true, lastLoginHoursAgo: 5, groups: []string{"sales"},
		custom:      map[string]string{"department": "Sales", "employee_id": "A-0002"},
		memberships: []seedMembership{active("acme", "member")}},
	{email: "bugs.bunny@acme.test", given: "Bugs", family: "Bunny", locale: "en-GB", phone: "+442079460102",
		emailVerified: true, lastLoginHoursAgo: 30, groups: []string{"support"},
		memberships: []seedMembership{active("acme", "member", "viewer")}},
	{email: "daffy.duck@acme.test", given: "Daffy", family: "Duck", emailVerified: false,
		memberships: []seedMembership{{org: "acme", roles: []string{"member"}, status: directory.MembershipPendingInvite}}},
	{email: "elmer.fudd@acme.test", externalID: "acme-0005", given: "Elmer", family: "Fudd", locale: "en-US",
		emailVerified: true, lastLoginHoursAgo: 24 * 40,
		memberships: []seedMembership{{org: "acme", roles: []string{"viewer"}, status: directory.MembershipInactive}}},
	{email: "marvin.martian@acme.test", given: "Marvin", family: "Martian", username: "marvin", locale: "fr-FR",
		picture: "https://avatars.example.com/marvin.png", emailVerified: true, lastLoginHoursAgo: 12,
		groups: []string{"engineering"}, custom: map[string]string{"department": "Research", "cost_center": "RD-42"},
		memberships: []seedMembership{active("acme", "member"), active("initech", "member")}},
	{email: "hank.scorpio@globex.test", externalID: "globex-1", given: "Hank", family: "Scorpio", username: "hank",
		locale: "en-US", phone: "+13125550107", picture: "https://avatars.example.com/hank.png", emailVerified: true,
		lastLoginHoursAgo: 1, groups: []string{"leadership", "admins"},
		custom:      map[string]string{"department": "Leadership", "title": "Chief Executive"},
		memberships: []seedMembership{active("globex", "admin")}},
	{email: "homer.simpson@globex.test", externalID: "globex-2", given: "Homer", family: "Simpson", locale: "en-US",
		emailVerified: true, lastLoginHoursAgo: 48, groups: []string{"operations"},
		custom:      map[string]string{"department": "Operations", "shift": "night"},
		memberships: []seedMembership{active("globex", "member")}},
	{email: "frank.grimes@globex.test", given: "Frank", family: "Grimes", emailVerified: true, lastLoginHoursAgo: 24 * 90,
		memberships: []seedMembership{{org: "globex", roles: []string{"member"}, status: directory.MembershipInactive}}},
	{email: "mindy.simmons@globex.test", given: "Mindy", family: "Simmons", locale: "en-CA", phone: "+16045550110",
		emailVerified: true, lastLoginHoursAgo: 6, groups: []string{"operations", "safety"},
		memberships: []seedMembership{active("globex", "member"), active("acme", "viewer")}},
	{email: "lenny.leonard@globex.test", given: "Lenny", family: "Leonard", emailVerified: true, lastLoginHoursAgo: 72,
		memberships: []seedMembership{active("globex", "viewer")}},
	{email: "carl.carlson@globex.test", given: "Carl", family: "Carlson", locale: "de-DE", emailVerified: false,
		memberships: []seedMembership{{org: "globex", roles: []string{"member"}, status: directory.MembershipPendingInvite}}},
	{email: "bill.lumbergh@initech.test", externalID: "initech-100", given: "Bill", family: "Lumbergh", username: "blumbergh",
		locale: "en-US", phone: "+15125550113", picture: "https://avatars.example.com/bill.png", emailVerified: true,
		lastLoginHoursAgo: 3, groups: []string{"management", "admins"},
		custom:      map[string]string{"department": "Management", "title": "Division Vice President"},
		memberships: []seedMembership{active("initech", "admin")}},
	{email: "peter.gibbons@initech.test", externalID: "initech-101", given: "Peter", family: "Gibbons", username: "peter",
		locale: "en-US", emailVerified: true, lastLoginHoursAgo: 8, groups: []string{"engineering"},
		custom:      map[string]string{"department": "Engineering", "cost_center": "ENG-7"},
		memberships: []seedMembership{active("initech", "member")}},
	{email: "michael.bolton@initech.test", given: "Michael", family: "Bolton", locale: "en-US", emailVerified: true,
		lastLoginHoursAgo: 9, groups: []string{"engineering"},
		memberships: []seedMembership{active("initech", "member"), active("globex", "viewer")}},
	{email: "samir.nagheenanajar@initech.test", given: "Samir", family: "Nagheenanajar", locale: "ar-EG",
		phone: "+15125550116", emailVerified: true, lastLoginHoursAgo: 10, groups: []string{"engineering"},
		memberships: []seedMembership{active("initech", "member")}},
	{email: "milton.waddams@initech.test", given: "Milton", family: "Waddams", emailVerified: false,
		lastLoginHoursAgo: 24 * 200, custom: map[string]string{"department": "Storage", "desk": "basement"},
		memberships: []seedMembership{{org: "initech", roles: []string{"viewer"}, status: directory.MembershipInactive}}},
	{email: "joanna@initech.test", given: "Joanna", locale: "es-MX", emailVerified: true, lastLoginHoursAgo: 20,
		memberships: []seedMembership{active("initech", "viewer")}},
	{email: "jose.garcia@initech.test", given: "José", family: "García", locale: "es-ES",
		picture: "https://avatars.example.com/jose.png", emailVerified: true, lastLoginHoursAgo: 4,
		groups: []string{"sales"}, memberships: []seedMembership{active("initech", "member"), active("acme", "member")}},
	{email: "auditor@external.test", given: "Ada", family: "Auditor", emailVerified: true, lastLoginHoursAgo: 100,
		custom:      map[string]string{"company": "Big Four Audit"},
		memberships: []seedMembership{active("acme", "viewer"), active("globex", "viewer"), active("initech", "viewer")}},
}

// SeedEmails returns the emails of the demo users, in creation order.
func SeedEmails() []string {
	out := make([]string, len(seedUsers))
	for i, u := range seedUsers {
		out[i] = u.email
	}
	return out
}
