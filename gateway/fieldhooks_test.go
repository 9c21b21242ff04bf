package gateway

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hookRecorder is a field hook that notes its name and passes the field on.
type hookRecorder struct {
	name  string
	calls *[]string
}

func (h hookRecorder) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	*h.calls = append(*h.calls, h.name)
	return next(ctx)
}

func (hookRecorder) Validate(graphql.ExecutableSchema) error { return nil }

// TestFieldHooksSkipOnlyWhatCannotConcernAField: plain fields below Query pass through the
// dispatcher alone, resolvers below Query skip the entity check, and Query's fields pass
// through all three hooks, in their order.
func TestFieldHooksSkipOnlyWhatCannotConcernAField(t *testing.T) {
	var calls []string
	hooks := fieldHooks{
		dispatch: hookRecorder{"dispatch", &calls},
		tracing:  hookRecorder{"tracing", &calls},
		entities: hookRecorder{"entities", &calls},
	}
	for _, tc := range []struct {
		name string
		fc   graphql.FieldContext
		want []string
	}{
		{"plain field", graphql.FieldContext{Object: "Role"}, []string{"dispatch"}},
		{"method", graphql.FieldContext{Object: "Role", IsMethod: true}, []string{"dispatch"}},
		{"resolver", graphql.FieldContext{Object: "Membership", IsResolver: true}, []string{"dispatch", "tracing"}},
		{"Query field", graphql.FieldContext{Object: "Query"}, []string{"dispatch", "tracing", "entities"}},
		{"Query resolver", graphql.FieldContext{Object: "Query", IsResolver: true}, []string{"dispatch", "tracing", "entities"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls = nil
			fc := tc.fc
			res, err := hooks.InterceptField(graphql.WithFieldContext(context.Background(), &fc), func(context.Context) (any, error) {
				calls = append(calls, "resolver")
				return "value", nil
			})
			require.NoError(t, err)
			assert.Equal(t, "value", res)
			assert.Equal(t, append(tc.want, "resolver"), calls)
		})
	}
}
