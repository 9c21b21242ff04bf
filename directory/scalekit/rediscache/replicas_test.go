package rediscache_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/rediscache"
	"github.com/usergraph/usergraph/directory/scalekit/redistest"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

var ctx = context.Background()

// syncBuffer is a log sink the replicas' goroutines write to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replica is one usergraph process's Scalekit client over the shared Redis.
type replica struct {
	*scalekit.Client
	store *rediscache.Store
}

type cluster struct {
	fake  *scalekittest.Server
	redis *redistest.Server
	log   *syncBuffer
	// behind writes to Scalekit without any cache, as a change made elsewhere would.
	behind *scalekit.Client
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	behind, err := scalekit.New(scalekit.Config{EnvironmentURL: fake.URL(), ClientID: "test-client", ClientSecret: "test-secret"})
	require.NoError(t, err)
	return &cluster{fake: fake, redis: redistest.Start(t), log: &syncBuffer{}, behind: behind}
}

// replica starts a replica whose entries live ttl. The Redis timeouts are generous: a test
// machine under load must not see a live Redis as down (TestAHungRedis sets its own).
func (c *cluster) replica(t *testing.T, ttl time.Duration, tune ...func(*rediscache.Options)) *replica {
	t.Helper()
	opt := rediscache.Options{URL: c.redis.URL(), Timeout: time.Second, BumpTimeout: time.Second,
		Probe: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(c.log, nil))}
	for _, f := range tune {
		f(&opt)
	}
	store, err := rediscache.New(ctx, opt)
	require.NoError(t, err)
	t.Cleanup(store.Close)
	cfg := scalekit.Config{EnvironmentURL: c.fake.URL(), ClientID: "test-client", ClientSecret: "test-secret",
		Shared: store, Cache: scalekit.CacheConfig{TTL: map[scalekit.Kind]time.Duration{}}}
	for _, k := range scalekit.Kinds {
		cfg.Cache.TTL[k] = ttl
	}
	client, err := scalekit.New(cfg)
	require.NoError(t, err)
	return &replica{Client: client, store: store}
}

func (r *replica) givenName(t *testing.T, id string) string {
	t.Helper()
	us, err := r.UsersByID(ctx, []string{id})
	require.NoError(t, err, "a read never fails because of Redis")
	require.NotNil(t, us[0])
	return *us[0].Profile.GivenName
}

func rename(t *testing.T, d directory.Directory, id, name string) {
	t.Helper()
	_, err := d.UpdateUser(ctx, directory.UserUpdate{ID: id, Profile: &directory.ProfileUpdate{GivenName: directory.Some(&name)}})
	require.NoError(t, err)
}

// seesSoon waits for r to read want: what another replica acknowledged reaches r within
// Redis's push delay (docs/architecture.md), far below the test's patience of a second and
// the hour the entries would otherwise live.
func seesSoon(t *testing.T, r *replica, id, want string) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for {
		got := r.givenName(t, id)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica still reads %q, not %q, a second after the other replica acknowledged it", got, want)
		}
		time.Sleep(time.Millisecond)
	}
}

// (a) A write acknowledged by replica A is read by replica B, which had the old value cached
// for an hour.
func TestAWriteThroughOneReplicaIsSeenByAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica(t, time.Hour), c.replica(t, time.Hour)
	id := c.fake.UserIDByEmail("wile.coyote@acme.test")
	require.Equal(t, "Wile", b.givenName(t, id))
	require.Equal(t, "Wile", a.givenName(t, id))

	stale := 0
	for i := range 20 {
		name := "Wilhelm" + strconv.Itoa(i)
		rename(t, a, id, name)
		assert.Equal(t, name, a.givenName(t, id), "the writing replica reads its own write at once")
		if b.givenName(t, id) != name {
			stale++ // Redis's push to B is still on its way
		}
		seesSoon(t, b, id, name)
	}
	t.Logf("reads on B right after A's acknowledgement that still saw the old value: %d of 20", stale)
}

// (b) A webhook received by replica A invalidates replica B.
func TestAWebhookToOneReplicaInvalidatesAnother(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica(t, time.Hour), c.replica(t, time.Hour)
	id := c.fake.UserIDByEmail("wile.coyote@acme.test")
	require.Equal(t, "Wile", b.givenName(t, id))

	rename(t, c.behind, id, "Changed") // in Scalekit, behind every replica's cache
	assert.Equal(t, "Wile", b.givenName(t, id), "without a notice B serves its cached copy")

	secret := scalekittest.WebhookSecret(t)
	h, err := scalekit.NewWebhookHandler(secret, a, nil)
	require.NoError(t, err)
	body := fmt.Sprintf(`{"id":"evt_1","type":"user.organization_membership_updated","data":{"user":{"id":%q}}}`, id)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, scalekittest.WebhookDelivery(t, secret, "msg_1", time.Now(), body))
	require.Equal(t, http.StatusOK, w.Code)
	seesSoon(t, b, id, "Changed")
}

// (c) B serves from the shared store what A fetched: no second Scalekit call.
func TestAReplicaServesWhatAnotherFetched(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica(t, time.Hour), c.replica(t, time.Hour)
	ids := []string{c.fake.UserIDByEmail("wile.coyote@acme.test"), c.fake.UserIDByEmail("road.runner@acme.test")}
	_, err := a.UsersByID(ctx, ids)
	require.NoError(t, err)
	orgs, err := a.ListOrganizations(ctx, directory.PageQuery{First: 10})
	require.NoError(t, err)
	before := c.fake.Calls()
	us, err := b.UsersByID(ctx, ids)
	require.NoError(t, err)
	for i := range ids {
		require.NotNil(t, us[i])
		assert.Equal(t, ids[i], us[i].ID)
	}
	orgsB, err := b.ListOrganizations(ctx, directory.PageQuery{First: 10})
	require.NoError(t, err)
	assert.Equal(t, len(orgs.Items), len(orgsB.Items))
	assert.Equal(t, before, c.fake.Calls(), "B answered from what A fetched")
}

// (d) Redis killed mid-test: reads and writes still succeed on both replicas, with a
// warning; Redis back: sharing resumes, and what was cached before the outage is not
// trusted (A's write during the outage never reached B through Redis).
func TestRedisDownFallsBackAndRecovers(t *testing.T) {
	c := newCluster(t)
	a, b := c.replica(t, time.Hour), c.replica(t, time.Hour)
	id := c.fake.UserIDByEmail("wile.coyote@acme.test")
	require.Equal(t, "Wile", a.givenName(t, id))
	require.Equal(t, "Wile", b.givenName(t, id))

	c.redis.Kill()
	require.Eventually(t, func() bool { return !a.store.Available() && !b.store.Available() }, 5*time.Second, time.Millisecond)
	require.Equal(t, "Wile", b.givenName(t, id), "B caches on its own")
	rename(t, a, id, "During")
	assert.Equal(t, "During", a.givenName(t, id), "A still reads its own write")
	assert.Equal(t, "Wile", b.givenName(t, id), "B cannot hear of A's write: the TTL bounds it")
	assert.Contains(t, c.log.String(), "level=WARN", "the outage is logged")
	assert.LessOrEqual(t, strings.Count(c.log.String(), "level=WARN"), 2, "one warning per replica, not one per request")

	c.redis.Restart()
	require.Eventually(t, func() bool { return a.store.Available() && b.store.Available() }, 5*time.Second, time.Millisecond)
	assert.Equal(t, "During", b.givenName(t, id), "after an outage B does not trust what it cached before")

	rename(t, a, id, "After")
	seesSoon(t, b, id, "After")
	// And the shared store serves again: what A fetches, B reads without a call.
	other := c.fake.UserIDByEmail("road.runner@acme.test")
	a.givenName(t, other)
	before := c.fake.Calls()
	b.givenName(t, other)
	assert.Equal(t, before, c.fake.Calls())
}

// A replica's session also ends on a read that merely timed out, while Redis and the
// other replicas' sessions go on. A write it acknowledges then reaches the others when its
// session is back, which the write asks for at once (the probe here would wait an hour).
// Before, the others served the old value until their TTL.
func TestAWriteWithoutASessionReachesTheOthersWhenItReturns(t *testing.T) {
	c := newCluster(t)
	a := c.replica(t, time.Hour, func(o *rediscache.Options) { o.Timeout = time.Nanosecond; o.Probe = time.Hour })
	b := c.replica(t, time.Hour)
	id := c.fake.UserIDByEmail("wile.coyote@acme.test")
	require.Equal(t, "Wile", b.givenName(t, id))
	require.Equal(t, "Wile", a.givenName(t, id)) // its version read times out
	require.False(t, a.store.Available(), "A's session ended")
	require.True(t, b.store.Available(), "B's goes on")

	rename(t, a, id, "Offline")
	assert.Equal(t, "Offline", a.givenName(t, id))
	seesSoon(t, b, id, "Offline")
	// A has a session again between its reads: further writes reach B the same way.
	rename(t, a, id, "Again")
	seesSoon(t, b, id, "Again")
}

// A hung Redis (stopped, connections open) costs a read at most the store's timeout, then
// the replica falls back until Redis answers again.
func TestAHungRedisDoesNotStallReads(t *testing.T) {
	c := newCluster(t)
	b := c.replica(t, time.Hour, func(o *rediscache.Options) { o.Timeout = 50 * time.Millisecond })
	ids := []string{c.fake.UserIDByEmail("wile.coyote@acme.test"), c.fake.UserIDByEmail("road.runner@acme.test")}
	b.givenName(t, ids[0])

	c.redis.Pause()
	defer c.redis.Resume()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, id := range ids {
			b.givenName(t, id)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("reads wait for a hung Redis")
	}
	assert.False(t, b.store.Available())
	c.redis.Resume()
	require.Eventually(t, b.store.Available, 5*time.Second, time.Millisecond)
}

// (e) An answer is never served longer than its TTL after Scalekit sent it, whichever
// replica fetched it: B, filled from the shared store late in the life of A's fetch, drops
// it when A's would have expired.
func TestSharedAnswersNeverOutliveTheirTTL(t *testing.T) {
	const ttl = 400 * time.Millisecond
	c := newCluster(t)
	a, b := c.replica(t, ttl), c.replica(t, ttl)
	id := c.fake.UserIDByEmail("wile.coyote@acme.test")
	fetched := time.Now()
	require.Equal(t, "Wile", a.givenName(t, id))
	rename(t, c.behind, id, "Later") // unseen by the replicas: only the TTL bounds it

	time.Sleep(time.Until(fetched.Add(ttl / 2)))
	before := c.fake.Calls()
	b.givenName(t, id) // from the shared store, with what is left of A's TTL
	if c.fake.Calls() != before {
		t.Skip("the machine is too slow for this timing: B did not read A's entry within its TTL")
	}
	time.Sleep(time.Until(fetched.Add(ttl + 50*time.Millisecond)))
	assert.Equal(t, "Later", b.givenName(t, id), "B's copy expires with A's fetch, not a TTL after B took it")
	assert.Equal(t, "Later", a.givenName(t, id))
}
