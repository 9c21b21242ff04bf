package observe

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/usergraph/usergraph/directory/scalekit"
)

// ScalekitMetrics records the Scalekit client's shared entity cache, its coalescing of
// identical reads and its concurrency limit. It implements scalekit.Observer.
type ScalekitMetrics struct {
	hits, misses, evictions, coalesced *prometheus.CounterVec
	sharedHits, refreshes              *prometheus.CounterVec
	invalidations                      *prometheus.CounterVec
	limit                              prometheus.Gauge
}

var _ scalekit.Observer = (*ScalekitMetrics)(nil)

// NewScalekitMetrics creates the collectors on the registry of m (the one /metrics serves).
func NewScalekitMetrics(m *Metrics) *ScalekitMetrics {
	reg := m.reg
	kind := []string{"kind"}
	s := &ScalekitMetrics{
		hits: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_cache_hits_total", Help: "Scalekit reads answered from the shared entity cache, by kind.",
		}, kind)),
		misses: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_cache_misses_total", Help: "Scalekit reads of a cached kind that the cache could not answer (absent, expired or stale), by kind.",
		}, kind)),
		evictions: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_cache_evictions_total", Help: "Entries dropped from the entity cache to stay within its memory bound, by kind.",
		}, kind)),
		sharedHits: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_cache_shared_hits_total", Help: "Cache hits (counted in usergraph_cache_hits_total too) answered from the replicas' shared Redis store rather than this process's memory, by kind.",
		}, kind)),
		refreshes: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_cache_refreshes_total", Help: "Entries fetched again in the background because they were read in the last fifth of their TTL, by kind.",
		}, kind)),
		coalesced: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_scalekit_coalesced_reads_total", Help: "Scalekit reads that shared one call with identical reads in flight, by kind.",
		}, kind)),
		invalidations: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_cache_invalidations_total", Help: "Invalidations of the entity cache, by source (write, webhook, peer).",
		}, []string{"source"})),
		limit: register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "usergraph_scalekit_concurrency_limit", Help: "Scalekit requests allowed in flight at once now.",
		})),
	}
	for _, k := range scalekit.Kinds {
		for _, v := range []*prometheus.CounterVec{s.hits, s.misses, s.evictions, s.coalesced, s.sharedHits, s.refreshes} {
			v.WithLabelValues(string(k))
		}
	}
	for _, src := range []string{scalekit.SourceWrite, scalekit.SourceWebhook, scalekit.SourcePeer} {
		s.invalidations.WithLabelValues(src)
	}
	return s
}

func (s *ScalekitMetrics) CacheHit(k scalekit.Kind) { s.hits.WithLabelValues(string(k)).Inc() }
func (s *ScalekitMetrics) CacheRefreshed(k scalekit.Kind) {
	s.refreshes.WithLabelValues(string(k)).Inc()
}
func (s *ScalekitMetrics) CacheMiss(k scalekit.Kind)    { s.misses.WithLabelValues(string(k)).Inc() }
func (s *ScalekitMetrics) CacheEvicted(k scalekit.Kind) { s.evictions.WithLabelValues(string(k)).Inc() }
func (s *ScalekitMetrics) SharedHit(k scalekit.Kind)    { s.sharedHits.WithLabelValues(string(k)).Inc() }
func (s *ScalekitMetrics) Coalesced(k scalekit.Kind)    { s.coalesced.WithLabelValues(string(k)).Inc() }
func (s *ScalekitMetrics) CacheInvalidated(source string) {
	s.invalidations.WithLabelValues(source).Inc()
}
func (s *ScalekitMetrics) ConcurrencyLimit(n int) { s.limit.Set(float64(n)) }

// RedisMetrics records the availability of the replicas' shared Redis; created only when
// USERGRAPH_REDIS_URL is set, so that a single process shows no Redis series.
type RedisMetrics struct {
	up        prometheus.Gauge
	fallbacks prometheus.Counter
}

// NewRedisMetrics creates the collectors on the registry of m.
func NewRedisMetrics(m *Metrics) *RedisMetrics {
	return &RedisMetrics{
		up: register(m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "usergraph_redis_up", Help: "1 while the replicas' shared Redis answers, 0 while this process falls back to its own cache.",
		})),
		fallbacks: register(m.reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "usergraph_redis_fallbacks_total", Help: "Times this process lost the shared Redis and fell back to its own cache.",
		})),
	}
}

// Available records whether Redis answers (rediscache.Options.OnAvailability).
func (r *RedisMetrics) Available(up bool) {
	if up {
		r.up.Set(1)
		return
	}
	r.up.Set(0)
	r.fallbacks.Inc()
}
