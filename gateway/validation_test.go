package gateway

import (
	"context"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/usergraph/usergraph/graph"
)

func newTestValidation(t *testing.T) (*validation, *lru.LRU[*ast.QueryDocument]) {
	t.Helper()
	cache := lru.New[*ast.QueryDocument](10)
	return newValidation(NewExecutableSchema(&graph.Resolver{}).Schema(), cache), cache
}

func parse(t *testing.T, query string) *ast.QueryDocument {
	t.Helper()
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	require.NoError(t, err)
	return doc
}

func TestValidationCachesValidDocumentsAndReportsEveryError(t *testing.T) {
	v, cache := newTestValidation(t)
	ctx := context.Background()

	const valid = `{ viewer { id } }`
	require.Nil(t, v.run(ctx, valid, parse(t, valid)))
	_, ok := cache.Get(ctx, valid)
	assert.True(t, ok, "gqlgen finds the valid document validated")

	const invalid = `{ viewer { nope alsoNope } }`
	ctx, all := withValidationErrors(ctx)
	err := v.run(ctx, invalid, parse(t, invalid))
	require.NotNil(t, err)
	assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", err.Extensions["code"])
	assert.Len(t, *all, 2)
	_, ok = cache.Get(ctx, invalid)
	assert.False(t, ok, "an invalid document is not cached")
}

// A validation that outlives the request's deadline is abandoned by the request, which is
// answered SERVER_BUSY at its deadline; the abandoned validations keep their turns until
// they end, so that they cannot pile up: a request that finds no turn waits, and is busy too.
func TestValidationEndsAtTheRequestDeadlineAndAbandonedOnesKeepTheirTurns(t *testing.T) {
	v, cache := newTestValidation(t)
	release := make(chan struct{})
	started := make(chan struct{}, cap(v.turns)+1)
	v.validate = func(*ast.Schema, *ast.QueryDocument) gqlerror.List {
		started <- struct{}{}
		<-release
		return nil
	}
	const query = `{ viewer { id } }`
	for range cap(v.turns) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		err := v.run(ctx, query, parse(t, query))
		cancel()
		require.NotNil(t, err)
		assert.Equal(t, CodeServerBusy, err.Extensions["code"])
		<-started
	}
	_, ok := cache.Get(context.Background(), query)
	assert.False(t, ok)

	// Every turn is held by an abandoned validation: the next one does not start.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	err := v.run(ctx, query, parse(t, query))
	cancel()
	require.NotNil(t, err)
	assert.Equal(t, CodeServerBusy, err.Extensions["code"])
	select {
	case <-started:
		t.Fatal("a validation started beyond the turns")
	default:
	}

	// Once they end, validation runs again.
	close(release)
	require.Nil(t, v.run(context.Background(), query, parse(t, query)))
}
