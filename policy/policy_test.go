package policy

import (
	"context"
	"testing"
	"time"

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

func (f fakeDir) OrganizationsByID(_ context.Context, ids []string) ([]*directory.Organization, error) {
	out := make([]*directory.Organization, len(ids))
	for i, id := range ids {
		ext := "ext-" + id
		out[i] = &directory.Organization{ID: id, DisplayName: "Name of " + id, ExternalID: &ext,
			Metadata: map[string]string{"plan": "gold"}, CreateTime: time.Unix(1e9, 0), UpdateTime: time.Unix(1e9, 0)}
	}
	return out, nil
}

// An invited or inactive member reads an organization's name, not its external id, metadata
// or times; an active member reads all of it.
func TestInvitedAndInactiveMembersReadOnlyTheOrganizationsName(t *testing.T) {
	dir := fakeDir{memberships: []*directory.Membership{
		{OrganizationID: "org_member", Status: directory.MembershipActive},
		{OrganizationID: "org_gone", Status: directory.MembershipInactive},
		{OrganizationID: "org_invited", Status: directory.MembershipPendingInvite},
	}}
	ctx := auth.WithCaller(context.Background(), auth.Caller{Kind: auth.User, UserID: "usr_1"})
	orgs, err := Guard(dir).OrganizationsByID(ctx, []string{"org_member", "org_gone", "org_invited", "org_other"})
	if err != nil {
		t.Fatal(err)
	}
	if o := orgs[0]; o.ExternalID == nil || o.Metadata["plan"] != "gold" || o.CreateTime.IsZero() {
		t.Errorf("an active member reads the whole organization, got %+v", o)
	}
	for _, o := range orgs[1:3] {
		if o == nil || o.DisplayName != "Name of "+o.ID {
			t.Fatalf("the name stays readable, got %+v", o)
		}
		if o.ExternalID != nil || len(o.Metadata) != 0 || !o.CreateTime.IsZero() || !o.UpdateTime.IsZero() {
			t.Errorf("%s: only the name, got %+v", o.ID, o)
		}
	}
	if orgs[3] != nil {
		t.Error("another organization reads as missing")
	}
}

// usersDir holds one user, in no organization of the caller, and counts the membership
// lookups the guard makes.
type usersDir struct {
	fakeDir
	hidden *directory.User
	asked  *[][]string
}

func (d usersDir) UsersByEmail(_ context.Context, emails []string) ([]*directory.User, error) {
	out := make([]*directory.User, len(emails))
	for i, e := range emails {
		if e == d.hidden.Email {
			out[i] = d.hidden
		}
	}
	return out, nil
}

func (d usersDir) MembershipsByUser(ctx context.Context, ids []string) ([][]*directory.Membership, error) {
	*d.asked = append(*d.asked, ids)
	if len(ids) == 1 && ids[0] == "usr_1" {
		return d.fakeDir.MembershipsByUser(ctx, ids)
	}
	out := make([][]*directory.Membership, len(ids))
	for i, id := range ids {
		out[i] = []*directory.Membership{}
		if id == d.hidden.ID {
			out[i] = []*directory.Membership{{OrganizationID: "org_other", Status: directory.MembershipActive}}
		}
	}
	return out, nil
}

// A hidden user and a missing one cost the same backend work, so the time of the answer
// does not tell them apart: both read as missing after the same lookups.
func TestHiddenAndMissingUsersTakeTheSameSteps(t *testing.T) {
	lookup := func(email string) (*directory.User, [][]string) {
		var asked [][]string
		dir := usersDir{
			fakeDir: fakeDir{memberships: []*directory.Membership{{OrganizationID: "org_mine", Status: directory.MembershipActive}}},
			hidden:  &directory.User{ID: "usr_hidden", Email: "hidden@x.test"},
			asked:   &asked,
		}
		ctx := auth.WithCaller(context.Background(), auth.Caller{Kind: auth.User, UserID: "usr_1"})
		users, err := Guard(dir).UsersByEmail(ctx, []string{email})
		if err != nil {
			t.Fatal(err)
		}
		return users[0], asked
	}
	hidden, hiddenSteps := lookup("hidden@x.test")
	missing, missingSteps := lookup("nobody@x.test")
	if hidden != nil || missing != nil {
		t.Fatalf("both read as missing, got %v and %v", hidden, missing)
	}
	if len(hiddenSteps) != len(missingSteps) {
		t.Errorf("membership lookups: hidden %v, missing %v", hiddenSteps, missingSteps)
	}
	for i := range min(len(hiddenSteps), len(missingSteps)) {
		if len(hiddenSteps[i]) != len(missingSteps[i]) {
			t.Errorf("lookup %d: hidden %v, missing %v", i, hiddenSteps[i], missingSteps[i])
		}
	}
}
