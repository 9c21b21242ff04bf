package observe

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"
)

// LoaderObserver is told what the per-request dataloaders do. loader names the loader
// ("UserByID", "MembershipsByUser"...); it becomes the loader label, so it must come from
// code, never from a request.
//
// The loaders call Batch once per batch they send to the backend, with its number of keys,
// and Load once per key asked for (Load, or each key of LoadMany), with cached set when the
// request's cache answered it. Priming a cache is not a load. Implementations must be safe
// for concurrent use. DataloaderOptions makes a graph-gophers dataloader make these calls.
type LoaderObserver interface {
	Batch(loader string, size int)
	Load(loader string, cached bool)
}

// NopLoaderObserver observes nothing.
type NopLoaderObserver struct{}

// Batch does nothing.
func (NopLoaderObserver) Batch(string, int) {}

// Load does nothing.
func (NopLoaderObserver) Load(string, bool) {}

var (
	_ LoaderObserver = (*Metrics)(nil)
	_ LoaderObserver = NopLoaderObserver{}
)

// LoaderObserver returns m as a LoaderObserver, or a NopLoaderObserver when m is nil (so a
// nil *Metrics never ends up inside a non-nil interface).
func (m *Metrics) LoaderObserver() LoaderObserver {
	if m == nil {
		return NopLoaderObserver{}
	}
	return m
}

// Batch records a batch of size keys in usergraph_dataloader_batch_size.
func (m *Metrics) Batch(loader string, size int) {
	if m == nil {
		return
	}
	m.batchSize.WithLabelValues(loader).Observe(float64(size))
}

// Load counts a load in usergraph_dataloader_loads_total and, when the request's cache
// answered it, in usergraph_dataloader_cache_hits_total.
func (m *Metrics) Load(loader string, cached bool) {
	if m == nil {
		return
	}
	m.loads.WithLabelValues(loader).Inc()
	if cached {
		m.cacheHits.WithLabelValues(loader).Inc()
	}
}

// DataloaderOptions are the options that make a graph-gophers dataloader report to obs
// under the name loader: a tracer that reports batches and loads, and the library's
// in-memory cache wrapped to tell cached loads apart. Append them after the loader's other
// options; a loader that sets its own cache or tracer must not use them. A nil obs gives
// no options, and so does a NopLoaderObserver.
func DataloaderOptions[K comparable, V any](obs LoaderObserver, loader string) []dataloader.Option[K, V] {
	if _, nop := obs.(NopLoaderObserver); obs == nil || nop {
		return nil
	}
	return []dataloader.Option[K, V]{
		dataloader.WithTracer[K, V](loaderTracer[K, V]{obs: obs, loader: loader}),
		dataloader.WithCache[K, V](probeCache[K, V]{dataloader.NewCache[K, V]()}),
	}
}

// loadProbe travels in the context of one Load from the tracer to the cache, which notes
// whether it had the key. Prime also asks the cache, but without a probe, so it is not
// counted.
type loadProbe struct{ cached bool }

type loadProbeKey struct{}

type loaderTracer[K comparable, V any] struct {
	dataloader.NoopTracer[K, V]
	obs    LoaderObserver
	loader string
}

func (t loaderTracer[K, V]) TraceLoad(ctx context.Context, _ K) (context.Context, dataloader.TraceLoadFinishFunc[V]) {
	probe := &loadProbe{}
	return context.WithValue(ctx, loadProbeKey{}, probe), func(dataloader.Thunk[V]) {
		t.obs.Load(t.loader, probe.cached)
	}
}

func (t loaderTracer[K, V]) TraceBatch(ctx context.Context, keys []K) (context.Context, dataloader.TraceBatchFinishFunc[V]) {
	t.obs.Batch(t.loader, len(keys))
	return ctx, func([]*dataloader.Result[V]) {}
}

type probeCache[K comparable, V any] struct {
	dataloader.Cache[K, V]
}

func (c probeCache[K, V]) Get(ctx context.Context, key K) (dataloader.Thunk[V], bool) {
	thunk, ok := c.Cache.Get(ctx, key)
	if probe, _ := ctx.Value(loadProbeKey{}).(*loadProbe); probe != nil {
		probe.cached = ok
	}
	return thunk, ok
}
