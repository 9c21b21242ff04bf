package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

// gcPercent reads the collector's target without changing it.
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// files serves the named contents and fails for any other name.
func files(contents map[string]string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if c, ok := contents[name]; ok {
			return []byte(c), nil
		}
		return nil, errors.New("no such file")
	}
}

func TestTuneGCSetsTheDefaultOnlyWhenTheOperatorDidNot(t *testing.T) {
	before, beforeLimit := debug.SetGCPercent(100), debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetGCPercent(before); debug.SetMemoryLimit(beforeLimit) })
	const gib = 1 << 30
	for _, tc := range []struct {
		name      string
		env       map[string]string
		files     map[string]string
		wantGC    int
		wantLimit int64
		log       string
	}{
		{"unset, no container", nil, nil, defaultGCPercent, math.MaxInt64, fmt.Sprintf("gc.GOGC=%d", defaultGCPercent)},
		{"unset, cgroup v2 without a limit", nil, map[string]string{"/sys/fs/cgroup/memory.max": "max\n"}, defaultGCPercent, math.MaxInt64, "GOGC=400"},
		{"unset, cgroup v2 limit", nil, map[string]string{"/sys/fs/cgroup/memory.max": "2147483648\n"}, defaultGCPercent, 2 * gib * 3 / 4, "GOMEMLIMIT=1610612736"},
		{"unset, cgroup v1 limit", nil, map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "1073741824\n"}, defaultGCPercent, gib * 3 / 4, "container_memory=1073741824"},
		{"unset, cgroup v1 unlimited", nil, map[string]string{"/sys/fs/cgroup/memory/memory.limit_in_bytes": "9223372036854771712\n"}, defaultGCPercent, math.MaxInt64, "GOGC=400"},
		{"GOGC set", map[string]string{"GOGC": "150"}, map[string]string{"/sys/fs/cgroup/memory.max": "2147483648"}, 100, math.MaxInt64, "GOGC=150"},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, nil, 100, math.MaxInt64, "GOMEMLIMIT=1GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			debug.SetMemoryLimit(math.MaxInt64)
			var logs bytes.Buffer
			attrs := tuneGC(func(k string) string { return tc.env[k] }, files(tc.files))
			slog.New(slog.NewTextHandler(&logs, nil)).LogAttrs(context.Background(), slog.LevelInfo, "listening", attrs...)
			assert.Equal(t, tc.wantGC, gcPercent())
			assert.Equal(t, tc.wantLimit, debug.SetMemoryLimit(-1))
			assert.Contains(t, logs.String(), tc.log)
		})
	}
}
