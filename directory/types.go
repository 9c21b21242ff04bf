package directory

import (
	"encoding/json"
	"time"
)

// User is a person in the environment, with a normalized profile.
type User struct {
	ID         string
	Email      string
	ExternalID *string
	CreateTime time.Time
	UpdateTime time.Time
	LastLogin  *time.Time
	Profile    UserProfile
	Metadata   map[string]string
	// Memberships is every membership of the user when the backend returned them with the
	// user (Scalekit embeds them); nil when it did not, or when it may have returned only
	// some. The loaders prime the memberships cache from it, so they are not fetched again.
	Memberships []*Membership
	// Identities are the user's linked identities when the backend returned them with the
	// user (Scalekit's external_identities); nil when it did not.
	Identities []*Identity
}

// UserProfile is the normalized profile of a user. Optional attributes are nil when unset so
// that GraphQL answers null rather than an empty string.
type UserProfile struct {
	ID string
	// Email repeats User.Email so that the profile can be rendered on its own.
	Email               string
	Name                *string
	GivenName           *string
	FamilyName          *string
	EmailVerified       bool
	PhoneNumber         *string
	PhoneNumberVerified bool
	Locale              *string
	Picture             *string
	PreferredUsername   *string
	Gender              *string
	Groups              []string
	CustomAttributes    map[string]string
	Metadata            map[string]string
}

// FirstName is the deprecated alias of GivenName that older Scalekit clients still read.
func (p UserProfile) FirstName() *string { return p.GivenName }

// LastName is the deprecated alias of FamilyName.
func (p UserProfile) LastName() *string { return p.FamilyName }

// MembershipStatus is the state of a user's membership in an organization.
type MembershipStatus string

// The membership states, spelled as Scalekit spells them on the wire.
const (
	MembershipActive        MembershipStatus = "ACTIVE"
	MembershipInactive      MembershipStatus = "INACTIVE"
	MembershipPendingInvite MembershipStatus = "PENDING_INVITE"
	MembershipInviteExpired MembershipStatus = "INVITE_EXPIRED"
)

// Valid reports whether s is one of the known states.
func (s MembershipStatus) Valid() bool {
	switch s {
	case MembershipActive, MembershipInactive, MembershipPendingInvite, MembershipInviteExpired:
		return true
	}
	return false
}

// Membership ties a user to an organization, with roles held there.
type Membership struct {
	UserID                  string
	OrganizationID          string
	Status                  MembershipStatus
	JoinTime                *time.Time
	PrimaryIdentityProvider *string
	Metadata                map[string]string
	// RoleIDs are the roles held in this organization; the GraphQL layer loads them in batch.
	RoleIDs []string
	// Permissions are the effective permission names granted by the roles, deduplicated and sorted.
	Permissions  []string
	InviterEmail *string
	ExpiresAt    *time.Time
	// User is the member when the backend returned it along with the membership (Scalekit's
	// organization user list); nil otherwise. The loaders prime the users cache from it.
	User *User
}

// Organization is a tenant.
type Organization struct {
	ID          string
	DisplayName string
	ExternalID  *string
	Metadata    map[string]string
	CreateTime  time.Time
	UpdateTime  time.Time
}

// Role is a named set of permissions that a membership can hold.
type Role struct {
	ID          string
	Name        string
	DisplayName *string
	Description *string
	Permissions []Permission
}

// Permission is one named capability, such as "users:write".
type Permission struct {
	Name        string
	Description *string
}

// Identity is a link between a user and an account at an identity provider.
type Identity struct {
	// Sub names the account: "<connection id>:<provider user id>", or
	// "<provider name in lower case>:<provider user id>" without a connection (see
	// package profile). It is unique: one account links to one user.
	Sub            string
	ConnectionID   *string
	OrganizationID *string
	ConnectionType *string
	ProviderName   *string
	Social         bool
	ProviderUserID *string
	// ProviderRawAttributes is the JSON object the provider sent, byte for byte.
	ProviderRawAttributes json.RawMessage
	LastLogin             *time.Time
}
