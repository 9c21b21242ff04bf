package gateway_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory/scalekit"
)

// usersPage is a page of 50 users with their profiles.
const usersPage = `{ users(first: 50) { totalCount pageInfo { hasNextPage endCursor }
	nodes { id email externalId profile { name givenName familyName locale picture groups } } } }`

// BenchmarkExecutionCost measures what one request costs the process, one client at a time,
// on the embedded store and on the in-process fake Scalekit answering at once (L = 0): CPU
// per request (user + system time of the whole process, so the store's or the fake's work
// is included), allocations, latency percentiles and backend calls. The deep members query
// runs at 10, 100 and 1,000 members; its CPU should grow linearly with them. -short (CI's
// check that every benchmark runs) leaves out 1,000, whose setup took most of that check.
func BenchmarkExecutionCost(b *testing.B) {
	sizes := []int{10, 100, 1000}
	if testing.Short() {
		sizes = sizes[:2]
	}
	for _, backend := range []string{"sqlite", "scalekit"} {
		for _, members := range sizes {
			e := costEnv(b, backend)
			org := withMembers(b, e, members)
			doc, vars := deepMembersQuery(b, e, org, members)
			b.Run(fmt.Sprintf("%s/deep-members=%d", backend, members), func(b *testing.B) { measureCost(b, e, doc, vars) })
			if members != 100 {
				continue
			}
			f := e.fixture()
			b.Run(backend+"/users-page=50", func(b *testing.B) { measureCost(b, e, usersPage, nil) })
			b.Run(backend+"/user-memberships", func(b *testing.B) {
				measureCost(b, e, userMemberships, map[string]any{"id": f.alice})
			})
		}
	}
}

func costEnv(b *testing.B, backend string) *env {
	if backend == "sqlite" {
		return newEnv(b, true)
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
	b.ReportAllocs()
	var latencies []time.Duration
	calls, cpu := e.calls(), processCPU()
	for b.Loop() {
		t0 := time.Now()
		send()
		latencies = append(latencies, time.Since(t0))
	}
	n := float64(len(latencies))
	b.ReportMetric(float64((processCPU()-cpu).Microseconds())/1000/n, "cpu-ms/op")
	b.ReportMetric(float64(e.calls()-calls)/n, "calls/op")
	slices.Sort(latencies)
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ms")
}

// processCPU is the user and system time the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
