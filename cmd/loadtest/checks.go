package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// maxMemoryGrowth is how much the server's memory may grow from the middle third of the run
// to the last third before we call it a leak.
const maxMemoryGrowth = 0.20

// minCoverage is the share of the run's seconds that must have produced a sample: fewer
// means the server (or this machine) stalled, and the figures describe a gap.
const minCoverage = 0.95

// memoryTrend is the flat-memory rule's input and verdict.
type memoryTrend struct {
	samples             int
	min, max            uint64
	first, middle, last uint64  // median RSS of each third of the run
	growth              float64 // last/middle - 1
	flat                bool
	skipped             string // why the rule could not be applied, or ""
}

// checkMemoryFlat applies the flat-memory rule to RSS samples in time order. The first
// third is not compared: a server grows its heap, caches and connection buffers when load
// arrives, and that is warm-up, not a leak. Between the middle and last thirds a steady
// server stays put and a leaking one keeps growing. Each third is summarized by its median,
// so that one garbage-collection peak cannot decide the verdict.
func checkMemoryFlat(rss []uint64, maxGrowth float64) memoryTrend {
	t := memoryTrend{samples: len(rss), flat: true}
	if len(rss) < 3 {
		t.skipped = fmt.Sprintf("%d memory samples; the rule needs at least 3", len(rss))
		return t
	}
	t.min, t.max = slices.Min(rss), slices.Max(rss)
	n := len(rss) / 3
	// The last third takes the remainder, so it is never shorter than the others.
	t.first, t.middle, t.last = median(rss[:n]), median(rss[n:2*n]), median(rss[2*n:])
	t.growth = float64(t.last)/float64(t.middle) - 1
	t.flat = t.growth <= maxGrowth
	return t
}

// median of unsorted values (the upper median for an even count: a value that was measured).
func median(v []uint64) uint64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// check is one pass/fail rule with the numbers that decided it.
type check struct {
	name   string
	ok     bool
	detail string
}

type checkList []check

func (cs checkList) failed() checkList {
	var out checkList
	for _, c := range cs {
		if !c.ok {
			out = append(out, c)
		}
	}
	return out
}

func joinChecks(cs checkList) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = c.name
	}
	return strings.Join(names, ", ")
}

// evaluate applies the three rules of a good run: no failed request, flat memory, and
// samples for (nearly) every second.
func evaluate(s summary, cfg config) checkList {
	var cs checkList

	failed := s.totalErrors()
	cs = append(cs, check{
		name: "no failed request",
		ok:   failed == 0,
		detail: fmt.Sprintf("%d failed of %d (measured %d of %d, warm-up %d of %d, after the window %d of %d)",
			failed, s.requests+s.warmupRequests+s.lateRequests, s.errors, s.requests,
			s.warmupErrors, s.warmupRequests, s.lateErrors, s.lateRequests),
	})

	if s.memoryMeasured {
		t := checkMemoryFlat(s.rss, maxMemoryGrowth)
		c := check{name: "memory is flat", ok: t.flat}
		if t.skipped != "" {
			c.detail = "not applied: " + t.skipped
		} else {
			c.detail = fmt.Sprintf("median RSS middle third %s, last third %s: %+.1f%% (limit +%.0f%%)",
				mib(t.middle), mib(t.last), 100*t.growth, 100*maxMemoryGrowth)
		}
		cs = append(cs, c)
	}

	expected := int(cfg.duration / time.Second)
	need := minCoverage * float64(expected)
	what := "with at least one answer"
	if s.memoryMeasured {
		what = "with at least one answer and a memory sample"
	}
	cs = append(cs, check{
		name:   "samples every second",
		ok:     float64(s.sampledSeconds) >= need,
		detail: fmt.Sprintf("%d of %d seconds %s (need %.0f%%)", s.sampledSeconds, expected, what, 100*minCoverage),
	})
	return cs
}

// mib formats bytes as MiB with one decimal.
func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
