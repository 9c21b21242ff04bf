package scalekittest

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// inviteTTL is how long an invitation is valid.
const inviteTTL = 7 * 24 * time.Hour

type inRole struct {
	Name string `json:"name"`
}

type inMembership struct {
	Roles        []inRole          `json:"roles"`
	Metadata     map[string]string `json:"metadata"`
	InviterEmail *string           `json:"inviter_email"`
}

type inProfile struct {
	GivenName         *string            `json:"given_name"`
	FamilyName        *string            `json:"family_name"`
	Name              *string            `json:"name"`
	Locale            *string            `json:"locale"`
	PhoneNumber       *string            `json:"phone_number"`
	PreferredUsername *string            `json:"preferred_username"`
	Picture           *string            `json:"picture"`
	Gender            *string            `json:"gender"`
	FirstName         *string            `json:"first_name"` // deprecated, PREVIEW
	LastName          *string            `json:"last_name"`  // deprecated, PREVIEW
	Metadata          *map[string]string `json:"metadata"`
	CustomAttributes  *map[string]string `json:"custom_attributes"`
	Groups            *[]string          `json:"groups"`
}

type inCreateUser struct {
	Email       string            `json:"email"`
	ExternalID  *string           `json:"external_id"`
	Membership  *inMembership     `json:"membership"`
	UserProfile *inProfile        `json:"user_profile"`
	Metadata    map[string]string `json:"metadata"`
}

type inUpdateUser struct {
	ExternalID  *string            `json:"external_id"`
	UserProfile *inProfile         `json:"user_profile"`
	Metadata    *map[string]string `json:"metadata"`
}

type userResponse struct {
	User wireUser `json:"user"`
}

type userPage struct {
	Users         []wireUser `json:"users"`
	NextPageToken string     `json:"next_page_token"`
	PrevPageToken string     `json:"prev_page_token"`
	TotalSize     int        `json:"total_size"`
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// check validates a profile (docs/scalekit-api.md, "Operations used" CreateUserProfile / UpdateUserProfile).
func (p *inProfile) check(c *checker, prefix string) {
	if p == nil {
		return
	}
	c.length(prefix+"given_name", str(p.GivenName), 0, 255)
	c.length(prefix+"family_name", str(p.FamilyName), 0, 255)
	c.length(prefix+"first_name", str(p.FirstName), 0, 200)
	c.length(prefix+"last_name", str(p.LastName), 0, 200)
	c.length(prefix+"name", str(p.Name), 0, 512)
	c.length(prefix+"preferred_username", str(p.PreferredUsername), 0, 512)
	c.length(prefix+"picture", str(p.Picture), 0, 2048)
	if v := str(p.PhoneNumber); v != "" && !e164Re.MatchString(v) {
		c.add(prefix+"phone_number", "%q is not an E.164 phone number", v)
	}
	if v := str(p.Locale); v != "" && !bcp47Re.MatchString(v) {
		c.add(prefix+"locale", "%q is not a BCP-47 language tag", v)
	}
	if p.Metadata != nil {
		c.metadata(prefix+"metadata", *p.Metadata, 20)
	}
	if p.CustomAttributes != nil {
		c.metadata(prefix+"custom_attributes", *p.CustomAttributes, 20)
	}
	if p.Groups != nil {
		c.groups(prefix+"groups", *p.Groups)
	}
}

// apply sets the present fields of p on the stored profile.
func (p *inProfile) apply(to *profile) {
	if p == nil {
		return
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&to.givenName, p.FirstName)
	set(&to.familyName, p.LastName)
	set(&to.givenName, p.GivenName)
	set(&to.familyName, p.FamilyName)
	set(&to.name, p.Name)
	set(&to.locale, p.Locale)
	if p.PhoneNumber != nil && *p.PhoneNumber != to.phoneNumber {
		to.phoneNumber = *p.PhoneNumber
		to.phoneNumberVerified = false
	}
	set(&to.preferredUsername, p.PreferredUsername)
	set(&to.picture, p.Picture)
	set(&to.gender, p.Gender)
	if p.Metadata != nil {
		to.metadata = cloneMap(*p.Metadata)
	}
	if p.CustomAttributes != nil {
		to.customAttributes = cloneMap(*p.CustomAttributes)
	}
	if p.Groups != nil {
		to.groups = slices.Clone(*p.Groups)
		if len(to.groups) == 0 {
			to.groups = nil
		}
	}
}

// checkRoles checks role names against the catalogue; st must be locked.
func (s *Server) checkRoles(c *checker, field string, roles []inRole) []string {
	var names []string
	for _, r := range roles {
		if s.st.roleByName[r.Name] == nil {
			c.add(field, "unknown role %q", r.Name)
			continue
		}
		if !slices.Contains(names, r.Name) {
			names = append(names, r.Name)
		}
	}
	return names
}

func (m *inMembership) check(c *checker, prefix string) {
	if m == nil {
		return
	}
	c.metadata(prefix+"metadata", m.Metadata, 20)
	if m.InviterEmail != nil {
		c.email(prefix+"inviter_email", *m.InviterEmail, false)
	}
}

func sendInvitation(q *request) (bool, *apiError) {
	v := q.query("send_invitation_email")
	if v == "" {
		return true, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, invalid([]fieldViolation{{Field: "send_invitation_email", Description: "must be true or false"}})
	}
	return b, nil
}

// newMembership makes a membership; invited ones are PENDING_INVITE until accepted.
func (s *Server) newMembership(orgID string, roles []string, in *inMembership, invite bool, now time.Time) *membership {
	if len(roles) == 0 {
		roles = s.st.defaultRoles()
	}
	m := &membership{orgID: orgID, roles: roles}
	if in != nil {
		m.metadata = cloneMap(in.Metadata)
		m.inviterEmail = str(in.InviterEmail)
	}
	if invite {
		m.status = "PENDING_INVITE"
		m.createdAt = now
		m.expiresAt = now.Add(inviteTTL)
	} else {
		m.status = "ACTIVE"
		m.joinTime = now
	}
	return m
}

// lookupUser resolves {id} or {external_id}; st must be locked.
func (s *Server) lookupUser(q *request) (*user, *apiError) {
	if ext, ok := q.params["external_id"]; ok {
		if u := s.st.userByExternalID(ext); u != nil {
			return u, nil
		}
		return nil, notFound("user with external id %q not found", ext)
	}
	id := q.params["id"]
	if !strings.HasPrefix(id, "usr_") {
		return nil, invalid([]fieldViolation{{Field: "id", Description: "must start with usr_"}})
	}
	if u := s.st.userByID[id]; u != nil {
		return u, nil
	}
	return nil, notFound("user %q not found", id)
}

func (s *Server) lookupOrg(id string) (*organization, *apiError) {
	if !strings.HasPrefix(id, "org_") {
		return nil, invalid([]fieldViolation{{Field: "organization_id", Description: "must start with org_"}})
	}
	if o := s.st.orgByID[id]; o != nil {
		return o, nil
	}
	return nil, notFound("organization %q not found", id)
}

func (s *Server) getUser(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.lookupUser(q)
	if e != nil {
		return 0, e
	}
	return http.StatusOK, userResponse{User: s.st.wireUser(u)}
}

func (s *Server) createUser(q *request) (int, any) {
	invite, e := sendInvitation(q)
	if e != nil {
		return 0, e
	}
	var in inCreateUser
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.lookupOrg(q.params["organization_id"])
	if e != nil {
		return 0, e
	}
	var c checker
	c.email("email", in.Email, true)
	c.metadata("metadata", in.Metadata, 20)
	in.UserProfile.check(&c, "user_profile.")
	in.Membership.check(&c, "membership.")
	var roles []string
	if in.Membership != nil {
		roles = s.checkRoles(&c, "membership.roles", in.Membership.Roles)
	}
	if e := c.err(); e != nil {
		return 0, e
	}
	if s.st.userByEmail(in.Email) != nil {
		return 0, conflict("email", "a user with email %q already exists", in.Email)
	}
	ext := str(in.ExternalID)
	if s.st.userByExternalID(ext) != nil {
		return 0, conflict("external_id", "a user with external id %q already exists", ext)
	}
	now := s.now()
	u := &user{
		id:         s.st.newID("usr"),
		created:    now,
		updated:    now,
		email:      in.Email,
		externalID: ext,
		metadata:   cloneMap(in.Metadata),
		profile:    profile{id: s.st.newID("usp")},
	}
	in.UserProfile.apply(&u.profile)
	u.memberships = []*membership{s.newMembership(org.id, roles, in.Membership, invite, now)}
	s.st.users = append(s.st.users, u)
	s.st.userByID[u.id] = u
	return http.StatusCreated, userResponse{User: s.st.wireUser(u)}
}

func (s *Server) updateUser(q *request) (int, any) {
	var in inUpdateUser
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.lookupUser(q)
	if e != nil {
		return 0, e
	}
	var c checker
	if in.Metadata != nil {
		c.metadata("metadata", *in.Metadata, 20)
	}
	in.UserProfile.check(&c, "user_profile.")
	if e := c.err(); e != nil {
		return 0, e
	}
	if in.ExternalID != nil && *in.ExternalID != u.externalID {
		if o := s.st.userByExternalID(*in.ExternalID); o != nil && o != u {
			return 0, conflict("external_id", "a user with external id %q already exists", *in.ExternalID)
		}
		u.externalID = *in.ExternalID
	}
	if in.Metadata != nil {
		u.metadata = cloneMap(*in.Metadata)
	}
	in.UserProfile.apply(&u.profile)
	u.updated = s.now()
	return http.StatusOK, userResponse{User: s.st.wireUser(u)}
}

func (s *Server) deleteUser(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, e := s.lookupUser(q)
	if e != nil {
		return 0, e
	}
	s.st.deleteUser(u)
	return http.StatusOK, struct{}{}
}

func (s *Server) listUsers(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userPage(q, s.st.users, pageRule{def: 10, max: 100, clamp: true}, "")
}

func (s *Server) listOrganizationUsers(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.lookupOrg(q.params["organization_id"])
	if e != nil {
		return 0, e
	}
	return s.userPage(q, s.orgUsers(org.id), pageRule{def: 10, max: 100}, org.id)
}

func (s *Server) orgUsers(orgID string) []*user {
	var out []*user
	for _, u := range s.st.users {
		if u.membership(orgID) != nil {
			out = append(out, u)
		}
	}
	return out
}

func searchQuery(q *request) (string, *apiError) {
	query := q.query("query")
	if n := runes(query); n < 3 || n > 100 {
		return "", invalid([]fieldViolation{{Field: "query", Description: "must be 3 to 100 characters, got " + strconv.Itoa(n)}})
	}
	return strings.ToLower(query), nil
}

func matches(u *user, query string) bool {
	return strings.Contains(strings.ToLower(u.email), query) ||
		strings.Contains(strings.ToLower(u.id), query) ||
		strings.Contains(strings.ToLower(u.externalID), query)
}

func (s *Server) searchUsers(q *request) (int, any) {
	query, e := searchQuery(q)
	if e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []*user
	for _, u := range s.st.users {
		if matches(u, query) {
			found = append(found, u)
		}
	}
	return s.userPage(q, found, pageRule{def: 10, max: 30}, "")
}

func (s *Server) searchOrganizationUsers(q *request) (int, any) {
	query, e := searchQuery(q)
	if e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.lookupOrg(q.params["organization_id"])
	if e != nil {
		return 0, e
	}
	var found []*user
	for _, u := range s.orgUsers(org.id) {
		if matches(u, query) {
			found = append(found, u)
		}
	}
	return s.userPage(q, found, pageRule{def: 10, max: 30}, org.id)
}

// userPage answers a page of users; a member list (listedOrg set) holds only that
// organization's memberships when the fake plays an environment with partial lists.
func (s *Server) userPage(q *request, all []*user, rule pageRule, listedOrg string) (int, any) {
	p, e := paginate(q, len(all), rule)
	if e != nil {
		return 0, e
	}
	out := userPage{Users: make([]wireUser, 0, p.end-p.start), NextPageToken: p.next, PrevPageToken: p.prev, TotalSize: len(all)}
	for _, u := range all[p.start:p.end] {
		w := s.st.wireUser(u)
		if listedOrg != "" && s.opts.PartialMemberLists {
			w.Memberships = slices.DeleteFunc(w.Memberships, func(m wireMembership) bool { return m.OrganizationID != listedOrg })
		}
		out.Users = append(out.Users, w)
	}
	return http.StatusOK, out
}
