package scalekit

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// This file is the one place where Scalekit's wire shapes (snake_case, docs/scalekit-api.md) meet the
// domain types. Decoding is defensive: any field may be absent, zero or null, and an empty
// string means "unset" for optional attributes, as Scalekit emits "" for unset strings.

// wireTime is a timestamp that decodes absent, null, "" and malformed values to "unknown"
// instead of failing the whole answer.
type wireTime struct{ t *time.Time }

func (w *wireTime) UnmarshalJSON(b []byte) error {
	var s string
	if json.Unmarshal(b, &s) != nil || s == "" {
		return nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t = t.UTC()
		w.t = &t
	}
	return nil
}

// ptr is a copy of the time, nil when there is none (orEmpty says why a copy).
func (w wireTime) ptr() *time.Time {
	if w.t == nil {
		return nil
	}
	t := *w.t
	return &t
}

func (w wireTime) value() time.Time {
	if w.t == nil {
		return time.Time{}
	}
	return *w.t
}

type wireUser struct {
	ID            string            `json:"id"`
	CreateTime    wireTime          `json:"create_time"`
	UpdateTime    wireTime          `json:"update_time"`
	Email         string            `json:"email"`
	ExternalID    string            `json:"external_id"`
	Memberships   []wireMembership  `json:"memberships"`
	UserProfile   *wireProfile      `json:"user_profile"`
	Metadata      map[string]string `json:"metadata"`
	LastLoginTime wireTime          `json:"last_login_time"`
}

type wireProfile struct {
	ID                  string            `json:"id"`
	GivenName           string            `json:"given_name"`
	FamilyName          string            `json:"family_name"`
	FirstName           string            `json:"first_name"` // deprecated alias of given_name
	LastName            string            `json:"last_name"`  // deprecated alias of family_name
	Name                string            `json:"name"`
	Locale              string            `json:"locale"`
	EmailVerified       bool              `json:"email_verified"`
	PhoneNumber         string            `json:"phone_number"`
	PhoneNumberVerified bool              `json:"phone_number_verified"`
	PreferredUsername   string            `json:"preferred_username"`
	Picture             string            `json:"picture"`
	Gender              string            `json:"gender"`
	Groups              []string          `json:"groups"`
	Metadata            map[string]string `json:"metadata"`
	CustomAttributes    map[string]string `json:"custom_attributes"`
	ExternalIdentities  []wireIdentity    `json:"external_identities"`
}

// wireIdentity is an account Scalekit recorded when the user signed in.
type wireIdentity struct {
	ConnectionID       string   `json:"connection_id"`
	ConnectionType     string   `json:"connection_type"`
	ConnectionProvider string   `json:"connection_provider"`
	ConnectionUserID   string   `json:"connection_user_id"`
	IsSocial           bool     `json:"is_social"`
	LastLoginTime      wireTime `json:"last_login_time"`
}

// identity maps an external identity. Scalekit keeps no raw attributes, so they are {}.
func (w *wireIdentity) identity() *directory.Identity {
	return &directory.Identity{
		Sub:                   w.ConnectionID + ":" + w.ConnectionUserID,
		ConnectionID:          optional(w.ConnectionID),
		ConnectionType:        optional(w.ConnectionType),
		ProviderName:          optional(w.ConnectionProvider),
		Social:                w.IsSocial,
		ProviderUserID:        optional(w.ConnectionUserID),
		ProviderRawAttributes: []byte("{}"),
		LastLogin:             w.LastLoginTime.ptr(),
	}
}

type wireMembership struct {
	OrganizationID   string            `json:"organization_id"`
	JoinTime         wireTime          `json:"join_time"`
	MembershipStatus string            `json:"membership_status"`
	Roles            []wireRoleRef     `json:"roles"`
	Metadata         map[string]string `json:"metadata"`
	InviterEmail     string            `json:"inviter_email"`
	ExpiresAt        wireTime          `json:"expires_at"`
	Permissions      []string          `json:"permissions"`
}

type wireRoleRef struct {
	ID          string `json:"id,omitempty"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name,omitempty"`
}

type wireOrganization struct {
	ID          string            `json:"id"`
	CreateTime  wireTime          `json:"create_time"`
	UpdateTime  wireTime          `json:"update_time"`
	DisplayName string            `json:"display_name"`
	ExternalID  string            `json:"external_id"`
	Metadata    map[string]string `json:"metadata"`
}

type wireRole struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Description string `json:"description"`
	// DefaultMember marks the roles a new member gets when none are named.
	DefaultMember bool `json:"default_member"`
	Permissions   []struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"permissions"`
}

// Envelopes of single objects and pages.
type (
	userEnvelope struct {
		User *wireUser `json:"user"`
	}
	organizationEnvelope struct {
		Organization *wireOrganization `json:"organization"`
	}
	userPage struct {
		Users         []wireUser `json:"users"`
		NextPageToken string     `json:"next_page_token"`
		TotalSize     int        `json:"total_size"`
	}
	organizationPage struct {
		Organizations []wireOrganization `json:"organizations"`
		NextPageToken string             `json:"next_page_token"`
		TotalSize     int                `json:"total_size"`
	}
	rolesEnvelope struct {
		Roles []wireRole `json:"roles"`
	}
)

func optional(s string) *string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return &s
}

// orEmpty is a copy of m, empty rather than nil. The wire values a cached answer decodes to
// are shared by every request that reads it (decode), so nothing of theirs that can be
// written to (a map, a slice, a pointed-to value) goes into the domain values they become.
func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return maps.Clone(m)
}

// user maps a wire user to the domain. Its memberships are complete (Scalekit embeds all of
// a user's memberships in every user it returns), so they go along for the
// loaders to prime from. Role ids missing from a membership are left empty for
// fillRoleIDs to resolve by name.
func (w *wireUser) user() *directory.User {
	u := &directory.User{
		ID:         w.ID,
		Email:      w.Email,
		ExternalID: optional(w.ExternalID),
		CreateTime: w.CreateTime.value(),
		UpdateTime: w.UpdateTime.value(),
		LastLogin:  w.LastLoginTime.ptr(),
		Metadata:   orEmpty(w.Metadata),
	}
	if u.UpdateTime.IsZero() {
		u.UpdateTime = u.CreateTime
	}
	p := w.UserProfile
	if p == nil {
		p = &wireProfile{}
	}
	given, family := p.GivenName, p.FamilyName
	if given == "" {
		given = p.FirstName
	}
	if family == "" {
		family = p.LastName
	}
	u.Profile = directory.UserProfile{
		ID:                  p.ID,
		Email:               w.Email,
		Name:                optional(p.Name),
		GivenName:           optional(given),
		FamilyName:          optional(family),
		EmailVerified:       p.EmailVerified,
		PhoneNumber:         optional(p.PhoneNumber),
		PhoneNumberVerified: p.PhoneNumberVerified,
		Locale:              optional(p.Locale),
		Picture:             optional(p.Picture),
		PreferredUsername:   optional(p.PreferredUsername),
		Gender:              optional(p.Gender),
		Groups:              slices.Clone(p.Groups),
		CustomAttributes:    orEmpty(p.CustomAttributes),
		Metadata:            orEmpty(p.Metadata),
	}
	if u.Profile.Groups == nil {
		u.Profile.Groups = []string{}
	}
	u.Identities = make([]*directory.Identity, 0, len(p.ExternalIdentities))
	for i := range p.ExternalIdentities {
		if p.ExternalIdentities[i].ConnectionID != "" && p.ExternalIdentities[i].ConnectionUserID != "" {
			u.Identities = append(u.Identities, p.ExternalIdentities[i].identity())
		}
	}
	slices.SortStableFunc(u.Identities, func(a, b *directory.Identity) int { return laterFirst(a.LastLogin, b.LastLogin) })
	u.Memberships = make([]*directory.Membership, 0, len(w.Memberships))
	for i := range w.Memberships {
		if w.Memberships[i].OrganizationID == "" {
			continue
		}
		u.Memberships = append(u.Memberships, w.Memberships[i].membership(w.ID))
	}
	slices.SortFunc(u.Memberships, func(a, b *directory.Membership) int { return strings.Compare(a.OrganizationID, b.OrganizationID) })
	return u
}

// membershipStatus maps the wire enum; an unknown or unspecified status is read as
// INACTIVE, the state that grants least, rather than failing the whole user.
func membershipStatus(s string) directory.MembershipStatus {
	if st := directory.MembershipStatus(s); st.Valid() {
		return st
	}
	return directory.MembershipInactive
}

func (w *wireMembership) membership(userID string) *directory.Membership {
	m := &directory.Membership{
		UserID:         userID,
		OrganizationID: w.OrganizationID,
		Status:         membershipStatus(w.MembershipStatus),
		JoinTime:       w.JoinTime.ptr(),
		Metadata:       orEmpty(w.Metadata),
		InviterEmail:   optional(w.InviterEmail),
		ExpiresAt:      w.ExpiresAt.ptr(),
		RoleIDs:        make([]string, 0, len(w.Roles)),
		Permissions:    sortedUnique(w.Permissions),
	}
	for _, r := range w.Roles {
		// A role without an id keeps its name for fillRoleIDs; the prefix cannot clash
		// with an id, which always starts with "role_".
		if r.ID != "" {
			m.RoleIDs = append(m.RoleIDs, r.ID)
		} else if r.Name != "" {
			m.RoleIDs = append(m.RoleIDs, roleNamePrefix+r.Name)
		}
	}
	return m
}

const roleNamePrefix = "name:"

func sortedUnique(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

func (w *wireOrganization) organization() *directory.Organization {
	o := &directory.Organization{
		ID:          w.ID,
		DisplayName: w.DisplayName,
		ExternalID:  optional(w.ExternalID),
		Metadata:    orEmpty(w.Metadata),
		CreateTime:  w.CreateTime.value(),
		UpdateTime:  w.UpdateTime.value(),
	}
	if o.UpdateTime.IsZero() {
		o.UpdateTime = o.CreateTime
	}
	return o
}

func (w *wireRole) role() *directory.Role {
	r := &directory.Role{
		ID:          w.ID,
		Name:        w.Name,
		DisplayName: optional(w.DisplayName),
		Description: optional(w.Description),
		Permissions: make([]directory.Permission, 0, len(w.Permissions)),
	}
	seen := map[string]bool{}
	for _, p := range w.Permissions {
		if p.Name == "" || seen[p.Name] {
			continue
		}
		seen[p.Name] = true
		r.Permissions = append(r.Permissions, directory.Permission{Name: p.Name, Description: optional(p.Description)})
	}
	slices.SortFunc(r.Permissions, func(a, b directory.Permission) int { return strings.Compare(a.Name, b.Name) })
	return r
}

// Request bodies, unwrapped (docs/scalekit-api.md). Pointers and omitempty keep absent what the caller did not
// set: Scalekit changes only the fields that are present.
type (
	createUserBody struct {
		Email       string                `json:"email"`
		ExternalID  *string               `json:"external_id,omitempty"`
		Membership  *createMembershipBody `json:"membership,omitempty"`
		UserProfile *profileBody          `json:"user_profile,omitempty"`
		Metadata    map[string]string     `json:"metadata,omitempty"`
	}
	createMembershipBody struct {
		Roles        []wireRoleRef     `json:"roles,omitempty"`
		Metadata     map[string]string `json:"metadata,omitempty"`
		InviterEmail *string           `json:"inviter_email,omitempty"`
	}
	updateMembershipBody struct {
		Roles    []wireRoleRef `json:"roles,omitempty"`
		Metadata wireMap       `json:"metadata,omitempty"`
	}
	updateUserBody struct {
		ExternalID  *string      `json:"external_id,omitempty"`
		UserProfile *profileBody `json:"user_profile,omitempty"`
		Metadata    wireMap      `json:"metadata,omitempty"`
	}
	// profileBody serves create and update: on update a present "" clears a field.
	profileBody struct {
		GivenName         *string   `json:"given_name,omitempty"`
		FamilyName        *string   `json:"family_name,omitempty"`
		Name              *string   `json:"name,omitempty"`
		Locale            *string   `json:"locale,omitempty"`
		PhoneNumber       *string   `json:"phone_number,omitempty"`
		PreferredUsername *string   `json:"preferred_username,omitempty"`
		Picture           *string   `json:"picture,omitempty"`
		Gender            *string   `json:"gender,omitempty"`
		Groups            *[]string `json:"groups,omitempty"`
		Metadata          wireMap   `json:"metadata,omitempty"`
		CustomAttributes  wireMap   `json:"custom_attributes,omitempty"`
	}
	organizationBody struct {
		DisplayName *string `json:"display_name,omitempty"`
		ExternalID  *string `json:"external_id,omitempty"`
		Metadata    wireMap `json:"metadata,omitempty"`
	}
)

func roleRefs(names []string) []wireRoleRef {
	out := make([]wireRoleRef, len(names))
	for i, n := range names {
		out[i] = wireRoleRef{Name: n}
	}
	return out
}

// wireMap is a map in a request body: nil is left out, and a present map is sent even when
// empty (omitempty would drop an empty map value), so that an emptied map reaches Scalekit
// as {} and replaces the stored one.
type wireMap *map[string]string

// presentMap makes a map that is sent, even when it is empty.
func presentMap(m map[string]string) wireMap {
	if m == nil {
		m = map[string]string{}
	}
	return &m
}

// givenMap sends a map only when the caller gave a non-empty one (creates).
func givenMap(m map[string]string) wireMap {
	if len(m) == 0 {
		return nil
	}
	return &m
}

// clearable turns "set to null" into the "" that clears a field on the wire.
func clearable(o directory.Optional[*string]) *string {
	if !o.Set {
		return nil
	}
	if o.Value == nil {
		empty := ""
		return &empty
	}
	return o.Value
}

// laterFirst orders by time, latest first, unknown times last.
func laterFirst(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return b.Compare(*a)
}
