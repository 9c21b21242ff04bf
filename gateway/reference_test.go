package gateway_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/loaders"
)

// referenceHandler is the reference GraphQL server (docs/benchmarks.md): plain gqlgen with the
// same schema, resolvers and per-request loaders over the same store, and nothing else —
// no authentication, authorization policy, limits, metrics, tracing or access log. The
// difference to the gateway is what those cost.
func referenceHandler(dir directory.Directory) http.Handler {
	srv := handler.New(gateway.NewExecutableSchema(&graph.Resolver{Directory: dir}))
	srv.AddTransport(transport.POST{})
	return loaders.Middleware(dir, loaders.DefaultOptions)(srv)
}

// BenchmarkAgainstReference runs the same queries from 16 concurrent clients through the
// gateway and through the reference server, over one seeded store with 100 extra members.
func BenchmarkAgainstReference(b *testing.B) {
	e := newEnv(b, true)
	org := withMembers(b, e, 100)
	f := e.fixture()
	ref := *e
	ref.handler = referenceHandler(directory.WithRules(e.dir))
	for _, q := range loadQueries(f.alice, org) {
		for _, server := range []struct {
			name string
			env  *env
		}{{"usergraph", e}, {"reference", &ref}} {
			b.Run(fmt.Sprintf("%s/%s/clients=16", q.name, server.name), func(b *testing.B) { benchLoad(b, server.env, q, 16, 400) })
		}
	}
}
