package sqlstore

import (
	"sync"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

// TestSeedOnlyANewDatabase: a store whose organizations were all deleted is not a new
// store: reopening it must not seed demo users again (and must not fail on the leftovers).
func (s *storeSuite) TestSeedOnlyANewDatabase() {
	page, err := s.store.ListOrganizations(s.ctx, directory.PageQuery{First: 100})
	s.Require().NoError(err)
	for _, o := range page.Items {
		s.Require().NoError(s.store.DeleteOrganization(s.ctx, o.ID))
	}
	users, err := s.store.ListUsers(s.ctx, directory.UsersQuery{First: 100})
	s.Require().NoError(err)

	s.reopen(Options{Seed: true})
	orgs, err := s.store.ListOrganizations(s.ctx, directory.PageQuery{First: 100})
	s.Require().NoError(err)
	again, err := s.store.ListUsers(s.ctx, directory.UsersQuery{First: 100})
	s.Require().NoError(err)
	s.Zero(orgs.TotalCount, "not reseeded")
	s.Equal(users.TotalCount, again.TotalCount, "not reseeded")
}

// TestRacingOpensMigrateAndSeedOnce: processes starting together on one new database (here
// stores opened at once, each with its own connections) all succeed; one migrates and seeds
// (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock) while the others wait, then find
// the work done.
func (s *storeSuite) TestRacingOpensMigrateAndSeedOnce() {
	s.target = s.newTarget()
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
			stores[i], errs[i] = s.openAt(s.target, Options{Seed: true})
		}()
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		s.Require().NoError(err, "store %d", i)
		defer stores[i].Close()
	}
	want := s.versions()
	s.Require().NoError(s.store.Close())
	s.store = stores[0]
	s.Equal(want, s.versions(), "each version applied once")
	s.store = nil
	for i, st := range stores {
		orgs, err := st.ListOrganizations(s.ctx, directory.PageQuery{First: 100})
		s.Require().NoError(err)
		s.Equal(len(demo.Organizations), orgs.TotalCount, "store %d: seeded once", i)
		users, err := st.ListUsers(s.ctx, directory.UsersQuery{First: 100})
		s.Require().NoError(err)
		s.Equal(len(demo.Users), users.TotalCount, "store %d: seeded once", i)
	}
}
