// Package directorytest is the conformance suite of the directory.Directory port: one set of
// behaviour tests (batch reads in key order, pages and cursors, every write with its
// refusals, identities, concurrent writers) that every backend must pass. Run takes a
// constructor, so the same tests run on the SQLite and PostgreSQL stores and on the
// Scalekit client against its fake.
//
// Where a backend differs from the port's behaviour by design (Scalekit's API has no notion
// of a statement, so it cannot prove a batch read is one), the backend names the difference
// in Backend.Differs and the tests that meet it skip, saying why. A skip is never silent.
package directorytest

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/suite"

	"github.com/usergraph/usergraph/directory"
)

// Backend is one fresh directory under test.
type Backend struct {
	Dir directory.Directory
	// Calls counts what the backend has sent to its database (SQL statements) since it was
	// opened; the tests that prove a batch costs one statement need it.
	Calls func() uint64
	// Rows returns the number of rows of every table, so that a refused write can be shown to
	// have written nothing at all; without it, the tests compare what the port reads back.
	Rows func() map[string]int
	// Exec runs one SQL statement straight on the database, bypassing the backend's code (to
	// set up a state the port cannot write); the steps that need it are skipped without it.
	Exec func(statement string) error
	// Differs names the documented ways in which this backend departs from the suite, each
	// with the reason; the tests that meet one are skipped with that reason.
	Differs map[Difference]string
}

// Difference is a documented way in which a backend departs from the suite's expectations.
type Difference string

const (
	// NoStatementCount: the backend cannot count the statements a read costs.
	NoStatementCount Difference = "no statement count"
	// SecondWriter: the backend cannot open a second, independent handle on the same data
	// (as a second process would), so races between two writers are not tested through it.
	SecondWriter Difference = "no second writer"
	// IdentitiesReadOnly: the backend records identities itself (at sign-in); LinkIdentity
	// only checks the user.
	IdentitiesReadOnly Difference = "identities are read-only"
	// StatusReadOnly: a membership's status cannot be changed through the backend.
	StatusReadOnly Difference = "membership status is read-only"
	// RolesInBackendOrder: a membership lists its role ids in the backend's order, not by
	// role name.
	RolesInBackendOrder Difference = "role ids in backend order"
	// FirstProblemOnly: a refused write reports the problems the backend found before it
	// stopped, not every problem of the input at once.
	FirstProblemOnly Difference = "first problems only"
	// FixedRoles: the role catalogue exists even in an empty directory.
	FixedRoles Difference = "roles always exist"
	// SearchByKeyOnly: ListUsers' search matches emails and ids, not names.
	SearchByKeyOnly Difference = "search by key only"
	// OtherOrganizationsDomainInvalid: a domain another organization holds is refused as
	// INVALID (the backend does not say why), not as TAKEN.
	OtherOrganizationsDomainInvalid Difference = "another organization's domain is INVALID"
	// NoRowCount: the backend has no tables whose rows a test could count.
	NoRowCount Difference = "no row count"
)

// Open returns a fresh backend for t, seeded with the demo data set (demo package) when
// seed is set, and closed when t ends. second, when not nil, opens another handle on the
// data of the first (as another process would); see SecondWriter.
type Open func(t *testing.T, seed bool) (b Backend, second func() directory.Directory)

// Run runs the whole suite against the backends open makes, one fresh backend per test.
func Run(t *testing.T, open Open) {
	suite.Run(t, &Suite{open: open})
}

// Suite is the conformance suite; Run runs it.
type Suite struct {
	suite.Suite
	open   Open
	ctx    context.Context
	b      Backend
	dir    directory.Directory
	second func() directory.Directory
}

func (s *Suite) SetupTest() {
	s.ctx = context.Background()
	s.b, s.second = s.open(s.T(), true)
	s.dir = s.b.Dir
}

// differs skips the test when the backend departs from it by d.
func (s *Suite) differs(d Difference) {
	s.T().Helper()
	if why, ok := s.b.Differs[d]; ok {
		s.T().Skipf("%s: %s", d, why)
	}
}

// statements returns how many statements fn made the backend send.
func (s *Suite) statements(fn func()) uint64 {
	s.T().Helper()
	s.differs(NoStatementCount)
	before := s.b.Calls()
	fn()
	return s.b.Calls() - before
}

// exec runs a statement straight on the database; it reports false (and logs why) when the
// backend has no database to reach.
func (s *Suite) exec(statement string) bool {
	s.T().Helper()
	if s.b.Exec == nil {
		s.T().Logf("skipped a step: the backend runs no SQL (%s)", statement)
		return false
	}
	s.Require().NoError(s.b.Exec(statement))
	return true
}

// refused asserts that err is an InvalidInputError with a problem of that code at field.
func (s *Suite) refused(err error, code directory.ErrorCode, field ...string) {
	s.T().Helper()
	RequireRefused(s.T(), err, code, field...)
}

// rowCounts counts the rows of every table, when the backend can (unchanged compares them
// when there are some).
func (s *Suite) rowCounts() map[string]int {
	if s.b.Rows == nil {
		return nil
	}
	return s.b.Rows()
}

// unchanged runs a write that must be refused and asserts that it wrote nothing: the row
// count of every table (where the backend counts them), and the user (when given) with its
// memberships, stay as they were.
func (s *Suite) unchanged(userID string, write func()) {
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

func (s *Suite) user(id string) *directory.User {
	return MustUser(s.T(), s.ctx, s.dir, id)
}

func (s *Suite) memberships(userIDs ...string) [][]*directory.Membership {
	return MustMemberships(s.T(), s.ctx, s.dir, userIDs...)
}

func (s *Suite) orgs() []*directory.Organization {
	return MustOrganizations(s.T(), s.ctx, s.dir)
}

func (s *Suite) roleIDs() map[string]string { return MustRoleIDs(s.T(), s.ctx, s.dir) }

// newOrg adds an empty organization.
func (s *Suite) newOrg(name string) string {
	return MustNewOrganization(s.T(), s.ctx, s.dir, name)
}

// createUser creates a user in org through the backend, failing the test on error.
func (s *Suite) createUser(org, email string, roles ...string) *directory.User {
	return MustCreateUser(s.T(), s.ctx, s.dir, org, email, roles...)
}

// secondWriter opens another handle on the backend's data, or skips.
func (s *Suite) secondWriter() directory.Directory {
	s.T().Helper()
	s.differs(SecondWriter)
	s.Require().NotNil(s.second, "a backend without a second writer must name the SecondWriter difference")
	return s.second()
}

// roleOrder compares a membership's role ids with want, ordered by role name; a backend that
// lists them in its own order (RolesInBackendOrder) is compared as a set.
func (s *Suite) roleOrder(want, got []string, msg string) {
	s.T().Helper()
	if _, ok := s.b.Differs[RolesInBackendOrder]; ok {
		s.ElementsMatch(want, got, msg+" (%s: compared as a set)", RolesInBackendOrder)
		return
	}
	s.Equal(want, got, msg)
}

// withoutUser is a membership without the user a backend may embed in a write's answer
// (reads never do), so that the two compare.
func withoutUser(m *directory.Membership) *directory.Membership {
	c := *m
	c.User = nil
	return &c
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
