package directorytest

import (
	"fmt"
	"sync"

	"github.com/usergraph/usergraph/directory"
)

// TestConcurrentWritersAllSucceed: concurrent writers all succeed (SQLite's queue on its
// single writer connection instead of failing with SQLITE_BUSY) while readers keep answering.
func (s *Suite) TestConcurrentWritersAllSucceed() {
	org := s.orgs()[0].ID
	const writers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each*2)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: fmt.Sprintf("w%d-%d@race.test", w, i)})
				if err != nil {
					errs <- err
					continue
				}
				if _, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID, Metadata: &directory.MapPatch{Set: map[string]*string{"writer": ptr(fmt.Sprint(w))}}}); err != nil {
					errs <- err
				}
			}
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 50, OrganizationID: org}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.NoError(err)
	}
	page, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 100, Search: "@race.test"})
	s.Require().NoError(err)
	s.Equal(writers*each, page.TotalCount)
}

// TestConcurrentDuplicatesGetExactlyOneWinner: the same email from many goroutines creates one
// user; every other attempt is TAKEN, never a failure of another kind.
func (s *Suite) TestConcurrentDuplicatesGetExactlyOneWinner() {
	org := s.orgs()[0].ID
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			email := "same@race.test"
			if i%2 == 1 {
				email = "SAME@race.test"
			}
			_, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: email})
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
			continue
		}
		s.refused(err, directory.CodeTaken, "email")
	}
	s.Equal(1, wins)
}
