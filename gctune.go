package main

import (
	"log/slog"
	"runtime/debug"
)

// defaultGCPercent is the collector's target when the operator sets neither GOGC nor
// GOMEMLIMIT. A GraphQL response is built as a tree of small objects that stays live until
// it is written, and gqlgen parks a goroutine per list element and resolver while the
// loaders wait, so a large query keeps a large heap and many stacks alive: at the runtime's
// default (100) the deep members query at 1,000 members collected two to three times per
// request, each time marking that tree and those stacks again. Measured in
// docs/benchmarks.md ("Execution cost per request").
const defaultGCPercent = 400

// tuneGC sets defaultGCPercent unless GOGC or GOMEMLIMIT is set (the runtime has then read
// it already), and says which setting is in force.
func tuneGC(getenv func(string) string, log *slog.Logger) {
	if gogc, limit := getenv("GOGC"), getenv("GOMEMLIMIT"); gogc != "" || limit != "" {
		log.Info("garbage collector set by the environment", "GOGC", gogc, "GOMEMLIMIT", limit)
		return
	}
	debug.SetGCPercent(defaultGCPercent)
	log.Info("garbage collector", "GOGC", defaultGCPercent, "override", "set GOGC or GOMEMLIMIT")
}
