package directory

import (
	"context"
	"time"
)

// ReadTracker is an optional capability of a backend whose reads carry their own freshness
// (Scalekit mode's entity cache): it can record what one request read and tell later
// whether all of it is still current. The gateway uses it to reuse a whole answer while
// nothing it was built from has changed (gateway/responsecache.go). SQL stores do not
// implement it: their reads are always current, and an answer built from them is not
// reused.
type ReadTracker interface {
	// TrackReads returns a context whose reads are recorded in the returned Reads. Reads
	// made with other contexts are not.
	TrackReads(ctx context.Context) (context.Context, Reads)
}

// Reads is what one request read from a ReadTracker.
type Reads interface {
	// Reusable reports whether an answer built from these reads, and nothing else, may be
	// reused: false when one of them bypassed the backend's cache (a kind with no TTL, a
	// read-modify-write, a write) or nothing was read.
	Reusable() bool
	// Current reports whether every read would still return what it returned: no write,
	// webhook or other replica's notice has touched what it depends on, and no answer it
	// came from has outlived its TTL (counted from when it was fetched from the source,
	// not from when this request read it).
	Current() bool
	// Expires is when the oldest answer read stops being current by TTL.
	Expires() time.Time
}
