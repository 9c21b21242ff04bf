// Command usergraph serves one GraphQL API over users, normalized profiles, organization
// memberships and roles. With no configuration it runs on an embedded SQLite store seeded
// with demo data, listening on 127.0.0.1:8080:
//
//	go run .
//
// Every environment variable has a flag of the same meaning; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/rediscache"
	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/loaders"
	"github.com/usergraph/usergraph/observe"
	"github.com/usergraph/usergraph/profile"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch {
	case len(os.Args) > 1 && os.Args[1] == "token":
		err = runToken(ctx, os.Args[2:], os.Getenv, os.Stdout, os.Stderr)
	case len(os.Args) > 1 && os.Args[1] == "schema":
		err = runSchema(os.Args[2:], os.Stdout)
	default:
		err = run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	}
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h printed the usage: that is what was asked for.
	case err != nil:
		fmt.Fprintln(os.Stderr, "usergraph:", err)
		os.Exit(1)
	}
}

// usage heads the -h output: the commands, then the flags.
const usage = `usergraph serves one GraphQL API over users, profiles, memberships and roles.

Usage:
  usergraph [flags]                    serve (the playground at http://localhost:8080/)
  usergraph token -user usr_… [-ttl 1h]
  usergraph token -service NAME        print a development token (embedded mode; see token -h)

Flags of the server (each has the environment variable named in parentheses):
`

// config is the server's configuration: flags, defaulted from environment variables.
type config struct {
	addr             string
	db               string
	seed             bool
	introspection    bool
	loaderIdle       time.Duration
	maxBodyBytes     int
	maxDepth         int
	maxComplexity    int
	scalekitURL      string
	scalekitClientID string
	scalekitSecret   string
	scalekitCalls    int
	memberLists      string
	cacheTTL         map[scalekit.Kind]time.Duration // per kind; 0 = not cached
	responseCache    bool
	webhookSecret    string
	redisURL         string
	profileMappings  string
	apiKeys          string
	apiKeysFile      string
	serviceClients   string
	audience         string
	databaseURL      string
	keysDir          string
	corsOrigins      string
	rateLimit        float64
	rateBurst        int
	safelist         string
	// introspectionSet tells whether introspection was chosen; otherwise it follows the
	// backend (on for the embedded stores, off for Scalekit).
	introspectionSet bool
}

// envDefaults reads the environment variables that back the flags' defaults; a malformed
// value is an error rather than silently ignored.
type envDefaults struct {
	getenv func(string) string
	err    error
}

func (e *envDefaults) str(name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// set gives v its default, then the environment variable's value when there is one; the
// first wrong value is kept as the error, naming the variable, its value and what it accepts.
func (e *envDefaults) set(name string, v flag.Value, def string) flag.Value {
	if err := v.Set(def); err != nil {
		panic("usergraph: default of " + name + " " + err.Error()) // a constant of ours
	}
	if s := e.getenv(name); s != "" {
		if err := v.Set(s); err != nil && e.err == nil {
			e.err = fmt.Errorf("%s is %q, but it %v", name, s, err)
		}
	}
	return v
}

func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	env := &envDefaults{getenv: getenv}
	var c config
	fs := flag.NewFlagSet("usergraph", flag.ContinueOnError)
	// The usage goes out only for -h; a bad flag is reported in one line by main.
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.addr, "addr", env.str("USERGRAPH_ADDR", "127.0.0.1:8080"), "listen address (USERGRAPH_ADDR)")
	fs.StringVar(&c.db, "db", env.str("USERGRAPH_DB", "data/usergraph.db"), "embedded store file (USERGRAPH_DB)")
	fs.Var(env.set("USERGRAPH_SEED", boolValue{&c.seed}, "true"), "seed", "seed an empty embedded store with demo data (USERGRAPH_SEED)")
	fs.Var(env.set("USERGRAPH_INTROSPECTION", boolValue{&c.introspection}, "true"), "introspection", "let end users introspect the schema (services always may); default on, off with Scalekit (USERGRAPH_INTROSPECTION)")
	c.introspectionSet = getenv("USERGRAPH_INTROSPECTION") != ""
	fs.StringVar(&c.corsOrigins, "cors-origins", env.str("USERGRAPH_CORS_ORIGINS", ""), "browser origins allowed to call the API, comma-separated, * for any (USERGRAPH_CORS_ORIGINS)")
	fs.Var(env.set("USERGRAPH_RATE_LIMIT", rate{&c.rateLimit}, "200"), "rate-limit", "requests per second allowed to each caller, 0 for no limit (USERGRAPH_RATE_LIMIT)")
	fs.Var(env.set("USERGRAPH_RATE_BURST", positiveInt{&c.rateBurst}, "400"), "rate-burst", "burst of requests allowed to each caller (USERGRAPH_RATE_BURST)")
	fs.StringVar(&c.safelist, "safelist", env.str("USERGRAPH_SAFELIST", ""), "JSON file of the only documents to run, name → document (USERGRAPH_SAFELIST)")
	fs.Var(env.set("USERGRAPH_LOADER_IDLE", positiveDuration{&c.loaderIdle}, loaders.DefaultOptions.Idle.String()), "loader-idle", "dataloader batch closes after this long without a new key (USERGRAPH_LOADER_IDLE)")
	fs.Var(env.set("USERGRAPH_MAX_BODY_BYTES", positiveInt{&c.maxBodyBytes}, strconv.Itoa(gateway.DefaultMaxBodyBytes)), "max-body-bytes", "request body limit (USERGRAPH_MAX_BODY_BYTES)")
	fs.Var(env.set("USERGRAPH_MAX_DEPTH", positiveInt{&c.maxDepth}, strconv.Itoa(gateway.DefaultMaxDepth)), "max-depth", "selection depth limit (USERGRAPH_MAX_DEPTH)")
	fs.Var(env.set("USERGRAPH_MAX_COMPLEXITY", positiveInt{&c.maxComplexity}, strconv.Itoa(gateway.DefaultMaxComplexity)), "max-complexity", "operation complexity limit (USERGRAPH_MAX_COMPLEXITY)")
	fs.StringVar(&c.scalekitURL, "scalekit-environment-url", env.str("SCALEKIT_ENVIRONMENT_URL", ""), "Scalekit environment URL (SCALEKIT_ENVIRONMENT_URL)")
	fs.StringVar(&c.scalekitClientID, "scalekit-client-id", env.str("SCALEKIT_CLIENT_ID", ""), "Scalekit client id (SCALEKIT_CLIENT_ID)")
	fs.StringVar(&c.scalekitSecret, "scalekit-client-secret", env.str("SCALEKIT_CLIENT_SECRET", ""), "Scalekit client secret (SCALEKIT_CLIENT_SECRET)")
	fs.StringVar(&c.profileMappings, "profile-mappings", env.str("USERGRAPH_PROFILE_MAPPINGS", ""), "JSON file adding or overriding identity-provider attribute mappings (USERGRAPH_PROFILE_MAPPINGS)")
	fs.StringVar(&c.databaseURL, "database-url", env.str("USERGRAPH_DATABASE_URL", ""), "PostgreSQL connection string: serve from PostgreSQL instead of the SQLite file (USERGRAPH_DATABASE_URL)")
	fs.StringVar(&c.keysDir, "keys-dir", env.str("USERGRAPH_KEYS_DIR", ""), "folder of the token signing key; default: the folder of USERGRAPH_DB (USERGRAPH_KEYS_DIR)")
	fs.StringVar(&c.apiKeys, "api-keys", env.str("USERGRAPH_API_KEYS", ""), "service API keys as name:sha256hex, comma-separated (USERGRAPH_API_KEYS)")
	fs.StringVar(&c.apiKeysFile, "api-keys-file", env.str("USERGRAPH_API_KEYS_FILE", ""), "file of service API keys, one 'name sha256hex' per line (USERGRAPH_API_KEYS_FILE)")
	fs.StringVar(&c.serviceClients, "service-client-ids", env.str("USERGRAPH_SERVICE_CLIENT_IDS", ""), "Scalekit client ids whose tokens are services, besides SCALEKIT_CLIENT_ID (USERGRAPH_SERVICE_CLIENT_IDS)")
	fs.StringVar(&c.audience, "token-audience", env.str("USERGRAPH_TOKEN_AUDIENCE", ""), "required aud of Scalekit tokens, if any (USERGRAPH_TOKEN_AUDIENCE)")
	fs.StringVar(&c.memberLists, "scalekit-member-lists", env.str("SCALEKIT_MEMBER_LISTS", string(scalekit.MemberListsAuto)), "whether an organization's member list holds all of its users' memberships: complete, partial or auto (learned at run time) (SCALEKIT_MEMBER_LISTS)")
	fs.Var(env.set("SCALEKIT_CONCURRENCY", positiveInt{&c.scalekitCalls}, "64"), "scalekit-concurrency", "ceiling of the adaptive limit on Scalekit API requests in flight at once, to stay under the environment's rate limit (SCALEKIT_CONCURRENCY)")
	fs.StringVar(&c.webhookSecret, "scalekit-webhook-secret", env.str("SCALEKIT_WEBHOOK_SECRET", ""), "Scalekit mode: the whsec_ secret of the webhook endpoint; set, POST /webhooks/scalekit receives Scalekit's events (SCALEKIT_WEBHOOK_SECRET)")
	fs.StringVar(&c.redisURL, "redis-url", env.str("USERGRAPH_REDIS_URL", ""), "Scalekit mode: Redis the replicas share their cache through (redis://, rediss:// or unix://); a write or webhook received by one then invalidates every replica (USERGRAPH_REDIS_URL)")
	var cacheTTL time.Duration
	fs.Var(env.set("USERGRAPH_CACHE_TTL", ttl{&cacheTTL}, defaultCacheTTL.String()), "cache-ttl", "Scalekit mode: how long the shared entity cache keeps an answer, for every kind without its own USERGRAPH_CACHE_TTL_<KIND>; 0 turns the cache off (USERGRAPH_CACHE_TTL)")
	fs.Var(env.set("USERGRAPH_RESPONSE_CACHE", boolValue{&c.responseCache}, "true"), "response-cache", "Scalekit mode: reuse a query's whole answer, for the same caller, while every entity it read is current in the entity cache (USERGRAPH_RESPONSE_CACHE)")
	kindTTL := map[scalekit.Kind]*time.Duration{}
	for _, k := range scalekit.Kinds {
		name := "USERGRAPH_CACHE_TTL_" + strings.ToUpper(string(k))
		if getenv(name) != "" {
			d := new(time.Duration)
			env.set(name, ttl{d}, "0s")
			kindTTL[k] = d
		}
	}
	if env.err != nil {
		return c, env.err
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, usage)
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return c, err
		}
		return c, fmt.Errorf("%v (go run . -h lists the flags)", err)
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "introspection" {
			c.introspectionSet = true
		}
	})
	c.cacheTTL = map[scalekit.Kind]time.Duration{}
	for _, k := range scalekit.Kinds {
		c.cacheTTL[k] = cacheTTL
		if d := kindTTL[k]; d != nil {
			c.cacheTTL[k] = *d
		}
	}
	return c, c.check()
}

func (c config) check() error {
	set := 0
	for _, v := range []string{c.scalekitURL, c.scalekitClientID, c.scalekitSecret} {
		if v != "" {
			set++
		}
	}
	switch {
	case set > 0 && set < 3:
		return errors.New("SCALEKIT_ENVIRONMENT_URL, SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET must be set together")
	case set == 3 && c.databaseURL != "":
		return errors.New("USERGRAPH_DATABASE_URL and SCALEKIT_* both choose a backend; set one of them")
	case backendName(c) == backendScalekit && c.audience == "":
		// Every app of the environment gets tokens from the same issuer: without an
		// audience, a token issued to another app would be accepted here.
		return errors.New("with Scalekit, USERGRAPH_TOKEN_AUDIENCE must name the audience of the tokens this API accepts (\"*\" accepts any token of the environment)")
	}
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("USERGRAPH_ADDR (-addr) is %q, but it must be host:port, such as 127.0.0.1:8080, or :8080 for every interface", c.addr)
	}
	if c.db == "" {
		return errors.New("USERGRAPH_DB (-db) is empty, but it must name the embedded store's file, such as data/usergraph.db")
	}
	if _, err := scalekit.ParseMemberLists(c.memberLists); err != nil {
		return err
	}
	if c.redisURL != "" && backendName(c) != backendScalekit {
		return errors.New("USERGRAPH_REDIS_URL is for Scalekit mode only: the SQL backends share their data themselves")
	}
	if c.apiKeys != "" {
		if _, err := auth.ParseAPIKeys(c.apiKeys); err != nil {
			return fmt.Errorf("USERGRAPH_API_KEYS: %w", err)
		}
	}
	return nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	cfg, err := loadConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := observe.NewLogger(stderr, slog.LevelInfo)
	// What the "listening" line reports about the start: the GC settings, the warm-up.
	startAttrs := tuneGC(getenv, os.ReadFile)
	shutdownTracing, err := observe.SetupTracing(ctx, "usergraph", getenv)
	if err != nil {
		return fmt.Errorf("tracing (OTEL_*): %w", err)
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = shutdownTracing(flushCtx)
	}()
	var safelist gateway.Safelist
	if cfg.safelist != "" {
		if safelist, err = gateway.LoadSafelist(cfg.safelist); err != nil {
			return fmt.Errorf("USERGRAPH_SAFELIST: %w", err)
		}
	}

	normalizer, err := profile.New(profile.Options{MappingsFile: cfg.profileMappings})
	if err != nil {
		return err
	}
	creds, err := setUpAuth(cfg)
	if err != nil {
		return err
	}
	defer creds.authenticator.Close()
	metrics := observe.NewMetrics(prometheus.NewRegistry())
	dir, closeDir, err := openDirectory(ctx, cfg, log, metrics)
	if err != nil {
		return err
	}
	defer closeDir()
	// What a backend learns about its environment (Scalekit's member lists) goes to
	// /metrics and /readyz's log.
	var states func() map[string]string
	if s, ok := dir.(interface{ States() map[string]string }); ok {
		states = s.States
	}

	handler := gateway.New(gateway.Config{
		Directory:       directory.WithRules(dir),
		Normalizer:      normalizer,
		Logger:          log,
		Loaders:         loaders.Options{Idle: cfg.loaderIdle, MaxWait: loaders.DefaultOptions.MaxWait, MaxBatch: loaders.DefaultOptions.MaxBatch},
		MaxBodyBytes:    int64(cfg.maxBodyBytes),
		MaxDepth:        cfg.maxDepth,
		MaxComplexity:   cfg.maxComplexity,
		Introspection:   cfg.introspectionOn(),
		Authenticator:   creds.authenticator,
		CredentialsHelp: creds.help,
		Metrics:         metrics,
		Backend:         backendName(cfg),
		BackendStates:   states,
		CORSOrigins:     splitList(cfg.corsOrigins),
		RateLimit:       cfg.rateLimit,
		RateBurst:       cfg.rateBurst,
		Safelist:        safelist,
		JWKS:            creds.jwks,
		// The playground carries a development token only on loopback, and then only
		// requests addressed to loopback are answered, so that a web page cannot reach the
		// gateway (and the token's rights) through DNS rebinding.
		PlaygroundHeaders: creds.playgroundHeaders,
		LoopbackHostsOnly: creds.playgroundHeaders != nil,
		ResponseCache:     responseCache(cfg, dir),
	})
	// The first query on a fresh process costs more than any later one: run one now, before
	// listening, within the same bound as the backend's reads ahead (gateway.WarmUp).
	warmCtx, cancelWarm := context.WithTimeout(ctx, warmUpTimeout)
	started := time.Now()
	if err := handler.WarmUp(warmCtx); err != nil {
		log.Warn("the warm-up query failed; the first request pays for a fresh process", "error", err.Error())
	} else {
		startAttrs = append(startAttrs, slog.Int64("warm_up_ms", time.Since(started).Milliseconds()))
	}
	cancelWarm()
	if cfg.webhookSecret != "" {
		inv, ok := dir.(scalekit.Invalidator)
		if !ok {
			return errors.New("SCALEKIT_WEBHOOK_SECRET is for Scalekit mode only")
		}
		wh, err := scalekit.NewWebhookHandler(cfg.webhookSecret, inv, log)
		if err != nil {
			return err
		}
		// Outside the GraphQL handler's authentication: Scalekit proves itself by signature.
		mux := http.NewServeMux()
		mux.Handle("POST "+scalekit.WebhookPath, wh)
		mux.Handle("/", handler)
		return serve(ctx, cfg.addr, mux, log, startAttrs...)
	}
	return serve(ctx, cfg.addr, handler, log, startAttrs...)
}

// introspectionOn tells whether end users may introspect: as chosen, else yes for the
// embedded stores (a developer's playground) and no in front of Scalekit (production data).
// Services always may (gateway.Config.Introspection).
func (c config) introspectionOn() bool {
	if c.introspectionSet {
		return c.introspection
	}
	return backendName(c) != backendScalekit
}

// The backends, as named in metrics and traces.
const (
	backendSQLite   = "sqlite"
	backendPostgres = "postgres"
	backendScalekit = "scalekit"
)

// backendName is the one place that decides the backend from the configuration; every
// other choice that depends on the backend asks it.
func backendName(cfg config) string {
	switch {
	case cfg.databaseURL != "":
		return backendPostgres
	case cfg.scalekitURL != "":
		return backendScalekit
	}
	return backendSQLite
}

// oneLine flattens a multi-line error (pgx lists every address it tried) into the one line
// a failed start prints.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// responseCache turns the gateway's response cache on for a backend that tracks its reads
// (Scalekit), unless USERGRAPH_RESPONSE_CACHE is off.
func responseCache(cfg config, dir directory.Directory) gateway.ResponseCacheConfig {
	reads, ok := dir.(directory.ReadTracker)
	if !ok || !cfg.responseCache {
		return gateway.ResponseCacheConfig{}
	}
	return gateway.ResponseCacheConfig{Reads: reads}
}

// defaultCacheTTL bounds how stale a Scalekit answer may be when no webhook or write of this
// cluster told usergraph of the change (README: Scalekit backend).
const defaultCacheTTL = 30 * time.Second

// scalekitStartTimeout bounds the start-up check of the Scalekit environment, so that a
// wrong URL fails the start in seconds instead of hanging.
const scalekitStartTimeout = 15 * time.Second

// scalekitWarmTimeout bounds the reads ahead at start (Client.Warm): they only save the first
// requests some waiting, so a slow Scalekit delays the start by this much at most.
const scalekitWarmTimeout = 5 * time.Second

// warmUpTimeout bounds the warm-up query at start (gateway.WarmUp), for the same reason.
const warmUpTimeout = 5 * time.Second

// openDirectory opens the backend: PostgreSQL when USERGRAPH_DATABASE_URL is set; Scalekit
// when its three settings are given (checked at once, so wrong credentials or an
// unreachable environment stop the start with one line); else the embedded store.
func openDirectory(ctx context.Context, cfg config, log *slog.Logger, metrics *observe.Metrics) (directory.Directory, func() error, error) {
	switch backendName(cfg) {
	case backendPostgres:
		store, err := sqlstore.OpenPostgres(ctx, cfg.databaseURL, sqlstore.Options{Seed: cfg.seed})
		if err != nil {
			// The DSN may hold a password: name the backend, not the string.
			return nil, nil, fmt.Errorf("opening PostgreSQL (USERGRAPH_DATABASE_URL): %s", oneLine(err))
		}
		log.Info("serving from PostgreSQL")
		return store, store.Close, nil
	case backendSQLite:
		store, err := sqlstore.OpenSQLite(ctx, cfg.db, sqlstore.Options{Seed: cfg.seed})
		if err != nil {
			return nil, nil, fmt.Errorf("opening the embedded store %s: %w", cfg.db, err)
		}
		return store, store.Close, nil
	}
	shared, closeShared, err := openShared(ctx, cfg, log, metrics)
	if err != nil {
		return nil, nil, err
	}
	client, err := scalekit.New(scalekit.Config{
		EnvironmentURL: cfg.scalekitURL,
		ClientID:       cfg.scalekitClientID,
		ClientSecret:   cfg.scalekitSecret,
		Concurrency:    cfg.scalekitCalls,
		MemberLists:    scalekit.MemberLists(cfg.memberLists),
		Logger:         log,
		Cache:          scalekit.CacheConfig{TTL: cfg.cacheTTL},
		Shared:         shared,
		Observer:       observe.NewScalekitMetrics(metrics),
	})
	if err != nil {
		closeShared()
		return nil, nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, scalekitStartTimeout)
	defer cancel()
	if err := client.Ping(pingCtx); err != nil {
		closeShared()
		return nil, nil, fmt.Errorf("checking the Scalekit environment %s: %w", cfg.scalekitURL, err)
	}
	// The first request after a start should not pay for every organization and for
	// learning the member lists: read them now, within the start's time (Client.Warm).
	warmCtx, cancelWarm := context.WithTimeout(ctx, scalekitWarmTimeout)
	defer cancelWarm()
	started := time.Now()
	if err := client.Warm(warmCtx); err != nil {
		log.Warn("scalekit: reading ahead at start failed; the first requests fetch what they need", "error", err.Error())
	}
	log.Info("serving from Scalekit", "environment", cfg.scalekitURL, "member_lists", client.MemberListState(),
		"warm_ms", time.Since(started).Milliseconds())
	return client, func() error { closeShared(); return nil }, nil
}

// openShared connects to the Redis the replicas share (USERGRAPH_REDIS_URL), if any. Redis
// being down is no reason to refuse to start: the replica caches on its own, with a
// warning, until Redis answers.
func openShared(ctx context.Context, cfg config, log *slog.Logger, metrics *observe.Metrics) (scalekit.Shared, func(), error) {
	if cfg.redisURL == "" {
		return nil, func() {}, nil
	}
	store, err := rediscache.New(ctx, rediscache.Options{URL: cfg.redisURL, Logger: log,
		OnAvailability: observe.NewRedisMetrics(metrics).Available})
	if err != nil {
		return nil, nil, err
	}
	return store, store.Close, nil
}

// serve listens (so that a taken port fails at start, in one line), serves until ctx ends,
// then drains in-flight requests for up to 10 s. The line saying it listens carries attrs
// (the collector's setting).
func serve(ctx context.Context, addr string, h http.Handler, log *slog.Logger, attrs ...slog.Attr) error {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("cannot listen on %s: address already in use (another program, perhaps another usergraph, holds it); "+
			"choose another address with -addr or USERGRAPH_ADDR, such as -addr 127.0.0.1:8081", addr)
	}
	if err != nil {
		return fmt.Errorf("cannot listen on %s (-addr, USERGRAPH_ADDR): %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	log.LogAttrs(ctx, slog.LevelInfo, "usergraph listening", append([]slog.Attr{
		slog.String("playground", "http://"+strings.Replace(ln.Addr().String(), "127.0.0.1", "localhost", 1)+"/")}, attrs...)...)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("shutting down")
	return srv.Shutdown(shutdownCtx)
}
