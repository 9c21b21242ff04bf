package scalekit_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

func cached(ttl time.Duration) func(*scalekit.Config) {
	return func(c *scalekit.Config) {
		c.Cache.TTL = map[scalekit.Kind]time.Duration{}
		for _, k := range scalekit.Kinds {
			c.Cache.TTL[k] = ttl
		}
	}
}

func firstMembers(t *testing.T, c *scalekit.Client, orgID string) *directory.Page[*directory.Membership] {
	t.Helper()
	pages, err := c.Members(ctx, []directory.MembersQuery{{OrganizationID: orgID, First: 50}})
	require.NoError(t, err)
	return pages[0]
}

func givenName(t *testing.T, c *scalekit.Client, id string) string {
	t.Helper()
	us, err := c.UsersByID(ctx, []string{id})
	require.NoError(t, err)
	require.NotNil(t, us[0])
	return *us[0].Profile.GivenName
}

func TestCacheAnswersRepeatedReads(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Minute))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	orgID := fake.OrganizationIDByExternalID("acme")
	givenName(t, c, id)
	firstMembers(t, c, orgID)
	before := fake.Calls()
	for range 5 {
		assert.Equal(t, "Wile", givenName(t, c, id))
		firstMembers(t, c, orgID)
	}
	assert.Equal(t, before, fake.Calls(), "warm reads cost no Scalekit call")
}

func TestZeroTTLTurnsTheCacheOff(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake) // no TTL set: off
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	givenName(t, c, id)
	before := fake.Calls()
	givenName(t, c, id)
	assert.Equal(t, before+1, fake.Calls())
}

func TestEntriesExpireAfterTheirTTL(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(100*time.Millisecond))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	givenName(t, c, id)
	before := fake.Calls()
	require.Eventually(t, func() bool {
		givenName(t, c, id)
		return fake.Calls() > before
	}, 5*time.Second, 50*time.Millisecond, "an expired entry is fetched again")
}

// An entry read in the last fifth of its TTL is fetched again in the background, so one
// that is read keeps being served from memory past its first TTL and no request waits for
// Scalekit when it expires; one not read expires as before.
func TestReadEntriesAreRefreshedBeforeTheyExpire(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	const ttl = 3 * time.Second
	c := newClient(t, fake, cached(ttl))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	start := time.Now()
	givenName(t, c, id)
	fetched := fake.Calls()

	time.Sleep(time.Until(start.Add(ttl * 17 / 20))) // in the last fifth
	givenName(t, c, id)
	require.Eventually(t, func() bool { return fake.Calls() == fetched+1 }, 2*time.Second, 10*time.Millisecond,
		"a hit in the last fifth of the TTL fetches the entry again, in the background")

	time.Sleep(time.Until(start.Add(ttl + ttl/10))) // past the first answer's TTL
	assert.Equal(t, "Wile", givenName(t, c, id))
	assert.Equal(t, fetched+1, fake.Calls(), "the refreshed entry answers past the first TTL")
}

// A write through the client makes every answer it may have changed stale before it
// returns: the user, the member pages that embed the user, and lookups.
func TestAWriteIsSeenByEveryReadThatStartsAfterIt(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	acme := fake.OrganizationIDByExternalID("acme")
	globex := fake.OrganizationIDByExternalID("globex")
	givenName(t, c, id)
	firstMembers(t, c, acme)

	name := "Wilhelm"
	_, err := c.UpdateUser(ctx, directory.UserUpdate{ID: id, Profile: &directory.ProfileUpdate{GivenName: directory.Some(&name)}})
	require.NoError(t, err)
	assert.Equal(t, "Wilhelm", givenName(t, c, id))
	for _, m := range firstMembers(t, c, acme).Items {
		if m.UserID == id {
			assert.Equal(t, "Wilhelm", *m.User.Profile.GivenName, "the member page embeds the new profile")
		}
	}

	// A membership change shows in the user and in both organizations' pages.
	require.NoError(t, c.RemoveMembership(ctx, id, globex))
	us, err := c.UsersByID(ctx, []string{id})
	require.NoError(t, err)
	for _, m := range us[0].Memberships {
		assert.NotEqual(t, globex, m.OrganizationID, "the removed membership is gone from the cached user")
	}
	for _, m := range firstMembers(t, c, globex).Items {
		assert.NotEqual(t, id, m.UserID, "the removed member is gone from the cached page")
	}

	// An organization's rename shows in the organization.
	_, err = c.UpdateOrganization(ctx, directory.OrganizationUpdate{ID: acme, DisplayName: directory.Some("Acme Renamed")})
	require.NoError(t, err)
	orgs, err := c.OrganizationsByID(ctx, []string{acme})
	require.NoError(t, err)
	assert.Equal(t, "Acme Renamed", orgs[0].DisplayName)
}

// Invalidate, as a webhook or another replica calls it, makes the named answers stale.
func TestInvalidateByTag(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	givenName(t, c, id)
	before := fake.Calls()
	c.Invalidate(scalekit.SourceWebhook, scalekit.UserTag(id))
	givenName(t, c, id)
	assert.Equal(t, before+1, fake.Calls())
}

// Identical reads at the same moment share one call, with or without the cache.
func TestIdenticalReadsInFlightShareOneCall(t *testing.T) {
	for _, tune := range []func(*scalekit.Config){cached(0), cached(time.Minute)} {
		fake := scalekittest.New(t, scalekittest.Options{Seed: true, Latency: 200 * time.Millisecond})
		c := newClient(t, fake, tune)
		id := fake.UserIDByEmail("wile.coyote@acme.test")
		require.NoError(t, c.Ping(ctx))
		before := fake.Calls()
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				assert.Equal(t, "Wile", givenName(t, c, id))
			}()
		}
		wg.Wait()
		assert.Equal(t, before+1, fake.Calls(), "20 identical reads in flight, one call")
	}
}

// missObserver runs onMiss at the first miss, when a read has missed the cache and not
// yet fetched.
type missObserver struct {
	missed atomic.Bool
	onMiss func()
}

func (o *missObserver) CacheMiss(scalekit.Kind) {
	if !o.missed.Swap(true) {
		o.onMiss()
	}
}
func (*missObserver) CacheHit(scalekit.Kind)       {}
func (*missObserver) CacheEvicted(scalekit.Kind)   {}
func (*missObserver) CacheInvalidated(string)      {}
func (*missObserver) SharedHit(scalekit.Kind)      {}
func (*missObserver) Coalesced(scalekit.Kind)      {}
func (*missObserver) CacheRefreshed(scalekit.Kind) {}
func (*missObserver) ConcurrencyLimit(int)         {}

// A read that missed the cache while another fetch of the same answer was finishing (a
// read ahead, typically) takes that fetch's answer instead of asking Scalekit again.
func TestReadTakesAnAnswerCachedSinceItMissed(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	var c *scalekit.Client
	obs := &missObserver{}
	c = newClient(t, fake, cached(time.Minute), func(cfg *scalekit.Config) { cfg.Observer = obs })
	obs.onMiss = func() { givenName(t, c, id) } // another read fetches and caches it meanwhile
	before := fake.Calls()
	assert.Equal(t, "Wile", givenName(t, c, id))
	assert.Equal(t, before+1, fake.Calls(), "one fetch for both reads")
}
