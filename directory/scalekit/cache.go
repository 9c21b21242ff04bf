package scalekit

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/maypok86/otter/v2"
	"golang.org/x/sync/singleflight"
)

// The read cache sits where the client sends a GET: below the directory methods, and so
// below the authorization policy that wraps the whole backend — it only saves Scalekit
// calls, every answer built from it is still filtered per caller. It holds Scalekit's
// answers (the wire bytes) for a user, an organization, a page of an organization's members
// or of users, and the role catalogue; each caller decodes its own copy, so nothing cached
// is ever shared mutable state.
//
// Freshness is by version, not by finding entries: every entry depends on one tag (a user,
// an organization, "lists" for pages and lookups by external id, "roles") and on the
// global tag, and remembers their versions when its fetch started. A write through this
// client, a webhook or another replica's notice bumps the versions it affects; an entry
// whose versions moved is a miss. So a request that starts after a write returned can never
// read what the write changed, however the entries are keyed.

// Kind is what a cached answer holds; each kind has its own TTL.
type Kind string

// Kinds of cached answers.
const (
	KindUser         Kind = "user"         // GET /users/{id}, /users:external/{id}
	KindOrganization Kind = "organization" // GET /organizations/{id}, …:external/{id}, the list
	KindMembers      Kind = "members"      // GET /organizations/{id}/users (and :search)
	KindUsers        Kind = "users"        // GET /users, /users:search
	KindRoles        Kind = "roles"        // GET /roles…
)

// Kinds lists every kind, for configuration and metrics.
var Kinds = []Kind{KindUser, KindOrganization, KindMembers, KindUsers, KindRoles}

// Invalidation sources, the label of the invalidation metric.
const (
	SourceWrite   = "write"   // a write through this process
	SourceWebhook = "webhook" // a Scalekit webhook received by this process
	SourcePeer    = "peer"    // another replica's notice (Redis)
)

// CacheConfig configures the read cache. A kind with no TTL (or 0) is not cached; reads of
// it are still coalesced.
type CacheConfig struct {
	TTL map[Kind]time.Duration
	// MaxBytes bounds the memory the cached answers hold: three quarters for their bodies,
	// a quarter for the decodings that pages of users keep (keepdecoded.go). Default 64 MiB.
	MaxBytes uint64
}

// Observer receives the client's cache and concurrency events (for metrics). Its methods
// must be cheap and safe for concurrent use.
type Observer interface {
	CacheHit(kind Kind)
	CacheMiss(kind Kind)
	CacheEvicted(kind Kind)
	CacheInvalidated(source string)
	// SharedHit counts the hits (also counted by CacheHit) that came from the replicas'
	// shared store (Shared) rather than this process's memory.
	SharedHit(kind Kind)
	Coalesced(kind Kind)
	// CacheRefreshed counts the entries fetched again in the background because a hit came
	// in the last fifth of their life (entry.refreshAt).
	CacheRefreshed(kind Kind)
	ConcurrencyLimit(limit int)
}

type nopObserver struct{}

func (nopObserver) CacheHit(Kind)           {}
func (nopObserver) CacheMiss(Kind)          {}
func (nopObserver) CacheEvicted(Kind)       {}
func (nopObserver) CacheInvalidated(string) {}
func (nopObserver) SharedHit(Kind)          {}
func (nopObserver) Coalesced(Kind)          {}
func (nopObserver) CacheRefreshed(Kind)     {}
func (nopObserver) ConcurrencyLimit(int)    {}

// Tags that entries depend on besides their own.
const (
	tagGlobal = "*"
	tagLists  = "lists"
	tagRoles  = "roles"
)

func userTag(id string) string { return "user:" + id }
func orgTag(id string) string  { return "org:" + id }

// entry is one cached answer with the versions it was fetched under.
type entry struct {
	kind    Kind
	body    []byte
	stamp   stamp
	life    time.Duration // from the time it is stored
	expires time.Time     // when that life ends, which a request's reads remember
	// refreshAt starts the last fifth of its life: a hit after it fetches the answer again
	// in the background (once: refreshing), so a read entry is replaced before it expires
	// and no request waits for Scalekit for it. Caffeine's refreshAfterWrite, which serves
	// nothing older than the TTL (unlike stale-while-revalidate).
	refreshAt  time.Time
	refreshing atomic.Bool
	// kept is body decoded, once, for every read of it from the cache, if the entry keeps
	// it (keepdecoded.go).
	kept keptDecoding
}

// refreshAfter is when an answer fetched at fetched with a life of ttl starts refreshing.
func refreshAfter(fetched time.Time, ttl time.Duration) time.Time {
	return fetched.Add(ttl - ttl/5)
}

// versions counts the bumps of each tag. Tags that were never bumped are at 0 and take no
// memory; a bumped tag stays (one small map entry per written object, bounded by writes).
type versions struct {
	mu sync.RWMutex
	m  map[string]uint64
}

func (v *versions) get(tag string) uint64 {
	v.mu.RLock()
	defer v.mu.RUnlock()
	return v.m[tag]
}

func (v *versions) bump(tags ...string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, t := range tags {
		v.m[t]++
	}
}

// readCache is the cache plus the coalescing of reads in flight.
type readCache struct {
	ttl      map[Kind]time.Duration
	store    *otter.Cache[string, *entry] // nil when every kind is off
	vers     versions
	flights  singleflight.Group
	observer Observer
	// shared, when set, holds the cluster-wide versions and a second level of answers
	// (shared.go): every local bump is also bumped there, for every replica.
	shared Shared
	// decodings bounds what the pages' kept decodings hold.
	decodings decodings
}

const defaultCacheBytes = 64 << 20

func observer(o Observer) Observer {
	if o == nil {
		return nopObserver{}
	}
	return o
}

func newReadCache(cfg CacheConfig, shared Shared, obs Observer) *readCache {
	obs = observer(obs)
	rc := &readCache{ttl: map[Kind]time.Duration{}, vers: versions{m: map[string]uint64{}}, observer: obs, shared: shared}
	on := false
	for k, d := range cfg.TTL {
		if d > 0 {
			rc.ttl[k] = d
			on = true
		}
	}
	if !on {
		return rc
	}
	max := cfg.MaxBytes
	if max == 0 {
		max = defaultCacheBytes
	}
	rc.decodings.max = int64(max / 4)
	rc.store = otter.Must(&otter.Options[string, *entry]{
		MaximumWeight: max - max/4,
		Weigher: func(key string, e *entry) uint32 {
			return uint32(min(len(key)+len(e.body)+64, 1<<31))
		},
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *entry]) time.Duration {
			return e.Value.life
		}),
		OnDeletion: func(e otter.DeletionEvent[string, *entry]) {
			rc.decodings.release(e.Value)
			if e.Cause == otter.CauseOverflow {
				obs.CacheEvicted(e.Value.kind)
			}
		},
	})
	return rc
}

// classify names the kind of a GET path and the tag its answer depends on.
func classify(path string) (Kind, string) {
	rest, _ := strings.CutPrefix(path, "/api/v1/")
	seg := strings.Split(rest, "/")
	switch {
	case seg[0] == "roles" || strings.HasPrefix(seg[0], "roles"):
		return KindRoles, tagRoles
	case seg[0] == "users" && len(seg) == 2:
		return KindUser, userTag(unescape(seg[1]))
	case strings.HasPrefix(seg[0], "users:external") && len(seg) == 2:
		return KindUser, tagLists
	case seg[0] == "users" || seg[0] == "users:search":
		return KindUsers, tagLists
	case seg[0] == "organizations" && len(seg) == 2:
		return KindOrganization, orgTag(unescape(seg[1]))
	case seg[0] == "organizations" && len(seg) == 3:
		return KindMembers, tagLists
	case seg[0] == "organizations" || strings.HasPrefix(seg[0], "organizations:"):
		return KindOrganization, tagLists
	}
	return "", tagLists
}

func formatVersion(v uint64) string { return strconv.FormatUint(v, 10) }

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// affected names the tags a write to path may change. Writes by external id cannot be
// tied to one user or organization here, and an organization's change shows in every
// member's embedded memberships: both move the global tag.
func affected(path string) []string {
	rest, _ := strings.CutPrefix(path, "/api/v1/")
	seg := strings.Split(rest, "/")
	switch {
	case seg[0] == "users" && len(seg) == 2:
		return []string{userTag(unescape(seg[1])), tagLists}
	case seg[0] == "memberships" && len(seg) == 5 && seg[3] == "users":
		return []string{userTag(unescape(seg[4])), tagLists}
	case seg[0] == "organizations" && len(seg) == 1:
		return []string{tagLists} // a new organization: only lists can show it
	case seg[0] == "organizations" && len(seg) == 3 && seg[2] == "users":
		return []string{tagLists} // a new user: only lists and lookups can show it
	}
	return []string{tagGlobal}
}

// invalidate bumps tags here and, for this process's own writes and webhooks, in the
// shared store before it returns (a peer's notice is already there).
func (rc *readCache) invalidate(ctx context.Context, source string, tags ...string) {
	if len(tags) == 0 {
		return
	}
	rc.vers.bump(tags...)
	rc.observer.CacheInvalidated(source)
	if source != SourcePeer && rc.shared != nil {
		rc.shared.Bump(ctx, tags...)
	}
}

type noCacheKey struct{}

// freshReads makes the reads of ctx bypass the cache (they are still coalesced with reads
// that started after them): a read-modify-write must start from Scalekit's current value.
func freshReads(ctx context.Context) context.Context {
	return context.WithValue(ctx, noCacheKey{}, true)
}

// worthFetching tells whether a read ahead of r would keep anything (readahead.go): its
// kind is cached and this process holds no current answer to it. It counts no hit or miss.
func (rc *readCache) worthFetching(r request) bool {
	kind, tag := classify(r.path)
	if rc.store == nil || rc.ttl[kind] <= 0 {
		return false
	}
	e, ok := rc.store.GetIfPresent(cacheKey(r))
	return !ok || e.stamp != rc.stampOf(context.Background(), tag)
}

func cacheKey(r request) string {
	if len(r.query) > 0 {
		return r.path + "?" + r.query.Encode()
	}
	return r.path
}

// fetchedResponse is a flight's answer and when it stops being current by TTL (counted
// from when its fetch started, for every caller sharing it). kept: the answer was already
// in the cache when the flight began.
type fetchedResponse struct {
	*response
	expires time.Time
	kept    bool
}

// get answers a GET from the cache, or fetches it once for every caller asking at the same
// time under the same versions.
func (rc *readCache) get(ctx context.Context, r request, fetch func(ctx context.Context) (*response, error)) (*response, error) {
	key := cacheKey(r)
	kind, tag := classify(r.path)
	ttl := rc.ttl[kind]
	cached := rc.store != nil && ttl > 0
	bypass := ctx.Value(noCacheKey{}) != nil
	// Without the cache, only this process's versions matter: they keep reads in flight
	// from before a write apart from those after it.
	s := stamp{localTag: rc.vers.get(tag), localAll: rc.vers.get(tagGlobal)}
	if cached {
		s = rc.stampOf(ctx, tag)
	}
	reads := readSetFrom(ctx)
	if !cached || bypass {
		reads.bypass()
	}
	// fly fetches the answer once for every read under the same versions; refresh: the
	// entry it replaces is still current (refreshAt), so it is fetched anyway.
	fly := func(refresh bool) <-chan singleflight.Result {
		// The flight's key holds the versions: a read that starts after a write returned
		// never joins a fetch that started before it.
		flight := key + "@" + formatVersion(s.session) + "." + formatVersion(s.localTag) + "." + formatVersion(s.localAll) +
			"." + sharedKey("", s)
		return rc.flights.DoChan(flight, func() (any, error) {
			// A fetch under the same versions may have finished between this read's look at
			// the cache and now (often a read ahead's, readahead.go): its answer is this read's.
			if cached && !bypass && !refresh {
				if e, ok := rc.store.GetIfPresent(key); ok && e.stamp == s {
					return fetchedResponse{rc.decodings.response(e), e.expires, true}, nil
				}
			}
			fetched := time.Now()
			// The shared fetch must not die with the first caller's request.
			ctx := context.WithoutCancel(ctx)
			resp, err := fetch(ctx)
			if err == nil && cached && resp.status == http.StatusOK {
				e := &entry{kind: kind, body: resp.body, stamp: s, life: ttl, expires: fetched.Add(ttl),
					refreshAt: refreshAfter(fetched, ttl)}
				// The flight's own readers decode privately: a page read only once or twice
				// (a scan through every user) keeps no decoding (keepdecoded.go).
				rc.store.Set(key, e)
				rc.toShared(ctx, key, s, resp.body, ttl)
				switch {
				case kind == KindUsers:
					rc.primeUsers(ctx, s, fetched, resp.body)
				case kind == KindOrganization && tag == tagLists:
					rc.primeOrganizations(ctx, s, fetched, resp.body)
				}
			}
			return fetchedResponse{resp, fetched.Add(ttl), false}, err
		})
	}
	if cached && !bypass {
		if e, ok := rc.store.GetIfPresent(key); ok && e.stamp == s {
			rc.observer.CacheHit(kind)
			reads.add(tag, s, e.expires)
			if time.Now().After(e.refreshAt) && e.refreshing.CompareAndSwap(false, true) {
				rc.observer.CacheRefreshed(kind)
				fly(true) // its answer replaces the entry; a failure leaves it to expire
			}
			return rc.decodings.response(e), nil
		}
		if body, expires, ok := rc.fromShared(ctx, kind, key, s); ok {
			rc.observer.CacheHit(kind)
			reads.add(tag, s, expires)
			return &response{status: http.StatusOK, body: body}, nil
		}
		rc.observer.CacheMiss(kind)
	}
	select {
	case res := <-fly(false):
		if res.Shared {
			rc.observer.Coalesced(kind)
		}
		if res.Err != nil {
			// Not found is an answer too, but one the cache does not hold: an answer built
			// on it is not reused.
			reads.bypass()
			return nil, res.Err
		}
		fr := res.Val.(fetchedResponse)
		if fr.kept && bypass {
			// A read-modify-write that joined a flight answered from the cache asks itself.
			return fetch(ctx)
		}
		if cached && !bypass {
			reads.add(tag, s, fr.expires)
		}
		return fr.response, nil
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// do sends a request: a read through the cache and the coalescing of reads in flight, a
// write straight to Scalekit, after which (whether it succeeded or not: a failed write may
// have been applied) every entry it may have changed is stale before do returns.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	if r.idempotent() {
		return c.cache.get(ctx, r, func(ctx context.Context) (*response, error) { return c.call(ctx, r) })
	}
	// An answer that depends on a write in its own request is not reused.
	readSetFrom(ctx).bypass()
	resp, err := c.call(ctx, r)
	c.invalidate(ctx, SourceWrite, affected(r.path)...)
	return resp, err
}

// Invalidate makes the cached answers that depend on tags stale, in this process and, with
// Config.Shared set, in every replica before it returns (source SourcePeer: a notice from
// the shared store, already there). The role catalogue is dropped with the roles or global tag.
func (c *Client) Invalidate(source string, tags ...string) {
	c.invalidate(context.Background(), source, tags...)
}

func (c *Client) invalidate(ctx context.Context, source string, tags ...string) {
	// A write's bump outlives the write's own deadline: it must reach the other replicas.
	c.cache.invalidate(context.WithoutCancel(ctx), source, tags...)
	for _, t := range tags {
		if t == tagRoles || t == tagGlobal {
			c.rolesMu.Lock()
			c.rolesCache = nil
			c.rolesMu.Unlock()
			return
		}
	}
}

// UserTag and OrganizationTag name the answers that depend on one user or organization, for
// Invalidate; ListsTag the pages and lookups, RolesTag the role catalogue, GlobalTag all.
func UserTag(id string) string         { return userTag(id) }
func OrganizationTag(id string) string { return orgTag(id) }

// Tags for Invalidate.
const (
	ListsTag  = tagLists
	RolesTag  = tagRoles
	GlobalTag = tagGlobal
)
