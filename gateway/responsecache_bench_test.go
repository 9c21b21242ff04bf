package gateway_test

import (
	"testing"
	"time"

	"github.com/usergraph/usergraph/gateway"
)

// BenchmarkResponseCache measures the deep members query (100 members) on the fake Scalekit
// with the entity cache warm, with and without the response cache: what reusing a whole
// answer saves over running every resolver on cached entities.
func BenchmarkResponseCache(b *testing.B) {
	for _, reuse := range []bool{false, true} {
		name := "entity-cache-only"
		opts := []envOption{func(c *gateway.Config) { c.ResponseCache = gateway.ResponseCacheConfig{} }}
		if reuse {
			name, opts = "with-response-cache", nil
		}
		b.Run(name+"/deep-members=100", func(b *testing.B) {
			e, _ := newScalekitEnv(b, true, cachedFor(time.Hour), opts...)
			org := withMembers(b, e, 100)
			doc, vars := deepMembersQuery(b, e, org, 100)
			measureCost(b, e, doc, vars)
		})
	}
}
