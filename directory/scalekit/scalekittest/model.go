package scalekittest

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"
)

// EnvironmentID is the environment_id of every user the fake returns.
const EnvironmentID = "env_test"

// Stored state. Strings are "" when unset; times are zero when unset. Maps are nil or non-empty.

type permission struct {
	id, name, description string
	created               time.Time
}

type role struct {
	id, name, displayName, description string
	defaultMember                      bool
	permissions                        []string // names
	created                            time.Time
}

type organization struct {
	id                      string
	created, updated        time.Time
	displayName, externalID string
	slug, logoURL           string
	metadata                map[string]string
}

type membership struct {
	orgID        string
	joinTime     time.Time
	status       string
	roles        []string // role names, in the order given
	metadata     map[string]string
	inviterEmail string
	createdAt    time.Time
	expiresAt    time.Time
}

type profile struct {
	id                                  string
	givenName, familyName, name, locale string
	phoneNumber, preferredUsername      string
	picture, gender                     string
	emailVerified, phoneNumberVerified  bool
	groups                              []string
	metadata, customAttributes          map[string]string
}

type user struct {
	id               string
	created, updated time.Time
	email            string
	externalID       string
	memberships      []*membership // in the order they were made
	profile          profile
	metadata         map[string]string
	lastLogin        time.Time
	identities       []identity // accounts Scalekit recorded at sign-in (AddIdentity)
}

// identity is an external identity as Scalekit records it when a user signs in.
type identity struct {
	connectionID, connectionType, provider, connectionUserID string
	social                                                   bool
	created, lastLogin                                       time.Time
}

func (u *user) membership(orgID string) *membership {
	for _, m := range u.memberships {
		if m.orgID == orgID {
			return m
		}
	}
	return nil
}

func (u *user) removeMembership(orgID string) bool {
	for i, m := range u.memberships {
		if m.orgID == orgID {
			u.memberships = slices.Delete(u.memberships, i, i+1)
			return true
		}
	}
	return false
}

// Wire shapes (docs/scalekit-api.md, "Wire conventions"), snake_case, unset fields absent.

type wireRole struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
	DisplayName string `json:"display_name,omitempty"`
}

type wireMembership struct {
	OrganizationID   string            `json:"organization_id"`
	JoinTime         string            `json:"join_time,omitempty"`
	MembershipStatus string            `json:"membership_status,omitempty"`
	Roles            []wireRole        `json:"roles"`
	Name             string            `json:"name,omitempty"`
	DisplayName      string            `json:"display_name,omitempty"`
	Metadata         map[string]string `json:"metadata,omitempty"`
	InviterEmail     string            `json:"inviter_email,omitempty"`
	CreatedAt        string            `json:"created_at,omitempty"`
	ExpiresAt        string            `json:"expires_at,omitempty"`
	Permissions      []string          `json:"permissions"`
}

type wireProfile struct {
	ID                  string            `json:"id,omitempty"`
	GivenName           string            `json:"given_name,omitempty"`
	FamilyName          string            `json:"family_name,omitempty"`
	Name                string            `json:"name,omitempty"`
	Locale              string            `json:"locale,omitempty"`
	EmailVerified       bool              `json:"email_verified"`
	PhoneNumber         string            `json:"phone_number,omitempty"`
	PhoneNumberVerified bool              `json:"phone_number_verified"`
	PreferredUsername   string            `json:"preferred_username,omitempty"`
	Picture             string            `json:"picture,omitempty"`
	Gender              string            `json:"gender,omitempty"`
	Groups              []string          `json:"groups,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	CustomAttributes    map[string]string `json:"custom_attributes,omitempty"`
	ExternalIdentities  []wireIdentity    `json:"external_identities,omitempty"`
}

type wireIdentity struct {
	ConnectionID       string `json:"connection_id"`
	ConnectionProvider string `json:"connection_provider,omitempty"`
	ConnectionType     string `json:"connection_type,omitempty"`
	ConnectionUserID   string `json:"connection_user_id"`
	IsSocial           bool   `json:"is_social"`
	CreatedTime        string `json:"created_time,omitempty"`
	LastLoginTime      string `json:"last_login_time,omitempty"`
	LastSyncedTime     string `json:"last_synced_time,omitempty"`
}

type wireUser struct {
	ID            string            `json:"id"`
	EnvironmentID string            `json:"environment_id"`
	CreateTime    string            `json:"create_time"`
	UpdateTime    string            `json:"update_time"`
	Email         string            `json:"email"`
	ExternalID    string            `json:"external_id,omitempty"`
	Memberships   []wireMembership  `json:"memberships"`
	UserProfile   wireProfile       `json:"user_profile"`
	Metadata      map[string]string `json:"metadata,omitempty"`
	LastLoginTime string            `json:"last_login_time,omitempty"`
}

type wireOrganization struct {
	ID          string            `json:"id"`
	CreateTime  string            `json:"create_time"`
	UpdateTime  string            `json:"update_time"`
	DisplayName string            `json:"display_name"`
	RegionCode  string            `json:"region_code"`
	ExternalID  string            `json:"external_id,omitempty"`
	Metadata    map[string]string `json:"metadata,omitempty"`
	Slug        string            `json:"slug,omitempty"`
	LogoURL     string            `json:"logo_url,omitempty"`
}

type wireRolePermission struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	CreateTime  string `json:"create_time,omitempty"`
	UpdateTime  string `json:"update_time,omitempty"`
	RoleName    string `json:"role_name"`
}

type wireEnvRole struct {
	ID                  string               `json:"id"`
	Name                string               `json:"name"`
	DisplayName         string               `json:"display_name,omitempty"`
	Description         string               `json:"description,omitempty"`
	DefaultCreator      bool                 `json:"default_creator"`
	DefaultMember       bool                 `json:"default_member"`
	DependentRolesCount int32                `json:"dependent_roles_count"`
	IsOrgRole           bool                 `json:"is_org_role"`
	Permissions         []wireRolePermission `json:"permissions,omitempty"`
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func cloneMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return maps.Clone(m)
}

// state is everything the fake stores. It is guarded by Server.mu.
type state struct {
	seq         map[string]uint64 // id counters per prefix
	permissions map[string]*permission
	roles       []*role
	roleByName  map[string]*role
	orgs        []*organization // id (= creation) order
	orgByID     map[string]*organization
	users       []*user // id (= creation) order
	userByID    map[string]*user
	domains     []*domain // creation order
}

func newState() *state {
	return &state{
		seq:         map[string]uint64{},
		permissions: map[string]*permission{},
		roleByName:  map[string]*role{},
		orgByID:     map[string]*organization{},
		userByID:    map[string]*user{},
	}
}

// newID returns prefix_ + an 18-digit counter: ids sort in creation order, and user ids are
// 22 characters (docs/scalekit-api.md, "Operations used": `usr_`, 19–25 chars; org ids ≤32).
func (s *state) newID(prefix string) string {
	s.seq[prefix]++
	return fmt.Sprintf("%s_%018d", prefix, 100000000000000000+s.seq[prefix])
}

func (s *state) userByEmail(email string) *user {
	for _, u := range s.users {
		if equalFold(u.email, email) {
			return u
		}
	}
	return nil
}

func (s *state) userByExternalID(ext string) *user {
	if ext == "" {
		return nil
	}
	for _, u := range s.users {
		if u.externalID == ext {
			return u
		}
	}
	return nil
}

func (s *state) orgByExternalID(ext string) *organization {
	if ext == "" {
		return nil
	}
	for _, o := range s.orgs {
		if o.externalID == ext {
			return o
		}
	}
	return nil
}

func (s *state) deleteUser(u *user) {
	delete(s.userByID, u.id)
	s.users = slices.DeleteFunc(s.users, func(x *user) bool { return x == u })
}

func (s *state) defaultRoles() []string {
	var out []string
	for _, r := range s.roles {
		if r.defaultMember {
			out = append(out, r.name)
		}
	}
	return out
}

func (s *state) wireUser(u *user) wireUser {
	w := wireUser{
		ID:            u.id,
		EnvironmentID: EnvironmentID,
		CreateTime:    ts(u.created),
		UpdateTime:    ts(u.updated),
		Email:         u.email,
		ExternalID:    u.externalID,
		Memberships:   make([]wireMembership, 0, len(u.memberships)),
		Metadata:      cloneMap(u.metadata),
		LastLoginTime: ts(u.lastLogin),
		UserProfile: wireProfile{
			ID:                  u.profile.id,
			GivenName:           u.profile.givenName,
			FamilyName:          u.profile.familyName,
			Name:                u.profile.name,
			Locale:              u.profile.locale,
			EmailVerified:       u.profile.emailVerified,
			PhoneNumber:         u.profile.phoneNumber,
			PhoneNumberVerified: u.profile.phoneNumberVerified,
			PreferredUsername:   u.profile.preferredUsername,
			Picture:             u.profile.picture,
			Gender:              u.profile.gender,
			Groups:              slices.Clone(u.profile.groups),
			Metadata:            cloneMap(u.profile.metadata),
			CustomAttributes:    cloneMap(u.profile.customAttributes),
		},
	}
	for _, m := range u.memberships {
		w.Memberships = append(w.Memberships, s.wireMembership(m))
	}
	for _, id := range u.identities {
		w.UserProfile.ExternalIdentities = append(w.UserProfile.ExternalIdentities, wireIdentity{
			ConnectionID: id.connectionID, ConnectionProvider: id.provider, ConnectionType: id.connectionType,
			ConnectionUserID: id.connectionUserID, IsSocial: id.social, CreatedTime: ts(id.created),
			LastLoginTime: ts(id.lastLogin), LastSyncedTime: ts(id.lastLogin),
		})
	}
	return w
}

func (s *state) wireMembership(m *membership) wireMembership {
	w := wireMembership{
		OrganizationID:   m.orgID,
		JoinTime:         ts(m.joinTime),
		MembershipStatus: m.status,
		Roles:            make([]wireRole, 0, len(m.roles)),
		Metadata:         cloneMap(m.metadata),
		InviterEmail:     m.inviterEmail,
		CreatedAt:        ts(m.createdAt),
		ExpiresAt:        ts(m.expiresAt),
		Permissions:      []string{},
	}
	if o := s.orgByID[m.orgID]; o != nil {
		w.Name = o.displayName
		w.DisplayName = o.displayName
	}
	seen := map[string]bool{}
	for _, name := range m.roles {
		r := s.roleByName[name]
		if r == nil {
			continue
		}
		w.Roles = append(w.Roles, wireRole{ID: r.id, Name: r.name, DisplayName: r.displayName})
		for _, p := range r.permissions {
			if !seen[p] {
				seen[p] = true
				w.Permissions = append(w.Permissions, p)
			}
		}
	}
	sort.Strings(w.Permissions)
	return w
}

func (s *state) wireOrg(o *organization) wireOrganization {
	return wireOrganization{
		ID:          o.id,
		CreateTime:  ts(o.created),
		UpdateTime:  ts(o.updated),
		DisplayName: o.displayName,
		RegionCode:  "US",
		ExternalID:  o.externalID,
		Metadata:    cloneMap(o.metadata),
		Slug:        o.slug,
		LogoURL:     o.logoURL,
	}
}

func (s *state) wireEnvRole(r *role, withPermissions bool) wireEnvRole {
	w := wireEnvRole{
		ID:            r.id,
		Name:          r.name,
		DisplayName:   r.displayName,
		Description:   r.description,
		DefaultMember: r.defaultMember,
	}
	if withPermissions {
		w.Permissions = make([]wireRolePermission, 0, len(r.permissions))
		for _, name := range r.permissions {
			p := s.permissions[name]
			if p == nil {
				continue
			}
			w.Permissions = append(w.Permissions, wireRolePermission{
				ID: p.id, Name: p.name, Description: p.description,
				CreateTime: ts(p.created), UpdateTime: ts(p.created), RoleName: r.name,
			})
		}
	}
	return w
}
