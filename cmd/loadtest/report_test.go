package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The report and its three plots come out of a summary with gaps (a second without
// answers, a missing memory sample) as valid files that link each other.
func TestWriteReport(t *testing.T) {
	dir := t.TempDir()
	cfg := config{out: dir, clients: 4, duration: 3 * time.Second, warmup: time.Second, query: "mix", start: true,
		args: []string{"-start", "-clients", "4", "-duration", "3s"}, credentials: "none"}
	s := summary{
		perSecond: []secondStats{
			{requests: 10, p50: time.Millisecond, p99: 3 * time.Millisecond, hasLatency: true, rss: 40 << 20, hasRSS: true},
			{requests: 0},
			{requests: 12, errors: 2, p50: 2 * time.Millisecond, p99: 5 * time.Millisecond, hasLatency: true, rss: 41 << 20, hasRSS: true},
		},
		requests: 22, errors: 2, p50: time.Millisecond, p99: 5 * time.Millisecond,
		kinds:          map[string]kindSummary{"user": {requests: 22, errors: 2}},
		kindOrder:      []string{"user", "members"},
		failures:       map[string]int{"HTTP 503 SERVER_BUSY": 2},
		rss:            []uint64{40 << 20, 41 << 20},
		sampledSeconds: 2, memoryMeasured: true, serverCPUSeconds: 1.5, loadtestCPUSeconds: 0.3,
	}
	checks := evaluate(s, cfg)
	if err := writeReport(cfg, environment{cpus: 2, platform: "linux/amd64", goVersion: "go1.26.8", loadStart: "3.10 2.00 1.00"}, nil, s, checks); err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(dir, "load.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"load-throughput.svg", "load-latency.svg", "load-memory.svg", "**FAIL**", "HTTP 503 SERVER_BUSY",
		"p50 1.00 ms, p99 5.00 ms", "load average was 3.10"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("load.md lacks %q", want)
		}
	}
	for _, name := range []string{"load-throughput.svg", "load-latency.svg", "load-memory.svg"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		counts := svgElements(t, b)
		if counts["polyline"]+counts["circle"] == 0 {
			t.Errorf("%s has no data drawn", name)
		}
	}
}
