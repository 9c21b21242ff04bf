package observe_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/loaders"
	"github.com/usergraph/usergraph/observe"
)

// listOrgs reads organizations, their members and the members' users and roles: resolver
// methods at three levels, each level one batched backend call.
const listOrgs = `query ListOrgs {
  organizations(first: 3) {
    nodes {
      id
      displayName
      members(first: 5) { nodes { status user { email } roles { name } } }
    }
  }
}`

// newGraphQL serves the repository's executable schema over the seeded embedded store, as
// gateway.New assembles it, with both extensions and both directory decorators.
func newGraphQL(t *testing.T, m *observe.Metrics) http.Handler {
	t.Helper()
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "usergraph.db"), sqlstore.Options{Seed: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	dir := m.Directory("sqlite", observe.TraceDirectory("sqlite", directory.WithRules(store)))

	srv := handler.New(gateway.NewExecutableSchema(&graph.Resolver{Directory: dir}))
	srv.AddTransport(transport.POST{})
	// The gateway's presenter gives errors their codes, as in the server.
	srv.SetErrorPresenter(gateway.PresentError(slog.New(slog.DiscardHandler)))
	srv.Use(m.Extension())
	srv.Use(observe.TracingExtension())
	// A wide idle gap keeps each level in one batch however slowly goroutines start (the
	// race detector slows them tenfold), so that call counts are exact.
	counting := loaders.Options{Idle: 20 * time.Millisecond, MaxWait: time.Second}
	return m.InFlight(loaders.Middleware(dir, counting)(srv))
}

type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func post(t *testing.T, h http.Handler, body map[string]any) response {
	t.Helper()
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(string(b)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp response
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp), rec.Body.String())
	return resp
}

func TestMetricsExtensionOverTheRealSchema(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := observe.NewMetrics(reg)
	h := newGraphQL(t, m)

	ok := post(t, h, map[string]any{"query": listOrgs})
	require.Empty(t, ok.Errors)
	require.Contains(t, string(ok.Data), "displayName")
	post(t, h, map[string]any{"query": listOrgs, "operationName": "ListOrgs"})
	anon := post(t, h, map[string]any{"query": `{ roles { name } }`})
	require.Empty(t, anon.Errors)

	bad := post(t, h, map[string]any{"query": `query Bad { nope }`, "operationName": "Bad"})
	require.Len(t, bad.Errors, 1)
	require.Equal(t, "GRAPHQL_VALIDATION_FAILED", bad.Errors[0].Extensions["code"])
	unparsable := post(t, h, map[string]any{"query": `query {`})
	require.Equal(t, "GRAPHQL_PARSE_FAILED", unparsable.Errors[0].Extensions["code"])
	// Two errors raised while executing: both arguments of a one-of lookup.
	failing := post(t, h, map[string]any{"query": `query Both { a: organization(id: "org_1", externalId: "x") { id } b: user(id: "usr_1", email: "a@b.c") { id } }`})
	require.Len(t, failing.Errors, 2, "%+v", failing.Errors)

	text := scrape(t, m.Handler())
	for _, line := range []string{
		`usergraph_graphql_requests_total{operation="ListOrgs",type="query"} 2`,
		`usergraph_graphql_requests_total{operation="anonymous",type="query"} 1`,
		`usergraph_graphql_requests_total{operation="Bad",type="unknown"} 1`,
		`usergraph_graphql_requests_total{operation="anonymous",type="unknown"} 1`,
		`usergraph_graphql_requests_total{operation="Both",type="query"} 1`,
		`usergraph_graphql_request_duration_seconds_count{operation="ListOrgs",type="query"} 2`,
		`usergraph_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
		`usergraph_graphql_errors_total{code="GRAPHQL_PARSE_FAILED"} 1`,
		`usergraph_graphql_errors_total{code="BAD_USER_INPUT"} 2`,
		`usergraph_backend_calls_total{backend="sqlite",method="ListOrganizations",outcome="ok"} 2`,
		`usergraph_backend_calls_total{backend="sqlite",method="Members",outcome="ok"} 2`,
		`usergraph_backend_calls_total{backend="sqlite",method="Roles",outcome="ok"} 1`,
		`usergraph_backend_call_duration_seconds_count{backend="sqlite",method="Members"} 2`,
		`usergraph_http_inflight_requests 0`,
	} {
		assert.True(t, strings.Contains(text, line+"\n"), "missing %s in\n%s", line, ours(text))
	}
	// The runtime and process collectors are served too.
	assert.Contains(t, text, "go_goroutines ")
	assert.Contains(t, text, "process_cpu_seconds_total ")
	assert.NotContains(t, text, `usergraph_graphql_errors_total{code="NONE"}`)
}

// ours keeps the usergraph_ series of a scrape, without the histograms' buckets.
func ours(text string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "usergraph_") && !strings.Contains(line, "_bucket{") {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestInFlightCountsRequestsBeingServed(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := observe.NewMetrics(reg)
	var during float64
	h := m.InFlight(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		during, _ = metricValue(t, reg, "usergraph_http_inflight_requests", nil)
	}))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	after, _ := metricValue(t, reg, "usergraph_http_inflight_requests", nil)
	assert.Equal(t, 1.0, during)
	assert.Equal(t, 0.0, after)
}

func TestNewMetricsTwiceOnOneRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	a := observe.NewMetrics(reg)
	b := observe.NewMetrics(reg)
	a.Load("x", false)
	b.Load("x", false)
	v, _ := metricValue(t, reg, "usergraph_dataloader_loads_total", map[string]string{"loader": "x"})
	assert.Equal(t, 2.0, v, "the second Metrics shares the first one's collectors")
	// The default registry already has the runtime collectors; that is no conflict.
	assert.NotPanics(t, func() { observe.NewMetrics(prometheus.DefaultRegisterer) })
	assert.Contains(t, scrape(t, observe.NewMetrics(nil).Handler()), "usergraph_http_inflight_requests 0")
}
