// Package demo is the demo data set that an empty embedded store is seeded with, and that
// the fake Scalekit serves in tests, so that both backends start from the same people.
package demo

import (
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// The data set: three organizations, a role catalogue and twenty users, some in two
// organizations, some invited or inactive. Content and the ids of organizations and users are
// fixed (see OrganizationID); other ids and times are made by whoever stores it. Organization
// and user order here is creation order, hence id order.

// Permission is one named capability.
type Permission struct{ Name, Description string }

// Permissions is the permission catalogue.
var Permissions = []Permission{
	{"users:read", "See the organization's users and their profiles"},
	{"users:write", "Create, update and remove users and their memberships"},
	{"org:read", "See the organization and its settings"},
	{"org:manage", "Change the organization's settings"},
	{"billing:read", "See invoices and the subscription"},
	{"billing:manage", "Change the subscription and payment methods"},
}

// Role is a role of the catalogue; DefaultMember roles are given to members added without roles.
type Role struct {
	Name, DisplayName, Description string
	DefaultMember                  bool
	Permissions                    []string
}

// Roles is the role catalogue.
var Roles = []Role{
	{"admin", "Administrator", "Manages the organization, its members and its billing", false,
		[]string{"users:read", "users:write", "org:read", "org:manage", "billing:read", "billing:manage"}},
	{"member", "Member", "Works in the organization and sees its people", true,
		[]string{"users:read", "org:read"}},
	{"viewer", "Viewer", "Read-only access to the organization", false,
		[]string{"org:read"}},
}

// Organization is a tenant; Key names it inside this data set.
type Organization struct {
	Key, DisplayName, ExternalID string
	Metadata                     map[string]string
}

// Organizations are the tenants, in creation order.
var Organizations = []Organization{
	{"acme", "Acme Corp", "acme", map[string]string{"plan": "enterprise", "region": "us-east-1", "industry": "manufacturing"}},
	{"globex", "Globex", "globex", map[string]string{"plan": "business", "region": "eu-west-1", "industry": "energy"}},
	{"initech", "Initech", "initech", map[string]string{"plan": "starter", "region": "us-west-2", "industry": "software"}},
}

// Membership places a user in an organization.
type Membership struct {
	Org    string // Organization.Key
	Roles  []string
	Status directory.MembershipStatus
}

// User is a person with a profile and memberships.
type User struct {
	Email, ExternalID       string
	Given, Family, Username string
	Locale, Phone, Picture  string
	EmailVerified           bool
	LastLoginHoursAgo       int // 0: never logged in
	Groups                  []string
	Custom                  map[string]string
	Memberships             []Membership
}

func active(org string, roles ...string) Membership {
	return Membership{Org: org, Roles: roles, Status: directory.MembershipActive}
}

// Users are the people, in creation order.
var Users = []User{
	{Email: "wile.coyote@acme.test", ExternalID: "acme-0001", Given: "Wile", Family: "Coyote", Username: "wile",
		Locale: "en-US", Phone: "+14155550101", Picture: "https://avatars.example.com/wile.png", EmailVerified: true,
		LastLoginHoursAgo: 2, Groups: []string{"engineering", "admins"},
		Custom:      map[string]string{"department": "Engineering", "title": "Chief Inventor", "employee_id": "A-0001"},
		Memberships: []Membership{active("acme", "admin"), active("globex", "viewer")}},
	{Email: "road.runner@acme.test", ExternalID: "acme-0002", Given: "Road", Family: "Runner", Username: "roadrunner",
		Locale: "en-US", EmailVerified: true, LastLoginHoursAgo: 5, Groups: []string{"sales"},
		Custom:      map[string]string{"department": "Sales", "employee_id": "A-0002"},
		Memberships: []Membership{active("acme", "member")}},
	{Email: "bugs.bunny@acme.test", Given: "Bugs", Family: "Bunny", Locale: "en-GB", Phone: "+442079460102",
		EmailVerified: true, LastLoginHoursAgo: 30, Groups: []string{"support"},
		Memberships: []Membership{active("acme", "member", "viewer")}},
	{Email: "daffy.duck@acme.test", Given: "Daffy", Family: "Duck", EmailVerified: false,
		Memberships: []Membership{{Org: "acme", Roles: []string{"member"}, Status: directory.MembershipPendingInvite}}},
	{Email: "elmer.fudd@acme.test", ExternalID: "acme-0005", Given: "Elmer", Family: "Fudd", Locale: "en-US",
		EmailVerified: true, LastLoginHoursAgo: 24 * 40,
		Memberships: []Membership{{Org: "acme", Roles: []string{"viewer"}, Status: directory.MembershipInactive}}},
	{Email: "marvin.martian@acme.test", Given: "Marvin", Family: "Martian", Username: "marvin", Locale: "fr-FR",
		Picture: "https://avatars.example.com/marvin.png", EmailVerified: true, LastLoginHoursAgo: 12,
		Groups: []string{"engineering"}, Custom: map[string]string{"department": "Research", "cost_center": "RD-42"},
		Memberships: []Membership{active("acme", "member"), active("initech", "member")}},
	{Email: "hank.scorpio@globex.test", ExternalID: "globex-1", Given: "Hank", Family: "Scorpio", Username: "hank",
		Locale: "en-US", Phone: "+13125550107", Picture: "https://avatars.example.com/hank.png", EmailVerified: true,
		LastLoginHoursAgo: 1, Groups: []string{"leadership", "admins"},
		Custom:      map[string]string{"department": "Leadership", "title": "Chief Executive"},
		Memberships: []Membership{active("globex", "admin")}},
	{Email: "homer.simpson@globex.test", ExternalID: "globex-2", Given: "Homer", Family: "Simpson", Locale: "en-US",
		EmailVerified: true, LastLoginHoursAgo: 48, Groups: []string{"operations"},
		Custom:      map[string]string{"department": "Operations", "shift": "night"},
		Memberships: []Membership{active("globex", "member")}},
	{Email: "frank.grimes@globex.test", Given: "Frank", Family: "Grimes", EmailVerified: true, LastLoginHoursAgo: 24 * 90,
		Memberships: []Membership{{Org: "globex", Roles: []string{"member"}, Status: directory.MembershipInactive}}},
	{Email: "mindy.simmons@globex.test", Given: "Mindy", Family: "Simmons", Locale: "en-CA", Phone: "+16045550110",
		EmailVerified: true, LastLoginHoursAgo: 6, Groups: []string{"operations", "safety"},
		Memberships: []Membership{active("globex", "member"), active("acme", "viewer")}},
	{Email: "lenny.leonard@globex.test", Given: "Lenny", Family: "Leonard", EmailVerified: true, LastLoginHoursAgo: 72,
		Memberships: []Membership{active("globex", "viewer")}},
	{Email: "carl.carlson@globex.test", Given: "Carl", Family: "Carlson", Locale: "de-DE", EmailVerified: false,
		Memberships: []Membership{{Org: "globex", Roles: []string{"member"}, Status: directory.MembershipPendingInvite}}},
	{Email: "bill.lumbergh@initech.test", ExternalID: "initech-100", Given: "Bill", Family: "Lumbergh", Username: "blumbergh",
		Locale: "en-US", Phone: "+15125550113", Picture: "https://avatars.example.com/bill.png", EmailVerified: true,
		LastLoginHoursAgo: 3, Groups: []string{"management", "admins"},
		Custom:      map[string]string{"department": "Management", "title": "Division Vice President"},
		Memberships: []Membership{active("initech", "admin")}},
	{Email: "peter.gibbons@initech.test", ExternalID: "initech-101", Given: "Peter", Family: "Gibbons", Username: "peter",
		Locale: "en-US", EmailVerified: true, LastLoginHoursAgo: 8, Groups: []string{"engineering"},
		Custom:      map[string]string{"department": "Engineering", "cost_center": "ENG-7"},
		Memberships: []Membership{active("initech", "member")}},
	{Email: "michael.bolton@initech.test", Given: "Michael", Family: "Bolton", Locale: "en-US", EmailVerified: true,
		LastLoginHoursAgo: 9, Groups: []string{"engineering"},
		Memberships: []Membership{active("initech", "member"), active("globex", "viewer")}},
	{Email: "samir.nagheenanajar@initech.test", Given: "Samir", Family: "Nagheenanajar", Locale: "ar-EG",
		Phone: "+15125550116", EmailVerified: true, LastLoginHoursAgo: 10, Groups: []string{"engineering"},
		Memberships: []Membership{active("initech", "member")}},
	{Email: "milton.waddams@initech.test", Given: "Milton", Family: "Waddams", EmailVerified: false,
		LastLoginHoursAgo: 24 * 200, Custom: map[string]string{"department": "Storage", "desk": "basement"},
		Memberships: []Membership{{Org: "initech", Roles: []string{"viewer"}, Status: directory.MembershipInactive}}},
	{Email: "joanna@initech.test", Given: "Joanna", Locale: "es-MX", EmailVerified: true, LastLoginHoursAgo: 20,
		Memberships: []Membership{active("initech", "viewer")}},
	{Email: "jose.garcia@initech.test", Given: "José", Family: "García", Locale: "es-ES",
		Picture: "https://avatars.example.com/jose.png", EmailVerified: true, LastLoginHoursAgo: 4,
		Groups: []string{"sales"}, Memberships: []Membership{active("initech", "member"), active("acme", "member")}},
	{Email: "auditor@external.test", Given: "Ada", Family: "Auditor", EmailVerified: true, LastLoginHoursAgo: 100,
		Custom:      map[string]string{"company": "Big Four Audit"},
		Memberships: []Membership{active("acme", "viewer"), active("globex", "viewer"), active("initech", "viewer")}},
}

// Emails returns the emails of the users, in creation order.
func Emails() []string {
	out := make([]string, len(Users))
	for i, u := range Users {
		out[i] = u.Email
	}
	return out
}

// Name is the display name, by the one name rule (directory.ComposeName).
func (u User) Name() string {
	if n := directory.ComposeName(&u.Given, &u.Family); n != nil {
		return *n
	}
	return ""
}

// Inviter is the first admin of an organization, who sends its invitations.
func Inviter(org string) string {
	for _, u := range Users {
		for _, m := range u.Memberships {
			if m.Org == org && len(m.Roles) > 0 && m.Roles[0] == "admin" {
				return u.Email
			}
		}
	}
	return ""
}

// Seeded organizations and users have fixed ids, the same in every backend that seeds them
// (the embedded stores and the fake Scalekit), so that the README and the playground can name
// them: the kind's prefix and 19 digits counting from 1 in creation order. Ids made later
// are larger (the embedded stores' carry the clock, the fake's count from 10^17), so the
// seeded objects stay first in id order.
func seedID(prefix string, n int) string { return fmt.Sprintf("%s%019d", prefix, n+1) }

// OrganizationID is the fixed id of the seeded organization with this key ("acme"), or ""
// when there is none.
func OrganizationID(key string) string {
	for i, o := range Organizations {
		if o.Key == key {
			return seedID("org_", i)
		}
	}
	return ""
}

// ID is the fixed id of a seeded user (one of Users), or "" for any other.
func (u User) ID() string {
	for i, s := range Users {
		if s.Email == u.Email {
			return seedID("usr_", i)
		}
	}
	return ""
}
