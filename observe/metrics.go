package observe

import (
	"errors"
	"net/http"
	"regexp"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Label limits: operation names are chosen by callers, so their number is capped to keep
// the series of graphql_requests_total bounded.
const (
	// MaxOperationNameLength is the longest operation name kept as a label value.
	MaxOperationNameLength = 64
	// MaxOperationNames is how many distinct operation names get their own series; the
	// names seen after that are counted as OtherOperation.
	MaxOperationNames = 200
	// AnonymousOperation labels operations without a name.
	AnonymousOperation = "anonymous"
	// OtherOperation labels operations whose name is too long, is not a GraphQL name, or
	// came after MaxOperationNames others.
	OtherOperation = "other"
	// UnknownType labels requests refused before an operation was chosen (parse or
	// validation failures), whose type is not known.
	UnknownType = "unknown"

	maxErrorCodes = 100
	// noCode labels errors without extensions.code.
	noCode = "NONE"
)

// Outcomes of a backend call, the outcome label of backend_calls_total.
const (
	OutcomeOK          = "ok"
	OutcomeError       = "error"
	OutcomeInvalid     = "invalid"     // *directory.InvalidInputError
	OutcomeUnavailable = "unavailable" // directory.ErrUnavailable or a deadline
	OutcomeRateLimited = "rate_limited"
)

// Metrics holds usergraph's Prometheus collectors. A nil *Metrics records nothing.
type Metrics struct {
	gatherer prometheus.Gatherer
	reg      prometheus.Registerer

	requests        *prometheus.CounterVec
	requestDuration *prometheus.HistogramVec
	errors          *prometheus.CounterVec
	backendCalls    *prometheus.CounterVec
	backendDuration *prometheus.HistogramVec
	batchSize       *prometheus.HistogramVec
	cacheHits       *prometheus.CounterVec
	loads           *prometheus.CounterVec
	inflight        prometheus.Gauge

	operations labelCap
	codes      labelCap
}

// NewMetrics creates the collectors and registers them, with the Go runtime and process
// collectors, on reg; nil means a new registry of its own. Calling it again with the same
// registry reuses the collectors already registered, so it never panics on that.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		reg:        reg,
		gatherer:   prometheus.DefaultGatherer,
		operations: labelCap{max: MaxOperationNames, maxLen: MaxOperationNameLength},
		codes:      labelCap{max: maxErrorCodes, maxLen: 64},
	}
	if g, ok := reg.(prometheus.Gatherer); ok {
		m.gatherer = g
	}
	register(reg, collectors.NewGoCollector())
	register(reg, collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	m.requests = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usergraph_graphql_requests_total",
		Help: "GraphQL operations served, by operation name and type.",
	}, []string{"operation", "type"}))
	m.requestDuration = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "usergraph_graphql_request_duration_seconds",
		Help:    "Time from reading a GraphQL request to its response, by operation name and type.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"operation", "type"}))
	m.errors = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usergraph_graphql_errors_total",
		Help: "Errors in GraphQL responses, by extensions.code (NONE when absent).",
	}, []string{"code"}))
	m.backendCalls = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usergraph_backend_calls_total",
		Help: "Calls to the directory backend, by backend, method and outcome (ok, error, invalid, unavailable, rate_limited).",
	}, []string{"backend", "method", "outcome"}))
	m.backendDuration = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "usergraph_backend_call_duration_seconds",
		Help:    "Duration of calls to the directory backend, by backend and method.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"backend", "method"}))
	m.batchSize = register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "usergraph_dataloader_batch_size",
		Help:    "Keys per dataloader batch, that is per backend call made by a loader.",
		Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000},
	}, []string{"loader"}))
	m.cacheHits = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usergraph_dataloader_cache_hits_total",
		Help: "Dataloader loads answered from the request's cache.",
	}, []string{"loader"}))
	m.loads = register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "usergraph_dataloader_loads_total",
		Help: "Dataloader loads (keys asked for), cached or not.",
	}, []string{"loader"}))
	m.inflight = register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "usergraph_http_inflight_requests",
		Help: "HTTP requests being served.",
	}))
	return m
}

// register registers c, or returns the equal collector that reg already holds.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var already prometheus.AlreadyRegisteredError
		if errors.As(err, &already) {
			if existing, ok := already.ExistingCollector.(C); ok {
				return existing
			}
			// The runtime collectors of the default registry are not of our types: keep
			// theirs and carry on.
			return c
		}
		panic(err)
	}
	return c
}

// Handler serves the registry in the Prometheus text format, for /metrics.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.InstrumentMetricHandler(m.reg, promhttp.HandlerFor(m.gatherer, promhttp.HandlerOpts{
		ErrorHandling: promhttp.ContinueOnError,
	}))
}

// InFlight is an HTTP middleware that counts the requests being served in
// usergraph_http_inflight_requests.
func (m *Metrics) InFlight(next http.Handler) http.Handler {
	if m == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inflight.Inc()
		defer m.inflight.Dec()
		next.ServeHTTP(w, r)
	})
}

// graphQLName is what a GraphQL name may be; anything else (from a request that failed to
// parse) is not used as a label.
var graphQLName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]*$`)

// labelCap bounds the values of a caller-chosen label.
type labelCap struct {
	max    int
	maxLen int

	mu   sync.RWMutex
	seen map[string]struct{}
}

// value returns v if it may be a label value, else OtherOperation.
func (c *labelCap) value(v string) string {
	if len(v) > c.maxLen || !graphQLName.MatchString(v) {
		return OtherOperation
	}
	c.mu.RLock()
	_, ok := c.seen[v]
	c.mu.RUnlock()
	if ok {
		return v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.seen[v]; ok {
		return v
	}
	if len(c.seen) >= c.max {
		return OtherOperation
	}
	if c.seen == nil {
		c.seen = map[string]struct{}{}
	}
	c.seen[v] = struct{}{}
	return v
}

// operationLabel is the operation label for an operation name.
func (m *Metrics) operationLabel(name string) string {
	if name == "" {
		return AnonymousOperation
	}
	return m.operations.value(name)
}

// codeLabel is the code label for an error's extensions.code.
func (m *Metrics) codeLabel(code string) string {
	if code == "" {
		return noCode
	}
	return m.codes.value(code)
}
