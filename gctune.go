package main

import (
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// defaultGCPercent is the collector's target when the operator sets neither GOGC nor
// GOMEMLIMIT. A GraphQL response is built as a tree of small objects that stays live until
// it is written, and gqlgen parks a goroutine per list element and resolver while the
// loaders wait, so a large query keeps a large heap and many stacks alive: at the runtime's
// default (100) the deep members query at 1,000 members collected two to three times per
// request, each time marking that tree and those stacks again. 400 cut its CPU by a third
// and about doubled the process's peak memory (docs/benchmarks.md, "Execution cost per
// request").
const defaultGCPercent = 400

// containerShare is the part of a container's memory limit given to the Go runtime as its
// soft limit when the operator set none: the collector then works harder near the limit
// instead of letting the larger GOGC run the process out of memory.
const containerShare = 0.75

// cgroupMemoryFiles hold a container's memory limit: cgroup v2, then v1.
var cgroupMemoryFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// tuneGC sets defaultGCPercent, and a soft memory limit inside a container with a memory
// limit, unless GOGC or GOMEMLIMIT is set (the runtime has then read it already). It
// returns the setting in force as log attributes, which the server logs once it listens
// (a server that cannot start says only why).
func tuneGC(getenv func(string) string, readFile func(string) ([]byte, error)) []slog.Attr {
	if gogc, limit := getenv("GOGC"), getenv("GOMEMLIMIT"); gogc != "" || limit != "" {
		return []slog.Attr{slog.Group("gc", "GOGC", gogc, "GOMEMLIMIT", limit, "set_by", "environment")}
	}
	debug.SetGCPercent(defaultGCPercent)
	attrs := []any{"GOGC", defaultGCPercent}
	if limit := containerMemory(readFile); limit > 0 {
		soft := int64(float64(limit) * containerShare)
		debug.SetMemoryLimit(soft)
		attrs = append(attrs, "GOMEMLIMIT", soft, "container_memory", limit)
	}
	return []slog.Attr{slog.Group("gc", append(attrs, "set_by", "usergraph (set GOGC or GOMEMLIMIT to choose)")...)}
}

// containerMemory is the memory limit of the process's cgroup, or 0 when there is none
// (cgroup v2 says "max", v1 a number near the largest int64).
func containerMemory(readFile func(string) ([]byte, error)) int64 {
	for _, name := range cgroupMemoryFiles {
		b, err := readFile(name)
		if err != nil {
			continue
		}
		n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
		if err != nil || n <= 0 || n >= math.MaxInt64/2 {
			return 0
		}
		return n
	}
	return 0
}
