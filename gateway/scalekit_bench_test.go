package gateway_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// scalekitLatency is L of docs/benchmarks.md: the fake answers every call after it.
const scalekitLatency = 20 * time.Millisecond

// BenchmarkScalekitLatency runs the deep members query (100 members, each in two
// organizations, their roles and permissions) and the typical user query over a fake
// Scalekit that answers each call after L = 20 ms, once with member lists known to be
// complete and once with lists that hold only the listed organization's memberships. The
// dependency depth of the deep query is 3 with complete lists (organization → member list,
// whose users carry their memberships → the other organizations; the role catalogue is
// cached) and 4 with partial ones (the members are fetched by id for their other
// memberships, in one batch), so the target is depth × L + 5 ms. calls/query counts the
// requests Scalekit received: bounded by distinct objects, not by nesting.
func BenchmarkScalekitLatency(b *testing.B) {
	for _, mode := range memberListModes {
		e, fake := newScalekitEnvWith(b, mode.fake, mode.client)
		org := withMembers(b, e, 100)
		f := e.fixture()
		e.mustQuery(userMemberships, map[string]any{"id": f.alice}) // warms the role catalogue
		deepDepth := 3
		if mode.fetches {
			deepDepth = 4
		}
		// L = 0 shows the CPU the query costs the gateway (and the in-process fake) alone.
		for _, latency := range []time.Duration{0, scalekitLatency} {
			fake.SetLatency(latency)
			for _, q := range []struct {
				name, doc string
				depth     int
				vars      map[string]any
			}{
				{"user-memberships(depth=2)", userMemberships, 2, map[string]any{"id": f.alice}},
				{fmt.Sprintf("deep-members-100(depth=%d)", deepDepth), deepMembers, deepDepth, map[string]any{"org": org, "n": 100}},
			} {
				b.Run(fmt.Sprintf("%s/%s/L=%s", mode.name, q.name, latency), func(b *testing.B) {
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

// memberListModes are the two ways Scalekit's member lists may behave, each with the
// client's view of them: lists known to be complete (their memberships are used as they
// are), and lists that hold only the listed organization's membership (each member's
// others are fetched with the user, in one batch).
var memberListModes = []struct {
	name    string
	fake    scalekittest.Options
	client  scalekit.Config
	fetches bool // the members are fetched by id
}{
	{"complete-lists", scalekittest.Options{Seed: true}, scalekit.Config{MemberLists: scalekit.MemberListsComplete}, false},
	{"partial-lists", scalekittest.Options{Seed: true, PartialMemberLists: true}, scalekit.Config{}, true},
}

// TestScalekitCallsDoNotGrowWithMembers is TestNoNPlusOne for Scalekit: the deep members
// query's requests are bounded by the distinct objects it shows, not by nesting. With
// complete lists it costs the same for 10 members as for 100 (each distinct organization
// once, one member-list page; roles come from the cached catalogue, memberships embedded
// in the users). With partial lists each distinct member is fetched once more, for its
// other memberships.
func TestScalekitCallsDoNotGrowWithMembers(t *testing.T) {
	for _, mode := range memberListModes {
		t.Run(mode.name, func(t *testing.T) {
			for _, n := range []int{10, 100} {
				e, _ := newScalekitEnvWith(t, mode.fake, mode.client, withCountingLoaders())
				org := withMembers(t, e, n)
				vars := map[string]any{"org": org, "n": 100}
				e.mustQuery(deepMembers, vars) // warms the role catalogue
				before := e.calls()
				data := e.mustQuery(deepMembers, vars)
				calls := e.calls() - before
				members := uint64(len(at(data, "organization.members.nodes").([]any)))
				// The members of the first seeded organization belong to all three
				// organizations: one call per distinct organization, plus the one page of
				// the member list.
				want := uint64(4)
				if mode.fetches {
					want += members
				}
				assert.Equal(t, want, calls, "%d members listed", members)
			}
		})
	}
}

// TestScalekitLearnsThatMemberListsAreComplete: in auto mode the first deep query fetches
// its members by id and compares them with the list; 100 users in several organizations
// that match prove the lists complete, and the same query then costs no call per member.
func TestScalekitLearnsThatMemberListsAreComplete(t *testing.T) {
	e, _ := newScalekitEnv(t, true, scalekit.Config{}, withCountingLoaders())
	org := withMembers(t, e, 100)
	vars := map[string]any{"org": org, "n": 100}
	assert.Equal(t, uint64(4+100), statementsFor(t, e, deepMembers, vars), "unknown: members fetched by id")
	assert.Equal(t, uint64(4), statementsFor(t, e, deepMembers, vars), "learned complete: none")
	assert.Equal(t, scalekit.ListsComplete, e.dir.(*scalekit.Client).MemberListState())
}
