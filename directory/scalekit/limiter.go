package scalekit

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// limiter is an AIMD limit on requests in flight: it starts at start, grows by one per
// limit's worth of fast answers (additive increase) up to ceiling (SCALEKIT_CONCURRENCY),
// and halves (multiplicative decrease, at most once per cooldown) on 429, 5xx, a timeout or
// an answer much slower than the fastest seen; a Retry-After also holds new requests back
// until it has passed. The slots are a semaphore of ceiling units of which the limiter itself
// holds ceiling − limit.
type limiter struct {
	sem     *semaphore.Weighted
	ceiling int
	onLimit func(int)

	mu         sync.Mutex
	limit      int
	reserved   int     // units the limiter holds (acquired)
	forgiven   int     // units of a cut still being acquired that an increase gave back
	credit     float64 // fast answers since the last increase, in units of 1/limit
	lastCut    time.Time
	fastest    time.Duration // lowest latency seen: the uncongested round trip
	pauseUntil time.Time
}

const (
	limiterCooldown = 250 * time.Millisecond
	// slowFactor: an answer this many times the fastest one (plus slowSlack) means queueing
	// at Scalekit or on the way.
	slowFactor = 4
	slowSlack  = 50 * time.Millisecond
)

func newLimiter(start, ceiling int, onLimit func(int)) *limiter {
	start = max(1, min(start, ceiling))
	l := &limiter{sem: semaphore.NewWeighted(int64(ceiling)), ceiling: ceiling, limit: start, onLimit: onLimit}
	if held := ceiling - start; held > 0 {
		_ = l.sem.Acquire(context.Background(), int64(held)) // free at construction: never blocks
		l.reserved = held
	}
	onLimit(start)
	return l
}

// acquire waits for a slot (and for a Retry-After pause to pass).
func (l *limiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	wait := time.Until(l.pauseUntil)
	l.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		case <-t.C:
		}
	}
	return l.sem.Acquire(ctx, 1)
}

func (l *limiter) release() { l.sem.Release(1) }

// observe feeds one answer back: its latency and whether it signalled overload.
func (l *limiter) observe(latency time.Duration, overloaded bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if retryAfter > 0 {
		if until := time.Now().Add(retryAfter); until.After(l.pauseUntil) {
			l.pauseUntil = until
		}
	}
	if !overloaded {
		if l.fastest == 0 || latency < l.fastest {
			l.fastest = latency
		}
		overloaded = latency > slowFactor*l.fastest+slowSlack
	}
	if overloaded {
		if time.Since(l.lastCut) < limiterCooldown || l.limit == 1 {
			return
		}
		l.lastCut = time.Now()
		cut := l.limit - max(1, l.limit/2)
		l.limit -= cut
		l.credit = 0
		// Taking the units back waits for requests in flight to finish; new ones queue
		// behind it, which is the point.
		go func() {
			_ = l.sem.Acquire(context.Background(), int64(cut))
			l.mu.Lock()
			defer l.mu.Unlock()
			l.reserved += cut
			if n := min(l.forgiven, cut); n > 0 {
				l.forgiven -= n
				l.reserved -= n
				l.sem.Release(int64(n))
			}
		}()
		l.onLimit(l.limit)
		return
	}
	if l.limit >= l.ceiling {
		return
	}
	l.credit += 1 / float64(l.limit)
	if l.credit >= 1 {
		l.credit = 0
		l.limit++
		if l.reserved > 0 {
			l.reserved--
			l.sem.Release(1)
		} else {
			l.forgiven++ // the cut that holds it has not got it yet
		}
		l.onLimit(l.limit)
	}
}

// current is the limit now.
func (l *limiter) current() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limit
}
