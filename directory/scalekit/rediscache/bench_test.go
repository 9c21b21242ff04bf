package rediscache_test

import (
	"testing"
	"time"

	"github.com/usergraph/usergraph/directory/scalekit/rediscache"
	"github.com/usergraph/usergraph/directory/scalekit/redistest"
)

func benchStore(b *testing.B, r *redistest.Server) *rediscache.Store {
	b.Helper()
	s, err := rediscache.New(ctx, rediscache.Options{URL: r.URL(), Timeout: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	if !s.Available() {
		b.Fatal("Redis does not answer")
	}
	return s
}

// A warm version read, as every cached read does: answered from memory until Redis pushes
// an invalidation.
func BenchmarkVersionsWarm(b *testing.B) {
	s := benchStore(b, redistest.Start(b))
	s.Versions(ctx, "user:usr_1", "*")
	b.ResetTimer()
	for b.Loop() {
		if _, _, ok := s.Versions(ctx, "user:usr_1", "*"); !ok {
			b.Fatal("Redis went away")
		}
	}
}

// The bump on one replica until another replica reads the new version: the Redis round
// trip of the INCR plus the trip of Redis's push (the freshness bound across replicas).
func BenchmarkBumpSeenByAnotherReplica(b *testing.B) {
	r := redistest.Start(b)
	writer, reader := benchStore(b, r), benchStore(b, r)
	var lag time.Duration
	for b.Loop() {
		before, _, _ := reader.Versions(ctx, "user:usr_1")
		writer.Bump(ctx, "user:usr_1")
		bumped := time.Now()
		for {
			v, _, ok := reader.Versions(ctx, "user:usr_1")
			if !ok {
				b.Fatal("Redis went away")
			}
			if v[0] > before[0] {
				break
			}
		}
		lag += time.Since(bumped)
	}
	b.ReportMetric(float64(lag.Nanoseconds())/float64(b.N), "ns-push-lag/op")
}
