// Package gateway assembles usergraph's HTTP surface: the GraphQL endpoint with its limits,
// error presenter and per-request loaders, the playground, the schema, and health checks.
// package main only reads configuration and opens a backend; everything a request meets is
// built here, so tests can serve exactly what production serves.
package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/loaders"
	"github.com/usergraph/usergraph/observe"
	"github.com/usergraph/usergraph/playground"
	"github.com/usergraph/usergraph/policy"
	"github.com/usergraph/usergraph/profile"
)

// Config is everything the gateway needs; zero values take the defaults below.
type Config struct {
	// Directory is the backend, already wrapped with directory.WithRules.
	Directory directory.Directory
	// Authenticator tells who sent each request; nil refuses every request. Every backend
	// call then goes through the authorization policy (package policy).
	Authenticator Authenticator
	// CredentialsHelp ends the 401 answer to a request without credentials: where this
	// server's tokens come from (in embedded mode, the token command).
	CredentialsHelp string
	// PlaygroundHeaders are pre-filled in the playground (a development token, on loopback).
	PlaygroundHeaders map[string]string
	// JWKS, when set, is served at /.well-known/jwks.json: the public keys of the tokens
	// the server itself signs (embedded mode).
	JWKS []byte
	// Normalizer maps identity providers' attributes to profiles (normalizeProfile,
	// provisionUserFromIdentity); nil means the built-in tables.
	Normalizer *profile.Normalizer
	Logger     *slog.Logger
	Loaders    loaders.Options
	// MaxBodyBytes caps a request body (default 1 MiB).
	MaxBodyBytes int64
	// MaxDepth caps the nesting of selections, introspection excluded (default 15).
	MaxDepth int
	// MaxFields caps the field selections of an operation with every fragment expanded
	// (default 10000).
	MaxFields int
	// Metrics, when set, records requests, errors, backend calls and loader batches, and is
	// served at /metrics (to callers with credentials); Backend names the backend in it.
	Metrics *observe.Metrics
	Backend string
	// BackendStates, when set, tells what the backend has learned about its environment
	// (Scalekit: whether its member lists are complete). /metrics exports it as
	// usergraph_backend_state and /readyz logs it when it changes.
	BackendStates func() map[string]string
	// Safelist, when set, is the only documents the gateway runs (see LoadSafelist).
	Safelist Safelist
	// CORSOrigins are the browser origins allowed to call the API ("*" for any); none by
	// default, so browsers on other origins are refused.
	CORSOrigins []string
	// RateLimit is the sustained requests per second allowed to each caller (0: no limit),
	// with bursts of RateBurst.
	RateLimit float64
	RateBurst int
	// MaxAliases caps aliased field selections with fragments expanded (default 100): an
	// alias bomb asks for the same expensive field thousands of times under new names.
	MaxAliases int
	// MaxEntities caps the representations of one federation _entities call (default 1000).
	MaxEntities int
	// MaxRootFields caps an operation's top-level fields (default 30).
	MaxRootFields int
	// MaxComplexity caps the operation's cost: one per field, lists of connections
	// multiplied by their page size (default 20000).
	MaxComplexity int
	// RequestTimeout bounds the work of one request (default 30 s).
	RequestTimeout time.Duration
	// MaxConcurrentOperations bounds the GraphQL operations executing at once; more wait
	// their turn (default 8 per CPU). A saturated runtime delays a query's goroutines so
	// much that its batches split; queueing whole operations keeps each one's fetches
	// together (measured in docs/benchmarks.md).
	MaxConcurrentOperations int
	// Introspection lets end users introspect: answer __schema and __type queries and fetch
	// /schema.graphql. Services (API keys, service tokens) always may; a refused caller gets
	// INTROSPECTION_DISABLED before anything executes.
	Introspection bool
	// ResponseCache, with a backend that tracks its reads (Scalekit mode), reuses a query's
	// whole answer while everything it was built from is current (responsecache.go).
	ResponseCache ResponseCacheConfig
	// LoopbackHostsOnly refuses requests whose Host header is not a loopback name or
	// address. While callers are not authenticated this keeps a web page the developer
	// visits from reaching the gateway through DNS rebinding.
	LoopbackHostsOnly bool
}

// Defaults for Config's zero values.
const (
	DefaultMaxBodyBytes   = 1 << 20
	DefaultMaxDepth       = 15
	DefaultMaxFields      = 10000
	DefaultMaxComplexity  = 20000
	DefaultMaxAliases     = 100
	DefaultMaxRootFields  = 30
	DefaultRequestTimeout = 30 * time.Second
)

func (c *Config) setDefaults() {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Loaders == (loaders.Options{}) {
		c.Loaders = loaders.DefaultOptions
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.MaxFields <= 0 {
		c.MaxFields = DefaultMaxFields
	}
	if c.MaxAliases <= 0 {
		c.MaxAliases = DefaultMaxAliases
	}
	if c.MaxEntities <= 0 {
		c.MaxEntities = DefaultMaxEntities
	}
	if c.MaxRootFields <= 0 {
		c.MaxRootFields = DefaultMaxRootFields
	}
	if c.MaxComplexity <= 0 {
		c.MaxComplexity = DefaultMaxComplexity
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.MaxConcurrentOperations <= 0 {
		c.MaxConcurrentOperations = 8 * runtime.GOMAXPROCS(0)
	}
}

// New returns the gateway's HTTP handler.
func New(cfg Config) *Gateway {
	cfg.setDefaults()
	// Every read and write of every resolver passes the policy: there is no other way to
	// the backend.
	// Measured and traced inside the policy, so that the series show real backend calls.
	backend := observe.TraceDirectory(cfg.Backend, cfg.Directory)
	backend = cfg.Metrics.Directory(cfg.Backend, backend)
	dir := policy.Guard(backend)
	cfg.Loaders.Observer = cfg.Metrics.LoaderObserver()
	cfg.Metrics.BackendStates(cfg.Backend, cfg.BackendStates)
	schema := NewExecutableSchema(&graph.Resolver{Directory: dir, Normalizer: cfg.Normalizer})
	gql := newGraphQLServer(schema, cfg)
	authenticate := requireCaller(cfg.Authenticator, cfg.CredentialsHelp)

	mux := http.NewServeMux()
	mux.Handle("/graphql", chain(gql,
		cfg.Metrics.InFlight,
		observe.Propagate,
		requestID,
		accessLog(cfg.Logger),
		recoverPanics(cfg.Logger),
		allowOrigins(cfg.CORSOrigins),
		checkTransport,
		authenticate,
		limitPerCaller(cfg.RateLimit, cfg.RateBurst),
		limitBody(cfg.MaxBodyBytes),
		timeout(cfg.RequestTimeout),
		loaders.Middleware(dir, cfg.Loaders),
	))
	play := playgroundFor(cfg.PlaygroundHeaders)
	mux.Handle("GET /{$}", play)
	mux.Handle(playground.AssetPrefix, play)
	mux.Handle("GET /schema.graphql", chain(schemaForCallers(schemaHandler(schema), cfg.Introspection), requestID, authenticate))
	if cfg.Metrics != nil {
		// Operation names and error counts span every tenant: services only.
		mux.Handle("GET /metrics", chain(cfg.Metrics.Handler(), requestID, authenticate, servicesOnly))
	}
	if cfg.JWKS != nil {
		mux.HandleFunc("GET /.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/jwk-set+json")
			_, _ = w.Write(cfg.JWKS)
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", readyz(cfg.Directory, cfg.Logger, cfg.BackendStates))
	g := &Gateway{Handler: mux, warm: chain(gql, timeout(cfg.RequestTimeout), loaders.Middleware(dir, cfg.Loaders))}
	if cfg.LoopbackHostsOnly {
		g.Handler = loopbackHostsOnly(mux)
	}
	return g
}

// NewExecutableSchema wires the resolvers and the cost model to the generated executor.
func NewExecutableSchema(r *graph.Resolver) graphql.ExecutableSchema {
	c := graph.Config{Resolvers: r}
	c.Complexity.Query.Users = func(child int, _ *string, first *int, _ *string, _ *string) int {
		return pageCost(first, child)
	}
	c.Complexity.Query.Organizations = func(child int, first *int, _ *string) int {
		return pageCost(first, child)
	}
	c.Complexity.SetEntitiesComplexity(entityCost)
	c.Complexity.Organization.Members = func(child int, first *int, _ *string, status *directory.MembershipStatus) int {
		if status != nil {
			// A backend without a status filter (Scalekit) reads the whole organization
			// to answer one: priced as that, so a document holds only a few of them.
			return pageCost(first, child) + statusFilterCost
		}
		return pageCost(first, child)
	}
	return graph.NewExecutableSchema(c)
}

// statusFilterCost is the extra cost of members(status:): at the default complexity limit,
// at most ten of them run in one operation.
const statusFilterCost = 1900

// pageCost weighs a connection by the page it may return, so that nesting large pages is
// what the complexity limit refuses.
func pageCost(first *int, child int) int {
	n := 20
	if first != nil && *first > 0 {
		n = *first
	}
	return 1 + n*child
}

func newGraphQLServer(schema graphql.ExecutableSchema, cfg Config) *handler.Server {
	srv := handler.New(schema)
	// GET carries queries only; POST takes JSON; both answer as GraphQL over HTTP says.
	srv.AddTransport(overHTTP{slots: newAdmission(cfg.MaxConcurrentOperations)})
	queries := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(queries)
	if cfg.Safelist != nil {
		srv.Use(safelistExtension{cfg.Safelist})
	} else {
		// Automatic persisted queries: a client sends a document's hash, and the document
		// only when the gateway does not know it yet, which saves bandwidth on mobile.
		srv.Use(extension.AutomaticPersistedQuery{Cache: callerScopedCache{lru.New[string](1000)}})
	}
	// After the persisted-query extensions, which put the document in place, and before
	// gqlgen parses and validates it.
	srv.Use(precheck{maxAliases: cfg.MaxAliases, validation: newValidation(schema.Schema(), queries)})
	srv.Use(queriesOnlyOverGET{})
	srv.AroundResponses(capErrors)
	srv.Use(introspectionPolicy{forUsers: cfg.Introspection})
	// Loader batches leave when every field of the request waits on one, not after a
	// timer (package loaders, dispatch.go).
	dispatch := loaders.NewDispatcher(schema.Schema(), reflect.TypeFor[graph.ResolverRoot]())
	tracing := observe.TracingExtension()
	srv.Use(withoutFieldHook{dispatch})
	srv.Use(cfg.Metrics.Extension())
	srv.Use(withoutFieldHook{tracing})
	srv.Use(shapeLimit{maxDepth: cfg.MaxDepth, maxFields: cfg.MaxFields, maxAliases: cfg.MaxAliases, maxRootFields: cfg.MaxRootFields})
	srv.Use(extension.FixedComplexityLimit(cfg.MaxComplexity))
	// The three field hooks above and the entity check, as one (fieldhooks.go).
	srv.Use(fieldHooks{dispatch: dispatch, tracing: tracing.(graphql.FieldInterceptor), entities: &entityCheck{max: cfg.MaxEntities}})
	if cfg.ResponseCache.Reads != nil {
		// Last, so the innermost operation interceptor: metrics, tracing and the limits
		// above see a reused answer like any other.
		srv.Use(newResponseCache(cfg.ResponseCache, cfg.Metrics.ResponseCache()))
	}
	// Inside the response cache: a reused answer reads nothing, so nothing is read ahead.
	srv.Use(readAhead{})
	srv.SetErrorPresenter(PresentError(cfg.Logger))
	srv.SetRecoverFunc(recoverResolver(cfg.Logger))
	return srv
}

// playgroundFor serves the playground, with the pre-filled headers (a development token)
// only to a browser connected directly over loopback: a request relayed by a proxy on the
// same host, or from anywhere else, gets the page without them.
func playgroundFor(headers map[string]string) http.Handler {
	plain := playground.Handler(playground.Options{Endpoint: "/graphql", Title: "usergraph", Tabs: PlaygroundTour})
	if headers == nil {
		return plain
	}
	withToken := playground.Handler(playground.Options{Endpoint: "/graphql", Title: "usergraph", Headers: headers, Tabs: PlaygroundTour})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if directLoopback(r) {
			withToken.ServeHTTP(w, r)
			return
		}
		plain.ServeHTTP(w, r)
	})
}

// proxyHeaders are headers that proxies, load balancers and CDNs add; one of them, even
// empty, means the request was relayed. Any X-Forwarded-* or X-Original-* header counts too.
var proxyHeaders = map[string]bool{"Forwarded": true, "Via": true, "X-Real-Ip": true, "Cf-Connecting-Ip": true,
	"True-Client-Ip": true, "X-Client-Ip": true, "X-Cluster-Client-Ip": true, "Fastly-Client-Ip": true,
	"X-Envoy-External-Address": true, "X-Proxyuser-Ip": true, "Cf-Ray": true, "X-Amzn-Trace-Id": true}

func directLoopback(r *http.Request) bool {
	for name := range r.Header { // keys are canonical
		if proxyHeaders[name] || strings.HasPrefix(name, "X-Forwarded-") || strings.HasPrefix(name, "X-Original-") {
			return false
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// readyz answers whether the backend answers. The cause of a failure is logged, not sent:
// the endpoint needs no credentials, and backend errors can name files and hosts. So is
// what the backend has learned (states): with every failure, and when it changed since
// the last answer, so that probes every few seconds do not repeat it.
func readyz(dir directory.Directory, log *slog.Logger, states func() map[string]string) http.HandlerFunc {
	var mu sync.Mutex
	last := ""
	detail := func() (attrs []any, changed bool) {
		if states == nil {
			return nil, false
		}
		st := states()
		for _, name := range slices.Sorted(maps.Keys(st)) {
			attrs = append(attrs, slog.String(name, st[name]))
		}
		now := fmt.Sprint(attrs...)
		mu.Lock()
		defer mu.Unlock()
		changed, last = now != last, now
		return attrs, changed
	}
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		attrs, changed := detail()
		if err := dir.Ping(ctx); err != nil {
			log.WarnContext(ctx, "not ready", append([]any{"error", err.Error()}, attrs...)...)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable"})
			return
		}
		if changed {
			log.InfoContext(ctx, "ready", attrs...)
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
