package main

import (
	"encoding/json"
	"io"
	"slices"
)

// figures is the run reduced to the numbers a comparison of servers needs (-json). A figure
// that was not measured is omitted rather than zero.
type figures struct {
	URL      string  `json:"url"`
	Workload string  `json:"workload"`
	Clients  int     `json:"clients"`
	Seconds  float64 `json:"seconds"`
	Requests int     `json:"requests"`
	Errors   int     `json:"errors"` // of the whole run, warm-up and stragglers included
	RPS      float64 `json:"rps"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`

	ServerCPUmsPerRequest *float64 `json:"server_cpu_ms_per_request,omitempty"`
	PeakRSSMiB            *float64 `json:"peak_rss_mib,omitempty"`
	ScalekitCallsPerReq   *float64 `json:"scalekit_calls_per_request,omitempty"`
	CacheHitRate          *float64 `json:"cache_hit_rate,omitempty"`
	ResponseCacheHitRate  *float64 `json:"response_cache_hit_rate,omitempty"`
}

func summarizeFigures(cfg config, s summary) figures {
	secs := cfg.duration.Seconds()
	f := figures{
		URL: cfg.url, Workload: cfg.query, Clients: cfg.clients, Seconds: secs,
		Requests: s.requests, Errors: s.totalErrors(),
		RPS:   float64(s.requests) / secs,
		P50ms: float64(s.p50.Microseconds()) / 1000, P99ms: float64(s.p99.Microseconds()) / 1000,
	}
	if len(f.Workload) > 40 {
		f.Workload = "custom"
	}
	num := func(v float64) *float64 { return &v }
	if s.requests > 0 {
		if s.serverCPUSeconds >= 0 {
			f.ServerCPUmsPerRequest = num(1000 * s.serverCPUSeconds / float64(s.requests))
		}
		if s.counted.scalekitCalls >= 0 {
			f.ScalekitCallsPerReq = num(s.counted.scalekitCalls / float64(s.requests))
		}
	}
	if len(s.rss) > 0 {
		f.PeakRSSMiB = num(float64(slices.Max(s.rss)) / (1 << 20))
	}
	if s.counted.cacheHits >= 0 && s.counted.cacheHits+s.counted.cacheMisses > 0 {
		f.CacheHitRate = num(s.counted.cacheHits / (s.counted.cacheHits + s.counted.cacheMisses))
	}
	if s.counted.responseHits >= 0 && s.counted.responseHits+s.counted.responseMisses > 0 {
		f.ResponseCacheHitRate = num(s.counted.responseHits / (s.counted.responseHits + s.counted.responseMisses))
	}
	return f
}

// printJSON writes the figures as one JSON line.
func printJSON(w io.Writer, cfg config, s summary) error {
	return json.NewEncoder(w).Encode(summarizeFigures(cfg, s))
}
