package observe_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/usergraph/usergraph/directory"
)

// fakeDir implements directory.Directory, recording the name of each method called and
// failing every call with err (or panicking with panicWith).
type fakeDir struct {
	mu        sync.Mutex
	calls     []string
	ctxs      []context.Context
	err       error
	panicWith any
}

// record notes its caller's method name and returns the configured error.
func (f *fakeDir) record(ctx context.Context) error {
	pc, _, _, _ := runtime.Caller(1)
	name := runtime.FuncForPC(pc).Name()
	name = name[strings.LastIndex(name, ".")+1:]
	f.mu.Lock()
	f.calls = append(f.calls, name)
	f.ctxs = append(f.ctxs, ctx)
	f.mu.Unlock()
	if f.panicWith != nil {
		panic(f.panicWith)
	}
	return f.err
}

func (f *fakeDir) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls, f.ctxs = nil, nil
}

func (f *fakeDir) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	return make([]*directory.User, len(ids)), f.record(ctx)
}

func (f *fakeDir) UsersByEmail(ctx context.Context, emails []string) ([]*directory.User, error) {
	return make([]*directory.User, len(emails)), f.record(ctx)
}

func (f *fakeDir) UsersByExternalID(ctx context.Context, ids []string) ([]*directory.User, error) {
	return make([]*directory.User, len(ids)), f.record(ctx)
}

func (f *fakeDir) ListUsers(ctx context.Context, _ directory.UsersQuery) (*directory.Page[*directory.User], error) {
	return &directory.Page[*directory.User]{}, f.record(ctx)
}

func (f *fakeDir) OrganizationsByID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	return make([]*directory.Organization, len(ids)), f.record(ctx)
}

func (f *fakeDir) OrganizationsByExternalID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	return make([]*directory.Organization, len(ids)), f.record(ctx)
}

func (f *fakeDir) ListOrganizations(ctx context.Context, _ directory.PageQuery) (*directory.Page[*directory.Organization], error) {
	return &directory.Page[*directory.Organization]{}, f.record(ctx)
}

func (f *fakeDir) MembershipsByUser(ctx context.Context, ids []string) ([][]*directory.Membership, error) {
	return make([][]*directory.Membership, len(ids)), f.record(ctx)
}

func (f *fakeDir) Members(ctx context.Context, qs []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
	return make([]*directory.Page[*directory.Membership], len(qs)), f.record(ctx)
}

func (f *fakeDir) CreateOrganization(ctx context.Context, _ directory.NewOrganization) (*directory.Organization, error) {
	return &directory.Organization{}, f.record(ctx)
}

func (f *fakeDir) UpdateOrganization(ctx context.Context, _ directory.OrganizationUpdate) (*directory.Organization, error) {
	return &directory.Organization{}, f.record(ctx)
}

func (f *fakeDir) DeleteOrganization(ctx context.Context, _ string) error { return f.record(ctx) }

func (f *fakeDir) Roles(ctx context.Context) ([]*directory.Role, error) { return nil, f.record(ctx) }

func (f *fakeDir) RolesByID(ctx context.Context, ids []string) ([]*directory.Role, error) {
	return make([]*directory.Role, len(ids)), f.record(ctx)
}

func (f *fakeDir) CreateUser(ctx context.Context, _ directory.NewUser) (*directory.User, error) {
	return &directory.User{}, f.record(ctx)
}

func (f *fakeDir) UpdateUser(ctx context.Context, _ directory.UserUpdate) (*directory.User, error) {
	return &directory.User{}, f.record(ctx)
}

func (f *fakeDir) DeleteUser(ctx context.Context, _ string) error { return f.record(ctx) }

func (f *fakeDir) AddMembership(ctx context.Context, _ directory.NewMembership) (*directory.Membership, error) {
	return &directory.Membership{}, f.record(ctx)
}

func (f *fakeDir) UpdateMembership(ctx context.Context, _ directory.MembershipUpdate) (*directory.Membership, error) {
	return &directory.Membership{}, f.record(ctx)
}

func (f *fakeDir) RemoveMembership(ctx context.Context, _, _ string) error { return f.record(ctx) }

func (f *fakeDir) UserByIdentity(ctx context.Context, _ directory.IdentityLookup) (*directory.User, error) {
	return nil, f.record(ctx)
}

func (f *fakeDir) IdentitiesByUser(ctx context.Context, ids []string) ([][]*directory.Identity, error) {
	return make([][]*directory.Identity, len(ids)), f.record(ctx)
}

func (f *fakeDir) LinkIdentity(ctx context.Context, _ string, _ directory.Identity) error {
	return f.record(ctx)
}

func (f *fakeDir) DomainsByOrganization(ctx context.Context, ids []string) ([][]*directory.Domain, error) {
	return make([][]*directory.Domain, len(ids)), f.record(ctx)
}

func (f *fakeDir) AddDomain(ctx context.Context, _ directory.NewDomain) (*directory.Domain, error) {
	return &directory.Domain{}, f.record(ctx)
}

func (f *fakeDir) RemoveDomain(ctx context.Context, _, _ string) error { return f.record(ctx) }

func (f *fakeDir) Ping(ctx context.Context) error { return f.record(ctx) }

var _ directory.Directory = (*fakeDir)(nil)

// metricValue returns the value of the counter, gauge, or histogram sample count named
// name whose labels include labels; ok is false when there is no such series.
func metricValue(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) (v float64, ok bool) {
	t.Helper()
	families, err := g.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !hasLabels(m, labels) {
				continue
			}
			switch {
			case m.Counter != nil:
				return m.Counter.GetValue(), true
			case m.Gauge != nil:
				return m.Gauge.GetValue(), true
			case m.Histogram != nil:
				return float64(m.Histogram.GetSampleCount()), true
			}
		}
	}
	return 0, false
}

func hasLabels(m *dto.Metric, labels map[string]string) bool {
	n := 0
	for _, lp := range m.GetLabel() {
		if v, ok := labels[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			n++
		}
	}
	return n == len(labels)
}

// histogramSum returns the sum of the histogram named name with labels.
func histogramSum(t testing.TB, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := g.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if hasLabels(m, labels) && m.Histogram != nil {
				return m.Histogram.GetSampleSum()
			}
		}
	}
	t.Fatalf("no histogram %s%v", name, labels)
	return 0
}

// scrape returns what h serves at /metrics.
func scrape(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	body, err := io.ReadAll(rec.Body)
	require.NoError(t, err)
	return string(body)
}

// withSpans installs a tracer provider that records every span in memory as the global one
// for the test, and returns the recorder.
func withSpans(t testing.TB) *tracetest.InMemoryExporter {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		otel.SetTracerProvider(prev)
		_ = tp.Shutdown(context.Background())
	})
	return exp
}

// spanNamed returns the one ended span called name.
func spanNamed(t testing.TB, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	var found []tracetest.SpanStub
	for _, s := range spans {
		if s.Name == name {
			found = append(found, s)
		}
	}
	require.Len(t, found, 1, "spans named %q among %v", name, spanNames(spans))
	return found[0]
}

func spanNames(spans tracetest.SpanStubs) []string {
	names := make([]string, len(spans))
	for i, s := range spans {
		names[i] = s.Name
	}
	return names
}

// descendsFrom reports whether s has ancestor among spans.
func descendsFrom(spans tracetest.SpanStubs, s tracetest.SpanStub, ancestor trace.SpanID) bool {
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, sp := range spans {
		byID[sp.SpanContext.SpanID()] = sp
	}
	for parent := s.Parent.SpanID(); parent.IsValid(); {
		if parent == ancestor {
			return true
		}
		p, ok := byID[parent]
		if !ok {
			return false
		}
		parent = p.Parent.SpanID()
	}
	return false
}
