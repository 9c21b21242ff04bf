package scalekit

import (
	"context"
	"testing"
	"time"
)

func TestLimiterGrowsToItsCeilingAndHalvesOnOverload(t *testing.T) {
	var seen []int
	l := newLimiter(4, 10, func(n int) { seen = append(seen, n) })
	for range 200 {
		l.observe(20*time.Millisecond, false, 0)
	}
	if l.current() != 10 {
		t.Fatalf("limit %d after fast answers, want the ceiling 10", l.current())
	}
	l.observe(20*time.Millisecond, true, 0) // a 429 or 5xx
	if l.current() != 5 {
		t.Fatalf("limit %d after an overload, want 5", l.current())
	}
	l.observe(20*time.Millisecond, true, 0) // within the cooldown: one cut per burst
	if l.current() != 5 {
		t.Fatalf("limit %d after a second overload in the cooldown, want 5", l.current())
	}
	time.Sleep(limiterCooldown + 10*time.Millisecond)
	l.observe(time.Second, false, 0) // far slower than the fastest answer: congestion
	if l.current() != 2 {
		t.Fatalf("limit %d after a slow answer, want 2", l.current())
	}
	time.Sleep(50 * time.Millisecond) // the cut takes its units back in the background
	// At most limit requests hold a slot: the third waits.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	for i := range 2 {
		if err := l.acquire(ctx); err != nil {
			t.Fatalf("slot %d: %v", i, err)
		}
	}
	if err := l.acquire(ctx); err == nil {
		t.Fatal("a third request got a slot under a limit of 2")
	}
	for range 2 {
		l.release()
	}
	if seen[0] != 4 || seen[len(seen)-1] != 2 {
		t.Errorf("reported limits %v", seen)
	}
}

func TestLimiterWaitsOutRetryAfter(t *testing.T) {
	l := newLimiter(2, 2, func(int) {})
	l.observe(10*time.Millisecond, true, 300*time.Millisecond)
	began := time.Now()
	if err := l.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	l.release()
	if waited := time.Since(began); waited < 250*time.Millisecond {
		t.Errorf("a request went out %s after a Retry-After of 300ms", waited)
	}
}
