package directory

import "context"

// Directory is the one port between the GraphQL layer and a backend (the embedded SQLite
// store or Scalekit). It is batch-first: every read by key takes many keys so that the
// per-request dataloaders can make one call per batch.
//
// Batch reads return one entry per key, in key order; a key that matches nothing yields nil
// and no error. Per-key failures come as KeyErrors. Writes that are refused return an
// *InvalidInputError and change nothing.
type Directory interface {
	UsersByID(ctx context.Context, ids []string) ([]*User, error)
	// UsersByEmail matches emails case-insensitively.
	UsersByEmail(ctx context.Context, emails []string) ([]*User, error)
	UsersByExternalID(ctx context.Context, externalIDs []string) ([]*User, error)
	ListUsers(ctx context.Context, q UsersQuery) (*Page[*User], error)

	OrganizationsByID(ctx context.Context, ids []string) ([]*Organization, error)
	OrganizationsByExternalID(ctx context.Context, externalIDs []string) ([]*Organization, error)
	ListOrganizations(ctx context.Context, q PageQuery) (*Page[*Organization], error)

	// MembershipsByUser returns every membership of each user, ordered by organization id;
	// a user without memberships gets an empty list.
	MembershipsByUser(ctx context.Context, userIDs []string) ([][]*Membership, error)
	// Members returns one page of memberships for each query, ordered by user id. A query
	// that cannot be answered (bad cursor) fails alone, through KeyErrors.
	Members(ctx context.Context, queries []MembersQuery) ([]*Page[*Membership], error)

	CreateOrganization(ctx context.Context, in NewOrganization) (*Organization, error)
	UpdateOrganization(ctx context.Context, in OrganizationUpdate) (*Organization, error)
	// DeleteOrganization deletes an organization and every membership in it; the users stay.
	DeleteOrganization(ctx context.Context, id string) error

	// DomainsByOrganization returns each organization's domains, ordered by name; an
	// organization without any gets an empty list.
	DomainsByOrganization(ctx context.Context, organizationIDs []string) ([][]*Domain, error)
	// AddDomain claims a domain for an organization: TAKEN on "domain" when an organization
	// holds it already, NOT_FOUND on "organizationId" when there is no such organization.
	AddDomain(ctx context.Context, in NewDomain) (*Domain, error)
	// RemoveDomain removes one domain of an organization (NOT_FOUND on "id" otherwise).
	RemoveDomain(ctx context.Context, organizationID, domainID string) error

	// Roles returns the role catalogue, ordered by name.
	Roles(ctx context.Context) ([]*Role, error)
	RolesByID(ctx context.Context, ids []string) ([]*Role, error)

	CreateUser(ctx context.Context, in NewUser) (*User, error)
	UpdateUser(ctx context.Context, in UserUpdate) (*User, error)
	// DeleteUser deletes a user and all of its memberships.
	DeleteUser(ctx context.Context, id string) error
	AddMembership(ctx context.Context, in NewMembership) (*Membership, error)
	UpdateMembership(ctx context.Context, in MembershipUpdate) (*Membership, error)
	// RemoveMembership ends one membership; the user itself stays.
	RemoveMembership(ctx context.Context, userID, organizationID string) error

	// UserByIdentity returns the user linked to an identity-provider account, or nil.
	UserByIdentity(ctx context.Context, in IdentityLookup) (*User, error)
	// IdentitiesByUser returns each user's linked identities, latest login first; a user
	// without any gets an empty list.
	IdentitiesByUser(ctx context.Context, userIDs []string) ([][]*Identity, error)
	// LinkIdentity links an account to a user, or refreshes the link's attributes and last
	// login. An account linked to another user is refused (TAKEN on "identity").
	LinkIdentity(ctx context.Context, userID string, id Identity) error

	// Ping reports whether the backend can answer; /readyz asks it.
	Ping(ctx context.Context) error
}
