package policy_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/policy"
)

// world is a small in-memory backend: two tenants, acme (org_a, org_a2) and globex (org_g).
//
//	usr_admin   admin of org_a and org_a2 (role admin)
//	usr_alice   member of org_a
//	usr_both    member of org_a and org_g (shared with another tenant)
//	usr_gina    member of org_g only
//	usr_invited invited to org_a, never accepted
//
// Users come back without embedded memberships, as the SQL stores return them, so the
// guard must ask for them. Every call is counted.
type world struct {
	directory.Directory // calls the tests do not expect panic
	calls               map[string]int
	memberships         map[string][]*directory.Membership
	written             []string
}

func newWorld() *world {
	m := func(user, org string, status directory.MembershipStatus, roles ...string) *directory.Membership {
		return &directory.Membership{UserID: user, OrganizationID: org, Status: status, RoleIDs: roles}
	}
	active := directory.MembershipActive
	return &world{
		calls: map[string]int{},
		memberships: map[string][]*directory.Membership{
			"usr_admin":   {m("usr_admin", "org_a", active, "role_admin"), m("usr_admin", "org_a2", active, "role_admin")},
			"usr_alice":   {m("usr_alice", "org_a", active, "role_member")},
			"usr_both":    {m("usr_both", "org_a", active), m("usr_both", "org_g", active)},
			"usr_gina":    {m("usr_gina", "org_g", active)},
			"usr_invited": {m("usr_invited", "org_a", directory.MembershipPendingInvite)},
		},
	}
}

func (w *world) user(id string) *directory.User {
	if _, ok := w.memberships[id]; !ok {
		return nil
	}
	return &directory.User{ID: id, Email: id + "@example.test",
		Identities: []*directory.Identity{{Sub: "idp:" + id}}}
}

func (w *world) UsersByID(_ context.Context, ids []string) ([]*directory.User, error) {
	w.calls["UsersByID"]++
	out := make([]*directory.User, len(ids))
	for i, id := range ids {
		out[i] = w.user(id)
	}
	return out, nil
}

func (w *world) MembershipsByUser(_ context.Context, ids []string) ([][]*directory.Membership, error) {
	w.calls["MembershipsByUser"]++
	out := make([][]*directory.Membership, len(ids))
	for i, id := range ids {
		out[i] = append([]*directory.Membership{}, w.memberships[id]...)
	}
	return out, nil
}

func (w *world) RolesByID(_ context.Context, ids []string) ([]*directory.Role, error) {
	out := make([]*directory.Role, len(ids))
	for i, id := range ids {
		out[i] = &directory.Role{ID: id, Name: id[len("role_"):]}
	}
	return out, nil
}

func (w *world) OrganizationsByID(_ context.Context, ids []string) ([]*directory.Organization, error) {
	w.calls["OrganizationsByID"]++
	out := make([]*directory.Organization, len(ids))
	for i, id := range ids {
		out[i] = &directory.Organization{ID: id}
	}
	return out, nil
}

func (w *world) ListUsers(_ context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	w.calls["ListUsers"]++
	page := &directory.Page[*directory.User]{}
	for _, id := range []string{"usr_admin", "usr_alice", "usr_both", "usr_gina"} {
		if slices.ContainsFunc(w.memberships[id], func(m *directory.Membership) bool { return m.OrganizationID == q.OrganizationID }) {
			page.Items = append(page.Items, w.user(id))
		}
	}
	page.TotalCount = len(page.Items)
	return page, nil
}

func (w *world) Members(_ context.Context, qs []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
	w.calls["Members"]++
	out := make([]*directory.Page[*directory.Membership], len(qs))
	errs := make(directory.KeyErrors, len(qs))
	failed := false
	for i, q := range qs {
		if q.After == "bad" {
			errs[i], failed = errors.New("bad cursor"), true
			continue
		}
		out[i] = &directory.Page[*directory.Membership]{Items: []*directory.Membership{
			{UserID: "usr_both", OrganizationID: q.OrganizationID, User: &directory.User{ID: "usr_both", Memberships: w.memberships["usr_both"]}},
		}}
	}
	if failed {
		return out, errs
	}
	return out, nil
}

func (w *world) IdentitiesByUser(_ context.Context, ids []string) ([][]*directory.Identity, error) {
	out := make([][]*directory.Identity, len(ids))
	for i, id := range ids {
		out[i] = []*directory.Identity{{Sub: "idp:" + id}}
	}
	return out, nil
}

func (w *world) UpdateUser(_ context.Context, in directory.UserUpdate) (*directory.User, error) {
	w.written = append(w.written, "UpdateUser "+in.ID)
	return w.user(in.ID), nil
}

func (w *world) DeleteUser(_ context.Context, id string) error {
	w.written = append(w.written, "DeleteUser "+id)
	return nil
}

func (w *world) AddMembership(_ context.Context, in directory.NewMembership) (*directory.Membership, error) {
	w.written = append(w.written, "AddMembership "+in.UserID+" "+in.OrganizationID)
	return &directory.Membership{UserID: in.UserID, OrganizationID: in.OrganizationID}, nil
}

func (w *world) CreateOrganization(_ context.Context, in directory.NewOrganization) (*directory.Organization, error) {
	w.written = append(w.written, "CreateOrganization")
	return &directory.Organization{ID: "org_new"}, nil
}

func (w *world) Ping(context.Context) error { return nil }

func as(userID string) context.Context {
	return auth.WithCaller(context.Background(), auth.Caller{Kind: auth.User, UserID: userID})
}

var service = auth.WithCaller(context.Background(), auth.Caller{Kind: auth.Service, ServiceName: "billing"})

func TestAnonymousCallersReachNothingButPing(t *testing.T) {
	w := newWorld()
	g := policy.Guard(w)
	ctx := context.Background()
	_, err := g.UsersByID(ctx, []string{"usr_alice"})
	assert.ErrorIs(t, err, policy.ErrForbidden)
	_, err = g.Roles(ctx)
	assert.ErrorIs(t, err, policy.ErrForbidden)
	_, err = g.ListOrganizations(ctx, directory.PageQuery{First: 10})
	assert.ErrorIs(t, err, policy.ErrForbidden)
	assert.ErrorIs(t, g.DeleteUser(ctx, "usr_alice"), policy.ErrForbidden)
	assert.Zero(t, w.calls["UsersByID"], "nothing was read for an anonymous caller")
	assert.NoError(t, g.Ping(ctx))
	assert.Empty(t, w.written)
}

func TestAUserSeesColleaguesTrimmedAndStrangersAsMissing(t *testing.T) {
	w := newWorld()
	users, err := policy.Guard(w).UsersByID(as("usr_alice"), []string{"usr_gina", "usr_alice", "usr_both", "usr_nobody", "usr_invited"})
	require.NoError(t, err)
	require.Len(t, users, 5, "one answer per key, in key order")
	assert.Nil(t, users[0], "another tenant's user reads as missing")
	assert.Equal(t, "usr_alice", users[1].ID)
	assert.NotEmpty(t, users[1].Identities, "a user sees its own identities")
	require.NotNil(t, users[2])
	assert.Empty(t, users[2].Identities, "another user's identities are hidden")
	assert.Nil(t, users[3])
	require.NotNil(t, users[4], "members see who is invited to their organization")
	assert.Empty(t, users[4].Identities)
	assert.Equal(t, 2, w.calls["MembershipsByUser"], "one call for the scope, one for the whole batch")
}

func TestEmbeddedMembershipsAreTrimmedToSharedOrganizations(t *testing.T) {
	w := newWorld()
	pages, err := policy.Guard(w).Members(as("usr_alice"), []directory.MembersQuery{{OrganizationID: "org_a", First: 10}})
	require.NoError(t, err)
	member := pages[0].Items[0].User
	require.NotNil(t, member)
	require.Len(t, member.Memberships, 1, "usr_both's globex membership is not alice's to see")
	assert.Equal(t, "org_a", member.Memberships[0].OrganizationID)
	assert.Len(t, w.memberships["usr_both"], 2, "the backend's own data is not modified")
}

func TestMembersOfForeignOrganizationsAreEmptyAndKeyErrorsKeepTheirPlace(t *testing.T) {
	w := newWorld()
	pages, err := policy.Guard(w).Members(as("usr_alice"), []directory.MembersQuery{
		{OrganizationID: "org_g", First: 10},
		{OrganizationID: "org_a", First: 10, After: "bad"},
		{OrganizationID: "org_a", First: 5},
	})
	var keyErrs directory.KeyErrors
	require.ErrorAs(t, err, &keyErrs)
	require.Len(t, keyErrs, 3)
	assert.NoError(t, keyErrs[0])
	assert.Error(t, keyErrs[1], "the failing query's error is at its own index")
	assert.NoError(t, keyErrs[2])
	assert.Empty(t, pages[0].Items, "another tenant's organization has no members to alice")
	assert.Len(t, pages[2].Items, 1)
}

func TestListUsersNeedsOneOfTheCallersOrganizations(t *testing.T) {
	w := newWorld()
	g := policy.Guard(w)
	_, err := g.ListUsers(as("usr_alice"), directory.UsersQuery{First: 10})
	assert.ErrorIs(t, err, policy.ErrForbidden, "the environment's whole list would show other tenants")

	page, err := g.ListUsers(as("usr_alice"), directory.UsersQuery{OrganizationID: "org_g", First: 10})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Zero(t, page.TotalCount)
	assert.Zero(t, w.calls["ListUsers"], "a foreign organization is not even asked for")

	page, err = g.ListUsers(as("usr_alice"), directory.UsersQuery{OrganizationID: "org_a", First: 10})
	require.NoError(t, err)
	assert.Len(t, page.Items, 3)

	page, err = g.ListUsers(service, directory.UsersQuery{First: 10})
	require.NoError(t, err, "a service lists the environment")
	assert.NotNil(t, page)
}

func TestAUsersOwnOrganizationsArePagedByID(t *testing.T) {
	g := policy.Guard(newWorld())
	ctx := as("usr_admin")
	first, err := g.ListOrganizations(ctx, directory.PageQuery{First: 1})
	require.NoError(t, err)
	require.Len(t, first.Items, 1)
	assert.Equal(t, "org_a", first.Items[0].ID)
	assert.True(t, first.HasNextPage)
	assert.Equal(t, 2, first.TotalCount)

	second, err := g.ListOrganizations(ctx, directory.PageQuery{First: 1, After: first.Cursors[0]})
	require.NoError(t, err)
	require.Len(t, second.Items, 1)
	assert.Equal(t, "org_a2", second.Items[0].ID)
	assert.False(t, second.HasNextPage)

	for _, q := range []directory.PageQuery{{First: 0}, {First: 101}, {First: 1, After: "not-a-cursor"}} {
		_, err := g.ListOrganizations(ctx, q)
		var invalid *directory.InvalidInputError
		assert.ErrorAs(t, err, &invalid, "%+v", q)
	}
}

func TestAnInvitedUserReadsTheOrganizationButNotItsPeople(t *testing.T) {
	g := policy.Guard(newWorld())
	ctx := as("usr_invited")
	orgs, err := g.OrganizationsByID(ctx, []string{"org_a", "org_g"})
	require.NoError(t, err)
	assert.NotNil(t, orgs[0], "its own invitation names the organization")
	assert.Nil(t, orgs[1])
	users, err := g.UsersByID(ctx, []string{"usr_alice"})
	require.NoError(t, err)
	assert.Nil(t, users[0])
	list, err := g.ListOrganizations(ctx, directory.PageQuery{First: 10})
	require.NoError(t, err)
	assert.Empty(t, list.Items, "it is not a member anywhere yet")
}

func TestIdentitiesAreTheirOwnersOnly(t *testing.T) {
	g := policy.Guard(newWorld())
	lists, err := g.IdentitiesByUser(as("usr_alice"), []string{"usr_both", "usr_alice"})
	require.NoError(t, err)
	assert.Empty(t, lists[0])
	require.Len(t, lists[1], 1)
	assert.Equal(t, "idp:usr_alice", lists[1][0].Sub)
}

func TestUpdateUser(t *testing.T) {
	name := "New Name"
	nameOnly := directory.UserUpdate{Profile: &directory.ProfileUpdate{Name: directory.Some(&name)}}
	metadata := directory.UserUpdate{Metadata: &directory.MapPatch{Set: map[string]*string{"tier": &name}}}
	for _, tc := range []struct {
		name   string
		ctx    context.Context
		target string
		update directory.UserUpdate
		want   string // "" allowed, "forbidden", "missing"
	}{
		{"itself, its name", as("usr_alice"), "usr_alice", nameOnly, ""},
		{"itself, its metadata", as("usr_alice"), "usr_alice", metadata, "forbidden"},
		{"a colleague, not being admin", as("usr_alice"), "usr_both", nameOnly, "forbidden"},
		{"admin, a user only in its organization", as("usr_admin"), "usr_alice", metadata, ""},
		{"admin, a user shared with another tenant", as("usr_admin"), "usr_both", metadata, "forbidden"},
		{"admin, another tenant's user", as("usr_admin"), "usr_gina", nameOnly, "missing"},
		{"admin, a user it only invited", as("usr_admin"), "usr_invited", nameOnly, "forbidden"},
		{"service, anyone", service, "usr_gina", metadata, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			in := tc.update
			in.ID = tc.target
			_, err := policy.Guard(w).UpdateUser(tc.ctx, in)
			checkRefusal(t, err, tc.want, "id")
			if tc.want == "" {
				assert.Equal(t, []string{"UpdateUser " + tc.target}, w.written)
			} else {
				assert.Empty(t, w.written)
			}
		})
	}
}

func TestDeleteUserAndAddMembership(t *testing.T) {
	for _, tc := range []struct {
		name string
		ctx  context.Context
		do   func(directory.Directory, context.Context) error
		want string
		arg  string
	}{
		{"admin deletes its own member", as("usr_admin"), del("usr_alice"), "", "id"},
		{"admin deletes a shared user", as("usr_admin"), del("usr_both"), "forbidden", "id"},
		{"admin deletes a stranger", as("usr_admin"), del("usr_gina"), "missing", "id"},
		{"member deletes a colleague", as("usr_alice"), del("usr_both"), "forbidden", "id"},
		{"admin moves its member to its other organization", as("usr_admin"), add("usr_alice", "org_a2"), "", "userId"},
		{"admin pulls in another tenant's user", as("usr_admin"), add("usr_gina", "org_a"), "missing", "userId"},
		{"admin pulls in a shared user it can see", as("usr_admin"), add("usr_both", "org_a2"), "", "userId"},
		{"member adds to its organization", as("usr_alice"), add("usr_gina", "org_a"), "forbidden", "userId"},
		{"admin adds to another tenant's organization", as("usr_admin"), add("usr_alice", "org_g"), "forbidden", "userId"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld()
			err := tc.do(policy.Guard(w), tc.ctx)
			checkRefusal(t, err, tc.want, tc.arg)
			assert.Equal(t, tc.want == "", len(w.written) == 1, "written: %v", w.written)
		})
	}
}

func del(id string) func(directory.Directory, context.Context) error {
	return func(d directory.Directory, ctx context.Context) error { return d.DeleteUser(ctx, id) }
}

func add(user, org string) func(directory.Directory, context.Context) error {
	return func(d directory.Directory, ctx context.Context) error {
		_, err := d.AddMembership(ctx, directory.NewMembership{UserID: user, OrganizationID: org})
		return err
	}
}

// checkRefusal: "" allowed; "forbidden" ErrForbidden; "missing" answered exactly as a user
// that does not exist (NOT_FOUND on the argument), so a tenant learns nothing.
func checkRefusal(t *testing.T, err error, want, field string) {
	t.Helper()
	switch want {
	case "":
		assert.NoError(t, err)
	case "forbidden":
		assert.ErrorIs(t, err, policy.ErrForbidden)
	case "missing":
		var invalid *directory.InvalidInputError
		require.ErrorAs(t, err, &invalid)
		require.Len(t, invalid.Problems, 1)
		assert.Equal(t, directory.CodeNotFound, invalid.Problems[0].Code)
		assert.Equal(t, []string{field}, invalid.Problems[0].Field)
	}
}

func TestOrganizationsAndProvisioningAreForServices(t *testing.T) {
	w := newWorld()
	g := policy.Guard(w)
	_, err := g.CreateOrganization(as("usr_admin"), directory.NewOrganization{DisplayName: "x"})
	assert.ErrorIs(t, err, policy.ErrForbidden)
	_, err = g.UserByIdentity(as("usr_admin"), directory.IdentityLookup{})
	assert.ErrorIs(t, err, policy.ErrForbidden)
	assert.ErrorIs(t, g.LinkIdentity(as("usr_admin"), "usr_admin", directory.Identity{}), policy.ErrForbidden)
	assert.Empty(t, w.written)
	_, err = g.CreateOrganization(service, directory.NewOrganization{DisplayName: "x"})
	assert.NoError(t, err)
}

func TestTheScopeIsReadOncePerRequestUntilForgotten(t *testing.T) {
	w := newWorld()
	g := policy.Guard(w)
	ctx := policy.WithScopeCache(as("usr_alice"))
	for range 3 {
		_, err := g.OrganizationsByID(ctx, []string{"org_a"})
		require.NoError(t, err)
	}
	assert.Equal(t, 1, w.calls["MembershipsByUser"], "three checks, one read of the scope")

	// Alice leaves org_a; until the scope is forgotten the request keeps its view, after
	// it the organization is gone.
	w.memberships["usr_alice"] = nil
	orgs, _ := g.OrganizationsByID(ctx, []string{"org_a"})
	assert.NotNil(t, orgs[0])
	policy.ForgetScope(ctx)
	orgs, _ = g.OrganizationsByID(ctx, []string{"org_a"})
	assert.Nil(t, orgs[0], "a removed membership stops granting access at once")

	// Without a cache every check reads the scope again.
	_, _ = g.OrganizationsByID(as("usr_alice"), []string{"org_a"})
	_, _ = g.OrganizationsByID(as("usr_alice"), []string{"org_a"})
	assert.Equal(t, 4, w.calls["MembershipsByUser"])
}
