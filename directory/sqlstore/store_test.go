package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

func (s *storeSuite) TestOpenPings() {
	s.NoError(s.store.Ping(s.ctx))
}

func (s *storeSuite) TestOpenCreatesTheFolder() {
	s.only("sqlite", "a file has a folder")
	_, err := os.Stat(s.target)
	s.NoError(err, "Open creates the file inside a folder that did not exist")
}

func (s *storeSuite) versions() []int {
	rows, err := s.store.reader.QueryContext(s.ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	s.Require().NoError(err)
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		s.Require().NoError(rows.Scan(&v))
		out = append(out, v)
	}
	s.Require().NoError(rows.Err())
	return out
}

func (s *storeSuite) TestMigrationsAreRecordedOnceAcrossReopens() {
	all, err := loadMigrations(migrations, "migrations/"+s.dialect)
	s.Require().NoError(err)
	want := make([]int, len(all))
	for i, m := range all {
		want[i] = m.Version
	}
	s.Equal(want, s.versions())
	s.reopen(Options{Seed: true})
	s.reopen(Options{})
	s.Equal(want, s.versions(), "reopening applies nothing twice")
}

func (s *storeSuite) TestANewerSchemaIsRefused() {
	_, err := s.exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (9999, ?)`, s.store.d.encodeTime(now()))
	s.Require().NoError(err)
	s.Require().NoError(s.store.Close())
	st, err := s.openAt(s.target, Options{})
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

	s.target = s.newTarget()
	s.reopen(Options{})
	for table, n := range s.rowCounts() {
		s.Zero(n, "%s: nothing is seeded unless asked", table)
	}
	s.reopen(Options{Seed: true})
	for table, n := range s.rowCounts() {
		s.Zero(n, "%s: a database whose schema exists already is not seeded", table)
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
	s.Equal(u.CreateTime, u.CreateTime.Truncate(time.Microsecond), "times are kept at the microsecond")
	if s.dialect == "sqlite" {
		var created string
		s.scalar(&created, `SELECT create_time FROM users WHERE id = ?`, u.ID)
		s.Len(created, len(sqliteTimeLayout), "fixed width, so text order is time order")
		return
	}
	var typ string
	s.scalar(&typ, `SELECT pg_typeof(create_time)::text FROM users WHERE id = ?`, u.ID)
	s.Equal("timestamp with time zone", typ)
	// Whatever the session's time zone, times come back as the same instants, in UTC.
	st, err := OpenPostgres(s.ctx, s.target+" timezone=Asia/Kolkata", Options{})
	s.Require().NoError(err)
	defer st.Close()
	var zone string
	s.Require().NoError(st.reader.QueryRowContext(s.ctx, `SHOW timezone`).Scan(&zone))
	s.Equal("Asia/Kolkata", zone)
	users, err := st.UsersByID(s.ctx, []string{u.ID})
	s.Require().NoError(err)
	s.Equal(u, users[0])
}

func (s *storeSuite) TestClosedStoreFailsWithoutPanicking() {
	s.Require().NoError(s.store.Close())
	s.Error(s.store.Ping(s.ctx))
	_, err := s.store.UsersByID(s.ctx, []string{"usr_1"})
	s.Error(err)
	var invalid *directory.InvalidInputError
	s.NotErrorAs(err, &invalid, "an I/O failure is not an input problem")
	_, err = s.store.CreateUser(s.ctx, directory.NewUser{OrganizationID: "org_1", Email: "closed@x.test"})
	s.Error(err)
	s.NotErrorAs(err, &invalid)
	s.NoError(s.store.Close(), "closing twice is harmless")
	s.store = nil
}

func (s *storeSuite) TestCanceledContextIsAnError() {
	ctx, cancel := context.WithCancel(s.ctx)
	cancel()
	_, err := s.store.UsersByID(ctx, []string{"usr_1"})
	s.ErrorIs(err, context.Canceled)
	_, err = s.store.CreateUser(ctx, directory.NewUser{OrganizationID: s.orgs()[0].ID, Email: "late@x.test"})
	s.ErrorIs(err, context.Canceled)
	s.NoError(s.store.Ping(s.ctx), "the pool is still usable")
}

// TestByteOrderWhateverTheDatabaseCollation: ids, role and permission names sort by bytes,
// and emails fold ASCII case only, as in SQLite, even when the database's default collation
// (C.UTF-8 on the test server) would say otherwise; and cursors hold no byte the database
// cannot compare.
func (s *storeSuite) TestByteOrderWhateverTheDatabaseCollation() {
	org := s.orgs()[0].ID
	upper := s.createUser(org, "Élodie@x.test")
	_, err := s.store.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "élodie@x.test"})
	s.NoError(err, "É and é are two letters for NOCASE, which folds ASCII only")
	found, err := s.store.UsersByEmail(s.ctx, []string{"ÉLODIE@X.TEST"})
	s.Require().NoError(err)
	s.Equal(upper, found[0])
	page, err := s.store.ListUsers(s.ctx, directory.UsersQuery{First: 10, Search: "ÉLO"})
	s.Require().NoError(err)
	s.Equal(1, page.TotalCount, "search folds ASCII only too")

	// Upper case sorts before lower case in byte order, not in a linguistic one.
	_, err = s.exec(`INSERT INTO roles (id, name) VALUES ('role_x1', 'Zeta'), ('role_x2', 'alpha')`)
	s.Require().NoError(err)
	roles, err := s.store.Roles(s.ctx)
	s.Require().NoError(err)
	var names []string
	for _, r := range roles {
		names = append(names, r.Name)
	}
	s.Equal([]string{"Zeta", "admin", "alpha", "member", "viewer"}, names)
	// A NUL cuts a cursor's position (no stored key holds one); one that is not UTF-8 is
	// refused as a cursor this store did not make.
	page, err = s.store.ListUsers(s.ctx, directory.UsersQuery{First: 2})
	s.Require().NoError(err)
	next, err := s.store.ListUsers(s.ctx, directory.UsersQuery{First: 1,
		After: directory.EncodeCursor(usersCursor, page.Items[0].ID+"\x00zz")})
	s.Require().NoError(err)
	s.Equal(page.Items[1].ID, next.Items[0].ID)
	_, err = s.store.ListUsers(s.ctx, directory.UsersQuery{First: 1, After: directory.EncodeCursor(usersCursor, "\xff")})
	s.refused(err, directory.CodeInvalid, "after")
}

func TestOpenRefusesAnEmptyTarget(t *testing.T) {
	_, err := OpenSQLite(context.Background(), "", Options{})
	require.Error(t, err)
	_, err = OpenPostgres(context.Background(), "", Options{})
	require.Error(t, err)
}

func TestOpenFailsOnAnUnreachableServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err := OpenPostgres(ctx, "host=/nonexistent port=1 user=x dbname=x connect_timeout=2", Options{})
	require.Error(t, err)
}

func TestOpenHandlesOddFolderNames(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a b?c#d%", "x.db")
	st, err := OpenSQLite(context.Background(), path, Options{Seed: true})
	require.NoError(t, err)
	defer st.Close()
	_, err = os.Stat(path)
	assert.NoError(t, err, "the file is where it was asked for, not cut at '?' or '#'")
}

func TestDSNCarriesThePragmas(t *testing.T) {
	w, r := sqliteDSN("/tmp/x.db", true), sqliteDSN("/tmp/x.db", false)
	for _, want := range []string{"foreign_keys%281%29", "journal_mode%28WAL%29", "busy_timeout%285000%29", "synchronous%28FULL%29"} {
		assert.Contains(t, w, want)
		assert.Contains(t, r, want)
	}
	assert.Contains(t, w, "_txlock=immediate")
	assert.NotContains(t, r, "_txlock")
	assert.Contains(t, r, "query_only")
}

func (s *storeSuite) TestPragmasAreInEffect() {
	s.only("sqlite", "pragmas are SQLite's")
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
