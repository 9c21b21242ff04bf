package scalekit

import (
	"context"
	"slices"
	"time"
)

// Shared is what the replicas of one deployment share so that each sees the others'
// writes and webhooks and reuses the others' fetches: the tag versions and a second level
// of cached answers. Package rediscache implements it over Redis; without it (nil) every
// process caches and invalidates on its own.
//
// Every method is bounded by a short timeout of the implementation and never returns an
// error: a store that fails is unavailable, and the cache then runs on this process's own
// versions until the store answers again.
type Shared interface {
	// Versions returns the cluster-wide versions of tags and the session they belong to.
	// A session is one stretch of availability or of unavailability: it changes whenever
	// the store goes away or comes back, so an answer cached in one session is never taken
	// for fresh in another (bumps may have been missed in between). ok is false while the
	// store is unavailable; session then names the outage.
	Versions(ctx context.Context, tags ...string) (vers []uint64, session uint64, ok bool)
	// Bump increments the versions of tags for every replica. It returns when the store
	// has them, so a read that starts on any replica after it sees them (see the
	// implementation for the delay of its notices), or when the store failed.
	Bump(ctx context.Context, tags ...string)
	// Get returns an answer shared under key in session, and how long it may still be
	// served; ok is false when there is none or the session is over.
	Get(ctx context.Context, session uint64, key string) (body []byte, life time.Duration, ok bool)
	// Set shares an answer under key for life, unless session is over.
	Set(ctx context.Context, session uint64, key string, body []byte, life time.Duration)
	// Watch registers fn, told of the tags other replicas bumped, and of GlobalTag when
	// the store went away (bumps may then be missed).
	Watch(fn func(tags []string))
}

// stamp is what a cached answer was fetched under: the store's session and versions when
// the store is shared, and always this process's own versions, which its own writes and
// webhooks bump before they return whatever the store's notices do.
type stamp struct {
	session              uint64
	shared               bool
	sharedTag, sharedAll uint64
	localTag, localAll   uint64
}

// stampOf reads the versions an answer depending on tag is fetched or served under.
func (rc *readCache) stampOf(ctx context.Context, tag string) stamp {
	return rc.stamps(ctx, []string{tag})[0]
}

// sharedKey names an answer in the shared store: the same request under the same
// cluster-wide versions is the same answer, whichever replica fetched it.
func sharedKey(key string, s stamp) string {
	return key + "@" + formatVersion(s.sharedTag) + "." + formatVersion(s.sharedAll)
}

// fromShared answers from the shared store's second level and keeps the answer in this
// process's cache for what is left of its life, so that nothing outlives its TTL counted
// from Scalekit's answer, whichever replica fetched it.
func (rc *readCache) fromShared(ctx context.Context, kind Kind, key string, s stamp) (body []byte, expires time.Time, ok bool) {
	if !s.shared {
		return nil, time.Time{}, false
	}
	body, life, ok := rc.shared.Get(ctx, s.session, sharedKey(key, s))
	if !ok || life <= 0 {
		return nil, time.Time{}, false
	}
	life = min(life, rc.ttl[kind])
	expires = time.Now().Add(life)
	rc.store.Set(key, &entry{kind: kind, body: body, stamp: s, life: life, expires: expires})
	rc.observer.SharedHit(kind)
	return body, expires, true
}

// stamps reads what answers depending on each of tags would be fetched or served under
// now, with one look at the shared store for all of them.
func (rc *readCache) stamps(ctx context.Context, tags []string) []stamp {
	out := make([]stamp, len(tags))
	all := rc.vers.get(tagGlobal)
	for i, t := range tags {
		out[i] = stamp{localTag: rc.vers.get(t), localAll: all}
	}
	if rc.shared == nil {
		return out
	}
	vers, session, ok := rc.shared.Versions(ctx, append(slices.Clone(tags), tagGlobal)...)
	for i := range out {
		out[i].session = session
		if ok {
			out[i].shared, out[i].sharedTag, out[i].sharedAll = true, vers[i], vers[len(tags)]
		}
	}
	return out
}

// toShared gives a fetched answer to the other replicas.
func (rc *readCache) toShared(ctx context.Context, key string, s stamp, body []byte, life time.Duration) {
	if s.shared {
		rc.shared.Set(ctx, s.session, sharedKey(key, s), body, life)
	}
}
