package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseCacheCounters(t *testing.T) {
	page := `# HELP usergraph_cache_hits_total Entity cache lookups answered from the cache.
# TYPE usergraph_cache_hits_total counter
usergraph_cache_hits_total{kind="user"} 30
usergraph_cache_hits_total{kind="organization"} 12
# TYPE usergraph_cache_misses_total counter
usergraph_cache_misses_total{kind="user"} 8
# TYPE usergraph_response_cache_lookups_total counter
usergraph_response_cache_lookups_total{result="hit"} 7
usergraph_response_cache_lookups_total{result="miss"} 3
# TYPE other_total counter
other_total 99
`
	c, err := parseCacheCounters([]byte(page))
	if err != nil || c.cacheHits != 42 || c.cacheMisses != 8 || c.responseHits != 7 || c.responseMisses != 3 {
		t.Errorf("got %+v, %v; want 42 and 8 entity, 7 and 3 response lookups", c, err)
	}
	if c, err := parseCacheCounters([]byte("# TYPE x counter\nx 1\n")); err != nil || c.cacheHits != 0 || c.cacheMisses != 0 || c.responseHits != 0 {
		t.Errorf("a page without cache counters: %+v, %v", c, err)
	}
}

func TestFiguresPerRequest(t *testing.T) {
	s := summary{requests: 200, p50: 1500 * time.Microsecond, p99: 9 * time.Millisecond,
		serverCPUSeconds: 0.5, rss: []uint64{10 << 20, 30 << 20, 20 << 20},
		counted: counters{scalekitCalls: 50, cacheHits: 90, cacheMisses: 10, responseHits: 3, responseMisses: 1}}
	f := summarizeFigures(config{url: "http://127.0.0.1:1/graphql", query: "deep", clients: 64, duration: 10 * time.Second}, s)
	if f.RPS != 20 || f.P50ms != 1.5 || f.P99ms != 9 || *f.ServerCPUmsPerRequest != 2.5 ||
		*f.PeakRSSMiB != 30 || *f.ScalekitCallsPerReq != 0.25 || *f.CacheHitRate != 0.9 || *f.ResponseCacheHitRate != 0.75 {
		b, _ := json.Marshal(f)
		t.Errorf("figures %s", b)
	}
	f = summarizeFigures(config{duration: time.Second}, summary{requests: 1, serverCPUSeconds: -1, counted: unread})
	if f.ServerCPUmsPerRequest != nil || f.PeakRSSMiB != nil || f.ScalekitCallsPerReq != nil || f.CacheHitRate != nil || f.ResponseCacheHitRate != nil {
		t.Errorf("unmeasured figures reported: %+v", f)
	}
	if d := (counters{10, -1, 5, 2, -1}).minus(counters{4, 3, -1, 1, 0}); d != (counters{6, -1, -1, 1, -1}) {
		t.Errorf("minus = %+v", d)
	}
}

func TestReadFakeCalls(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ok" {
			_, _ = w.Write([]byte(`{"calls":17,"token_requests":1}`))
			return
		}
		_, _ = w.Write([]byte(`{"data":{}}`))
	}))
	defer srv.Close()
	c := newClient(1)
	if n, err := readFakeCalls(context.Background(), c, srv.URL+"/ok"); err != nil || n != 17 {
		t.Errorf("got %v, %v; want 17", n, err)
	}
	if _, err := readFakeCalls(context.Background(), c, srv.URL+"/other"); err == nil || !strings.Contains(err.Error(), "calls") {
		t.Errorf("a page without calls: %v", err)
	}
}

// randomuser pages through every user; hotuser asks for one; deep goes over the organizations.
func TestSingleWorkloads(t *testing.T) {
	const users = 250
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string
			Variables map[string]any
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		switch {
		case strings.Contains(req.Query, "organizations"):
			_, _ = w.Write([]byte(`{"data":{"organizations":{"nodes":[{"id":"org_1"},{"id":"org_2"}]}}}`))
		default:
			from := 0
			if a, _ := req.Variables["after"].(string); a != "" {
				from = len(a) * 100 // cursor "x" = 100, "xx" = 200
			}
			n := 20
			if strings.Contains(req.Query, "first: 100") {
				n = 100
			}
			var nodes []map[string]string
			for i := from; i < min(from+n, users); i++ {
				nodes = append(nodes, map[string]string{"id": "usr_" + strings.Repeat("1", i%5+1) + string(rune('a'+i%26)) + strings.Repeat("z", i/26)})
			}
			more := from+n < users
			_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"users": map[string]any{
				"nodes": nodes, "pageInfo": map[string]any{"hasNextPage": more, "endCursor": strings.Repeat("x", from/100+1)}}}})
		}
	}))
	defer srv.Close()
	c := newClient(1)
	tgt := target{url: srv.URL}
	ctx := context.Background()

	w, err := discover(ctx, c, tgt, "randomuser")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, b := range w.bodies["randomuser"] {
		seen[string(b)] = true
	}
	if len(w.bodies["randomuser"]) != users || len(seen) != users || w.users != users {
		t.Errorf("randomuser: %d bodies, %d distinct, %d users; want %d", len(w.bodies["randomuser"]), len(seen), w.users, users)
	}
	if r := w.next(3, 5); r.kind != "randomuser" {
		t.Errorf("next gave kind %q", r.kind)
	}

	w, err = discover(ctx, c, tgt, "hotuser")
	if err != nil {
		t.Fatal(err)
	}
	if a, b := w.next(0, 0), w.next(40, 99); len(w.bodies["hotuser"]) != 1 || string(a.body) != string(b.body) {
		t.Errorf("hotuser does not ask for one user: %d bodies", len(w.bodies["hotuser"]))
	}
	w, err = discover(ctx, c, tgt, "deep")
	if err != nil {
		t.Fatal(err)
	}
	if len(w.bodies["deep"]) != 2 || !strings.Contains(string(w.bodies["deep"][1]), "org_2") {
		t.Errorf("deep bodies: %q", w.bodies["deep"])
	}
}

func TestHeaderFromEnv(t *testing.T) {
	env := map[string]string{envHeader: "Authorization: Bearer peer-key", envAPIKey: "ugk_x"}
	h, v, src := credentialsFromEnv(func(k string) string { return env[k] })
	if h != "Authorization" || v != "Bearer peer-key" || strings.Contains(src, "peer-key") {
		t.Errorf("got %q %q %q", h, v, src)
	}
}
