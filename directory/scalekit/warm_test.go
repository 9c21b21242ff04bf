package scalekit_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// Warm leaves the first page of organizations cached and the member lists' verdict known,
// so the first query after a start fetches neither every organization its members name nor
// every member's record.
func TestWarmKeepsTheOrganizationsAndLearnsTheMemberLists(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Generate: &scalekittest.Generated{Organizations: 5, Users: 500}})
	c := newClient(t, fake, cached(time.Hour))
	require.Equal(t, scalekit.ListsUnknown, c.MemberListState())
	require.NoError(t, c.Warm(ctx))
	assert.Equal(t, scalekit.ListsComplete, c.MemberListState(), "one organization's members, seen both ways, decide")

	orgs := listOrganizations(t, c)
	before := fake.Calls()
	_, err := c.OrganizationsByID(ctx, orgs)
	require.NoError(t, err)
	assert.Equal(t, before, fake.Calls(), "the organizations are kept")
	// Another organization's members now carry their memberships: no record is fetched.
	pages, err := c.Members(ctx, []directory.MembersQuery{{OrganizationID: orgs[1], First: 100}})
	require.NoError(t, err)
	require.NotEmpty(t, pages[0].Items)
	assert.NotNil(t, pages[0].Items[0].User.Memberships, "a trusted list's user keeps its memberships")
	assert.Equal(t, before+1, fake.Calls())
}

// With the member lists' mode fixed, Warm only reads the organizations; a failing Scalekit
// is an error for the caller to log, nothing more.
func TestWarmReadsOnlyWhatIsStillUnknown(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Generate: &scalekittest.Generated{Organizations: 5, Users: 500}})
	c := newClient(t, fake, cached(time.Hour), func(cfg *scalekit.Config) { cfg.MemberLists = scalekit.MemberListsPartial })
	require.NoError(t, c.Ping(ctx)) // the token and the role catalogue, out of the count
	before := fake.Calls()
	require.NoError(t, c.Warm(ctx))
	assert.Equal(t, before+1, fake.Calls(), "one page of organizations")

	failing := newClient(t, fake, func(cfg *scalekit.Config) { cfg.MaxAttempts = 1 })
	fake.Fail("GET /api/v1/organizations", 1, http.StatusServiceUnavailable, "")
	assert.Error(t, failing.Warm(ctx))
}
