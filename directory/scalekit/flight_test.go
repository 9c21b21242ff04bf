package scalekit

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/maypok86/otter/v2"
	"github.com/maypok86/otter/v2/stats"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A flight re-checks the cache before fetching: an answer stored under the same versions
// after the flight's first reader missed (typically by a read ahead) is taken as the
// flight's answer, marked kept. A read-modify-write (freshReads) that joined such a flight
// must not use it: it asks Scalekit itself. An ordinary read that joined it takes it, and
// nobody calls Scalekit.
//
// The moments that matter are pinned with hooks that already exist, no sleeps:
//   - the Observer's CacheMiss runs on the reader's goroutine after it missed and before it
//     starts or joins a flight, so the test can hold a reader there and store the entry in
//     between;
//   - otter records a hit (stats.Recorder.RecordHits) inside GetIfPresent, so the flight's
//     re-check, once it found the entry, can be held while another reader joins the flight;
//   - get evaluates fly(false), which joins the flight, before ctx.Done() in its select, so
//     the joining reader's context tells when it has joined.
func TestFlightAnsweredFromTheCache(t *testing.T) {
	for _, tc := range []struct {
		name          string
		bypass        bool
		joinerBody    string
		joinerFetches int32
		why           string
	}{
		{"a read-modify-write that joins it fetches for itself", true, freshUserBody, 1,
			"the read-modify-write got Scalekit's answer, not the cached one, with its own fetch"},
		{"an ordinary read that joins it takes the cached answer", false, cachedUserBody, 0,
			"the ordinary read got the cached answer and called Scalekit not at all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := joinFlightAnsweredFromTheCache(t, tc.bypass)
			assert.Equal(t, cachedUserBody, string(got.first.body), "the flight's own reader takes the cached answer")
			assert.Zero(t, got.flightFetches, "the flight itself fetched nothing: its answer came from the cache")
			assert.EqualValues(t, 2, got.coalesced, "both reads shared one flight")
			assert.Equal(t, tc.joinerBody, string(got.joiner.body), tc.why)
			assert.Equal(t, tc.joinerFetches, got.joinerFetches, tc.why)
		})
	}
}

const (
	cachedUserBody = `{"user":{"id":"usr_1","email":"cached@acme.test"}}`
	freshUserBody  = `{"user":{"id":"usr_1","email":"fresh@acme.test"}}`
)

type flightOutcome struct {
	first, joiner                *response // the answers of the flight's first reader and of the joiner
	flightFetches, joinerFetches int32     // calls to each reader's fetch function
	coalesced                    int32     // Observer.Coalesced calls
}

// joinFlightAnsweredFromTheCache arranges, step by step:
//  1. an ordinary read (the first) misses the cache and is held before its flight starts;
//  2. for an ordinary joiner only: the joiner misses too and is held likewise (a
//     read-modify-write never looks at the cache, so it needs no hold here);
//  3. an answer under the current versions is stored, as if another fetch had just finished;
//  4. the first read starts its flight, whose re-check finds that answer and is held there,
//     the flight still in progress;
//  5. the joiner (a read-modify-write when bypass) reads and joins that flight;
//  6. the flight is let go and both reads' answers are collected.
func joinFlightAnsweredFromTheCache(t *testing.T, bypass bool) flightOutcome {
	t.Helper()
	var out flightOutcome

	// Step 1 and 2's holds: the n-th miss closes missed[n] and waits for proceed[n].
	missed := []chan struct{}{make(chan struct{}), make(chan struct{})}
	proceed := []chan struct{}{make(chan struct{}), make(chan struct{})}
	var misses atomic.Int32
	obs := &flightObserver{miss: func() {
		n := int(misses.Add(1)) - 1
		if n >= len(missed) {
			t.Errorf("unexpected cache miss %d", n+1)
			return
		}
		close(missed[n])
		<-proceed[n]
	}}

	rc := newReadCache(CacheConfig{TTL: map[Kind]time.Duration{KindUser: time.Hour}}, nil, obs)
	// Step 4's hold: the same store newReadCache builds (the entry's own life as its
	// expiry), plus a stats recorder that holds the first hit. In this arrangement the only
	// hit is the flight's re-check: the readers' own looks happen before the entry is stored,
	// and a read-modify-write does not look.
	hits := &holdFirstHit{held: make(chan struct{}), release: make(chan struct{})}
	rc.store = otter.Must(&otter.Options[string, *entry]{
		ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[string, *entry]) time.Duration {
			return e.Value.life
		}),
		StatsRecorder: hits,
	})

	r := request{method: http.MethodGet, path: "/api/v1/users/usr_1"}
	kind, tag := classify(r.path)
	require.Equal(t, KindUser, kind)

	type result struct {
		resp *response
		err  error
	}
	firstDone, joinerDone := make(chan result, 1), make(chan result, 1)
	var flightFetches, joinerFetches atomic.Int32

	// 1. The first read, ordinary. Its fetch would run only if its flight found nothing
	// cached.
	go func() {
		resp, err := rc.get(context.Background(), r, func(context.Context) (*response, error) {
			flightFetches.Add(1)
			return &response{status: http.StatusOK, body: []byte(freshUserBody)}, nil
		})
		firstDone <- result{resp, err}
	}()
	waitFor(t, missed[0], "the first read's miss")

	// The joiner. Its context reports the select in get, which comes right after the read
	// started or joined its flight.
	joined := &selectSignal{Context: context.Background(), called: make(chan struct{})}
	var joinerCtx context.Context = joined
	if bypass {
		joinerCtx = freshReads(joined)
	}
	join := func() {
		go func() {
			resp, err := rc.get(joinerCtx, r, func(context.Context) (*response, error) {
				joinerFetches.Add(1)
				return &response{status: http.StatusOK, body: []byte(freshUserBody)}, nil
			})
			joinerDone <- result{resp, err}
		}()
	}
	if !bypass {
		// 2. An ordinary joiner must miss as well, or it would be answered from the cache
		// without joining anything: it reads now, before the entry exists, and is held.
		join()
		waitFor(t, missed[1], "the ordinary joiner's miss")
	}

	// 3. Another fetch under the same versions finished meanwhile.
	now := time.Now()
	rc.store.Set(cacheKey(r), &entry{kind: kind, body: []byte(cachedUserBody), stamp: rc.stampOf(context.Background(), tag),
		life: time.Hour, expires: now.Add(time.Hour), refreshAt: refreshAfter(now, time.Hour)})

	// 4. The first read starts its flight; the flight finds the entry and is held.
	close(proceed[0])
	waitFor(t, hits.held, "the flight's re-check of the cache")

	// 5. The joiner joins the flight, still in progress: the flight's key is the same for
	// both reads, whatever their bypass.
	if bypass {
		join()
	} else {
		close(proceed[1])
	}
	waitFor(t, joined.called, "the joiner joining the flight")

	// 6. Let the flight answer.
	close(hits.release)
	first, joiner := waitResult(t, firstDone, "the first read"), waitResult(t, joinerDone, "the joiner")
	require.NoError(t, first.err)
	require.NoError(t, joiner.err)

	out.first, out.joiner = first.resp, joiner.resp
	out.flightFetches, out.joinerFetches = flightFetches.Load(), joinerFetches.Load()
	out.coalesced = obs.coalesced.Load()
	return out
}

// flightObserver runs miss on every cache miss, on the missing reader's goroutine, and
// counts the reads that shared a flight.
type flightObserver struct {
	nopObserver
	miss      func()
	coalesced atomic.Int32
}

func (o *flightObserver) CacheMiss(Kind) { o.miss() }
func (o *flightObserver) Coalesced(Kind) { o.coalesced.Add(1) }

// holdFirstHit is otter's stats recorder that holds the first cache hit until release is
// closed, having closed held. otter records a hit on the reading goroutine, with no lock of
// its own held.
type holdFirstHit struct {
	stats.NoopRecorder
	armed         atomic.Bool
	held, release chan struct{}
}

func (h *holdFirstHit) RecordHits(int) {
	if h.armed.CompareAndSwap(false, true) {
		close(h.held)
		<-h.release
	}
}

// selectSignal is a context that closes called the first time Done is asked for: in get,
// that is the select that waits for the read's flight, entered once the read has started
// or joined it.
type selectSignal struct {
	context.Context
	once   sync.Once
	called chan struct{}
}

func (c *selectSignal) Done() <-chan struct{} {
	c.once.Do(func() { close(c.called) })
	return c.Context.Done()
}

// waitFor waits for ch; the timeout only turns a broken arrangement into a failure
// instead of a hung test, it orders nothing.
func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

func waitResult[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
		panic("unreachable")
	}
}
