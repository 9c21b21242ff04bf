package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/gateway"
)

// usersPage is a page of 50 users with their profiles.
const usersPage = `{ users(first: 50) { totalCount pageInfo { hasNextPage endCursor }
	nodes { id email externalId profile { name givenName familyName locale picture groups } } } }`

// BenchmarkExecutionCost measures what one request costs the process, one client at a time,
// on the embedded store and on the in-process fake Scalekit answering at once (L = 0), with
// and without the entity cache (costEnv): CPU per request (user + system time of the whole
// process, so the store's or the fake's work is included), allocations, latency
// percentiles and backend calls. The deep members query
// runs at 10, 100 and 1,000 members; its CPU should grow linearly with them.
//
// Every sub-benchmark builds its own data, so a -bench filter that skips it skips its setup
// too (creating 1,000 members takes longer than measuring them). USERGRAPH_BENCH_PROFILE=dir
// writes, per sub-benchmark, a CPU profile of the measured requests only and the
// allocations they made (see measureCost), which -cpuprofile and -memprofile cannot
// separate from the setup. -short (CI's check that every
// benchmark runs) leaves out 1,000, whose setup took most of that check.
func BenchmarkExecutionCost(b *testing.B) {
	sizes := []int{10, 100, 1000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, backend := range []string{"sqlite", "scalekit", "scalekit-cached"} {
		b.Run(backend, func(b *testing.B) {
			for _, members := range sizes {
				b.Run(fmt.Sprintf("deep-members=%d", members), func(b *testing.B) {
					e := costEnv(b, backend)
					org := withMembers(b, e, members)
					doc, vars := deepMembersQuery(b, e, org, members)
					measureCost(b, e, doc, vars)
				})
			}
			b.Run("users-page=50", func(b *testing.B) {
				e := costEnv(b, backend)
				withMembers(b, e, 50-seededUsers) // a full page
				measureCost(b, e, usersPage, nil)
			})
			b.Run("user-memberships", func(b *testing.B) {
				e := costEnv(b, backend)
				measureCost(b, e, userMemberships, map[string]any{"id": e.fixture().alice})
			})
		})
	}
}

// seededUsers is how many users the seeded demo data has.
const seededUsers = 20

// costEnv builds the gateway over backend: the embedded store; the fake Scalekit without a
// cache, so that every request reads Scalekit (whose in-process work is counted); or
// "scalekit-cached", as the server runs by default but without the response cache, so that
// every request executes while Scalekit's answers come from the entity cache.
func costEnv(b *testing.B, backend string) *env {
	switch backend {
	case "sqlite":
		return newEnv(b, true)
	case "scalekit-cached":
		e, _ := newScalekitEnv(b, true, cachedFor(time.Hour), func(c *gateway.Config) { c.ResponseCache.Reads = nil })
		return e
	}
	e, _ := newScalekitEnv(b, true, scalekit.Config{})
	return e
}

// measureCost runs doc once per iteration through the handler and reports CPU, latency
// percentiles and backend calls per request.
func measureCost(b *testing.B, e *env, doc string, vars map[string]any) {
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	require.NoError(b, err)
	send := func() {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("status %d: %.300s", rec.Code, rec.Body.String())
		}
	}
	send() // warms caches (the role catalogue, prepared statements)
	stopProfile := profileRequests(b)
	b.ReportAllocs()
	var latencies []time.Duration
	calls, cpu := e.calls(), processCPU()
	for b.Loop() {
		t0 := time.Now()
		send()
		latencies = append(latencies, time.Since(t0))
	}
	cpu = processCPU() - cpu
	calls = e.calls() - calls
	stopProfile()
	n := float64(len(latencies))
	b.ReportMetric(float64(cpu.Microseconds())/1000/n, "cpu-ms/op")
	b.ReportMetric(float64(calls)/n, "calls/op")
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(peakRSS())/(1<<20), "peak-rss-MB")
}

// profileRequests starts profiling the requests that follow when USERGRAPH_BENCH_PROFILE
// names a directory, and returns what stops it: a CPU profile (<name>.cpu.pprof) and the
// allocation profiles before and after (<name>.allocs-{before,after}.pprof; compare them
// with go tool pprof -sample_index=alloc_space -diff_base before after).
func profileRequests(b *testing.B) (stop func()) {
	dir := os.Getenv("USERGRAPH_BENCH_PROFILE")
	if dir == "" {
		return func() {}
	}
	base := filepath.Join(dir, strings.NewReplacer("/", "_", "=", "").Replace(b.Name()))
	writeAllocs := func(suffix string) {
		runtime.GC() // the allocation profile is as of the last collection
		f, err := os.Create(base + suffix)
		require.NoError(b, err)
		defer f.Close()
		require.NoError(b, pprof.Lookup("allocs").WriteTo(f, 0))
	}
	writeAllocs(".allocs-before.pprof")
	cpu, err := os.Create(base + ".cpu.pprof")
	require.NoError(b, err)
	require.NoError(b, pprof.StartCPUProfile(cpu))
	return func() {
		pprof.StopCPUProfile()
		require.NoError(b, cpu.Close())
		writeAllocs(".allocs-after.pprof")
	}
}

// processCPU is the user and system time the process has used.
func processCPU() time.Duration {
	ru := rusage()
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the most memory the process has held resident since it started (setup
// included: filter with -bench to measure one sub-benchmark).
func peakRSS() int64 {
	return rusage().Maxrss << 10 // kilobytes on Linux
}

// rusage is the process's resource usage so far (zero if the system will not tell).
func rusage() syscall.Rusage {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru
}
