// Package observe is usergraph's telemetry: Prometheus metrics, OpenTelemetry traces and
// JSON logs that carry the trace id. Nothing here changes what a request does; every piece
// is a decorator, a gqlgen extension, an HTTP middleware or a slog handler that the
// gateway opts into.
//
// # Metrics
//
// NewMetrics registers the collectors (all named usergraph_*) plus the Go runtime and
// process collectors; Handler serves them at /metrics. They are fed by
//
//   - Metrics.Extension, a gqlgen extension: graphql_requests_total,
//     graphql_request_duration_seconds and graphql_errors_total;
//   - Metrics.Directory, a directory.Directory decorator: backend_calls_total and
//     backend_call_duration_seconds;
//   - Metrics.InFlight, an HTTP middleware: http_inflight_requests;
//   - the LoaderObserver methods (Batch, Load), called by the per-request dataloaders:
//     dataloader_batch_size, dataloader_loads_total and dataloader_cache_hits_total.
//     DataloaderOptions makes a graph-gophers dataloader call them by itself.
//
// A nil *Metrics is valid and records nothing, so wiring can be unconditional.
//
// # Traces
//
// SetupTracing installs an OTLP exporter when OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set, and does nothing otherwise. TracingExtension
// makes a span per GraphQL operation and one per resolver method (not per scalar field);
// TraceDirectory makes a span per backend call; Propagate continues a caller's W3C trace.
//
// # Logs
//
// NewLogger writes JSON through a TraceHandler, which adds trace_id and span_id to every
// record logged with a context that holds a span.
//
// # Wiring
//
// gateway.Config gains Metrics *observe.Metrics (nil: no metrics) and Backend string (the
// backend label: "sqlite", "postgres", "scalekit"). In gateway.New the decorators go
// around the backend, inside the policy guard, so that they measure real backend calls
// and not the calls the policy refuses:
//
//	backend := observe.TraceDirectory(cfg.Backend, cfg.Directory)
//	backend = cfg.Metrics.Directory(cfg.Backend, backend)
//	dir := policy.Guard(backend)
//	...
//	mux.Handle("/graphql", chain(gql,
//		cfg.Metrics.InFlight, // outermost: requests waiting for a turn are in flight too
//		observe.Propagate,    // continue a caller's traceparent
//		requestID,
//		...
//	))
//	if cfg.Metrics != nil {
//		mux.Handle("GET /metrics", cfg.Metrics.Handler())
//	}
//
// and in newGraphQLServer:
//
//	srv.Use(cfg.Metrics.Extension())
//	srv.Use(observe.TracingExtension())
//
// In main:
//
//	shutdown, err := observe.SetupTracing(ctx, "usergraph", os.Getenv)
//	// on error: log it and exit; else before exiting:
//	// ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second); _ = shutdown(ctx)
//	logger := observe.NewLogger(os.Stderr, slog.LevelInfo)
//	metrics := observe.NewMetrics(prometheus.NewRegistry())
//
// In package loaders: Options gains Observer observe.LoaderObserver (set to
// cfg.Metrics.LoaderObserver() in setDefaults or New), each newLoader call gets the
// loader's name ("UserByID", ...), and newWindowed appends the observer's options:
//
//	dlOpts := []dataloader.Option[K, V]{
//		dataloader.WithWait[K, V](opts.MaxWait),
//		dataloader.WithBatchCapacity[K, V](opts.MaxBatch),
//	}
//	dlOpts = append(dlOpts, observe.DataloaderOptions[K, V](opts.Observer, name)...)
//	... dataloader.NewBatchedLoader(batchFn, dlOpts...)
//
// (A loaders package that would rather not import observe can declare the same
// two-method interface itself and call Batch from its batch function and Load from
// Loader.Load; *Metrics satisfies it as it is.)
package observe
