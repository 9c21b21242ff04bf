package gateway_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/usergraph/usergraph/directory/scalekit"
)

// scalekitLatency is L of docs/benchmarks.md: the fake answers every call after it.
const scalekitLatency = 20 * time.Millisecond

// BenchmarkScalekitLatency runs the deep members query (100 members, each in two
// organizations, their roles and permissions) and the typical user query over a fake
// Scalekit that answers each call after L = 20 ms. The dependency depth of the deep query
// is 3 (organization → member list, whose users carry their memberships → the other
// organizations; the role catalogue is cached), so the target is 3 × L + 5 ms = 65 ms.
// calls/query counts the requests Scalekit received: bounded by distinct objects, not by
// the 100 members.
func BenchmarkScalekitLatency(b *testing.B) {
	e, fake := newScalekitEnv(b, true, scalekit.Config{})
	org := withMembers(b, e, 100)
	f := e.fixture()
	e.mustQuery(userMemberships, map[string]any{"id": f.alice}) // warms the role catalogue
	// L = 0 shows the CPU the query costs the gateway (and the in-process fake) alone.
	for _, latency := range []time.Duration{0, scalekitLatency} {
		fake.SetLatency(latency)
		for _, q := range []struct {
			name, doc string
			depth     int
			vars      map[string]any
		}{
			{"user-memberships(depth=2)", userMemberships, 2, map[string]any{"id": f.alice}},
			{"deep-members-100(depth=3)", deepMembers, 3, map[string]any{"org": org, "n": 100}},
		} {
			b.Run(fmt.Sprintf("%s/L=%s", q.name, latency), func(b *testing.B) {
				b.ReportAllocs()
				start := e.calls()
				benchQuery(b, e, q.doc, q.vars)
				b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
				b.ReportMetric(float64(q.depth)*float64(latency.Milliseconds())+5, "target-ms")
				b.ReportMetric(float64(e.calls()-start)/float64(b.N), "calls/query")
			})
		}
	}
}

// BenchmarkScalekitConcurrentClients: the same queries from 1, 16 and 64 concurrent
// clients, with the client's default limit of 16 requests in flight (which protects the
// environment's rate limit, and so queues calls at 64 clients) and with 64.
func BenchmarkScalekitConcurrentClients(b *testing.B) {
	for _, limit := range []int{16, 64} {
		e, fake := newScalekitEnv(b, true, scalekit.Config{Concurrency: limit})
		org := withMembers(b, e, 100)
		f := e.fixture()
		e.mustQuery(userMemberships, map[string]any{"id": f.alice})
		fake.SetLatency(scalekitLatency)
		for _, q := range loadQueries(f.alice, org) {
			for _, clients := range []int{1, 16, 64} {
				b.Run(fmt.Sprintf("%s/in-flight=%d/clients=%d", q.name, limit, clients), func(b *testing.B) { benchLoad(b, e, q, clients, 128) })
			}
		}
	}
}

// TestScalekitCallsDoNotGrowWithMembers is TestNoNPlusOne for Scalekit: the deep members
// query costs the same requests for 10 members as for 100 (each distinct organization once,
// one member-list page; roles come from the cached catalogue, memberships embedded in the
// users).
func TestScalekitCallsDoNotGrowWithMembers(t *testing.T) {
	counts := map[int]uint64{}
	for _, n := range []int{10, 100} {
		e, _ := newScalekitEnv(t, true, scalekit.Config{}, withCountingLoaders())
		org := withMembers(t, e, n)
		e.mustQuery(deepMembers, map[string]any{"org": org, "n": 100})
		counts[n] = statementsFor(t, e, deepMembers, map[string]any{"org": org, "n": 100})
	}
	assert.Equal(t, counts[10], counts[100], "calls must not grow with the member count")
	// The members of the first seeded organization belong to all three organizations: one
	// call per distinct organization, plus the one page of the member list.
	assert.Equal(t, uint64(4), counts[100], "three organizations and one member-list page")
}
