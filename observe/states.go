package observe

import (
	"github.com/prometheus/client_golang/prometheus"
)

// BackendStates exports what a backend has learned about its environment — for Scalekit,
// whether its member lists hold every membership of their users ("member_lists": unknown,
// complete or partial) — as usergraph_backend_state{backend, name, state} = 1, one series
// per name with its current state. states is asked at every scrape, so the series follow
// the backend without being pushed.
func (m *Metrics) BackendStates(backend string, states func() map[string]string) {
	if m == nil || states == nil {
		return
	}
	register(m.reg, &stateCollector{backend: backend, states: states})
}

var backendStateDesc = prometheus.NewDesc("usergraph_backend_state",
	"What the backend has learned about its environment: 1 for each name's current state "+
		"(Scalekit: member_lists is unknown, complete or partial).",
	[]string{"backend", "name", "state"}, nil)

type stateCollector struct {
	backend string
	states  func() map[string]string
}

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) { ch <- backendStateDesc }

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	for name, state := range c.states() {
		ch <- prometheus.MustNewConstMetric(backendStateDesc, prometheus.GaugeValue, 1, c.backend, name, state)
	}
}
