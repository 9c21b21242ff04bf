package scalekit

import (
	"net/http"
	"sync/atomic"
)

// keepsDecoded tells whether entries of kind may keep their body decoded for every read of
// them from the cache (decode.go): pages of users, which many requests read and which cost
// the most to decode (a fifth of a users page's CPU). A single record decodes quickly and is
// mostly read by few requests before it expires: kept decoded, 64 clients reading random
// users of 5,000 peaked at 261 MiB instead of 156 MiB, for 12 % more CPU per request.
func keepsDecoded(kind Kind) bool { return kind == KindUsers || kind == KindMembers }

// decodedPerBodyByte estimates what a page's decoding holds per byte of its body: measured
// 8.1–8.5 for pages of 100 users (a map per metadata and attribute set, a pointer per time,
// a string per field), so a 115 KB page holds about 950 KB decoded.
const decodedPerBodyByte = 9

// keptFromRead is the cached read from which a page keeps its decoding: a page read over
// and over (a users page a frontend shows, an organization's members) keeps it soon, while
// one that a scan through every user reads once or twice never does. Otter admits entries
// by frequency for the same reason.
const keptFromRead = 3

// decodings bounds the memory that the entries' kept decodings hold, apart from the bodies
// the cache's weigher counts: a read past the bound decodes for itself, as a read of a
// single record always does. Without a bound, a scan through every user that ran twice
// kept every page decoded: 51 pages of 5,000 users held 46 MB more live heap, 400 MiB of RSS
// at GOGC=400 instead of 160.
type decodings struct {
	max  int64
	used atomic.Int64
}

// keptDecoding is an entry's decoding (decode.go) and whether the entry keeps one.
type keptDecoding struct {
	value decoded
	state atomic.Int32 // decodingUndecided, decodingKept or decodingGone
	reads atomic.Int32 // from the cache, until the entry keeps its decoding
}

// Entry states for its decoding: keep moves undecided to kept once, deletion to gone.
const (
	decodingUndecided int32 = iota
	decodingKept
	decodingGone
)

// response is the answer a read of e from the cache gets: with e's shared decoding if e
// keeps one or can start to within the bound.
func (d *decodings) response(e *entry) *response {
	r := &response{status: http.StatusOK, body: e.body}
	if keepsDecoded(e.kind) && d.keep(e) {
		r.decoded = &e.kept.value
	}
	return r
}

func (d *decodings) keep(e *entry) bool {
	switch e.kept.state.Load() {
	case decodingKept:
		return true
	case decodingGone:
		return false
	}
	// The count stops at keptFromRead (give or take the reads racing past it), so it never
	// wraps however long the entry lives.
	if e.kept.reads.Load() < keptFromRead && e.kept.reads.Add(1) < keptFromRead {
		return false
	}
	size := e.decodedSize()
	// Looked at before adding, so that while the bound is reached the reads of pages that
	// cannot keep a decoding only read the shared counter.
	if d.used.Load()+size > d.max {
		return false
	}
	if d.used.Add(size) > d.max {
		d.used.Add(-size)
		return false
	}
	if !e.kept.state.CompareAndSwap(decodingUndecided, decodingKept) {
		// Another read kept it first, or the entry left the cache meanwhile.
		d.used.Add(-size)
		return e.kept.state.Load() == decodingKept
	}
	return true
}

// release gives back what a deleted entry's decoding held; a read that still holds the
// entry decodes for itself from then on.
func (d *decodings) release(e *entry) {
	if e.kept.state.Swap(decodingGone) == decodingKept {
		d.used.Add(-e.decodedSize())
	}
}

func (e *entry) decodedSize() int64 { return decodedPerBodyByte * int64(len(e.body)) }
