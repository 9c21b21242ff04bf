package observe_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/usergraph/usergraph/observe"
)

func attrsOf(s tracetest.SpanStub) map[attribute.Key]any {
	out := map[attribute.Key]any{}
	for _, a := range s.Attributes {
		out[a.Key] = a.Value.AsInterface()
	}
	return out
}

func TestTracingExtensionNestsResolversAndBackendCalls(t *testing.T) {
	spans := withSpans(t)
	h := newGraphQL(t, nil)

	resp := post(t, h, map[string]any{"query": listOrgs})
	require.Empty(t, resp.Errors)
	ended := spans.GetSpans()

	op := spanNamed(t, ended, "graphql.query ListOrgs")
	assert.Equal(t, trace.SpanKindServer, op.SpanKind)
	assert.False(t, op.Parent.IsValid(), "the operation span is the root here")
	assert.Equal(t, "ListOrgs", attrsOf(op)[observe.AttrOperationName])
	assert.Equal(t, "query", attrsOf(op)[observe.AttrOperationType])
	assert.Equal(t, codes.Unset, op.Status.Code)

	var resolvers, backend int
	for _, s := range ended {
		if s.SpanContext.SpanID() == op.SpanContext.SpanID() {
			continue
		}
		assert.Equal(t, op.SpanContext.TraceID(), s.SpanContext.TraceID(), s.Name)
		assert.True(t, descendsFrom(ended, s, op.SpanContext.SpanID()), "%s is not under the operation", s.Name)
		switch {
		case strings.HasPrefix(s.Name, "graphql.resolve "):
			resolvers++
		case strings.HasPrefix(s.Name, "directory."):
			backend++
		default:
			t.Errorf("unexpected span %q", s.Name)
		}
	}
	// Resolver methods get spans; fields read from structs do not.
	names := spanNames(ended)
	assert.Contains(t, names, "graphql.resolve Query.organizations")
	assert.Contains(t, names, "graphql.resolve Organization.members")
	assert.NotContains(t, names, "graphql.resolve Organization.displayName")
	assert.NotContains(t, names, "graphql.resolve Organization.id")
	assert.Positive(t, resolvers)

	// One backend call per level, each under the resolver that asked for it.
	list := spanNamed(t, ended, "directory.ListOrganizations")
	assert.Equal(t, "sqlite", attrsOf(list)[observe.AttrBackend])
	assert.Equal(t, "ListOrganizations", attrsOf(list)[observe.AttrMethod])
	assert.Equal(t, trace.SpanKindClient, list.SpanKind)
	assert.True(t, descendsFrom(ended, list, spanNamed(t, ended, "graphql.resolve Query.organizations").SpanContext.SpanID()))
	members := spanNamed(t, ended, "directory.Members")
	assert.Equal(t, int64(3), attrsOf(members)[observe.AttrKeys], "one batch for the three organizations")
	assert.GreaterOrEqual(t, backend, 3)
}

func TestTracingExtensionRecordsErrorCodes(t *testing.T) {
	spans := withSpans(t)
	h := newGraphQL(t, nil)

	post(t, h, map[string]any{"query": `query Both { organization(id: "org_1", externalId: "x") { id } }`})
	post(t, h, map[string]any{"query": `query Bad { nope }`, "operationName": "Bad"})
	ended := spans.GetSpans()

	both := spanNamed(t, ended, "graphql.query Both")
	assert.Equal(t, codes.Error, both.Status.Code)
	assert.Equal(t, []string{"BAD_USER_INPUT"}, attrsOf(both)[observe.AttrErrorCodes])
	require.NotEmpty(t, both.Events)
	assert.Equal(t, "graphql.error", both.Events[0].Name)

	bad := spanNamed(t, ended, "graphql.unknown Bad")
	assert.Equal(t, codes.Error, bad.Status.Code)
	assert.Equal(t, []string{"GRAPHQL_VALIDATION_FAILED"}, attrsOf(bad)[observe.AttrErrorCodes])
}

// startCounter is a tracer provider whose spans are never recorded, noting their names.
type startCounter struct {
	noop.TracerProvider
	mu    sync.Mutex
	names []string
}

func (p *startCounter) Tracer(string, ...trace.TracerOption) trace.Tracer {
	return countingTracer{p: p}
}

type countingTracer struct {
	noop.Tracer
	p *startCounter
}

func (t countingTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	t.p.mu.Lock()
	t.p.names = append(t.p.names, name)
	t.p.mu.Unlock()
	return t.Tracer.Start(ctx, name, opts...)
}

func TestNoResolverSpansWhenTheOperationIsNotRecorded(t *testing.T) {
	p := &startCounter{}
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(p)
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	h := newGraphQL(t, nil)
	resp := post(t, h, map[string]any{"query": listOrgs})
	require.Empty(t, resp.Errors)
	p.mu.Lock()
	defer p.mu.Unlock()
	assert.Contains(t, p.names, "graphql.query ListOrgs")
	for _, name := range p.names {
		assert.False(t, strings.HasPrefix(name, "graphql.resolve"), "started %q", name)
	}
}

func TestPropagateContinuesTheCallersTrace(t *testing.T) {
	spans := withSpans(t)
	prev := otel.GetTextMapPropagator()
	otel.SetTextMapPropagator(propagation.TraceContext{})
	t.Cleanup(func() { otel.SetTextMapPropagator(prev) })

	var got trace.SpanContext
	h := observe.Propagate(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = trace.SpanContextFromContext(r.Context())
	}))
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	h.ServeHTTP(httptest.NewRecorder(), req)
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", got.TraceID().String())
	assert.True(t, got.IsRemote())
	assert.Empty(t, spans.GetSpans())
}

func TestSetupTracingWithoutEndpointIsANoop(t *testing.T) {
	before := otel.GetTracerProvider()
	for _, env := range []map[string]string{
		{},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_SDK_DISABLED": "true"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_TRACES_EXPORTER": "none"},
	} {
		shutdown, err := observe.SetupTracing(context.Background(), "usergraph", mapEnv(env))
		require.NoError(t, err)
		assert.Same(t, before, otel.GetTracerProvider(), "nothing installed for %v", env)
		_, span := observe.Tracer().Start(context.Background(), "x")
		assert.False(t, span.IsRecording())
		span.End()
		require.NoError(t, shutdown(context.Background()))
	}
}

func TestSetupTracingRefusesBadSettings(t *testing.T) {
	for _, env := range []map[string]string{
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
		{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "carrier-pigeon"},
	} {
		_, err := observe.SetupTracing(context.Background(), "usergraph", mapEnv(env))
		assert.Error(t, err, "%v", env)
	}
	_, err := observe.SetupTracing(context.Background(), "usergraph", nil)
	assert.Error(t, err)
}

// collector is an OTLP/HTTP endpoint that keeps what it receives.
type collector struct {
	mu       sync.Mutex
	paths    []string
	requests []*coltracepb.ExportTraceServiceRequest
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	req := &coltracepb.ExportTraceServiceRequest{}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(body, req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	c.paths = append(c.paths, r.URL.Path)
	c.requests = append(c.requests, req)
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// exported returns the paths posted to and the service and span names received.
func (c *collector) exported() (paths, services, spans []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, req := range c.requests {
		for _, rs := range req.GetResourceSpans() {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					services = append(services, a.GetValue().GetStringValue())
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					spans = append(spans, s.GetName())
				}
			}
		}
	}
	return c.paths, services, spans
}

func TestSetupTracingExportsOverOTLPHTTP(t *testing.T) {
	for name, tc := range map[string]struct {
		env      func(url string) map[string]string
		path     string
		services []string
	}{
		"base endpoint": {
			env:      func(u string) map[string]string { return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u} },
			path:     "/v1/traces",
			services: []string{"usergraph"},
		},
		"base endpoint with a path": {
			env: func(u string) map[string]string {
				return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": u + "/otlp/"}
			},
			path:     "/otlp/v1/traces",
			services: []string{"usergraph"},
		},
		"traces endpoint, used as it is": {
			env: func(u string) map[string]string {
				return map[string]string{
					"OTEL_EXPORTER_OTLP_ENDPOINT":        "http://127.0.0.1:1",
					"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": u + "/custom/traces",
					"OTEL_EXPORTER_OTLP_PROTOCOL":        "http/protobuf",
					"OTEL_SERVICE_NAME":                  "usergraph-edge",
				}
			},
			path:     "/custom/traces",
			services: []string{"usergraph-edge"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			col := &collector{}
			srv := httptest.NewServer(col)
			t.Cleanup(srv.Close)
			prevTP, prevProp := otel.GetTracerProvider(), otel.GetTextMapPropagator()
			t.Cleanup(func() {
				otel.SetTracerProvider(prevTP)
				otel.SetTextMapPropagator(prevProp)
			})

			shutdown, err := observe.SetupTracing(context.Background(), "usergraph", mapEnv(tc.env(srv.URL)))
			require.NoError(t, err)
			assert.NotSame(t, prevTP, otel.GetTracerProvider())

			ctx, parent := observe.Tracer().Start(context.Background(), "parent")
			require.True(t, parent.IsRecording())
			_ = observe.TraceDirectory("fake", &fakeDir{}).Ping(ctx)
			parent.End()
			paths, _, _ := col.exported()
			assert.Empty(t, paths, "spans wait in the batch processor")

			require.NoError(t, shutdown(context.Background()))
			paths, services, spans := col.exported()
			require.NotEmpty(t, paths)
			for _, p := range paths {
				assert.Equal(t, tc.path, p)
			}
			assert.ElementsMatch(t, []string{"parent", "directory.Ping"}, spans)
			assert.Contains(t, services, tc.services[0])

			// The propagators are installed with the provider.
			carrier := propagation.MapCarrier{}
			otel.GetTextMapPropagator().Inject(trace.ContextWithSpanContext(context.Background(), parent.SpanContext()), carrier)
			assert.NotEmpty(t, carrier.Get("traceparent"))
		})
	}
}

func mapEnv(env map[string]string) func(string) string {
	return func(k string) string { return env[k] }
}
