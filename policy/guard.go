package policy

import (
	"context"
	"reflect"
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
// caller's organizations, and none of its identities. memberOf, when set, is an
// organization of the caller's that every one of the users is known to belong to (they
// came from its member list), which is all visibility needs.
func (g guard) visible(ctx context.Context, s *scope, users []*directory.User, memberOf string) ([]*directory.User, error) {
	if s.all {
		return users, nil
	}
	// Memberships decide visibility; backends that did not embed them (or embedded only
	// some) are asked once for every user of the batch, unless the list vouches for them.
	// A key that found no user is asked about too (as "", which no user has), so that a
	// missing user costs the same backend work as a hidden one and the answer's timing
	// does not tell them apart.
	var ask []string
	for _, u := range users {
		switch {
		case u == nil:
			ask = append(ask, "")
		case u.Memberships == nil && u.ID != s.userID && memberOf == "":
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
		if len(shared) == 0 && (memberOf == "" || u.Memberships != nil) {
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
	out, verr := g.visible(ctx, s, users, "")
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
	// A user may list only its own organizations, whose users are visible to it.
	memberOf := ""
	if !s.all {
		memberOf = q.OrganizationID
	}
	items, err := g.visible(ctx, s, page.Items, memberOf)
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
	orgs, err := fetch(s.readAhead(ctx), keys)
	if s.all || orgs == nil {
		return orgs, err
	}
	out := make([]*directory.Organization, len(orgs))
	for i, o := range orgs {
		switch {
		case o == nil || !s.readsOrganization(o.ID):
		case s.member(o.ID):
			out[i] = o
		default:
			out[i] = nameOnly(o)
		}
	}
	return out, err
}

// nameOnly is what an invited or inactive member may read of an organization: its id and
// name. Its external id and metadata (the tenant's own data) and its times read as unset;
// the times are zero because the schema has them non-null.
func nameOnly(o *directory.Organization) *directory.Organization {
	return &directory.Organization{ID: o.ID, DisplayName: o.DisplayName, Metadata: map[string]string{}}
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
		// The members that came embedded are trimmed in one pass for the whole page.
		embedded := make([]*directory.User, len(page.Items))
		for k, m := range page.Items {
			embedded[k] = m.User
		}
		users, err := g.visible(ctx, s, embedded, asked[j].OrganizationID)
		if err != nil {
			return nil, err
		}
		trimmed := *page
		trimmed.Items = make([]*directory.Membership, len(page.Items))
		for k, m := range page.Items {
			c := *m
			c.User = users[k]
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

// targetOrganizations returns the organizations where a user the caller wants to change
// is an ACTIVE member (an invitation it never accepted gives nobody rights over it), and
// whether it has memberships of any status at all.
func (g guard) targetOrganizations(ctx context.Context, userID string) (active []string, any bool, err error) {
	lists, err := g.inner.MembershipsByUser(ctx, []string{userID})
	if err != nil {
		return nil, false, err
	}
	for _, m := range lists[0] {
		if m.Status == directory.MembershipActive {
			active = append(active, m.OrganizationID)
		}
	}
	return active, len(lists[0]) > 0, nil
}

// administersAll: the user belongs to organizations, and the caller administers every
// organization where it is active. A user shared with another tenant is not any one
// admin's to change: that is a service's job.
func (g guard) administersAll(ctx context.Context, s *scope, userID string) (bool, error) {
	active, anyMembership, err := g.targetOrganizations(ctx, userID)
	if err != nil {
		return false, err
	}
	return anyMembership && len(active) > 0 && allOf(active, s.admin), nil
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
		admin, err := g.administersAll(ctx, s, in.ID)
		if err != nil {
			return nil, err
		}
		if !admin && !(in.ID == s.userID && selfEditable(in)) {
			if ok, err := g.canSee(ctx, s, in.ID); err != nil || !ok {
				if err != nil {
					return nil, err
				}
				return nil, noUser(in.ID, "id")
			}
			return nil, ErrForbidden
		}
	}
	return g.inner.UpdateUser(ctx, in)
}

// canSee reports whether the caller may see the user; a user it may not see is answered
// exactly as one that does not exist.
func (g guard) canSee(ctx context.Context, s *scope, userID string) (bool, error) {
	if s.all || userID == s.userID {
		return true, nil
	}
	users, err := g.UsersByID(ctx, []string{userID})
	if err != nil {
		return false, err
	}
	return users[0] != nil, nil
}

func noUser(id string, field string) error {
	return directory.Invalid(directory.FieldError{Field: []string{field}, Code: directory.CodeNotFound,
		Message: "there is no user " + quote(id)})
}

// selfEditable reports whether an update touches only what users may change themselves.
// It is an allow-list: the update must equal one made of the allowed fields alone, so a
// field added to the inputs later is not self-editable until it is listed here.
func selfEditable(in directory.UserUpdate) bool {
	allowed := directory.UserUpdate{ID: in.ID}
	if p := in.Profile; p != nil {
		allowed.Profile = &directory.ProfileUpdate{Name: p.Name, GivenName: p.GivenName, FamilyName: p.FamilyName,
			PhoneNumber: p.PhoneNumber, Locale: p.Locale, Picture: p.Picture}
	}
	return reflect.DeepEqual(in, allowed)
}

// DeleteUser: an admin may delete a user only if every organization of the user is one it
// administers; another tenant's member is not its to delete.
func (g guard) DeleteUser(ctx context.Context, id string) error {
	s, err := g.scope(ctx)
	if err != nil {
		return err
	}
	if !s.all {
		admin, err := g.administersAll(ctx, s, id)
		if err != nil {
			return err
		}
		if !admin {
			if ok, err := g.canSee(ctx, s, id); err != nil || !ok {
				if err != nil {
					return err
				}
				return noUser(id, "id")
			}
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

// AddMembership: an admin of the organization may add a user that is already active in an
// organization it administers (moving people between its own organizations). Anyone else
// — another tenant's member, even one the admin can see — reads as missing: pulling a user
// in would give the admin's organization its profile and the admin rights over it.
func (g guard) AddMembership(ctx context.Context, in directory.NewMembership) (*directory.Membership, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if !s.admin(in.OrganizationID) {
		return nil, ErrForbidden
	}
	if !s.all {
		active, _, err := g.targetOrganizations(ctx, in.UserID)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(active, s.admin) {
			return nil, noUser(in.UserID, "userId")
		}
	}
	return g.inner.AddMembership(ctx, in)
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }

// UpdateMembership lets an admin change a membership, but not turn an invitation (or an
// inactive membership) active: that would give the admin rights over the user that an
// invitation never gives. Only the invited user accepts its invitation (changing nothing
// else), or a service activates it.
func (g guard) UpdateMembership(ctx context.Context, in directory.MembershipUpdate) (*directory.Membership, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	activates := !s.all && in.Status.Set && in.Status.Value == directory.MembershipActive
	if activates && in.UserID == s.userID {
		current, err := g.membershipStatus(ctx, in.UserID, in.OrganizationID)
		if err != nil {
			return nil, err
		}
		if current == directory.MembershipPendingInvite && !in.Roles.Set && in.Metadata == nil {
			return g.inner.UpdateMembership(ctx, in)
		}
	}
	if err := g.administersVisible(ctx, in.OrganizationID, in.UserID); err != nil {
		return nil, err
	}
	if activates {
		current, err := g.membershipStatus(ctx, in.UserID, in.OrganizationID)
		if err != nil {
			return nil, err
		}
		if current != "" && current != directory.MembershipActive {
			return nil, ErrForbidden
		}
	}
	return g.inner.UpdateMembership(ctx, in)
}

// membershipStatus is the status of the user's membership in the organization, "" when
// there is none.
func (g guard) membershipStatus(ctx context.Context, userID, orgID string) (directory.MembershipStatus, error) {
	lists, err := g.inner.MembershipsByUser(ctx, []string{userID})
	if err != nil {
		return "", err
	}
	for _, m := range lists[0] {
		if m.OrganizationID == orgID {
			return m.Status, nil
		}
	}
	return "", nil
}

func (g guard) RemoveMembership(ctx context.Context, userID, orgID string) error {
	if err := g.administersVisible(ctx, orgID, userID); err != nil {
		return err
	}
	return g.inner.RemoveMembership(ctx, userID, orgID)
}

// administersVisible: the caller administers the organization, and a user it cannot see
// is answered as one that does not exist (the backend would otherwise tell "not a member"
// from "no such user").
func (g guard) administersVisible(ctx context.Context, orgID, userID string) error {
	s, err := g.scope(ctx)
	if err != nil {
		return err
	}
	if !s.admin(orgID) {
		return ErrForbidden
	}
	if ok, err := g.canSee(ctx, s, userID); err != nil || !ok {
		if err != nil {
			return err
		}
		return noUser(userID, "userId")
	}
	return nil
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
	// External ids are unique across all tenants, so TAKEN would tell an admin that a
	// hidden organization holds one. They are the integrator's keys: only a service, which
	// sees every organization, sets them; an admin is refused alike whether or not taken.
	if in.ExternalID.Set {
		if err := g.service(ctx); err != nil {
			return nil, err
		}
	}
	return g.inner.UpdateOrganization(ctx, in)
}

func (g guard) DeleteOrganization(ctx context.Context, id string) error {
	if err := g.service(ctx); err != nil {
		return err
	}
	return g.inner.DeleteOrganization(ctx, id)
}
