package gateway_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// responseDoc reads a user with its memberships' organizations and roles: several kinds of
// cached entity in one answer.
const responseDoc = `query($id: ID!) { user(id: $id) { email profile { givenName }
	memberships { organization { displayName } roles { name } } } }`

// cachedScalekitEnv is a Scalekit env whose entity cache keeps every kind for ttl.
func cachedScalekitEnv(t *testing.T, ttl time.Duration, opts ...envOption) (*env, *scalekittest.Server, fixture, callsFunc) {
	t.Helper()
	e, fake := newScalekitEnv(t, true, cachedFor(ttl), opts...)
	return e, fake, e.fixture(), fake.Calls
}

// cachedFor is a Scalekit configuration whose entity cache keeps every kind for ttl.
func cachedFor(ttl time.Duration) scalekit.Config {
	kinds := map[scalekit.Kind]time.Duration{}
	for _, k := range scalekit.Kinds {
		kinds[k] = ttl
	}
	return scalekit.Config{Cache: scalekit.CacheConfig{TTL: kinds}, RoleCacheTTL: ttl}
}

type callsFunc func() uint64

// userLookups counts the gateway's UsersByID calls: the entity cache answers them without
// Scalekit, the response cache makes none at all.
type userLookups struct {
	directory.Directory
	n *atomic.Int64
}

func (u userLookups) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	u.n.Add(1)
	return u.Directory.UsersByID(ctx, ids)
}

func countingUserLookups(n *atomic.Int64) envOption {
	return withDirectory(func(d directory.Directory) directory.Directory { return userLookups{d, n} })
}

func givenNameOf(t *testing.T, e *env, authorization, id string) any {
	t.Helper()
	r := e.queryAs(authorization, responseDoc, map[string]any{"id": id})
	require.Empty(t, r.Errors)
	return at(r.Data, "user.profile.givenName")
}

// A repeated query is answered without a Scalekit call, until a write through the gateway
// changes what it read: the next query after the mutation returned sees the new value.
func TestResponseCacheReusesAnAnswerUntilAWrite(t *testing.T) {
	var lookups atomic.Int64
	e, _, f, calls := cachedScalekitEnv(t, time.Hour, countingUserLookups(&lookups))
	service := e.authorization(f, asServiceCaller)
	first := e.queryAs(service, responseDoc, map[string]any{"id": f.alice})
	require.Empty(t, first.Errors)
	require.NotZero(t, lookups.Load())

	before, looked := calls(), lookups.Load()
	again := e.queryAs(service, responseDoc, map[string]any{"id": f.alice})
	assert.Equal(t, first.Data, again.Data)
	assert.Zero(t, calls()-before, "the kept answer was reused without asking Scalekit")
	assert.Equal(t, looked, lookups.Load(), "nor the backend: no resolver ran")

	r := e.queryAs(service, `mutation($id: ID!) { updateUser(input: {id: $id, profile: {givenName: "Renamed"}}) {
		userErrors { code } user { id } } }`, map[string]any{"id": f.alice})
	require.Empty(t, r.Errors)
	require.Empty(t, at(r.Data, "updateUser.userErrors"))
	assert.Equal(t, "Renamed", givenNameOf(t, e, service, f.alice), "a query after the write sees it")
}

// A change made elsewhere (another replica without a shared cache, Scalekit's dashboard)
// is not seen until a webhook says so; then the next query sees it.
func TestResponseCacheDropsAnAnswerOnAWebhook(t *testing.T) {
	e, fake, f, _ := cachedScalekitEnv(t, time.Hour)
	service := e.authorization(f, asServiceCaller)
	original := givenNameOf(t, e, service, f.alice)

	// The change goes to Scalekit through a second client, which this one knows nothing of.
	other, err := scalekit.New(scalekit.Config{EnvironmentURL: fake.URL(), ClientID: "test-client", ClientSecret: "test-secret"})
	require.NoError(t, err)
	name := "Elsewhere"
	_, err = other.UpdateUser(context.Background(), directory.UserUpdate{ID: f.alice,
		Profile: &directory.ProfileUpdate{GivenName: directory.Some(&name)}})
	require.NoError(t, err)
	assert.Equal(t, original, givenNameOf(t, e, service, f.alice), "until told, the kept answer stands (the TTL bounds it)")

	e.dir.(*scalekit.Client).Invalidate(scalekit.SourceWebhook, scalekit.UserTag(f.alice))
	assert.Equal(t, name, givenNameOf(t, e, service, f.alice), "after the webhook, the next query sees the change")
}

// An answer is reused only by the caller it was made for: the policy's decision for a
// service is not handed to a user of another tenant.
func TestResponseCacheIsPerCaller(t *testing.T) {
	e, _, f, _ := cachedScalekitEnv(t, time.Hour)
	service := e.authorization(f, asServiceCaller)
	bob := e.authorization(f, asBob)
	for range 2 { // the second time from the cache
		require.Equal(t, "carol@fixture.test", at(e.queryAs(service, responseDoc, map[string]any{"id": f.carol}).Data, "user.email"))
		r := e.queryAs(bob, responseDoc, map[string]any{"id": f.carol})
		assert.Nil(t, at(r.Data, "user"), "bob must not see carol, whoever asked before")
	}
}

// No answer outlives the TTL of the oldest entity it was built from.
func TestResponseCacheHonoursTheEntityTTL(t *testing.T) {
	const ttl = 300 * time.Millisecond
	e, _, f, calls := cachedScalekitEnv(t, ttl)
	service := e.authorization(f, asServiceCaller)
	givenNameOf(t, e, service, f.alice)
	before := calls()
	givenNameOf(t, e, service, f.alice)
	require.Zero(t, calls()-before, "reused within the TTL")
	time.Sleep(ttl + 100*time.Millisecond)
	givenNameOf(t, e, service, f.alice)
	assert.NotZero(t, calls()-before, "past the TTL, the answer is built again from Scalekit")
}

// With the entity cache off nothing is reused: every query asks Scalekit.
func TestResponseCacheNeedsTheEntityCache(t *testing.T) {
	e, fake := newScalekitEnv(t, true, scalekit.Config{})
	f := e.fixture()
	service := e.authorization(f, asServiceCaller)
	givenNameOf(t, e, service, f.alice)
	before := fake.Calls()
	givenNameOf(t, e, service, f.alice)
	assert.NotZero(t, fake.Calls()-before)
}

// An answer that read a not-found is not kept (the entity cache holds no not-founds, so it
// could not tell when the missing object appears): the same query asks Scalekit again.
func TestResponseCacheKeepsNoNotFound(t *testing.T) {
	e, _, f, calls := cachedScalekitEnv(t, time.Hour)
	service := e.authorization(f, asServiceCaller)
	// The user is found (and cached); only the organization is missing.
	q := `query($o: ID!, $u: ID!) { organization(id: $o) { id } user(id: $u) { email } }`
	vars := map[string]any{"o": "org_missing", "u": f.alice}
	r := e.queryAs(service, q, vars)
	require.Empty(t, r.Errors)
	require.Nil(t, at(r.Data, "organization"))
	before := calls()
	r2 := e.queryAs(service, q, vars)
	assert.Equal(t, r.Data, r2.Data)
	assert.NotZero(t, calls()-before, "an answer that read a not-found is not reused")
}
