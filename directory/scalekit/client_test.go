package scalekit_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

var ctx = context.Background()

func newClient(t *testing.T, fake *scalekittest.Server, tune ...func(*scalekit.Config)) *scalekit.Client {
	t.Helper()
	cfg := scalekit.Config{EnvironmentURL: fake.URL(), ClientID: "test-client", ClientSecret: "test-secret"}
	for _, f := range tune {
		f(&cfg)
	}
	c, err := scalekit.New(cfg)
	require.NoError(t, err)
	return c
}

func TestTokenIsFetchedOnceAndRenewedWhenRefused(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	for range 3 {
		_, err := c.ListOrganizations(ctx, directory.PageQuery{First: 10})
		require.NoError(t, err)
	}
	assert.Equal(t, uint64(1), fake.TokenRequests(), "the token is cached between calls")

	fake.RevokeTokens()
	page, err := c.ListOrganizations(ctx, directory.PageQuery{First: 10})
	require.NoError(t, err, "a refused token is renewed and the call retried once")
	assert.Len(t, page.Items, len(demo.Organizations))
	assert.Equal(t, uint64(2), fake.TokenRequests())
}

func TestWrongCredentialsFailPingWithOneClearLine(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{})
	c := newClient(t, fake, func(c *scalekit.Config) { c.ClientSecret = "wrong" })
	err := c.Ping(ctx)
	require.Error(t, err)
	assert.ErrorIs(t, err, directory.ErrUnavailable)
	assert.Contains(t, err.Error(), "refused the client credentials")
	assert.NotContains(t, err.Error(), "\n")
	assert.NotContains(t, err.Error(), "wrong", "the secret never appears in an error")
	assert.Equal(t, uint64(0), fake.Calls(), "no API call goes out without a token")
}

func TestUnreachableEnvironmentFailsFast(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now
	c, err := scalekit.New(scalekit.Config{EnvironmentURL: "http://" + addr, ClientID: "a", ClientSecret: "b",
		CallTimeout: time.Second})
	require.NoError(t, err)
	start := time.Now()
	err = c.Ping(ctx)
	assert.ErrorIs(t, err, directory.ErrUnavailable)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestConfigurationIsCheckedAtConstruction(t *testing.T) {
	for _, cfg := range []scalekit.Config{
		{EnvironmentURL: "ftp://x", ClientID: "a", ClientSecret: "b"},
		{EnvironmentURL: "not a url", ClientID: "a", ClientSecret: "b"},
		{EnvironmentURL: "https://x.scalekit.dev", ClientID: "a"},
	} {
		_, err := scalekit.New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func TestReadsRetryOutagesAndHonourRetryAfter(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	require.NoError(t, c.Ping(ctx))
	id := fake.OrganizationIDByExternalID("acme")

	fake.Fail("GET /api/v1/organizations/{id}", 2, 503, "")
	before := fake.Calls()
	orgs, err := c.OrganizationsByID(ctx, []string{id})
	require.NoError(t, err)
	require.NotNil(t, orgs[0])
	assert.Equal(t, uint64(3), fake.Calls()-before, "two 503s, then the answer")

	fake.Fail("GET /api/v1/organizations/{id}", 1, 429, "1")
	start := time.Now()
	orgs, err = c.OrganizationsByID(ctx, []string{id})
	require.NoError(t, err)
	require.NotNil(t, orgs[0])
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Retry-After: 1 is waited for")

	// Retries are bounded: a fourth attempt would get the answer, and fail the test. (No
	// more failures than that are injected: they would be left for the next request.)
	fake.Fail("GET /api/v1/organizations/{id}", 3, 503, "")
	before = fake.Calls()
	_, err = c.OrganizationsByID(ctx, []string{id})
	assert.ErrorIs(t, err, directory.ErrUnavailable)
	assert.Equal(t, uint64(3), fake.Calls()-before, "MaxAttempts defaults to 3")

	// A Retry-After longer than the client will wait goes to the caller as RATE_LIMITED.
	// Last: the client then holds every request back for those 120 seconds.
	fake.Fail("GET /api/v1/organizations/{id}", 1, 429, "120")
	before = fake.Calls()
	_, err = c.OrganizationsByID(ctx, []string{id})
	var limited *directory.RateLimitedError
	require.ErrorAs(t, err, &limited)
	assert.Equal(t, 120*time.Second, limited.RetryAfter)
	assert.Equal(t, uint64(1), fake.Calls()-before)
}

func TestWritesAreNeverRetriedBlindly(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{})
	c := newClient(t, fake)
	fake.Fail("POST /api/v1/organizations", 1, 503, "")
	before := fake.Calls()
	_, err := c.CreateOrganization(ctx, directory.NewOrganization{DisplayName: "Once"})
	assert.ErrorIs(t, err, directory.ErrUnavailable)
	assert.Equal(t, uint64(1), fake.Calls()-before)
	page, err := c.ListOrganizations(ctx, directory.PageQuery{First: 10})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "the failed create was not sent again")
}

func TestTimeoutsBoundEveryCall(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, func(c *scalekit.Config) { c.CallTimeout = 100 * time.Millisecond; c.MaxAttempts = 2 })
	require.NoError(t, c.Ping(ctx))
	fake.Hang("GET /api/v1/organizations/{id}", 5)
	start := time.Now()
	_, err := c.OrganizationsByID(ctx, []string{fake.OrganizationIDByExternalID("acme")})
	assert.ErrorIs(t, err, directory.ErrUnavailable)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestFanOutIsConcurrentDeduplicatedAndBounded(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true, Latency: 20 * time.Millisecond})
	c := newClient(t, fake, func(c *scalekit.Config) { c.Concurrency = 4 })
	var ids []string
	for _, email := range demo.Emails() {
		id := fake.UserIDByEmail(email)
		ids = append(ids, id, id) // every key twice
	}
	ids = append(ids, "usr_000000000000000000", "not-an-id")
	before := fake.Calls()
	start := time.Now()
	users, err := c.UsersByID(ctx, ids)
	elapsed := time.Since(start)
	require.NoError(t, err)
	require.Len(t, users, len(ids))
	for i, email := range demo.Emails() {
		require.NotNil(t, users[2*i])
		assert.Equal(t, email, users[2*i].Email, "results come in key order")
		assert.Same(t, users[2*i], users[2*i+1], "a repeated key is fetched once")
	}
	assert.Nil(t, users[len(ids)-2], "an unknown id is nil, not an error")
	assert.Nil(t, users[len(ids)-1])
	assert.Equal(t, uint64(len(demo.Emails())+1), fake.Calls()-before, "one call per distinct plausible id")
	assert.LessOrEqual(t, fake.MaxInFlight(), 4, "the concurrency limit holds")
	// 21 calls, 4 at a time, 20 ms each: at least 6 rounds.
	assert.GreaterOrEqual(t, elapsed, 6*20*time.Millisecond)
}

func TestOneFailingKeyDoesNotFailItsNeighbours(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, func(c *scalekit.Config) { c.Concurrency = 1 })
	emails := demo.Emails()[:3]
	ids := []string{fake.UserIDByEmail(emails[0]), fake.UserIDByEmail(emails[1]), fake.UserIDByEmail(emails[2])}
	fake.Fail("GET /api/v1/users/{id}", 1, 500, "")
	users, err := c.UsersByID(ctx, ids)
	var keyErrs directory.KeyErrors
	require.ErrorAs(t, err, &keyErrs)
	failed := 0
	for i := range ids {
		if keyErrs[i] != nil {
			failed++
			assert.ErrorIs(t, keyErrs[i], directory.ErrUnavailable)
			continue
		}
		assert.Equal(t, emails[i], users[i].Email)
	}
	assert.Equal(t, 1, failed)
}

func TestUsersPageThroughCursors(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		page, err := c.ListUsers(ctx, directory.UsersQuery{First: 7, After: after})
		require.NoError(t, err)
		assert.Equal(t, len(demo.Users), page.TotalCount)
		require.Len(t, page.Cursors, len(page.Items))
		for _, u := range page.Items {
			seen = append(seen, u.Email)
		}
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	assert.ElementsMatch(t, demo.Emails(), seen, "every user once, none twice")

	_, err := c.ListUsers(ctx, directory.UsersQuery{First: 7, After: "bm90LWEtY3Vyc29y"})
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, []string{"after"}, invalid.Problems[0].Field)

	_, err = c.ListUsers(ctx, directory.UsersQuery{First: 7, Search: "ab"})
	require.ErrorAs(t, err, &invalid, "Scalekit searches need three characters")
	assert.Equal(t, directory.CodeTooShort, invalid.Problems[0].Code)
}

func TestMembersByStatusAndOrganizationUsersCarryTheirMemberships(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	acme := fake.OrganizationIDByExternalID("acme")
	want := 0
	for _, u := range demo.Users {
		for _, m := range u.Memberships {
			if m.Org == "acme" && m.Status == directory.MembershipActive {
				want++
			}
		}
	}
	var got []*directory.Membership
	after := ""
	for {
		pages, err := c.Members(ctx, []directory.MembersQuery{{OrganizationID: acme, Status: directory.MembershipActive, First: 2, After: after}})
		require.NoError(t, err)
		page := pages[0]
		assert.Equal(t, want, page.TotalCount)
		got = append(got, page.Items...)
		if !page.HasNextPage {
			break
		}
		after = page.Cursors[len(page.Cursors)-1]
	}
	require.Len(t, got, want)
	for _, m := range got {
		assert.Equal(t, directory.MembershipActive, m.Status)
		require.NotNil(t, m.User, "the member comes with the membership")
		// Its other memberships come only from lists known to hold them (memberlists_test.go).
		assert.Nil(t, m.User.Memberships, "not from a list that may hold only this one")
	}
}

func TestRemovingTheLastMembershipKeepsTheUser(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	u, err := c.CreateUser(ctx, directory.NewUser{OrganizationID: fake.OrganizationIDByExternalID("acme"), Email: "solo@x.test"})
	require.NoError(t, err)
	require.Len(t, u.Memberships, 1)
	require.NoError(t, c.RemoveMembership(ctx, u.ID, u.Memberships[0].OrganizationID))
	users, err := c.UsersByID(ctx, []string{u.ID})
	require.NoError(t, err)
	require.NotNil(t, users[0], "Scalekit's cascade default would have deleted the user")
	assert.Empty(t, users[0].Memberships)
}

func TestRoleCatalogueIsCached(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{})
	c := newClient(t, fake)
	for range 5 {
		roles, err := c.Roles(ctx)
		require.NoError(t, err)
		require.Len(t, roles, len(demo.Roles))
	}
	assert.Equal(t, uint64(1), fake.Routes()["GET /api/v1/roles"])
}

func TestConflictsNameTheTakenField(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	acme := fake.OrganizationIDByExternalID("acme")
	ext := "acme-0001" // Wile's
	for _, tc := range []struct {
		in    directory.NewUser
		field string
	}{
		{directory.NewUser{OrganizationID: acme, Email: "WILE.COYOTE@acme.test"}, "email"},
		{directory.NewUser{OrganizationID: acme, Email: "new@acme.test", ExternalID: &ext}, "externalId"},
		{directory.NewUser{OrganizationID: "org_999999999999999999", Email: "new@acme.test"}, "organizationId"},
		{directory.NewUser{OrganizationID: acme, Email: "new@acme.test", Roles: []string{"member", "owner"}}, "roles"},
	} {
		t.Run(tc.field, func(t *testing.T) {
			_, err := c.CreateUser(ctx, tc.in)
			var invalid *directory.InvalidInputError
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tc.field, invalid.Problems[0].Field[0], fmt.Sprint(invalid.Problems))
		})
	}
	users, err := c.UsersByEmail(ctx, []string{"new@acme.test"})
	require.NoError(t, err)
	assert.Nil(t, users[0], "nothing was created")
}

func TestCancelledCallerGetsItsOwnError(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true, Latency: time.Second})
	c := newClient(t, fake)
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err := c.OrganizationsByID(cctx, []string{fake.OrganizationIDByExternalID("acme")})
	require.Error(t, err)
	assert.True(t, errors.Is(err, context.DeadlineExceeded) || errors.Is(err, directory.ErrUnavailable), "%v", err)
}

func TestUsersByEmailFindsAnExactMatchBeyondTheFirstSearchPage(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	acme := fake.OrganizationIDByExternalID("acme")
	// 35 addresses that contain the one looked up; the search returns 30 per page.
	for i := range 35 {
		_, err := c.CreateUser(ctx, directory.NewUser{OrganizationID: acme, Email: fmt.Sprintf("a%02d.x@same.test", i)})
		require.NoError(t, err)
	}
	_, err := c.CreateUser(ctx, directory.NewUser{OrganizationID: acme, Email: "x@same.test"})
	require.NoError(t, err)
	users, err := c.UsersByEmail(ctx, []string{"x@same.test"})
	require.NoError(t, err)
	require.NotNil(t, users[0])
	assert.Equal(t, "x@same.test", users[0].Email)
}
