package main

import (
	"bytes"
	"fmt"
	"log/slog"
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

func TestTuneGCSetsTheDefaultOnlyWhenTheOperatorDidNot(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	for _, tc := range []struct {
		name string
		env  map[string]string
		want int
		log  string
	}{
		{"unset", nil, defaultGCPercent, fmt.Sprintf("GOGC=%d", defaultGCPercent)},
		{"GOGC set", map[string]string{"GOGC": "150"}, 100, "GOGC=150"},
		{"GOMEMLIMIT set", map[string]string{"GOMEMLIMIT": "1GiB"}, 100, "GOMEMLIMIT=1GiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			var logs bytes.Buffer
			tuneGC(func(k string) string { return tc.env[k] }, slog.New(slog.NewTextHandler(&logs, nil)))
			assert.Equal(t, tc.want, gcPercent())
			assert.Contains(t, logs.String(), tc.log)
		})
	}
}
