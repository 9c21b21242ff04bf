package main

import (
	"testing"
	"time"
)

func ms1(n ...int) []time.Duration {
	out := make([]time.Duration, len(n))
	for i, v := range n {
		out[i] = time.Duration(v) * time.Millisecond
	}
	return out
}

func oneTo(n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = time.Duration(i+1) * time.Millisecond
	}
	return out
}

func TestPercentile(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no values", nil, 50, 0},
		{"one value p50", ms1(7), 50, 7 * time.Millisecond},
		{"one value p99", ms1(7), 99, 7 * time.Millisecond},
		{"two values p50 is the lower", ms1(1, 2), 50, 1 * time.Millisecond},
		{"two values p99 is the upper", ms1(1, 2), 99, 2 * time.Millisecond},
		{"1..100 p50", oneTo(100), 50, 50 * time.Millisecond},
		// The rounding trap: 0.99*100 is 98.99999999999999 in floating point.
		{"1..100 p99 is rank 99, not 100", oneTo(100), 99, 99 * time.Millisecond},
		{"1..100 p100 is the max", oneTo(100), 100, 100 * time.Millisecond},
		{"1..1000 p99", oneTo(1000), 99, 990 * time.Millisecond},
		{"1..1000 p99.9", oneTo(1000), 99.9, 999 * time.Millisecond},
		{"1..10 p99 is the max", oneTo(10), 99, 10 * time.Millisecond},
		{"1..10 p1 is the min", oneTo(10), 1, 1 * time.Millisecond},
		{"p0 means nothing", oneTo(10), 0, 0},
		{"a tail outlier shows at p99 of 100", append(oneTo(99), time.Second), 99, 99 * time.Millisecond},
		{"equal values", ms1(5, 5, 5, 5), 50, 5 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.sorted, tc.p); got != tc.want {
				t.Errorf("percentile(%d values, %v) = %v, want %v", len(tc.sorted), tc.p, got, tc.want)
			}
		})
	}
}

// The recorder files answers by the second they arrived in, keeps the warm-up and the
// stragglers out of the window, and counts their failures all the same.
func TestRecorderFilesBySecond(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	r := newRecorder(start, 3)
	at := func(d time.Duration) time.Time { return start.Add(d) }
	r.add("user", at(-2*time.Second), at(-time.Second), "")                    // warm-up
	r.add("user", at(-10*time.Millisecond), at(-time.Millisecond), "HTTP 503") // warm-up, failed
	r.add("user", at(-5*time.Millisecond), at(5*time.Millisecond), "")         // sent in warm-up, counted in second 0
	r.add("members", at(1100*time.Millisecond), at(1200*time.Millisecond), "") // second 1
	r.add("members", at(1500*time.Millisecond), at(1900*time.Millisecond), "GraphQL error X")
	r.add("user", at(2999*time.Millisecond), at(3001*time.Millisecond), "") // after the window
	r.setRSS(0, 100)
	r.setRSS(2, 300)
	r.setRSS(7, 999) // outside: ignored

	s := r.summarize(true)
	if s.warmupRequests != 2 || s.warmupErrors != 1 || s.lateRequests != 1 || s.lateErrors != 0 {
		t.Errorf("warm-up %d/%d, late %d/%d; want 2/1, 1/0", s.warmupRequests, s.warmupErrors, s.lateRequests, s.lateErrors)
	}
	if s.requests != 3 || s.errors != 1 || s.totalErrors() != 2 {
		t.Errorf("requests %d errors %d total errors %d; want 3, 1, 2", s.requests, s.errors, s.totalErrors())
	}
	wantReq := []int{1, 2, 0}
	for i, sec := range s.perSecond {
		if sec.requests != wantReq[i] {
			t.Errorf("second %d: %d requests, want %d", i, sec.requests, wantReq[i])
		}
	}
	if got := s.perSecond[0].p50; got != 10*time.Millisecond {
		t.Errorf("second 0 p50 = %v, want 10ms (sent before the window, latency measured whole)", got)
	}
	if s.perSecond[1].p99 != 100*time.Millisecond {
		t.Errorf("second 1 p99 = %v, want 100ms: the failed request's latency must not count", s.perSecond[1].p99)
	}
	if len(s.rss) != 2 || s.rss[0] != 100 || s.rss[1] != 300 {
		t.Errorf("rss = %v, want [100 300]", s.rss)
	}
	// Second 0 has answers and memory; second 1 answers only; second 2 memory only.
	if s.sampledSeconds != 1 {
		t.Errorf("sampled seconds = %d, want 1", s.sampledSeconds)
	}
	if k := s.kinds["members"]; k.requests != 2 || k.errors != 1 {
		t.Errorf("members: %+v", k)
	}
	if got := s.failureList(); len(got) != 2 || got[0].n != 1 {
		t.Errorf("failures = %v", got)
	}
}

func TestPacerSpacesStartsWithoutCatchUpBursts(t *testing.T) {
	p := newPacer(100) // every 10 ms
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, want := range []time.Duration{0, 10 * time.Millisecond, 20 * time.Millisecond} {
		if got := p.slot(now).Sub(now); got != want {
			t.Errorf("slot %d at %v, want %v", i, got, want)
		}
	}
	// A second later nobody asked for a while: the next slot is now, not a backlog.
	later := now.Add(time.Second)
	if got := p.slot(later); !got.Equal(later) {
		t.Errorf("after idling, slot at %v, want now (%v)", got.Sub(now), later.Sub(now))
	}
	if newPacer(0) != nil {
		t.Error("-max-rps 0 must mean no pacing")
	}
}
