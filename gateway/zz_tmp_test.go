package gateway_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

type logRT struct {
	mu    sync.Mutex
	t0    time.Time
	paths []string
}

func (l *logRT) RoundTrip(r *http.Request) (*http.Response, error) {
	s := time.Since(l.t0)
	resp, err := http.DefaultTransport.RoundTrip(r)
	l.mu.Lock()
	l.paths = append(l.paths, fmt.Sprintf("%4dms-%4dms %s %s", s.Milliseconds(), time.Since(l.t0).Milliseconds(), r.Method, r.URL.Path))
	l.mu.Unlock()
	return resp, err
}

func TestTmpColdDeep(t *testing.T) {
	for _, ml := range []scalekit.MemberLists{scalekit.MemberListsAuto, scalekit.MemberListsComplete} {
		lr := &logRT{}
		cfg := cachedFor(30 * time.Second)
		cfg.Transport = lr
		cfg.MemberLists = ml
		e, _ := newScalekitEnvWith(t, scalekittest.Options{Latency: 20 * time.Millisecond, Generate: &scalekittest.Generated{Organizations: 50, Users: 5000}}, cfg)
		svc := e.authorization(fixture{}, asServiceCaller)
		r := e.queryAs(svc, `{ organizations(first: 1) { nodes { id } } }`, nil)
		org := str(at(r.Data, "organizations.nodes.0.id"))
		doc := `query Deep($org: ID!) { organization(id: $org) { displayName members(first: 100) { totalCount nodes { status user { email profile { name } memberships { status organization { displayName } roles { name permissions { name } } } } } } } }`
		lr.mu.Lock()
		lr.paths = nil
		lr.t0 = time.Now()
		lr.mu.Unlock()
		t0 := time.Now()
		r = e.queryAs(svc, doc, map[string]any{"org": org})
		fmt.Println(ml, "cold deep", time.Since(t0), len(r.Errors), len(lr.paths), "calls")
		for i, p := range lr.paths {
			if i < 6 || i > len(lr.paths)-4 {
				fmt.Println("  ", p)
			}
		}
	}
}
