package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// pacer spaces request starts of all clients together by a fixed interval (-max-rps). A
// pacer that fell behind (the server could not keep up) does not send a burst to catch up:
// the next slot is never earlier than now.
type pacer struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newPacer(maxRPS float64) *pacer {
	if maxRPS <= 0 {
		return nil // closed loop: each client sends as soon as its previous answer arrived
	}
	return &pacer{interval: time.Duration(float64(time.Second) / maxRPS)}
}

// slot reserves the next start time at or after now.
func (p *pacer) slot(now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.next.Before(now) {
		p.next = now
	}
	at := p.next
	p.next = p.next.Add(p.interval)
	return at
}

// wait blocks until the caller's slot; false when ctx ended first.
func (p *pacer) wait(ctx context.Context) bool {
	if p == nil {
		return ctx.Err() == nil
	}
	d := time.Until(p.slot(time.Now()))
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// generate runs the clients through the warm-up and the measured window, samples the
// server's memory every second when pid is known, and returns the figures.
func generate(ctx context.Context, c *http.Client, t target, cfg config, wl *workload, pid int) (summary, error) {
	seconds := int(cfg.duration / time.Second)
	begin := time.Now()
	start := begin.Add(cfg.warmup)
	end := start.Add(cfg.duration)
	rec := newRecorder(start, seconds)
	pace := newPacer(cfg.maxRPS)

	// issuing ends at the end of the window; requests then in flight are left to finish on
	// ctx (not cancelled: a cancelled request would count as a failure that the server did
	// not cause), and their answers are counted as late.
	issuing, stopIssuing := context.WithDeadline(ctx, end)
	defer stopIssuing()

	var wg sync.WaitGroup
	for client := range cfg.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; pace.wait(issuing); i++ {
				req := wl.next(client, i)
				sent := time.Now()
				status, body, err := post(ctx, c, t, req.body)
				done := time.Now()
				if ctx.Err() != nil {
					return // interrupted: the run is abandoned, this is not the server's failure
				}
				failure := ""
				if err != nil {
					failure = "transport: " + transportError(err)
				} else {
					failure = judge(status, body)
				}
				rec.add(req.kind, sent, done, failure)
			}
		}()
	}

	// Memory and CPU are read on the second boundaries of the window, from this goroutine,
	// so that a slow /proc read delays a sample, not the load.
	memoryMeasured := false
	var serverCPU0, selfCPU0 float64 = -1, -1
	if pid > 0 {
		if _, err := readRSS(pid); err == nil {
			memoryMeasured = true
		}
	}
	sleepUntil(ctx, start)
	if pid > 0 {
		serverCPU0, _ = readCPUSeconds(pid)
	}
	before, countErr := readCounters(ctx, c, t, cfg)
	selfCPU0, _ = readCPUSeconds(0)
	for i := 1; i <= seconds && ctx.Err() == nil; i++ {
		if !sleepUntil(ctx, start.Add(time.Duration(i)*time.Second)) {
			break
		}
		if memoryMeasured {
			if rss, err := readRSS(pid); err == nil {
				rec.setRSS(i-1, rss)
			}
		}
	}
	var serverCPU1 float64
	var serverErr error = errors.New("no server process")
	if pid > 0 {
		serverCPU1, serverErr = readCPUSeconds(pid)
	}
	selfCPU1, selfErr := readCPUSeconds(0)
	after, err := readCounters(ctx, c, t, cfg)
	if countErr == nil {
		countErr = err
	}

	wg.Wait()
	if ctx.Err() != nil {
		return summary{}, errors.New("interrupted")
	}
	s := rec.summarize(memoryMeasured)
	s.kindOrder, s.users, s.orgs = wl.kinds, wl.users, wl.orgs
	if serverErr == nil && serverCPU0 >= 0 {
		s.serverCPUSeconds = serverCPU1 - serverCPU0
	}
	if selfErr == nil && selfCPU0 >= 0 {
		s.loadtestCPUSeconds = selfCPU1 - selfCPU0
	}
	if countErr != nil {
		return s, countErr
	}
	s.counted = after.minus(before)
	return s, nil
}

// sleepUntil waits for t; false when ctx ended first.
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-timer.C:
		return true
	}
}

// transportError shortens a client error to its kind: the URL in it is the same for every
// request and would make each message distinct only by noise.
func transportError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return truncate(err.Error(), 80)
}
