package loaders

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

// fakeFetch records every batch it receives and answers "value-<key>", nil for keys
// starting with "missing", and a per-key error for keys starting with "bad".
type fakeFetch struct {
	mu      sync.Mutex
	batches [][]string
}

func (f *fakeFetch) fetch(_ context.Context, keys []string) ([]*string, error) {
	f.mu.Lock()
	f.batches = append(f.batches, append([]string(nil), keys...))
	f.mu.Unlock()
	out := make([]*string, len(keys))
	errs := make(directory.KeyErrors, len(keys))
	failed := false
	for i, k := range keys {
		switch {
		case len(k) >= 7 && k[:7] == "missing":
		case len(k) >= 3 && k[:3] == "bad":
			errs[i] = fmt.Errorf("cannot load %s", k)
			failed = true
		default:
			v := "value-" + k
			out[i] = &v
		}
	}
	if failed {
		return out, errs
	}
	return out, nil
}

func (f *fakeFetch) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.batches)
}

// loadConcurrently loads every key from its own goroutine, as gqlgen does for list elements.
func loadConcurrently[V any](t *testing.T, fetch func(context.Context, []string) ([]V, error), keys []string) ([]V, []error) {
	t.Helper()
	// The window is generous so that the race detector's slow goroutine start-up cannot
	// split the batch; the barrier releases every goroutine at once, as gqlgen's list
	// resolution does.
	l := newLoader("test", fetch, Options{Idle: 20 * time.Millisecond, MaxWait: time.Second, MaxBatch: 1000})
	values := make([]V, len(keys))
	errs := make([]error, len(keys))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			values[i], errs[i] = l.Load(context.Background(), k)()
		}()
	}
	close(start)
	wg.Wait()
	return values, errs
}

func TestLoaderBatchesConcurrentLoadsIntoOneCall(t *testing.T) {
	f := &fakeFetch{}
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%03d", i)
	}
	values, errs := loadConcurrently(t, f.fetch, keys)
	assert.Equal(t, 1, f.calls(), "100 concurrent loads must cost one backend call")
	for i, k := range keys {
		require.NoError(t, errs[i])
		assert.Equal(t, "value-"+k, *values[i], "result %d must belong to its own key", i)
	}
}

func TestLoaderDeduplicatesKeys(t *testing.T) {
	f := &fakeFetch{}
	_, errs := loadConcurrently(t, f.fetch, []string{"a", "b", "a", "a", "b"})
	for _, err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, 1, f.calls())
	assert.ElementsMatch(t, []string{"a", "b"}, f.batches[0])
}

func TestLoaderReportsMissingKeysAsNilAndErrorsPerKey(t *testing.T) {
	f := &fakeFetch{}
	values, errs := loadConcurrently(t, f.fetch, []string{"good", "missing1", "bad1", "other"})
	assert.NoError(t, errs[0])
	assert.Equal(t, "value-good", *values[0])
	assert.NoError(t, errs[1])
	assert.Nil(t, values[1], "a missing key is nil, not an error")
	assert.EqualError(t, errs[2], "cannot load bad1")
	assert.NoError(t, errs[3], "one failing key must not fail its neighbours")
	assert.Equal(t, "value-other", *values[3])
}

func TestLoaderFailsEveryKeyOnABatchError(t *testing.T) {
	boom := errors.New("backend down")
	fetch := func(context.Context, []string) ([]*string, error) { return nil, boom }
	_, errs := loadConcurrently(t, fetch, []string{"a", "b", "c"})
	for _, err := range errs {
		assert.ErrorIs(t, err, boom)
	}
}

func TestLoaderRejectsAResultCountThatDoesNotMatchTheKeys(t *testing.T) {
	fetch := func(context.Context, []string) ([]*string, error) { return []*string{nil}, nil }
	_, errs := loadConcurrently(t, fetch, []string{"a", "b"})
	for _, err := range errs {
		assert.ErrorContains(t, err, "returned 1 results for 2 keys")
	}
}

func TestLoaderCapsTheBatchSize(t *testing.T) {
	var calls atomic.Int32
	var largest atomic.Int32
	fetch := func(_ context.Context, keys []string) ([]int, error) {
		calls.Add(1)
		if n := int32(len(keys)); n > largest.Load() {
			largest.Store(n)
		}
		return make([]int, len(keys)), nil
	}
	l := newLoader("test", fetch, Options{Idle: 5 * time.Millisecond, MaxWait: time.Second, MaxBatch: 10})
	thunks := make([]func() (int, error), 35)
	for i := range thunks {
		thunks[i] = l.Load(context.Background(), fmt.Sprint(i))
	}
	for _, th := range thunks {
		_, err := th()
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, largest.Load(), int32(10))
	assert.GreaterOrEqual(t, calls.Load(), int32(4))
}

func TestPrimedUsersCostNoBackendCall(t *testing.T) {
	calls := 0
	l := &Loaders{UserByID: newLoader("test", func(ctx context.Context, ids []string) ([]*directory.User, error) {
		calls++
		return make([]*directory.User, len(ids)), nil
	}, DefaultOptions)}
	ctx := context.Background()
	u := &directory.User{ID: "usr_1"}
	l.PrimeUsers(ctx, u, nil)
	got, err := l.UserByID.Load(ctx, "usr_1")()
	require.NoError(t, err)
	assert.Same(t, u, got)
	assert.Zero(t, calls)
}

func TestForWithoutMiddlewarePanicsWithAHint(t *testing.T) {
	assert.PanicsWithValue(t, "loaders: no loaders in context; wrap the handler with loaders.Middleware", func() {
		For(context.Background())
	})
}

func TestBatchLeavesWhenKeysStopArriving(t *testing.T) {
	var batches atomic.Int32
	fetch := func(_ context.Context, keys []string) ([]int, error) {
		batches.Add(1)
		return make([]int, len(keys)), nil
	}
	// Keys trickle in every 2 ms for 40 ms: far longer than the idle gap would allow if it
	// were a fixed window, yet they all belong to one level and must make one batch.
	const idle = 10 * time.Millisecond
	// A loaded machine can stall this goroutine past the idle gap between two keys, and the
	// batch then rightly leaves: such a trial proves nothing and is run again. Only a trial
	// whose keys all came within the gap is judged.
	for trial := 1; ; trial++ {
		batches.Store(0)
		l := newLoader("test", fetch, Options{Idle: idle, MaxWait: time.Second, MaxBatch: 1000})
		var thunks []func() (int, error)
		var widest time.Duration
		last := time.Now()
		for i := range 20 {
			if i > 0 {
				widest = max(widest, time.Since(last))
			}
			last = time.Now()
			thunks = append(thunks, l.Load(context.Background(), fmt.Sprint(i)))
			time.Sleep(2 * time.Millisecond)
		}
		for _, th := range thunks {
			_, err := th()
			require.NoError(t, err)
		}
		if widest >= idle*3/4 {
			require.Less(t, trial, 20, "every trial had a gap of %s or more between two keys", idle*3/4)
			t.Logf("trial %d: %s between two keys, longer than the test can judge; again", trial, widest)
			continue
		}
		assert.Equal(t, int32(1), batches.Load())
		return
	}
}

func TestMaxWaitBoundsABatchThatNeverGoesIdle(t *testing.T) {
	var batches atomic.Int32
	fetch := func(_ context.Context, keys []string) ([]int, error) {
		batches.Add(1)
		return make([]int, len(keys)), nil
	}
	l := newLoader("test", fetch, Options{Idle: 50 * time.Millisecond, MaxWait: 20 * time.Millisecond, MaxBatch: 1000})
	start := time.Now()
	var thunks []func() (int, error)
	for i := 0; time.Since(start) < 100*time.Millisecond; i++ {
		thunks = append(thunks, l.Load(context.Background(), fmt.Sprint(i)))
		time.Sleep(time.Millisecond)
	}
	for _, th := range thunks {
		_, err := th()
		require.NoError(t, err)
	}
	assert.GreaterOrEqual(t, batches.Load(), int32(3), "a steady stream is cut at MaxWait")
}

func TestLoaderRejectsPerKeyErrorsWithTooFewResults(t *testing.T) {
	fetch := func(_ context.Context, keys []string) ([]*string, error) {
		return nil, make(directory.KeyErrors, len(keys))
	}
	_, errs := loadConcurrently(t, fetch, []string{"a", "b"})
	for _, err := range errs {
		assert.ErrorContains(t, err, "returned 0 results for 2 keys")
	}
}

func TestLoadManyBatchesWithSingleLoads(t *testing.T) {
	f := &fakeFetch{}
	l := newLoader("test", f.fetch, Options{Idle: 5 * time.Millisecond, MaxWait: time.Second})
	many := l.LoadMany(context.Background(), []string{"a", "bad1", "missing"})
	one := l.Load(context.Background(), "c")
	values, errs := many()
	_, err := one()
	require.NoError(t, err)
	assert.Equal(t, 1, f.calls(), "LoadMany and Load share one batch")
	assert.Equal(t, "value-a", *values[0])
	assert.EqualError(t, errs[1], "cannot load bad1")
	assert.Nil(t, values[2])
	assert.NoError(t, errs[2])
}
