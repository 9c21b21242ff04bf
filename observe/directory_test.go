package observe_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/observe"
)

// callEvery calls each method of the Directory interface on d with zero arguments (two
// keys for the batch reads), in the interface's order, and returns the method names.
func callEvery(t *testing.T, d directory.Directory, each func(method string)) []string {
	t.Helper()
	iface := reflect.TypeFor[directory.Directory]()
	v := reflect.ValueOf(d)
	var names []string
	for i := range iface.NumMethod() {
		m := iface.Method(i)
		names = append(names, m.Name)
		args := []reflect.Value{reflect.ValueOf(context.Background())}
		for j := 1; j < m.Type.NumIn(); j++ {
			in := m.Type.In(j)
			arg := reflect.Zero(in)
			if in.Kind() == reflect.Slice {
				arg = reflect.MakeSlice(in, 2, 2)
			}
			args = append(args, arg)
		}
		v.MethodByName(m.Name).Call(args)
		each(m.Name)
	}
	return names
}

// TestDecoratorsCoverEveryMethod proves that both decorators implement every method of the
// port themselves (they embed nothing that could pass a new method through unobserved),
// that each method reaches the same method underneath, and that each is recorded under its
// own name.
func TestDecoratorsCoverEveryMethod(t *testing.T) {
	iface := reflect.TypeFor[directory.Directory]()
	var want []string
	for i := range iface.NumMethod() {
		want = append(want, iface.Method(i).Name)
	}

	reg := prometheus.NewRegistry()
	m := observe.NewMetrics(reg)
	spans := withSpans(t)
	fake := &fakeDir{}

	for name, d := range map[string]directory.Directory{
		"metrics": m.Directory("fake", fake),
		"tracing": observe.TraceDirectory("fake", fake),
	} {
		t.Run(name, func(t *testing.T) {
			// The method set of the decorator is exactly the interface's: a forgotten method
			// fails to compile, an extra exported one (say a renamed method) fails here.
			typ := reflect.TypeOf(d)
			var got []string
			for i := range typ.NumMethod() {
				got = append(got, typ.Method(i).Name)
			}
			require.Equal(t, want, got)

			if typ.Kind() == reflect.Pointer {
				for i := range typ.Elem().NumField() {
					assert.False(t, typ.Elem().Field(i).Anonymous, "decorator embeds %s", typ.Elem().Field(i).Type)
				}
			}

			called := callEvery(t, d, func(method string) {
				assert.Equal(t, []string{method}, fake.calls, "calling %s", method)
				fake.reset()
			})
			require.Equal(t, want, called)
		})
	}

	for _, method := range want {
		v, ok := metricValue(t, reg, "usergraph_backend_calls_total", map[string]string{"backend": "fake", "method": method, "outcome": "ok"})
		assert.True(t, ok && v == 1, "backend_calls_total for %s: %v", method, v)
		n, ok := metricValue(t, reg, "usergraph_backend_call_duration_seconds", map[string]string{"backend": "fake", "method": method})
		assert.True(t, ok && n == 1, "backend_call_duration_seconds samples for %s: %v", method, n)
	}

	ended := spans.GetSpans()
	require.Len(t, ended, len(want))
	for _, method := range want {
		s := spanNamed(t, ended, "directory."+method)
		attrs := map[string]any{}
		for _, a := range s.Attributes {
			attrs[string(a.Key)] = a.Value.AsInterface()
		}
		assert.Equal(t, "fake", attrs["usergraph.backend"], method)
		assert.Equal(t, method, attrs["usergraph.backend.method"], method)
		if slices.Contains(batchReads, method) {
			assert.Equal(t, int64(2), attrs["usergraph.backend.keys"], method)
		} else {
			assert.NotContains(t, attrs, "usergraph.backend.keys", method)
		}
		assert.Equal(t, codes.Unset, s.Status.Code, method)
	}
}

// batchReads are the methods that take a list of keys.
var batchReads = []string{"UsersByID", "UsersByEmail", "UsersByExternalID", "OrganizationsByID",
	"OrganizationsByExternalID", "MembershipsByUser", "Members", "RolesByID", "IdentitiesByUser", "DomainsByOrganization"}

func spanIDOf(ctx context.Context) trace.SpanID { return trace.SpanContextFromContext(ctx).SpanID() }

func TestDirectoryOutcomes(t *testing.T) {
	for _, tc := range []struct {
		err     error
		outcome string
	}{
		{nil, observe.OutcomeOK},
		{errors.New("boom"), observe.OutcomeError},
		{directory.Invalid(directory.FieldError{Field: []string{"email"}, Code: directory.CodeInvalidEmail}), observe.OutcomeInvalid},
		{fmt.Errorf("scalekit: %w", directory.ErrUnavailable), observe.OutcomeUnavailable},
		{directory.KeyErrors{nil, fmt.Errorf("down: %w", directory.ErrUnavailable)}, observe.OutcomeUnavailable},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), observe.OutcomeUnavailable},
		{&directory.RateLimitedError{}, observe.OutcomeRateLimited},
	} {
		t.Run(tc.outcome, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			m := observe.NewMetrics(reg)
			spans := withSpans(t)
			d := m.Directory("fake", observe.TraceDirectory("fake", &fakeDir{err: tc.err}))
			_, err := d.UsersByID(context.Background(), []string{"usr_1"})
			require.Equal(t, tc.err, err, "the error passes through unchanged")

			v, _ := metricValue(t, reg, "usergraph_backend_calls_total", map[string]string{"method": "UsersByID", "outcome": tc.outcome})
			assert.Equal(t, 1.0, v)
			s := spanNamed(t, spans.GetSpans(), "directory.UsersByID")
			if tc.err == nil {
				assert.Equal(t, codes.Unset, s.Status.Code)
				return
			}
			assert.Equal(t, codes.Error, s.Status.Code)
			assert.Equal(t, tc.outcome, s.Status.Description)
			require.NotEmpty(t, s.Events, "the error is recorded")
		})
	}
}

func TestDirectoryPanicIsRecordedAndGoesOn(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := observe.NewMetrics(reg)
	spans := withSpans(t)
	d := m.Directory("fake", observe.TraceDirectory("fake", &fakeDir{panicWith: "kaboom"}))
	require.PanicsWithValue(t, "kaboom", func() { _ = d.Ping(context.Background()) })

	v, _ := metricValue(t, reg, "usergraph_backend_calls_total", map[string]string{"method": "Ping", "outcome": observe.OutcomeError})
	assert.Equal(t, 1.0, v)
	assert.Equal(t, codes.Error, spanNamed(t, spans.GetSpans(), "directory.Ping").Status.Code)
}

func TestTraceDirectoryPassesItsSpanDown(t *testing.T) {
	spans := withSpans(t)
	fake := &fakeDir{}
	_ = observe.TraceDirectory("fake", fake).Ping(context.Background())
	s := spanNamed(t, spans.GetSpans(), "directory.Ping")
	require.Len(t, fake.ctxs, 1)
	// The backend sees the call's span, so its own instrumentation nests under it.
	assert.Equal(t, s.SpanContext.SpanID(), spanIDOf(fake.ctxs[0]))
}

func TestNilMetricsIsANoop(t *testing.T) {
	var m *observe.Metrics
	fake := &fakeDir{}
	assert.Same(t, directory.Directory(fake), m.Directory("fake", fake))
	assert.NotNil(t, m.Extension())
	assert.Equal(t, observe.NopLoaderObserver{}, m.LoaderObserver())
	m.Batch("x", 1)
	m.Load("x", true)
}
