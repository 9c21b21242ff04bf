package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/usergraph/usergraph/directory"
)

// A store whose organizations were all deleted is not a new store: reopening it must not
// seed demo users again (and must not fail on the leftovers).
func TestSeedOnlyANewFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "seeded.db")
	s, err := Open(ctx, path, Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.ListOrganizations(ctx, directory.PageQuery{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range page.Items {
		if err := s.DeleteOrganization(ctx, o.ID); err != nil {
			t.Fatal(err)
		}
	}
	users, err := s.ListUsers(ctx, directory.UsersQuery{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	s, err = Open(ctx, path, Options{Seed: true})
	if err != nil {
		t.Fatalf("reopening a store without organizations: %v", err)
	}
	defer s.Close()
	orgs, _ := s.ListOrganizations(ctx, directory.PageQuery{First: 100})
	again, _ := s.ListUsers(ctx, directory.UsersQuery{First: 100})
	if orgs.TotalCount != 0 || again.TotalCount != users.TotalCount {
		t.Fatalf("reseeded: %d organizations, %d users (had %d)", orgs.TotalCount, again.TotalCount, users.TotalCount)
	}
}

func TestAcceptingAnInvitationClearsItsExpiry(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "invite.db"), Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	orgs, _ := s.ListOrganizations(ctx, directory.PageQuery{First: 1})
	u, err := s.CreateUser(ctx, directory.NewUser{OrganizationID: orgs.Items[0].ID, Email: "invitee@x.test", SendInvitationEmail: true})
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := s.MembershipsByUser(ctx, []string{u.ID})
	if ms[0][0].ExpiresAt == nil || ms[0][0].Status != directory.MembershipPendingInvite {
		t.Fatalf("a pending invitation expires: %+v", ms[0][0])
	}
	m, err := s.UpdateMembership(ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs.Items[0].ID, Status: directory.Some(directory.MembershipActive)})
	if err != nil {
		t.Fatal(err)
	}
	if m.ExpiresAt != nil || m.JoinTime == nil {
		t.Fatalf("accepted: want no expiry and a join time, got %+v", m)
	}
}
