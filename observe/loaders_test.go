package observe_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/observe"
)

type recordingObserver struct {
	mu      sync.Mutex
	batches []int
	loads   []bool
}

func (o *recordingObserver) Batch(loader string, size int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.batches = append(o.batches, size)
}

func (o *recordingObserver) Load(loader string, cached bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.loads = append(o.loads, cached)
}

func TestDataloaderOptionsReportBatchesAndCacheHits(t *testing.T) {
	obs := &recordingObserver{}
	var calls [][]string
	fetch := func(_ context.Context, keys []string) []*dataloader.Result[string] {
		calls = append(calls, keys)
		out := make([]*dataloader.Result[string], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[string]{Data: "v" + k}
		}
		return out
	}
	opts := append([]dataloader.Option[string, string]{dataloader.WithWait[string, string](time.Hour)},
		observe.DataloaderOptions[string, string](obs, "Things")...)
	l := dataloader.NewBatchedLoader(fetch, opts...)
	ctx := context.Background()

	a, b := l.Load(ctx, "a"), l.Load(ctx, "b")
	l.Flush()
	v, err := a()
	require.NoError(t, err)
	assert.Equal(t, "va", v)
	_, _ = b()
	require.Equal(t, [][]string{{"a", "b"}}, calls)

	_, _ = l.Load(ctx, "a")() // cached
	l.Prime(ctx, "c", "primed")
	v, _ = l.Load(ctx, "c")() // cached by Prime, which itself is no load
	assert.Equal(t, "primed", v)

	obs.mu.Lock()
	defer obs.mu.Unlock()
	assert.Equal(t, []int{2}, obs.batches)
	assert.Equal(t, []bool{false, false, true, true}, obs.loads)
	assert.Len(t, calls, 1)
}

func TestDataloaderOptionsWithoutObserver(t *testing.T) {
	assert.Empty(t, observe.DataloaderOptions[string, int](nil, "x"))
	var m *observe.Metrics
	assert.Empty(t, observe.DataloaderOptions[string, int](m.LoaderObserver(), "x"))
}

func TestMetricsAsLoaderObserver(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := observe.NewMetrics(reg)
	obs := m.LoaderObserver()
	obs.Batch("UserByID", 3)
	obs.Batch("UserByID", 5)
	obs.Load("UserByID", false)
	obs.Load("UserByID", true)
	obs.Load("UserByID", true)

	n, _ := metricValue(t, reg, "usergraph_dataloader_batch_size", map[string]string{"loader": "UserByID"})
	assert.Equal(t, 2.0, n)
	assert.Equal(t, 8.0, histogramSum(t, reg, "usergraph_dataloader_batch_size", map[string]string{"loader": "UserByID"}))
	loads, _ := metricValue(t, reg, "usergraph_dataloader_loads_total", map[string]string{"loader": "UserByID"})
	hits, _ := metricValue(t, reg, "usergraph_dataloader_cache_hits_total", map[string]string{"loader": "UserByID"})
	assert.Equal(t, 3.0, loads)
	assert.Equal(t, 2.0, hits)
}
