package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/suite"

	"github.com/usergraph/usergraph/directory"
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
	var invalid *directory.InvalidInputError
	s.Require().True(errors.As(err, &invalid), "want an InvalidInputError, got %v", err)
	for _, p := range invalid.Problems {
		if strings.Join(p.Field, ".") == strings.Join(field, ".") && p.Code == code {
			s.NotEmpty(p.Message)
			return
		}
	}
	s.Failf("problem missing", "want %s at %v, got %+v", code, field, invalid.Problems)
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
	users, err := s.store.UsersByID(s.ctx, []string{id})
	s.Require().NoError(err)
	return users[0]
}

func (s *storeSuite) memberships(userIDs ...string) [][]*directory.Membership {
	ms, err := s.store.MembershipsByUser(s.ctx, userIDs)
	s.Require().NoError(err)
	return ms
}

func (s *storeSuite) orgs() []*directory.Organization {
	page, err := s.store.ListOrganizations(s.ctx, directory.PageQuery{First: 100})
	s.Require().NoError(err)
	s.Require().GreaterOrEqual(len(page.Items), 3)
	return page.Items
}

func (s *storeSuite) roleIDs() map[string]string {
	roles, err := s.store.Roles(s.ctx)
	s.Require().NoError(err)
	out := map[string]string{}
	for _, r := range roles {
		out[r.Name] = r.ID
	}
	return out
}

func (s *storeSuite) newOrg(name string) string {
	o, err := s.store.CreateOrganization(s.ctx, directory.NewOrganization{DisplayName: name})
	s.Require().NoError(err)
	return o.ID
}

// createUser creates a user in org through the store, failing the test on error.
func (s *storeSuite) createUser(org, email string, roles ...string) *directory.User {
	u, err := s.store.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: email, Roles: roles})
	s.Require().NoError(err)
	return u
}

func ptr[T any](v T) *T { return &v }
