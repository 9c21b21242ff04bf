package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/suite"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
	"github.com/usergraph/usergraph/directory/postgres/postgrestest"
)

// storeSuite runs every test against a fresh, seeded database of the test process's
// PostgreSQL server (see postgrestest).
type storeSuite struct {
	suite.Suite
	ctx   context.Context
	dsn   string
	store *Store
}

func TestStore(t *testing.T) { suite.Run(t, new(storeSuite)) }

func (s *storeSuite) SetupTest() {
	s.ctx = context.Background()
	s.dsn = postgrestest.Start(s.T())
	s.store = s.open(Options{Seed: true})
}

func (s *storeSuite) TearDownTest() {
	if s.store != nil {
		s.NoError(s.store.Close())
	}
}

func (s *storeSuite) open(opts Options) *Store {
	st, err := Open(s.ctx, s.dsn, opts)
	s.Require().NoError(err)
	return st
}

// reopen closes the store and opens the same database again.
func (s *storeSuite) reopen(opts Options) {
	s.Require().NoError(s.store.Close())
	s.store = s.open(opts)
}

// exec runs a statement straight on the database, bypassing the store's code.
func (s *storeSuite) exec(sql string, args ...any) (pgconn.CommandTag, error) {
	return s.store.pool.Exec(s.ctx, sql, args...)
}

// statements returns how many SQL statements fn made the store send.
func (s *storeSuite) statements(fn func()) uint64 {
	before := s.store.Statements()
	fn()
	return s.store.Statements() - before
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

// rowCounts counts the rows of every table, to prove that a refused write wrote nothing.
func (s *storeSuite) rowCounts() map[string]int {
	out := map[string]int{}
	for _, table := range tables {
		var n int
		s.Require().NoError(s.store.pool.QueryRow(s.ctx, "SELECT count(*) FROM "+table).Scan(&n))
		out[table] = n
	}
	return out
}

// unchanged runs a write that must be refused and asserts that it wrote nothing: the row
// count of every table, and the user (when given) with its memberships, stay as they were.
func (s *storeSuite) unchanged(userID string, write func()) {
	s.T().Helper()
	counts := s.rowCounts()
	var before *directory.User
	var beforeM [][]*directory.Membership
	if userID != "" {
		before = s.user(userID)
		beforeM = s.memberships(userID)
	}
	write()
	s.Equal(counts, s.rowCounts(), "a refused write must write nothing")
	if userID != "" {
		s.Equal(before, s.user(userID))
		s.Equal(beforeM, s.memberships(userID))
	}
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

// newOrg adds an empty organization straight into the database.
func (s *storeSuite) newOrg(name string) string {
	id := sqlkit.NewID(sqlkit.OrgPrefix)
	t := now()
	_, err := s.exec(`INSERT INTO organizations (id, display_name, create_time, update_time) VALUES ($1, $2, $3, $4)`, id, name, t, t)
	s.Require().NoError(err)
	return id
}

// createUser creates a user in org through the store, failing the test on error.
func (s *storeSuite) createUser(org, email string, roles ...string) *directory.User {
	u, err := s.store.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: email, Roles: roles})
	s.Require().NoError(err)
	return u
}

func ptr[T any](v T) *T { return &v }

func keys(n int, f func(i int) string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func emailOf(i int) string { return fmt.Sprintf("bulk%03d@load.test", i) }
