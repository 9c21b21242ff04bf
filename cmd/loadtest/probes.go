package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Figures that come from outside the load: the fake Scalekit's call counter
// (-scalekit-counters) and the server's cache counters on its /metrics (-metrics). Each is
// read when the measured window opens and when it closes; the difference, divided by the
// window's requests, is the figure per request.

// cacheHitsMetric and cacheMissesMetric are the server's counters of entity-cache lookups
// (summed over their labels).
const (
	cacheHitsMetric   = "usergraph_cache_hits_total"
	cacheMissesMetric = "usergraph_cache_misses_total"
	// responseLookupsMetric counts the response cache's lookups by result="hit"|"miss".
	responseLookupsMetric = "usergraph_response_cache_lookups_total"
)

// counters is one reading of both sources; a field is -1 when not read.
type counters struct {
	scalekitCalls  float64
	cacheHits      float64
	cacheMisses    float64
	responseHits   float64
	responseMisses float64
}

// unread is a reading of nothing.
var unread = counters{-1, -1, -1, -1, -1}

// readCounters reads what cfg asks for; a failed read is an error, so that a typo in a URL
// does not produce a run without the figure it was started for.
func readCounters(ctx context.Context, c *http.Client, t target, cfg config) (counters, error) {
	out := unread
	if cfg.scalekitCounters != "" {
		n, err := readFakeCalls(ctx, c, cfg.scalekitCounters)
		if err != nil {
			return out, fmt.Errorf("-scalekit-counters %s: %w", cfg.scalekitCounters, err)
		}
		out.scalekitCalls = n
	}
	if cfg.metrics != "" {
		m, err := readCacheCounters(ctx, c, t, cfg.metrics)
		if err != nil {
			return out, fmt.Errorf("-metrics %s: %w", cfg.metrics, err)
		}
		out.cacheHits, out.cacheMisses, out.responseHits, out.responseMisses = m.cacheHits, m.cacheMisses, m.responseHits, m.responseMisses
	}
	return out, nil
}

func get(ctx context.Context, c *http.Client, url string, authorize func(*http.Request)) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if authorize != nil {
		authorize(req)
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, maxResponseBytes))
	if err == nil && res.StatusCode != http.StatusOK {
		err = fmt.Errorf("HTTP %d", res.StatusCode)
	}
	return b, err
}

// readFakeCalls reads the "calls" counter of the fake Scalekit (cmd/fakescalekit).
func readFakeCalls(ctx context.Context, c *http.Client, url string) (float64, error) {
	b, err := get(ctx, c, url, nil)
	if err != nil {
		return 0, err
	}
	var v struct {
		Calls *uint64 `json:"calls"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Calls == nil {
		return 0, fmt.Errorf("not the fake's counters (no \"calls\"): %.80s", b)
	}
	return float64(*v.Calls), nil
}

// readCacheCounters reads the entity and response caches' hit and miss counters from a
// Prometheus text page, sending the load's credentials (usergraph serves /metrics to
// services only). A server without them (no cache) gives zeros.
func readCacheCounters(ctx context.Context, c *http.Client, t target, url string) (counters, error) {
	b, err := get(ctx, c, url, t.authorize)
	if err != nil {
		return unread, err
	}
	return parseCacheCounters(b)
}

func parseCacheCounters(page []byte) (counters, error) {
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(page))
	if err != nil {
		return unread, err
	}
	// sum adds the series of name whose result label is result ("" for all).
	sum := func(name, result string) float64 {
		var s float64
		if f := fams[name]; f != nil {
			for _, m := range f.GetMetric() {
				if result == "" || labelOf(m, "result") == result {
					s += m.GetCounter().GetValue()
				}
			}
		}
		return s
	}
	return counters{scalekitCalls: -1, cacheHits: sum(cacheHitsMetric, ""), cacheMisses: sum(cacheMissesMetric, ""),
		responseHits: sum(responseLookupsMetric, "hit"), responseMisses: sum(responseLookupsMetric, "miss")}, nil
}

func labelOf(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

// minus is the change from an earlier reading; fields not read stay -1.
func (c counters) minus(earlier counters) counters {
	d := func(a, b float64) float64 {
		if a < 0 || b < 0 {
			return -1
		}
		return a - b
	}
	return counters{d(c.scalekitCalls, earlier.scalekitCalls), d(c.cacheHits, earlier.cacheHits), d(c.cacheMisses, earlier.cacheMisses),
		d(c.responseHits, earlier.responseHits), d(c.responseMisses, earlier.responseMisses)}
}
