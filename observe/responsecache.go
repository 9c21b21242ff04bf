package observe

import "github.com/prometheus/client_golang/prometheus"

// ResponseCacheObserver receives the gateway's response-cache events.
type ResponseCacheObserver interface {
	// ResponseCacheLookup records one query that could have been answered from the cache,
	// and whether it was.
	ResponseCacheLookup(hit bool)
	// ResponseCacheStored records an answer kept for reuse.
	ResponseCacheStored()
}

type nopResponseCache struct{}

func (nopResponseCache) ResponseCacheLookup(bool) {}
func (nopResponseCache) ResponseCacheStored()     {}

// responseCacheMetrics are the usergraph_response_cache_* series.
type responseCacheMetrics struct {
	lookups *prometheus.CounterVec
	stored  prometheus.Counter
}

// ResponseCache returns the observer of the gateway's response cache; a nil *Metrics hands
// out one that records nothing.
func (m *Metrics) ResponseCache() ResponseCacheObserver {
	if m == nil {
		return nopResponseCache{}
	}
	r := &responseCacheMetrics{
		lookups: register(m.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "usergraph_response_cache_lookups_total",
			Help: "Queries looked up in the response cache, by result (hit or miss).",
		}, []string{"result"})),
		stored: register(m.reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "usergraph_response_cache_stored_total",
			Help: "Answers kept in the response cache for reuse.",
		})),
	}
	r.lookups.WithLabelValues("hit")
	r.lookups.WithLabelValues("miss")
	return r
}

func (r *responseCacheMetrics) ResponseCacheLookup(hit bool) {
	if hit {
		r.lookups.WithLabelValues("hit").Inc()
	} else {
		r.lookups.WithLabelValues("miss").Inc()
	}
}

func (r *responseCacheMetrics) ResponseCacheStored() { r.stored.Inc() }
