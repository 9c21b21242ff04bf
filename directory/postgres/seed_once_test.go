package postgres

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/directory/postgres/postgrestest"
)

// A store whose organizations were all deleted is not a new store: reopening it must not
// seed demo users again (and must not fail on the leftovers).
func TestSeedOnlyANewDatabase(t *testing.T) {
	ctx := context.Background()
	dsn := postgrestest.Start(t)
	s, err := Open(ctx, dsn, Options{Seed: true})
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

	s, err = Open(ctx, dsn, Options{Seed: true})
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
	s, err := Open(ctx, postgrestest.Start(t), Options{Seed: true})
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

// TestRacingOpensMigrateAndSeedOnce: processes starting together on one new database (here
// stores opened at once, each with its own pool) all succeed; the advisory lock lets one
// migrate and seed while the others wait, then find the work done.
func TestRacingOpensMigrateAndSeedOnce(t *testing.T) {
	ctx := context.Background()
	dsn := postgrestest.Start(t)
	const n = 6
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			stores[i], errs[i] = Open(ctx, dsn, Options{Seed: true})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "store %d", i)
		defer stores[i].Close()
	}
	var versions []int
	rows, err := stores[0].pool.Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	require.NoError(t, err)
	for rows.Next() {
		var v int
		require.NoError(t, rows.Scan(&v))
		versions = append(versions, v)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, allVersions(t), versions, "each version applied once")
	for i, st := range stores {
		orgs, err := st.ListOrganizations(ctx, directory.PageQuery{First: 100})
		require.NoError(t, err)
		assert.Equal(t, len(demo.Organizations), orgs.TotalCount, "store %d: seeded once", i)
		users, err := st.ListUsers(ctx, directory.UsersQuery{First: 100})
		require.NoError(t, err)
		assert.Equal(t, len(demo.Users), users.TotalCount, "store %d: seeded once", i)
	}
}
