package scalekit

import (
	"context"
	"sync"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// A readSet records what one request read through the cache: the version of every tag its
// answers depended on when they were fetched, and when the oldest of them expires. It is
// current while none of those versions has moved and none of the answers has outlived its
// TTL, which is exactly when reading everything again would return the same bytes — so an
// answer built only from these reads may be reused until then, under the same freshness
// rules as the entity cache itself (the gateway's response cache relies on this).
type readSet struct {
	client *Client

	mu       sync.Mutex
	versions map[string]uint64 // tag → version its answers were fetched under
	expires  time.Time
	bypassed bool // a read did not come from (or go into) the cache
}

var _ directory.ReadTracker = (*Client)(nil)

type readSetKey struct{}

// TrackReads implements directory.ReadTracker.
func (c *Client) TrackReads(ctx context.Context) (context.Context, directory.Reads) {
	rs := &readSet{client: c, versions: map[string]uint64{}}
	return context.WithValue(ctx, readSetKey{}, rs), rs
}

func readSetFrom(ctx context.Context) *readSet {
	rs, _ := ctx.Value(readSetKey{}).(*readSet)
	return rs
}

// add records an answer that depended on tag and the global tag at the given versions and
// was fetched from Scalekit at fetched, to be kept for ttl.
func (rs *readSet) add(tag string, tagVer, globalVer uint64, fetched time.Time, ttl time.Duration) {
	if rs == nil {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.note(tag, tagVer)
	rs.note(tagGlobal, globalVer)
	if exp := fetched.Add(ttl); rs.expires.IsZero() || exp.Before(rs.expires) {
		rs.expires = exp
	}
}

// note keeps the oldest version seen of tag: an answer read under an older version is
// stale as soon as the tag has moved past it.
func (rs *readSet) note(tag string, ver uint64) {
	if old, ok := rs.versions[tag]; !ok || ver < old {
		rs.versions[tag] = ver
	}
}

// bypass records a read that the cache did not serve under its rules.
func (rs *readSet) bypass() {
	if rs == nil {
		return
	}
	rs.mu.Lock()
	rs.bypassed = true
	rs.mu.Unlock()
}

// Reusable implements directory.Reads.
func (rs *readSet) Reusable() bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return !rs.bypassed && len(rs.versions) > 0
}

// Current implements directory.Reads.
func (rs *readSet) Current() bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.bypassed || !time.Now().Before(rs.expires) {
		return false
	}
	for tag, ver := range rs.versions {
		if rs.client.cache.vers.get(tag) != ver {
			return false
		}
	}
	return true
}

// Expires implements directory.Reads.
func (rs *readSet) Expires() time.Time {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.expires
}
