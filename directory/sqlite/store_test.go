package sqlite

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

func (s *storeSuite) TestOpenCreatesTheFolder() {
	_, err := os.Stat(s.path)
	s.NoError(err, "Open creates the file inside a folder that did not exist")
	s.NoError(s.store.Ping(s.ctx))
}

func (s *storeSuite) TestMigrationsAreRecordedOnceAcrossReopens() {
	versions := func() []int {
		rows, err := s.store.reader.QueryContext(s.ctx, `SELECT version FROM schema_migrations ORDER BY version`)
		s.Require().NoError(err)
		defer rows.Close()
		var out []int
		for rows.Next() {
			var v int
			s.Require().NoError(rows.Scan(&v))
			out = append(out, v)
		}
		return out
	}
	all, err := sqlkit.LoadMigrations(migrations, "migrations")
	s.Require().NoError(err)
	want := make([]int, len(all))
	for i, m := range all {
		want[i] = m.Version
	}
	s.Equal(want, versions())
	s.reopen(Options{Seed: true})
	s.reopen(Options{})
	s.Equal(want, versions(), "reopening applies nothing twice")
}

func (s *storeSuite) TestANewerSchemaIsRefused() {
	_, err := s.store.writer.ExecContext(s.ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (9999, 'x')`)
	s.Require().NoError(err)
	s.Require().NoError(s.store.Close())
	st, err := Open(s.ctx, s.path, Options{})
	if st != nil {
		_ = st.Close()
	}
	s.store = nil
	s.ErrorContains(err, "newer than this build")
}

func (s *storeSuite) TestSeedHappensOnlyOnceAndOnlyWhenAsked() {
	counts := s.rowCounts()
	s.Equal(3, counts["organizations"])
	s.Equal(3, counts["roles"])
	s.Equal(len(demo.Emails()), counts["users"])
	s.reopen(Options{Seed: true})
	s.Equal(counts, s.rowCounts(), "a seeded database is not seeded again")

	s.path = filepath.Join(s.T().TempDir(), "plain.db")
	s.reopen(Options{})
	for table, n := range s.rowCounts() {
		s.Zero(n, "%s: nothing is seeded unless asked", table)
	}
}

func (s *storeSuite) TestSeedIsRealistic() {
	users, err := s.store.UsersByEmail(s.ctx, demo.Emails())
	s.Require().NoError(err)
	byStatus := map[directory.MembershipStatus]int{}
	inTwo, withLocale, withPhone, withGroups, withCustom := 0, 0, 0, 0, 0
	ids := make([]string, len(users))
	for i, u := range users {
		s.Require().NotNil(u, demo.Emails()[i])
		ids[i] = u.ID
		if u.Profile.Locale != nil {
			withLocale++
		}
		if u.Profile.PhoneNumber != nil {
			withPhone++
		}
		if len(u.Profile.Groups) > 0 {
			withGroups++
		}
		if len(u.Profile.CustomAttributes) > 0 {
			withCustom++
		}
	}
	for _, ms := range s.memberships(ids...) {
		s.NotEmpty(ms, "every seeded user has a membership")
		if len(ms) >= 2 {
			inTwo++
		}
		for _, m := range ms {
			byStatus[m.Status]++
		}
	}
	s.Positive(inTwo)
	s.Positive(byStatus[directory.MembershipPendingInvite])
	s.Positive(byStatus[directory.MembershipInactive])
	s.Positive(withLocale)
	s.Positive(withPhone)
	s.Positive(withGroups)
	s.Positive(withCustom)

	orgs := s.orgs()
	s.Equal("Acme Corp", orgs[0].DisplayName, "organizations are in creation order")
	s.Equal("acme", *orgs[0].ExternalID)
	s.Equal("enterprise", orgs[0].Metadata["plan"])
}

func (s *storeSuite) TestDataSurvivesReopen() {
	org := s.orgs()[1].ID
	u, err := s.store.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "durable@x.test",
		Profile: directory.ProfileInput{GivenName: ptr("Dura"), Groups: []string{"g1"}}, Metadata: map[string]string{"tier": "gold"}})
	s.Require().NoError(err)
	s.reopen(Options{Seed: true})
	again := s.user(u.ID)
	s.Equal(u, again)
	s.Equal(org, s.memberships(u.ID)[0][0].OrganizationID)
}

func (s *storeSuite) TestTimesAreUTCAndOrdered() {
	u := s.createUser(s.orgs()[0].ID, "clock@x.test")
	s.Equal("UTC", u.CreateTime.Location().String())
	s.Equal(u.CreateTime, u.UpdateTime)
	var created string
	s.Require().NoError(s.store.reader.QueryRowContext(s.ctx, `SELECT create_time FROM users WHERE id = ?`, u.ID).Scan(&created))
	s.Len(created, len("2006-01-02T15:04:05.000000000Z"), "fixed width, so text order is time order")
}

func (s *storeSuite) TestClosedStoreFailsWithoutPanicking() {
	s.Require().NoError(s.store.Close())
	s.Error(s.store.Ping(s.ctx))
	_, err := s.store.UsersByID(s.ctx, []string{"usr_1"})
	s.Error(err)
	var invalid *directory.InvalidInputError
	s.NotErrorAs(err, &invalid, "an I/O failure is not an input problem")
	s.store = nil
}

func (s *storeSuite) TestCanceledContextIsAnError() {
	ctx, cancel := context.WithCancel(s.ctx)
	cancel()
	_, err := s.store.UsersByID(ctx, []string{"usr_1"})
	s.ErrorIs(err, context.Canceled)
	_, err = s.store.CreateUser(ctx, directory.NewUser{OrganizationID: s.orgs()[0].ID, Email: "late@x.test"})
	s.ErrorIs(err, context.Canceled)
}

func TestOpenRefusesAnEmptyPath(t *testing.T) {
	_, err := Open(context.Background(), "", Options{})
	require.Error(t, err)
}

func TestOpenHandlesOddFolderNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%", "x.db")
	st, err := Open(context.Background(), path, Options{Seed: true})
	require.NoError(t, err)
	defer st.Close()
	_, err = os.Stat(path)
	assert.NoError(t, err, "the file is where it was asked for, not cut at '?' or '#'")
}

func TestDSNCarriesThePragmas(t *testing.T) {
	w, r := dsn("/tmp/x.db", true), dsn("/tmp/x.db", false)
	for _, want := range []string{"foreign_keys%281%29", "journal_mode%28WAL%29", "busy_timeout%285000%29", "synchronous%28FULL%29"} {
		assert.Contains(t, w, want)
		assert.Contains(t, r, want)
	}
	assert.Contains(t, w, "_txlock=immediate")
	assert.NotContains(t, r, "_txlock")
	assert.Contains(t, r, "query_only")
}

func (s *storeSuite) TestPragmasAreInEffect() {
	for _, db := range []struct {
		name string
		q    querier
	}{{"writer", s.store.writer}, {"reader", s.store.reader}} {
		var fk, sync int
		var mode string
		s.Require().NoError(db.q.QueryRowContext(s.ctx, `PRAGMA foreign_keys`).Scan(&fk))
		s.Require().NoError(db.q.QueryRowContext(s.ctx, `PRAGMA journal_mode`).Scan(&mode))
		s.Require().NoError(db.q.QueryRowContext(s.ctx, `PRAGMA synchronous`).Scan(&sync))
		s.Equal(1, fk, db.name)
		s.Equal("wal", mode, db.name)
		s.Equal(2, sync, db.name+": FULL")
	}
	_, err := s.store.reader.ExecContext(s.ctx, `DELETE FROM users`)
	s.Error(err, "reader connections are query-only")
}
