package policy

import (
	"context"
	"slices"
	"strings"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
)

// Guard applies the policy to every call of d. The gateway wraps its backend with it, always.
func Guard(d directory.Directory) directory.Directory { return guard{d} }

type guard struct{ inner directory.Directory }

var _ directory.Directory = guard{}

// scope returns the caller's scope; an anonymous caller may do nothing at all.
func (g guard) scope(ctx context.Context) (*scope, error) {
	if auth.CallerFrom(ctx).IsAnonymous() {
		return nil, ErrForbidden
	}
	return scopeOf(ctx, g.inner)
}

// --- reads: what is outside the scope reads as missing ---

// visible returns the users the caller may see (nil for the others, in place), each
// trimmed to what the caller may see of it: another user's memberships only in the
// caller's organizations, and none of its identities.
func (g guard) visible(ctx context.Context, s *scope, users []*directory.User) ([]*directory.User, error) {
	if s.all {
		return users, nil
	}
	// Memberships decide visibility; backends that did not embed them are asked once for
	// every user of the batch.
	var ask []string
	for _, u := range users {
		if u != nil && u.Memberships == nil && u.ID != s.userID {
			ask = append(ask, u.ID)
		}
	}
	fetched := map[string][]*directory.Membership{}
	if len(ask) > 0 {
		lists, err := g.inner.MembershipsByUser(ctx, ask)
		if err != nil {
			return nil, err
		}
		for i, id := range ask {
			fetched[id] = lists[i]
		}
	}
	out := make([]*directory.User, len(users))
	for i, u := range users {
		if u == nil {
			continue
		}
		if u.ID == s.userID {
			out[i] = u
			continue
		}
		ms := u.Memberships
		if ms == nil {
			ms = fetched[u.ID]
		}
		shared := s.within(ms)
		if len(shared) == 0 {
			continue
		}
		trimmed := *u
		trimmed.Memberships = nil
		if u.Memberships != nil {
			trimmed.Memberships = shared
		}
		trimmed.Identities = []*directory.Identity{}
		out[i] = &trimmed
	}
	return out, nil
}

// within keeps the memberships in the caller's organizations.
func (s *scope) within(ms []*directory.Membership) []*directory.Membership {
	out := []*directory.Membership{}
	for _, m := range ms {
		if s.member(m.OrganizationID) {
			out = append(out, m)
		}
	}
	return out
}

func (g guard) users(ctx context.Context, keys []string, fetch func(context.Context, []string) ([]*directory.User, error)) ([]*directory.User, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	users, err := fetch(ctx, keys)
	if err != nil && users == nil {
		return nil, err
	}
	out, verr := g.visible(ctx, s, users)
	if verr != nil {
		return nil, verr
	}
	return out, err // per-key errors of the fetch still apply
}

func (g guard) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	return g.users(ctx, ids, g.inner.UsersByID)
}

func (g guard) UsersByEmail(ctx context.Context, emails []string) ([]*directory.User, error) {
	return g.users(ctx, emails, g.inner.UsersByEmail)
}

func (g guard) UsersByExternalID(ctx context.Context, ids []string) ([]*directory.User, error) {
	return g.users(ctx, ids, g.inner.UsersByExternalID)
}

// ListUsers lets a user list only one of its own organizations: the environment's list
// would show other tenants.
func (g guard) ListUsers(ctx context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if !s.all {
		if q.OrganizationID == "" {
			return nil, ErrForbidden
		}
		if !s.member(q.OrganizationID) {
			return emptyPage[*directory.User](), nil
		}
	}
	page, err := g.inner.ListUsers(ctx, q)
	if err != nil {
		return nil, err
	}
	items, err := g.visible(ctx, s, page.Items)
	if err != nil {
		return nil, err
	}
	out := *page
	out.Items = items
	return &out, nil
}

func emptyPage[T any]() *directory.Page[T] {
	return &directory.Page[T]{Items: []T{}, Cursors: []string{}}
}

func (g guard) organizations(ctx context.Context, keys []string, fetch func(context.Context, []string) ([]*directory.Organization, error)) ([]*directory.Organization, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	orgs, err := fetch(ctx, keys)
	if s.all || orgs == nil {
		return orgs, err
	}
	out := make([]*directory.Organization, len(orgs))
	for i, o := range orgs {
		if o != nil && s.member(o.ID) {
			out[i] = o
		}
	}
	return out, err
}

func (g guard) OrganizationsByID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	return g.organizations(ctx, ids, g.inner.OrganizationsByID)
}

func (g guard) OrganizationsByExternalID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	return g.organizations(ctx, ids, g.inner.OrganizationsByExternalID)
}

// scopedOrganizations is the cursor kind of a user's own organization list.
const scopedOrganizations = "scoped-organizations"

// ListOrganizations shows a user its own organizations, paged here by id.
func (g guard) ListOrganizations(ctx context.Context, q directory.PageQuery) (*directory.Page[*directory.Organization], error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if s.all {
		return g.inner.ListOrganizations(ctx, q)
	}
	if q.First < 1 || q.First > directory.MaxPageSize {
		return nil, directory.Invalid(directory.FieldError{Field: []string{"first"}, Code: directory.CodeInvalid,
			Message: "first must be between 1 and 100"})
	}
	after := ""
	if q.After != "" {
		if after, err = directory.DecodeCursor(scopedOrganizations, q.After); err != nil {
			return nil, err
		}
	}
	ids := make([]string, 0, len(s.orgs))
	for id := range s.orgs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	orgs, err := g.inner.OrganizationsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	all := slices.DeleteFunc(orgs, func(o *directory.Organization) bool { return o == nil })
	start, _ := slices.BinarySearchFunc(all, after, func(o *directory.Organization, id string) int {
		if o.ID <= id {
			return -1
		}
		return 1
	})
	end := min(start+q.First, len(all))
	page := &directory.Page[*directory.Organization]{Items: all[start:end], HasNextPage: end < len(all), TotalCount: len(all)}
	page.Cursors = make([]string, len(page.Items))
	for i, o := range page.Items {
		page.Cursors[i] = directory.EncodeCursor(scopedOrganizations, o.ID)
	}
	return page, nil
}

// MembershipsByUser shows all of the caller's own memberships, and of others only those
// in the caller's organizations.
func (g guard) MembershipsByUser(ctx context.Context, userIDs []string) ([][]*directory.Membership, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	lists, err := g.inner.MembershipsByUser(ctx, userIDs)
	if s.all || lists == nil {
		return lists, err
	}
	out := make([][]*directory.Membership, len(lists))
	for i, ms := range lists {
		if userIDs[i] == s.userID {
			out[i] = ms
		} else {
			out[i] = s.within(ms)
		}
	}
	return out, err
}

// Members answers only for the caller's organizations; the others have no members to it.
func (g guard) Members(ctx context.Context, queries []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if s.all {
		return g.inner.Members(ctx, queries)
	}
	var asked []directory.MembersQuery
	var index []int
	out := make([]*directory.Page[*directory.Membership], len(queries))
	for i, q := range queries {
		if s.member(q.OrganizationID) {
			asked = append(asked, q)
			index = append(index, i)
		} else {
			out[i] = emptyPage[*directory.Membership]()
		}
	}
	if len(asked) == 0 {
		return out, nil
	}
	pages, err := g.inner.Members(ctx, asked)
	if pages == nil {
		return nil, err
	}
	var keyErrs directory.KeyErrors
	inner, perKey := err.(directory.KeyErrors)
	if err != nil && !perKey {
		return nil, err
	}
	if perKey {
		keyErrs = make(directory.KeyErrors, len(queries))
	}
	for j, page := range pages {
		i := index[j]
		if perKey {
			keyErrs[i] = inner[j]
		}
		if page == nil {
			continue
		}
		trimmed := *page
		trimmed.Items = make([]*directory.Membership, len(page.Items))
		for k, m := range page.Items {
			c := *m
			if m.User != nil {
				users, err := g.visible(ctx, s, []*directory.User{m.User})
				if err != nil {
					return nil, err
				}
				c.User = users[0]
			}
			trimmed.Items[k] = &c
		}
		out[i] = &trimmed
	}
	if perKey {
		return out, keyErrs
	}
	return out, nil
}

func (g guard) Roles(ctx context.Context) ([]*directory.Role, error) {
	if _, err := g.scope(ctx); err != nil {
		return nil, err
	}
	return g.inner.Roles(ctx)
}

func (g guard) RolesByID(ctx context.Context, ids []string) ([]*directory.Role, error) {
	if _, err := g.scope(ctx); err != nil {
		return nil, err
	}
	return g.inner.RolesByID(ctx, ids)
}

// IdentitiesByUser shows a user its own identities; the raw attributes of others' are
// for services only.
func (g guard) IdentitiesByUser(ctx context.Context, userIDs []string) ([][]*directory.Identity, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if s.all {
		return g.inner.IdentitiesByUser(ctx, userIDs)
	}
	out := make([][]*directory.Identity, len(userIDs))
	for i := range out {
		out[i] = []*directory.Identity{}
	}
	if i := slices.Index(userIDs, s.userID); i >= 0 {
		own, err := g.inner.IdentitiesByUser(ctx, []string{s.userID})
		if err != nil {
			return nil, err
		}
		for j, id := range userIDs {
			if id == s.userID {
				out[j] = own[0]
			}
		}
	}
	return out, nil
}

// UserByIdentity and LinkIdentity serve provisioning, which only services do.
func (g guard) UserByIdentity(ctx context.Context, in directory.IdentityLookup) (*directory.User, error) {
	if err := g.service(ctx); err != nil {
		return nil, err
	}
	return g.inner.UserByIdentity(ctx, in)
}

func (g guard) LinkIdentity(ctx context.Context, userID string, id directory.Identity) error {
	if err := g.service(ctx); err != nil {
		return err
	}
	return g.inner.LinkIdentity(ctx, userID, id)
}

func (g guard) Ping(ctx context.Context) error { return g.inner.Ping(ctx) }

// --- writes ---

func (g guard) service(ctx context.Context) error {
	if !auth.CallerFrom(ctx).IsService() {
		return ErrForbidden
	}
	return nil
}

// administers reports whether the caller is an admin of the organization.
func (g guard) administers(ctx context.Context, orgID string) error {
	s, err := g.scope(ctx)
	if err != nil {
		return err
	}
	if !s.admin(orgID) {
		return ErrForbidden
	}
	return nil
}

// targetOrganizations returns the organizations of a user the caller wants to change.
func (g guard) targetOrganizations(ctx context.Context, userID string) ([]string, error) {
	lists, err := g.inner.MembershipsByUser(ctx, []string{userID})
	if err != nil {
		return nil, err
	}
	orgs := make([]string, 0, len(lists[0]))
	for _, m := range lists[0] {
		orgs = append(orgs, m.OrganizationID)
	}
	return orgs, nil
}

func (g guard) CreateUser(ctx context.Context, in directory.NewUser) (*directory.User, error) {
	if err := g.administers(ctx, in.OrganizationID); err != nil {
		return nil, err
	}
	return g.inner.CreateUser(ctx, in)
}

// UpdateUser: services; admins of an organization the user belongs to; and the user
// itself, for its names, phone, locale and picture only.
func (g guard) UpdateUser(ctx context.Context, in directory.UserUpdate) (*directory.User, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if !s.all {
		orgs, err := g.targetOrganizations(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		admin := slices.ContainsFunc(orgs, s.admin)
		if !admin && !(in.ID == s.userID && selfEditable(in)) {
			return nil, ErrForbidden
		}
	}
	return g.inner.UpdateUser(ctx, in)
}

// selfEditable reports whether an update touches only what users may change themselves.
func selfEditable(in directory.UserUpdate) bool {
	if in.ExternalID.Set || in.Metadata != nil {
		return false
	}
	p := in.Profile
	if p == nil {
		return true
	}
	return !p.PreferredUsername.Set && !p.Gender.Set && !p.Groups.Set && p.CustomAttributes == nil && p.Metadata == nil
}

// DeleteUser: an admin may delete a user only if every organization of the user is one it
// administers; another tenant's member is not its to delete.
func (g guard) DeleteUser(ctx context.Context, id string) error {
	s, err := g.scope(ctx)
	if err != nil {
		return err
	}
	if !s.all {
		orgs, err := g.targetOrganizations(ctx, id)
		if err != nil {
			return err
		}
		if len(orgs) == 0 || !allOf(orgs, s.admin) {
			return ErrForbidden
		}
	}
	return g.inner.DeleteUser(ctx, id)
}

func allOf(orgs []string, ok func(string) bool) bool {
	for _, o := range orgs {
		if !ok(o) {
			return false
		}
	}
	return true
}

// AddMembership: an admin of the organization may add a user it can see; a user it cannot
// see reads as missing, as everywhere else.
func (g guard) AddMembership(ctx context.Context, in directory.NewMembership) (*directory.Membership, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if !s.admin(in.OrganizationID) {
		return nil, ErrForbidden
	}
	if !s.all {
		users, err := g.UsersByID(ctx, []string{in.UserID})
		if err != nil {
			return nil, err
		}
		if users[0] == nil {
			return nil, directory.Invalid(directory.FieldError{Field: []string{"userId"}, Code: directory.CodeNotFound,
				Message: "there is no user " + quote(in.UserID)})
		}
	}
	return g.inner.AddMembership(ctx, in)
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

func (g guard) UpdateMembership(ctx context.Context, in directory.MembershipUpdate) (*directory.Membership, error) {
	if err := g.administers(ctx, in.OrganizationID); err != nil {
		return nil, err
	}
	return g.inner.UpdateMembership(ctx, in)
}

func (g guard) RemoveMembership(ctx context.Context, userID, orgID string) error {
	if err := g.administers(ctx, orgID); err != nil {
		return err
	}
	return g.inner.RemoveMembership(ctx, userID, orgID)
}

func (g guard) CreateOrganization(ctx context.Context, in directory.NewOrganization) (*directory.Organization, error) {
	if err := g.service(ctx); err != nil {
		return nil, err
	}
	return g.inner.CreateOrganization(ctx, in)
}

func (g guard) UpdateOrganization(ctx context.Context, in directory.OrganizationUpdate) (*directory.Organization, error) {
	if err := g.administers(ctx, in.ID); err != nil {
		return nil, err
	}
	return g.inner.UpdateOrganization(ctx, in)
}

func (g guard) DeleteOrganization(ctx context.Context, id string) error {
	if err := g.service(ctx); err != nil {
		return err
	}
	return g.inner.DeleteOrganization(ctx, id)
}
