package main

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the nearest-rank
// method: the smallest value with at least p% of the values at or below it. It is always one
// of the measured latencies, never an interpolation between two of them; 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 || p <= 0 {
		return 0
	}
	if p >= 100 {
		return sorted[n-1]
	}
	// rank = ceil(p/100 * n), computed in integers of hundredths of a percent so that
	// p=99 of 100 values is rank 99, not 100 through a rounding error.
	scaled := int64(p*100 + 0.5)
	rank := int((scaled*int64(n) + 9999) / 10000)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// second is what one second of the measured window saw.
type second struct {
	requests  int             // answers received in this second, failed ones included
	errors    int             // the failed ones among them
	latencies []time.Duration // of the successful ones
	rss       uint64          // server's resident set at the end of the second, bytes
	hasRSS    bool
}

// kindStats is the whole window's figures for one query of the workload.
type kindStats struct {
	requests, errors int
	latencies        []time.Duration
}

// recorder collects every answer. One mutex is enough: it is held for an append, while a
// request takes hundreds of microseconds at least.
type recorder struct {
	mu      sync.Mutex
	start   time.Time // the measured window is [start, start+len(seconds)s)
	seconds []second
	kinds   map[string]*kindStats

	warmupRequests, warmupErrors int // answered before start
	lateRequests, lateErrors     int // answered after the window (in flight when it closed)
	failures                     map[string]int
}

// maxFailureKinds bounds the failure table: a flood of distinct messages (each carrying a
// request id, say) must not grow it without end.
const maxFailureKinds = 20

func newRecorder(start time.Time, seconds int) *recorder {
	return &recorder{
		start:    start,
		seconds:  make([]second, seconds),
		kinds:    map[string]*kindStats{},
		failures: map[string]int{},
	}
}

// add records one answer: sent at sent, received at done; failure is "" for a success.
// Answers are filed by the second they arrived in.
func (r *recorder) add(kind string, sent, done time.Time, failure string) {
	lat := done.Sub(sent)
	r.mu.Lock()
	defer r.mu.Unlock()
	if failure != "" {
		if _, seen := r.failures[failure]; seen || len(r.failures) < maxFailureKinds {
			r.failures[failure]++
		} else {
			r.failures["other"]++
		}
	}
	at := done.Sub(r.start)
	switch {
	case at < 0:
		r.warmupRequests++
		if failure != "" {
			r.warmupErrors++
		}
		return
	case int(at/time.Second) >= len(r.seconds):
		r.lateRequests++
		if failure != "" {
			r.lateErrors++
		}
		return
	}
	s := &r.seconds[at/time.Second]
	k := r.kinds[kind]
	if k == nil {
		k = &kindStats{}
		r.kinds[kind] = k
	}
	s.requests++
	k.requests++
	if failure != "" {
		s.errors++
		k.errors++
		return
	}
	s.latencies = append(s.latencies, lat)
	k.latencies = append(k.latencies, lat)
}

// setRSS records the server's memory at the end of second i.
func (r *recorder) setRSS(i int, rss uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if i >= 0 && i < len(r.seconds) {
		r.seconds[i].rss, r.seconds[i].hasRSS = rss, true
	}
}

// secondStats is one row of the per-second series.
type secondStats struct {
	requests, errors int
	p50, p99         time.Duration
	hasLatency       bool
	rss              uint64
	hasRSS           bool
}

// summary is the measured window reduced to figures.
type summary struct {
	perSecond          []secondStats
	requests, errors   int
	p50, p99, max      time.Duration
	kinds              map[string]kindSummary
	kindOrder          []string // the workload's order, for the report
	users, orgs        int      // ids the workload was built on
	warmupRequests     int
	warmupErrors       int
	lateRequests       int
	lateErrors         int
	failures           map[string]int
	rss                []uint64 // the samples in time order, missing seconds left out
	sampledSeconds     int      // seconds with at least one answer (and an RSS sample when measured)
	memoryMeasured     bool
	serverCPUSeconds   float64  // -1 when unknown
	loadtestCPUSeconds float64  // -1 when unknown
	serverLogErrors    int      // ERROR lines in the server's log (with -start)
	counted            counters // changes over the window of -scalekit-counters and -metrics (-1: not read)
}

type kindSummary struct {
	requests, errors int
	p50, p99         time.Duration
}

// summarize sorts each second's latencies once and reduces everything to figures. Call it
// only when no more answers will arrive.
func (r *recorder) summarize(memoryMeasured bool) summary {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := summary{
		kinds:          map[string]kindSummary{},
		warmupRequests: r.warmupRequests, warmupErrors: r.warmupErrors,
		lateRequests: r.lateRequests, lateErrors: r.lateErrors,
		failures:         r.failures,
		memoryMeasured:   memoryMeasured,
		serverCPUSeconds: -1, loadtestCPUSeconds: -1,
		counted: unread,
	}
	var all []time.Duration
	for _, sec := range r.seconds {
		slices.Sort(sec.latencies)
		row := secondStats{requests: sec.requests, errors: sec.errors, rss: sec.rss, hasRSS: sec.hasRSS}
		if len(sec.latencies) > 0 {
			row.p50, row.p99, row.hasLatency = percentile(sec.latencies, 50), percentile(sec.latencies, 99), true
		}
		s.perSecond = append(s.perSecond, row)
		s.requests += sec.requests
		s.errors += sec.errors
		all = append(all, sec.latencies...)
		if sec.hasRSS {
			s.rss = append(s.rss, sec.rss)
		}
		if sec.requests > 0 && (sec.hasRSS || !memoryMeasured) {
			s.sampledSeconds++
		}
	}
	slices.Sort(all)
	s.p50, s.p99 = percentile(all, 50), percentile(all, 99)
	if len(all) > 0 {
		s.max = all[len(all)-1]
	}
	for name, k := range r.kinds {
		slices.Sort(k.latencies)
		s.kinds[name] = kindSummary{requests: k.requests, errors: k.errors,
			p50: percentile(k.latencies, 50), p99: percentile(k.latencies, 99)}
	}
	return s
}

// totalErrors counts every failed request of the run, warm-up and stragglers included:
// a failure is a failure whenever it happened.
func (s summary) totalErrors() int { return s.errors + s.warmupErrors + s.lateErrors }

// failureList returns the failure kinds, most frequent first.
func (s summary) failureList() []failureCount {
	out := make([]failureCount, 0, len(s.failures))
	for k, n := range s.failures {
		out = append(out, failureCount{k, n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].n != out[j].n {
			return out[i].n > out[j].n
		}
		return out[i].kind < out[j].kind
	})
	return out
}

type failureCount struct {
	kind string
	n    int
}
