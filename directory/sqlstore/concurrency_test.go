package sqlstore

import (
	"fmt"
	"sync"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// TestTwoStoresOnOneDatabase: two stores (as two gateway processes would) write side by side;
// SQLite's busy_timeout and BEGIN IMMEDIATE make their writers wait for each other.
func (s *storeSuite) TestTwoStoresOnOneDatabase() {
	other := s.open(Options{})
	defer other.Close()
	org := s.orgs()[0].ID
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i, st := range []*Store{s.store, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				if _, err := st.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: fmt.Sprintf("s%d-%d@two.test", i, j)}); err != nil {
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
	page, err := other.ListUsers(s.ctx, directory.UsersQuery{First: 100, Search: "@two.test"})
	s.Require().NoError(err)
	s.Equal(40, page.TotalCount)
}

// version reads the concurrency version of a row straight from the database.
func (s *storeSuite) version(table, where string, args ...any) int64 {
	var v int64
	s.Require().NoError(s.store.reader.QueryRowContext(s.ctx, s.store.d.rebind(`SELECT version FROM `+table+` WHERE `+where), args...).Scan(&v))
	return v
}

// TestTwoStoresLoseNoMetadataMerge is the lost-update test: two stores (two gateway
// processes) merge keys into the same user's metadata at the same time, each update adding
// a key of its own. Every merge reads the map, adds its key and writes the whole map back,
// so without concurrency control most keys would vanish. 200 updates in all; a user's
// metadata holds at most directory.MaxMapPairs (20) keys, so they come in 10 waves of 20
// concurrent updates (10 per store), each wave checked and then cleared.
func (s *storeSuite) TestTwoStoresLoseNoMetadataMerge() {
	other := s.open(Options{})
	defer other.Close()
	u := s.createUser(s.orgs()[0].ID, "hot@race.test")
	start := s.version("users", "id = ?", u.ID)
	const waves, perWave = 10, directory.MaxMapPairs
	stores := []*Store{s.store, other}
	for wave := range waves {
		var wg sync.WaitGroup
		errs := make(chan error, perWave)
		for i := range perWave {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k%03d", wave*perWave+i)
				_, err := stores[i%2].UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID,
					Metadata: &directory.MapPatch{Set: map[string]*string{key: ptr("v")}}})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			s.Require().NoError(err)
		}
		got := s.user(u.ID).Metadata
		s.Require().Len(got, perWave, "wave %d: every key of the wave is there", wave)
		for i := range perWave {
			s.Contains(got, fmt.Sprintf("k%03d", wave*perWave+i))
		}
		_, err := other.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID, Metadata: &directory.MapPatch{Clear: true}})
		s.Require().NoError(err)
	}
	s.Equal(start+waves*perWave+waves, s.version("users", "id = ?", u.ID),
		"one version per update: none was written over another")
	s.T().Logf("%d write transactions were retried after a conflict", s.store.retries.Load()+other.retries.Load())
}

// TestConcurrentMembershipAndOrganizationMergesLoseNothing: the same for memberships (from
// two stores) and organizations (whose metadata holds 10 keys).
func (s *storeSuite) TestConcurrentMembershipAndOrganizationMergesLoseNothing() {
	other := s.open(Options{})
	defer other.Close()
	org := s.orgs()[0]
	u := s.createUser(org.ID, "member@race.test")
	stores := []*Store{s.store, other}
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range directory.MaxMapPairs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%2].UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: org.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{fmt.Sprintf("m%02d", i): ptr("v")}}})
			errs <- err
		}()
	}
	// The demo organization has 3 metadata keys; 7 more reach the limit of 10.
	for i := range directory.MaxOrgMapPairs - len(org.Metadata) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := stores[i%2].UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: org.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{fmt.Sprintf("o%02d", i): ptr("v")}}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.Require().NoError(err)
	}
	s.Len(s.memberships(u.ID)[0][0].Metadata, directory.MaxMapPairs)
	got, err := s.store.OrganizationsByID(s.ctx, []string{org.ID})
	s.Require().NoError(err)
	s.Len(got[0].Metadata, directory.MaxOrgMapPairs)
}

// interleave (PostgreSQL only: SQLite has one writer at a time) runs write while another
// transaction, on its own connection, holds the row
// changed by change (uncommitted): write reads the old version, then its UPDATE waits for
// the row lock. Once it waits, the other transaction commits, so that write's version check
// fails exactly as when another gateway wins the race.
func (s *storeSuite) interleave(change string, args []any, write func() error) error {
	tx, err := s.store.writer.BeginTx(s.ctx, nil)
	s.Require().NoError(err)
	defer func() { _ = tx.Rollback() }()
	res, err := tx.ExecContext(s.ctx, s.store.d.rebind(change), args...)
	s.Require().NoError(err)
	n, err := res.RowsAffected()
	s.Require().NoError(err)
	s.Require().EqualValues(1, n)

	done := make(chan error, 1)
	go func() { done <- write() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var waiting int
		s.scalar(&waiting, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`)
		if waiting > 0 {
			break
		}
		s.Require().True(time.Now().Before(deadline), "the write never waited for the row")
		time.Sleep(5 * time.Millisecond)
	}
	s.Require().NoError(tx.Commit())
	return <-done
}

// TestALostRaceIsRetried: a merge whose row changed between its read and its update starts
// again from the new row, so both changes survive.
func (s *storeSuite) TestALostRaceIsRetried() {
	s.only("postgres", "SQLite has one writer at a time: no race to lose")
	u := s.createUser(s.orgs()[0].ID, "retry@race.test")
	var out *directory.User
	err := s.interleave(`UPDATE users SET metadata = metadata || '{"theirs": "1"}', version = version + 1 WHERE id = ?`,
		[]any{u.ID}, func() error {
			var err error
			out, err = s.store.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{"mine": ptr("2")}}})
			return err
		})
	s.Require().NoError(err)
	s.EqualValues(1, s.store.retries.Load(), "one conflict, one retry")
	s.Equal(map[string]string{"theirs": "1", "mine": "2"}, out.Metadata)
	s.Equal(out, s.user(u.ID))
}

// TestAConflictOnEveryAttemptIsAClearError: when the retries are spent (here there is one
// attempt), the write is refused with an input error saying what happened, and writes
// nothing.
func (s *storeSuite) TestAConflictOnEveryAttemptIsAClearError() {
	s.only("postgres", "SQLite has one writer at a time: no race to lose")
	s.store.attempts = 1
	org := s.orgs()[0]
	u := s.createUser(org.ID, "conflict@race.test")

	err := s.interleave(`UPDATE users SET version = version + 1 WHERE id = ?`, []any{u.ID}, func() error {
		_, err := s.store.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID,
			Metadata: &directory.MapPatch{Set: map[string]*string{"mine": ptr("2")}}})
		return err
	})
	s.refused(err, directory.CodeInvalid, "id")
	s.ErrorContains(err, "changed concurrently")
	s.Empty(s.user(u.ID).Metadata)

	err = s.interleave(`UPDATE memberships SET version = version + 1 WHERE user_id = ?`, []any{u.ID}, func() error {
		_, err := s.store.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: org.ID,
			Roles: directory.Some([]string{"admin"})})
		return err
	})
	s.refused(err, directory.CodeInvalid, "organizationId")
	s.ErrorContains(err, "changed concurrently")
	s.Equal([]string{s.roleIDs()["member"]}, s.memberships(u.ID)[0][0].RoleIDs, "the roles were not replaced")

	err = s.interleave(`UPDATE organizations SET version = version + 1 WHERE id = ?`, []any{org.ID}, func() error {
		_, err := s.store.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: org.ID, DisplayName: directory.Some("Renamed")})
		return err
	})
	s.refused(err, directory.CodeInvalid, "id")
	s.ErrorContains(err, "changed concurrently")
	got, err := s.store.OrganizationsByID(s.ctx, []string{org.ID})
	s.Require().NoError(err)
	s.Equal(org.DisplayName, got[0].DisplayName)
}

// TestSerializationFailuresAreRetried: a database whose default isolation is SERIALIZABLE
// makes concurrent merges fail with 40001 rather than a version mismatch; they are retried
// the same way and lose nothing either.
func (s *storeSuite) TestSerializationFailuresAreRetried() {
	s.only("postgres", "SQLite has one writer at a time: no race to lose")
	st, err := OpenPostgres(s.ctx, s.target+" default_transaction_isolation=serializable", Options{})
	s.Require().NoError(err)
	defer st.Close()
	var level string
	s.Require().NoError(st.reader.QueryRowContext(s.ctx, `SHOW default_transaction_isolation`).Scan(&level))
	s.Require().Equal("serializable", level)
	u := s.createUser(s.orgs()[0].ID, "serial@race.test")
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{fmt.Sprintf("s%02d", i): ptr("v")}}})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		s.Require().NoError(err)
	}
	s.Len(s.user(u.ID).Metadata, 10)
}

// TestDeleteRacingACreateIsNotFound: a user created in an organization that another
// transaction deletes meanwhile fails on the foreign key; the retry reports NOT_FOUND.
func (s *storeSuite) TestDeleteRacingACreateIsNotFound() {
	s.only("postgres", "SQLite has one writer at a time: no race to lose")
	org := s.newOrg("Doomed")
	err := s.interleave(`DELETE FROM organizations WHERE id = ?`, []any{org}, func() error {
		_, err := s.store.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "orphan@race.test"})
		return err
	})
	s.refused(err, directory.CodeNotFound, "organizationId")
	found, err := s.store.UsersByEmail(s.ctx, []string{"orphan@race.test"})
	s.Require().NoError(err)
	s.Nil(found[0])
}

// TestLockingAttemptsWaitInsteadOfConflicting: the late attempts of a write lock the row
// they read, so a write that starts while another transaction holds the row waits for it
// and then merges into what it wrote, with no conflict to retry. Here every attempt locks.
func (s *storeSuite) TestLockingAttemptsWaitInsteadOfConflicting() {
	s.only("postgres", "SQLite has one writer at a time: no race to lose")
	s.store.attempts, s.store.optimistic = 1, 0
	org := s.orgs()[0]
	u := s.createUser(org.ID, "locker@race.test")
	var out *directory.User
	err := s.interleave(`UPDATE users SET metadata = metadata || '{"theirs": "1"}', version = version + 1 WHERE id = ?`,
		[]any{u.ID}, func() error {
			var err error
			out, err = s.store.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{"mine": ptr("2")}}})
			return err
		})
	s.Require().NoError(err)
	s.Equal(map[string]string{"theirs": "1", "mine": "2"}, out.Metadata)

	var m *directory.Membership
	err = s.interleave(`UPDATE memberships SET metadata = metadata || '{"theirs": "1"}', version = version + 1 WHERE user_id = ?`,
		[]any{u.ID}, func() error {
			var err error
			m, err = s.store.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: org.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{"mine": ptr("2")}}, Roles: directory.Some([]string{"viewer"})})
			return err
		})
	s.Require().NoError(err)
	s.Equal(map[string]string{"theirs": "1", "mine": "2"}, m.Metadata)
	s.Equal([]string{s.roleIDs()["viewer"]}, m.RoleIDs)

	var o *directory.Organization
	err = s.interleave(`UPDATE organizations SET display_name = 'Theirs', version = version + 1 WHERE id = ?`,
		[]any{org.ID}, func() error {
			var err error
			o, err = s.store.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: org.ID,
				Metadata: &directory.MapPatch{Set: map[string]*string{"mine": ptr("2")}}})
			return err
		})
	s.Require().NoError(err)
	s.Equal("Theirs", o.DisplayName)
	s.Equal("2", o.Metadata["mine"])
	s.Zero(s.store.retries.Load())
}

// TestUniqueConstraintsBackTheChecks proves that the schema itself refuses duplicates, and
// that such a failure is still reported as TAKEN (as when another process wins a race).
func (s *storeSuite) TestUniqueConstraintsBackTheChecks() {
	existing := s.createUser(s.orgs()[0].ID, "first@x.test")
	_, err := s.store.UpdateUser(s.ctx, directory.UserUpdate{ID: existing.ID, ExternalID: directory.Some(ptr("dup-ext"))})
	s.Require().NoError(err)
	err = s.store.writeTx(s.ctx, func(c conn) error {
		return insertUser(s.ctx, c, &directory.User{ID: newID(userPrefix), Email: "FIRST@x.test", Profile: directory.UserProfile{ID: newID(profilePrefix)}})
	})
	s.refused(err, directory.CodeTaken, "email")
	err = s.store.writeTx(s.ctx, func(c conn) error {
		return insertUser(s.ctx, c, &directory.User{ID: newID(userPrefix), Email: "second@x.test", ExternalID: ptr("dup-ext"), Profile: directory.UserProfile{ID: newID(profilePrefix)}})
	})
	s.refused(err, directory.CodeTaken, "externalId")

	// NULL external ids do not collide.
	s.createUser(s.orgs()[0].ID, "null1@x.test")
	s.createUser(s.orgs()[0].ID, "null2@x.test")

	t := now().Format(time.RFC3339Nano)
	for name, stmt := range map[string]string{
		"status":             `UPDATE memberships SET status = 'SLEEPING'`,
		"organization extid": `UPDATE organizations SET external_id = 'same'`,
		"role name":          `UPDATE roles SET name = 'same'`,
		"metadata json":      `UPDATE users SET metadata = '[1]' WHERE id = '` + existing.ID + `'`,
		"membership fk":      `INSERT INTO memberships (user_id, organization_id, status, create_time, update_time) VALUES ('usr_x', 'org_x', 'ACTIVE', '` + t + `', '` + t + `')`,
		"email case":         `UPDATE users SET email = 'FIRST@X.TEST' WHERE id <> '` + existing.ID + `'`,
	} {
		_, err := s.exec(stmt)
		s.Error(err, name)
	}
}

// TestThePrimaryKeyRefusesADuplicateMembership: even without AddMembership's check, a
// second membership of a user in one organization is refused, as ALREADY_EXISTS.
func (s *storeSuite) TestThePrimaryKeyRefusesADuplicateMembership() {
	u := s.createUser(s.orgs()[0].ID, "twice@x.test")
	err := s.store.writeTx(s.ctx, func(c conn) error {
		return insertMembership(s.ctx, c, newMembership(u.ID, s.orgs()[0].ID, false, now()), nil)
	})
	s.refused(err, directory.CodeAlreadyExists, "organizationId")
}
