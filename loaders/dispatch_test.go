package loaders

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runFields plays gqlgen's part for the tracker: n fields, started at staggered times,
// each loads one key of level one and then has one child field that loads one key of level
// two. The windows are an hour long, so only the tracker can send a batch.
func runFields(t *testing.T, n int, stagger time.Duration) (level1, level2 *fakeFetch) {
	t.Helper()
	level1, level2 = &fakeFetch{}, &fakeFetch{}
	var one, two *Loader[string, *string]
	tr := newTracker(func() { one.Flush(); two.Flush() })
	opts := Options{Idle: time.Hour, MaxWait: time.Hour, MaxBatch: 1000}
	one = newCounted("one", level1.fetch, tr, 0, opts)
	two = newCounted("two", level2.fetch, tr, 1, opts)

	tr.start(nil, nil, n)
	field := func(load *Loader[string, *string], key string) {
		ctx := context.WithValue(context.Background(), taskKey{}, &fieldTask{tracker: tr})
		v, err := load.Load(ctx, key)()
		require.NoError(t, err)
		require.Equal(t, "value-"+key, *v)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Duration(i) * stagger)
			field(one, fmt.Sprint("a", i))
			tr.finished(1) // its value has one child field
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(n-i) * stagger)
				field(two, fmt.Sprint("b", i))
				tr.finished(0)
			}()
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("a batch was never dispatched")
	}
	return level1, level2
}

func TestTrackerDispatchesWhenEveryFieldWaits(t *testing.T) {
	for _, n := range []int{1, 10, 300} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			level1, level2 := runFields(t, n, 20*time.Microsecond)
			assert.Equal(t, 1, level1.calls(), "one batch for the first level")
			assert.Equal(t, 1, level2.calls(), "one batch for the second level, though its fields woke at different times")
		})
	}
}
