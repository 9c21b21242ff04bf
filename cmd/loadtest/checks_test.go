package main

import (
	"strings"
	"testing"
	"time"
)

func mibs(v ...float64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = uint64(x * (1 << 20))
	}
	return out
}

func TestCheckMemoryFlat(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rss     []uint64
		flat    bool
		skipped bool
	}{
		{"no samples", nil, true, true},
		{"two samples", mibs(40, 80), true, true},
		{"steady", mibs(40, 41, 40, 41, 40, 41, 40, 41, 40), true, false},
		{"warm-up growth in the first third is not a leak", mibs(10, 20, 30, 40, 40, 41, 40, 41, 40), true, false},
		{"growth of exactly 20% passes", mibs(50, 50, 50, 50, 50, 50, 60, 60, 60), true, false},
		{"growth just over 20% fails", mibs(50, 50, 50, 50, 50, 50, 61, 61, 61), false, false},
		{"a steady leak fails", mibs(40, 44, 48, 52, 56, 60, 64, 68, 72), false, false},
		{"one GC peak in the last third does not decide", mibs(40, 40, 40, 40, 40, 40, 40, 90, 40), true, false},
		{"shrinking is fine", mibs(80, 80, 80, 80, 80, 80, 50, 50, 50), true, false},
		// 10 samples: thirds of 3, 3 and the remaining 4.
		{"uneven count gives the remainder to the last third", mibs(40, 40, 40, 40, 40, 40, 40, 40, 40, 100), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := checkMemoryFlat(tc.rss, 0.20)
			if got.flat != tc.flat || (got.skipped != "") != tc.skipped {
				t.Errorf("flat=%v skipped=%q growth=%+.3f (middle %d, last %d); want flat=%v skipped=%v",
					got.flat, got.skipped, got.growth, got.middle, got.last, tc.flat, tc.skipped)
			}
		})
	}
}

func TestCheckMemoryFlatReportsThirds(t *testing.T) {
	got := checkMemoryFlat(mibs(10, 12, 11, 20, 22, 21, 30, 31, 32), 0.20)
	if got.min != mibs(10)[0] || got.max != mibs(32)[0] {
		t.Errorf("min %d max %d", got.min, got.max)
	}
	if got.first != mibs(11)[0] || got.middle != mibs(21)[0] || got.last != mibs(31)[0] {
		t.Errorf("thirds %d %d %d, want the medians 11, 21, 31 MiB", got.first, got.middle, got.last)
	}
}

func TestEvaluate(t *testing.T) {
	cfg := config{duration: 20 * time.Second}
	full := func() summary {
		return summary{requests: 100, sampledSeconds: 20, memoryMeasured: true, rss: mibs(40, 40, 40, 40, 40, 40)}
	}
	for _, tc := range []struct {
		name       string
		mutate     func(*summary)
		wantFailed []string
	}{
		{"a good run", func(*summary) {}, nil},
		{"a failure in the warm-up still fails", func(s *summary) { s.warmupErrors = 1 }, []string{"no failed request"}},
		{"a failure after the window still fails", func(s *summary) { s.lateErrors = 1 }, []string{"no failed request"}},
		{"19 of 20 seconds is 95%", func(s *summary) { s.sampledSeconds = 19 }, nil},
		{"18 of 20 seconds is too few", func(s *summary) { s.sampledSeconds = 18 }, []string{"samples every second"}},
		{"a leak", func(s *summary) { s.rss = mibs(40, 40, 40, 40, 60, 60) }, []string{"memory is flat"}},
		{"memory not measured: no memory check", func(s *summary) { s.memoryMeasured, s.rss = false, nil }, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := full()
			tc.mutate(&s)
			var got []string
			for _, c := range evaluate(s, cfg).failed() {
				got = append(got, c.name)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantFailed, ",") {
				t.Errorf("failed checks %q, want %q", got, tc.wantFailed)
			}
		})
	}
}
