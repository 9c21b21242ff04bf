package scalekit

import (
	"context"
	"sync"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// A readSet records what one request read through the cache: the stamp (this process's
// and, with replicas, the shared store's versions) that every tag's answers were served
// under, and when the oldest of them expires. It is current while every tag would still be
// served under the same stamp and none of the answers has outlived its TTL, which is
// exactly when reading everything again would return the same bytes — so an answer built
// only from these reads may be reused until then, under the same freshness rules as the
// entity cache itself (the gateway's response cache relies on this).
type readSet struct {
	client *Client

	mu       sync.Mutex
	stamps   map[string]stamp // tag → stamp its answers were served under
	expires  time.Time
	bypassed bool // a read did not come from (or go into) the cache, or tags moved meanwhile
}

var _ directory.ReadTracker = (*Client)(nil)

type readSetKey struct{}

// TrackReads implements directory.ReadTracker.
func (c *Client) TrackReads(ctx context.Context) (context.Context, directory.Reads) {
	rs := &readSet{client: c, stamps: map[string]stamp{}}
	return context.WithValue(ctx, readSetKey{}, rs), rs
}

func readSetFrom(ctx context.Context) *readSet {
	rs, _ := ctx.Value(readSetKey{}).(*readSet)
	return rs
}

// add records an answer that depended on tag, served under stamp s, that stops being
// current by TTL at expires.
func (rs *readSet) add(tag string, s stamp, expires time.Time) {
	if rs == nil {
		return
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if old, ok := rs.stamps[tag]; ok && old != s {
		// The tag moved between two reads of this request: its answer mixes states.
		rs.bypassed = true
	}
	rs.stamps[tag] = s
	if rs.expires.IsZero() || expires.Before(rs.expires) {
		rs.expires = expires
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
	return !rs.bypassed && len(rs.stamps) > 0
}

// Current implements directory.Reads.
func (rs *readSet) Current() bool {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.bypassed || !time.Now().Before(rs.expires) {
		return false
	}
	tags := make([]string, 0, len(rs.stamps))
	for t := range rs.stamps {
		tags = append(tags, t)
	}
	for i, now := range rs.client.cache.stamps(context.Background(), tags) {
		if now != rs.stamps[tags[i]] {
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
