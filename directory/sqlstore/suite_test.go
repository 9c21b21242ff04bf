package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/suite"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/directorytest"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"
)

// These tests cover what the conformance suite (directory/directorytest, which runs on this
// store too) cannot see through the port: opening, migrations, seeding, the schema's own
// constraints, times as stored, and concurrent writers of one row. Each runs on both
// dialects unless it says otherwise.

// TestMain stops this process's PostgreSQL server (see postgrestest) once every test ran.
func TestMain(m *testing.M) {
	code := m.Run()
	postgrestest.Stop()
	os.Exit(code)
}

type storeSuite struct {
	suite.Suite
	dialect string // "sqlite" or "postgres"
	ctx     context.Context
	target  string // the SQLite file's path, or the PostgreSQL DSN
	store   *Store
}

func TestSQLite(t *testing.T)   { suite.Run(t, &storeSuite{dialect: "sqlite"}) }
func TestPostgres(t *testing.T) { suite.Run(t, &storeSuite{dialect: "postgres"}) }

func (s *storeSuite) SetupTest() {
	s.ctx = context.Background()
	s.target = s.newTarget()
	s.store = s.open(Options{Seed: true})
}

func (s *storeSuite) TearDownTest() {
	if s.store != nil {
		s.NoError(s.store.Close())
	}
}

// newTarget is a new, empty database.
func (s *storeSuite) newTarget() string {
	if s.dialect == "sqlite" {
		return filepath.Join(s.T().TempDir(), "data", "usergraph.db")
	}
	return postgrestest.Start(s.T())
}

// only skips the test on the other dialect.
func (s *storeSuite) only(dialect, why string) {
	if s.dialect != dialect {
		s.T().Skipf("%s only: %s", dialect, why)
	}
}

func (s *storeSuite) openAt(target string, opts Options) (*Store, error) {
	if s.dialect == "sqlite" {
		return OpenSQLite(s.ctx, target, opts)
	}
	return OpenPostgres(s.ctx, target, opts)
}

func (s *storeSuite) open(opts Options) *Store {
	st, err := s.openAt(s.target, opts)
	s.Require().NoError(err)
	return st
}

// reopen closes the store and opens the same database again.
func (s *storeSuite) reopen(opts Options) {
	s.Require().NoError(s.store.Close())
	s.store = s.open(opts)
}

// exec runs a statement (with ? placeholders) straight on the database, bypassing the
// store's code.
func (s *storeSuite) exec(query string, args ...any) (sql.Result, error) {
	return s.store.writer.ExecContext(s.ctx, s.store.d.rebind(query), args...)
}

// scalar reads one value straight from the database.
func (s *storeSuite) scalar(dest any, query string, args ...any) {
	s.T().Helper()
	s.Require().NoError(s.store.reader.QueryRowContext(s.ctx, s.store.d.rebind(query), args...).Scan(dest))
}

// refused asserts that err is an InvalidInputError with a problem of that code at field.
func (s *storeSuite) refused(err error, code directory.ErrorCode, field ...string) {
	s.T().Helper()
	directorytest.RequireRefused(s.T(), err, code, field...)
}

// tables are every table of the schema but schema_migrations.
var tables = []string{"organizations", "roles", "permissions", "role_permissions", "users", "memberships", "membership_roles", "identities", "domains"}

// rowCounts counts the rows of every table.
func (s *storeSuite) rowCounts() map[string]int {
	out := map[string]int{}
	for _, table := range tables {
		var n int
		s.scalar(&n, "SELECT count(*) FROM "+table)
		out[table] = n
	}
	return out
}

func (s *storeSuite) user(id string) *directory.User {
	return directorytest.MustUser(s.T(), s.ctx, s.store, id)
}

func (s *storeSuite) memberships(userIDs ...string) [][]*directory.Membership {
	return directorytest.MustMemberships(s.T(), s.ctx, s.store, userIDs...)
}

func (s *storeSuite) orgs() []*directory.Organization {
	return directorytest.MustOrganizations(s.T(), s.ctx, s.store)
}

func (s *storeSuite) roleIDs() map[string]string {
	return directorytest.MustRoleIDs(s.T(), s.ctx, s.store)
}

// newOrg adds an empty organization.
func (s *storeSuite) newOrg(name string) string {
	return directorytest.MustNewOrganization(s.T(), s.ctx, s.store, name)
}

// createUser creates a user in org through the store, failing the test on error.
func (s *storeSuite) createUser(org, email string, roles ...string) *directory.User {
	return directorytest.MustCreateUser(s.T(), s.ctx, s.store, org, email, roles...)
}

func ptr[T any](v T) *T { return &v }
