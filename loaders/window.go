package loaders

import (
	"context"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// Loader is a dataloader whose batch window closes when keys stop arriving, not after a
// fixed time. gqlgen asks for the keys of one list level from concurrent goroutines whose
// start-up spreads over a time that grows with the list and with the machine's load (about
// 1.3 ms for 100 members on two busy cores): a fixed window short enough for a one-key level
// splits a long level into several backend calls, and one long enough for every level
// makes each level wait for nothing.
//
// So the library's own window (dataloader.WithWait) is set to MaxWait, the upper bound, and
// each Load restarts an idle timer; when no key has arrived for Idle, the batch is flushed
// through the library's Flush. Batching, caching and result delivery stay the library's.
//
// While the request's tracker counts its fields (see dispatch.go), the tracker dispatches
// the batch and the idle timer is not armed; the library's MaxWait remains the bound.
type Loader[K comparable, V any] struct {
	*dataloader.Loader[K, V]
	idle    time.Duration
	tracker *tracker
	id      int

	mu    sync.Mutex
	timer *time.Timer
}

// newWindowed builds loader number id of tr's request (tr may be nil: no counting).
func newWindowed[K comparable, V any](batchFn dataloader.BatchFunc[K, V], opts Options, tr *tracker, id int, extra ...dataloader.Option[K, V]) *Loader[K, V] {
	if tr != nil {
		inner := batchFn
		batchFn = func(ctx context.Context, keys []K) []*dataloader.Result[V] {
			defer tr.answered(id, anyKeys(keys))
			return inner(ctx, keys)
		}
	}
	options := append([]dataloader.Option[K, V]{
		dataloader.WithWait[K, V](opts.MaxWait),
		dataloader.WithBatchCapacity[K, V](opts.MaxBatch),
	}, extra...)
	return &Loader[K, V]{Loader: dataloader.NewBatchedLoader(batchFn, options...), idle: opts.Idle, tracker: tr, id: id}
}

// Load asks for one key; the returned thunk blocks until its batch has been answered.
func (l *Loader[K, V]) Load(ctx context.Context, key K) dataloader.Thunk[V] {
	thunk := l.Loader.Load(ctx, key)
	l.touch()
	task := taskFrom(ctx)
	if task == nil || l.tracker == nil {
		return thunk
	}
	return func() (V, error) {
		l.tracker.wait(task, l.id, key)
		return thunk()
	}
}

// LoadMany asks for several keys at once. It goes through Load key by key rather than the
// library's LoadMany, whose per-key goroutines could reach the batch only after the idle
// timer fired and then wait for MaxWait.
func (l *Loader[K, V]) LoadMany(ctx context.Context, keys []K) func() ([]V, []error) {
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Loader.Load(ctx, k)
	}
	if len(keys) > 0 {
		l.touch()
	}
	task := taskFrom(ctx)
	return func() ([]V, []error) {
		if task != nil && l.tracker != nil {
			l.tracker.wait(task, l.id, anyKeys(keys)...)
		}
		values := make([]V, len(keys))
		var errs []error
		for i, th := range thunks {
			var err error
			if values[i], err = th(); err != nil {
				if errs == nil {
					errs = make([]error, len(keys))
				}
				errs[i] = err
			}
		}
		return values, errs
	}
}

// touch restarts the idle timer. A flush with nothing pending is a no-op in the library, so
// a timer that fires after the batch already left (full, or MaxWait) costs nothing.
func (l *Loader[K, V]) touch() {
	if l.tracker != nil && l.tracker.isCounting() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.timer == nil {
		l.timer = time.AfterFunc(l.idle, l.Loader.Flush)
		return
	}
	l.timer.Reset(l.idle)
}

// Prime caches value for key; a field reading it does not wait.
func (l *Loader[K, V]) Prime(ctx context.Context, key K, value V) {
	l.Loader.Prime(ctx, key, value)
	if l.tracker != nil {
		l.tracker.answered(l.id, []any{key})
	}
}

// ClearAll empties the cache; its keys will be fetched, and waited for, again.
func (l *Loader[K, V]) ClearAll() {
	l.Loader.ClearAll()
	if l.tracker != nil {
		l.tracker.forget(l.id)
	}
}

func anyKeys[K comparable](keys []K) []any {
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}
