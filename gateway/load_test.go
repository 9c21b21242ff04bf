package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// loadResult is what one concurrent run measured.
type loadResult struct {
	p50, p99  time.Duration
	callsPer  float64
	peakHeap  uint64 // bytes of heap objects, the highest sample
	perSecond float64
}

// runLoad sends n queries from `clients` concurrent clients through the gateway's handler
// and measures latency percentiles, backend calls per query and the heap's peak (sampled
// every millisecond through runtime/metrics, which does not stop the world).
func runLoad(tb testing.TB, e *env, doc string, vars map[string]any, clients, n int) loadResult {
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	require.NoError(tb, err)

	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak atomic.Uint64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()

	latencies := make([]time.Duration, n)
	var next atomic.Int64
	var failed atomic.Value
	start, calls := time.Now(), e.calls()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				t0 := time.Now()
				e.handler.ServeHTTP(rec, req)
				latencies[i] = time.Since(t0)
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
					failed.Store(fmt.Sprintf("status %d: %.300s", rec.Code, rec.Body.String()))
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	<-sampled
	if msg := failed.Load(); msg != nil {
		tb.Fatalf("a query failed under load: %s", msg)
	}
	slices.Sort(latencies)
	return loadResult{
		p50:       latencies[n/2],
		p99:       latencies[(n*99)/100],
		callsPer:  float64(e.calls()-calls) / float64(n),
		peakHeap:  peak.Load(),
		perSecond: float64(n) / elapsed.Seconds(),
	}
}

// namedQuery is one document of the load benchmarks.
type namedQuery struct {
	name string
	doc  string
	vars map[string]any
}

// loadQueries are the typical user query and the deep members query over org.
func loadQueries(user, org string) []namedQuery {
	return []namedQuery{
		{"user-memberships", userMemberships, map[string]any{"id": user}},
		{"deep-members-100", deepMembers, map[string]any{"org": org, "n": 100}},
	}
}

// benchLoad is one benchmark of runLoad: each b.N iteration is one whole run of n queries,
// and the metrics are the last run's.
func benchLoad(b *testing.B, e *env, q namedQuery, clients, n int) {
	var r loadResult
	for b.Loop() {
		r = runLoad(b, e, q.doc, q.vars, clients, n)
	}
	r.report(b)
}

func (r loadResult) report(b *testing.B) {
	b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(r.callsPer, "calls/query")
	b.ReportMetric(float64(r.peakHeap)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(r.perSecond, "queries/s")
}

// BenchmarkConcurrentClients runs the deep members query (100 members) and the typical user
// query from 1, 16 and 64 concurrent clients on the embedded store. Each b.N iteration is one
// whole run of 200 queries; the metrics are per run.
func BenchmarkConcurrentClients(b *testing.B) {
	e := newEnv(b, true)
	org := withMembers(b, e, 100)
	f := e.fixture()
	for _, q := range loadQueries(f.alice, org) {
		for _, clients := range []int{1, 16, 64} {
			b.Run(fmt.Sprintf("%s/clients=%d", q.name, clients), func(b *testing.B) { benchLoad(b, e, q, clients, 200) })
		}
	}
}
