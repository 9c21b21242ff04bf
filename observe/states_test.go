package observe_test

import (
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"

	"github.com/usergraph/usergraph/observe"
)

func TestBackendStatesFollowTheBackendAtEveryScrape(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := observe.NewMetrics(reg)
	var state atomic.Value
	state.Store("unknown")
	m.BackendStates("scalekit", func() map[string]string { return map[string]string{"member_lists": state.Load().(string)} })
	series := func(s string) (float64, bool) {
		return metricValue(t, reg, "usergraph_backend_state", map[string]string{"backend": "scalekit", "name": "member_lists", "state": s})
	}
	v, ok := series("unknown")
	assert.True(t, ok)
	assert.Equal(t, 1.0, v)
	state.Store("partial")
	_, ok = series("unknown")
	assert.False(t, ok, "the old state's series is gone")
	v, ok = series("partial")
	assert.True(t, ok)
	assert.Equal(t, 1.0, v)
}
