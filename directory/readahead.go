package directory

import (
	"context"
	"slices"
)

// ReadAhead is what a request will read after the reads it is making now, as its GraphQL
// document says (gateway/readahead.go works it out). A backend whose reads are round trips
// (Scalekit) may start those reads early, as soon as it knows their keys, so that a
// request's levels overlap instead of following one another. It is a hint only: it never
// changes an answer, nothing read ahead reaches a caller except through the ordinary reads
// (and so through the authorization policy), and a backend may ignore it.
type ReadAhead struct {
	// MembersOf are the organizations whose first page of members the request reads
	// (organization(id:) { members }).
	MembersOf []string
	// MemberMemberships: the request reads the memberships of the users of member lists.
	MemberMemberships bool
	// MembershipOrganizations: the request reads the organization of memberships.
	MembershipOrganizations bool
	// MembershipRoles: the request reads the roles of memberships.
	MembershipRoles bool
	// Within, when set, is the caller's reach (set by the authorization policy): only
	// organizations it holds, and the members of those, are read ahead. A caller never
	// makes the backend read ahead what it may not read.
	Within func(orgID string) bool
}

// Reaches tells whether orgID, and what the request reads through it, may be read ahead.
func (r ReadAhead) Reaches(orgID string) bool { return r.Within == nil || r.Within(orgID) }

// Any tells whether there is anything to read ahead.
func (r ReadAhead) Any() bool {
	return len(r.MembersOf) > 0 || r.MemberMemberships || r.MembershipOrganizations || r.MembershipRoles
}

// ReadsMembersOf tells whether the request reads the first page of orgID's members.
func (r ReadAhead) ReadsMembersOf(orgID string) bool {
	return slices.Contains(r.MembersOf, orgID) && r.Reaches(orgID)
}

type readAheadKey struct{}

// WithReadAhead returns ctx carrying r.
func WithReadAhead(ctx context.Context, r ReadAhead) context.Context {
	if !r.Any() {
		return ctx
	}
	return context.WithValue(ctx, readAheadKey{}, r)
}

// ReadAheadFrom returns what ctx's request will read next (nothing when not said).
func ReadAheadFrom(ctx context.Context) ReadAhead {
	r, _ := ctx.Value(readAheadKey{}).(ReadAhead)
	return r
}
