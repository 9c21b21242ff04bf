// Package policy is authorization, in one place: Guard wraps the backend port so that every
// read is filtered and every write is checked for the caller in the request's context
// (auth.CallerFrom). All data reaches the GraphQL layer through the port — root fields,
// node(id:), nested fields, member lists, searches, pages and mutations alike — so no path
// can bypass the rules, and resolvers need not repeat them.
//
// The rules (docs/architecture.md explains where they sit):
//   - a service may do everything;
//   - a user sees itself, the organizations where it holds an ACTIVE membership, and the
//     users who are members of those; of another user it sees only the memberships in
//     those organizations, and not its identities. It may change its own name, given and
//     family name, phone, locale and picture — not its email, metadata, roles or anything
//     else;
//   - an organization admin (an ACTIVE membership with the role admin, or whose permissions
//     include users:write)
//     manages the users and memberships of that organization only;
//   - everyone else, and anything not allowed, gets nothing: objects outside the caller's
//     organizations read as missing (null, empty pages, zero counts), so that tenants learn
//     nothing of each other, and refused writes fail with ErrForbidden.
package policy

import (
	"context"
	"errors"
	"slices"
	"sync"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
)

// ErrForbidden refuses an operation the caller may not do. The gateway shows it as the
// FORBIDDEN error code.
var ErrForbidden = errors.New("forbidden")

// AdminPermission and AdminRole mark an organization admin: either one, in an ACTIVE
// membership, is enough.
const (
	AdminPermission = "users:write"
	AdminRole       = "admin"
)

// scope is what a caller may reach: every organization (services), or some.
type scope struct {
	all    bool
	userID string
	orgs   map[string]bool // organization id → admin there (ACTIVE memberships only)
	// invited are the organizations of the caller's other memberships (invited, inactive):
	// it may read those organizations themselves, as its own memberships name them, but
	// nothing in them.
	invited map[string]bool
}

func (s *scope) member(orgID string) bool {
	_, ok := s.orgs[orgID]
	return s.all || ok
}

func (s *scope) admin(orgID string) bool { return s.all || s.orgs[orgID] }

// readAhead keeps what the backend may read ahead for the request (directory.ReadAhead) to
// the organizations the caller holds and their members: the backend reads ahead only what
// the caller's own reads would read, never what this policy would then hide.
func (s *scope) readAhead(ctx context.Context) context.Context {
	r := directory.ReadAheadFrom(ctx)
	if s.all || !r.Any() {
		return ctx
	}
	r.Within = s.member
	return directory.WithReadAhead(ctx, r)
}

// readsOrganization: the caller's organizations, and those it is invited to.
func (s *scope) readsOrganization(orgID string) bool { return s.member(orgID) || s.invited[orgID] }

type scopeKey struct{}

// scopeCache computes a request's scope once, however many loaders ask, until a write
// may have changed it.
type scopeCache struct {
	mu    sync.Mutex
	scope *scope
}

// ForgetScope drops the request's cached scope: a write (a removed membership, a changed
// role) may have changed what the caller may reach, and the next mutation of the same
// document must see that.
func ForgetScope(ctx context.Context) {
	if cache, ok := ctx.Value(scopeKey{}).(*scopeCache); ok {
		cache.mu.Lock()
		cache.scope = nil
		cache.mu.Unlock()
	}
}

// WithScopeCache prepares ctx so that the caller's scope is read from the backend once per
// request. Without it, every check reads it again (correct, only slower).
func WithScopeCache(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scopeCache{})
}

// scopeOf reads the caller's organizations from the backend itself, not from token claims,
// so that a removed membership stops granting access at once.
func scopeOf(ctx context.Context, dir directory.Directory) (*scope, error) {
	compute := func() (*scope, error) {
		c := auth.CallerFrom(ctx)
		switch c.Kind {
		case auth.Service:
			return &scope{all: true}, nil
		case auth.User:
			lists, err := dir.MembershipsByUser(ctx, []string{c.UserID})
			if err != nil {
				return nil, err
			}
			s := &scope{userID: c.UserID, orgs: map[string]bool{}, invited: map[string]bool{}}
			var roleIDs []string
			for _, m := range lists[0] {
				if m.Status != directory.MembershipActive {
					s.invited[m.OrganizationID] = true
					continue
				}
				s.orgs[m.OrganizationID] = hasPermission(m, AdminPermission)
				roleIDs = append(roleIDs, m.RoleIDs...)
			}
			if len(roleIDs) == 0 {
				return s, nil
			}
			// The role named admin makes an admin too, whatever permissions an
			// environment gave it.
			roles, err := dir.RolesByID(ctx, roleIDs)
			if err != nil {
				return nil, err
			}
			admin := map[string]bool{}
			for _, r := range roles {
				if r != nil && r.Name == AdminRole {
					admin[r.ID] = true
				}
			}
			for _, m := range lists[0] {
				if m.Status == directory.MembershipActive && slices.ContainsFunc(m.RoleIDs, func(id string) bool { return admin[id] }) {
					s.orgs[m.OrganizationID] = true
				}
			}
			return s, nil
		}
		return &scope{orgs: map[string]bool{}}, nil
	}
	cache, ok := ctx.Value(scopeKey{}).(*scopeCache)
	if !ok {
		return compute()
	}
	cache.mu.Lock()
	defer cache.mu.Unlock()
	if cache.scope == nil {
		s, err := compute()
		if err != nil {
			return nil, err // not cached: the next check tries again
		}
		cache.scope = s
	}
	return cache.scope, nil
}

func hasPermission(m *directory.Membership, perm string) bool {
	for _, p := range m.Permissions {
		if p == perm {
			return true
		}
	}
	return false
}
