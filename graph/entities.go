package graph

import (
	"context"
	"strings"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/loaders"
)

// The federation entity resolvers (entity.resolvers.go) run one per representation, in
// goroutines that gqlgen's generated _entities starts together; they load through the
// request's loaders, so a router's 100 user representations cost one backend batch, and
// through the guarded directory, so what the caller may not see is null as in node(id:).

// userByEmail is the one lookup by email of Query.user and the User entity: emails match
// case-insensitively (the store's rule), around surrounding spaces.
func userByEmail(ctx context.Context, email string) (*directory.User, error) {
	return loaders.For(ctx).UserByEmail.Load(ctx, strings.TrimSpace(email))()
}

// SetEntitiesComplexity prices Query._entities. gqlgen names its complexity hook with a
// leading underscore, which Go leaves unexported: the gateway's cost model sets it here.
func (c *ComplexityRoot) SetEntitiesComplexity(cost func(childComplexity int, representations []map[string]any) int) {
	c.Query.__resolve_entities = cost
}
