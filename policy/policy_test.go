package policy

import (
	"context"
	"testing"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
)

// fakeDir answers the two calls a scope needs; any other call panics (nil interface).
type fakeDir struct {
	directory.Directory
	memberships []*directory.Membership
	roles       map[string]*directory.Role
}

func (f fakeDir) MembershipsByUser(context.Context, []string) ([][]*directory.Membership, error) {
	return [][]*directory.Membership{f.memberships}, nil
}

func (f fakeDir) RolesByID(_ context.Context, ids []string) ([]*directory.Role, error) {
	out := make([]*directory.Role, len(ids))
	for i, id := range ids {
		out[i] = f.roles[id]
	}
	return out, nil
}

func TestScopeGrantsAdminByRoleNameOrPermissionAndOnlyForActiveMemberships(t *testing.T) {
	dir := fakeDir{
		memberships: []*directory.Membership{
			{OrganizationID: "org_role", Status: directory.MembershipActive, RoleIDs: []string{"role_a"}},
			{OrganizationID: "org_perm", Status: directory.MembershipActive, Permissions: []string{AdminPermission}},
			{OrganizationID: "org_member", Status: directory.MembershipActive, RoleIDs: []string{"role_m"}},
			{OrganizationID: "org_gone", Status: directory.MembershipInactive, RoleIDs: []string{"role_a"}},
			{OrganizationID: "org_invited", Status: directory.MembershipPendingInvite, Permissions: []string{AdminPermission}},
		},
		roles: map[string]*directory.Role{"role_a": {ID: "role_a", Name: AdminRole}, "role_m": {ID: "role_m", Name: "member"}},
	}
	ctx := auth.WithCaller(context.Background(), auth.Caller{Kind: auth.User, UserID: "usr_1"})
	s, err := scopeOf(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	for org, want := range map[string][2]bool{ // member, admin
		"org_role": {true, true}, "org_perm": {true, true}, "org_member": {true, false},
		"org_gone": {false, false}, "org_invited": {false, false}, "org_other": {false, false},
	} {
		if s.member(org) != want[0] || s.admin(org) != want[1] {
			t.Errorf("%s: member %v admin %v, want %v", org, s.member(org), s.admin(org), want)
		}
	}
	anon, _ := scopeOf(context.Background(), dir)
	if anon.member("org_role") {
		t.Error("an anonymous caller reaches nothing")
	}
}
