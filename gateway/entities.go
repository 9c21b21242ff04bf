package gateway

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// DefaultMaxEntities caps the representations of one _entities call. A router sends one
// call per entity type and plan step, as many representations as the list it completes; a
// list of 1,000 objects is far beyond any page this API serves.
const DefaultMaxEntities = 1000

// entityCost prices _entities like a page of that many objects: every representation is a
// key lookup, even one that selects only __typename.
func entityCost(child int, representations []map[string]any) int {
	return 1 + len(representations)*(1+child)
}

// entityCheck guards the federation root fields. It vets _entities' representations before gqlgen's generated resolution sees
// them: at most max of them, each naming an entity type of the schema with every field of
// one of its keys set. The generated code would skip a representation without __typename
// and answer an unknown type or a missing key with uncoded errors that the presenter must
// mask; here each gets a clear, coded error instead, and nothing is loaded.
type entityCheck struct {
	max int
	// keys holds, per entity type, the field names of each of its @key directives.
	keys map[string][][]string
}

var (
	_ graphql.HandlerExtension = (*entityCheck)(nil)
	_ graphql.FieldInterceptor = (*entityCheck)(nil)
)

func (*entityCheck) ExtensionName() string { return "EntityRepresentationCheck" }

func (c *entityCheck) Validate(schema graphql.ExecutableSchema) error {
	c.keys = map[string][][]string{}
	for name, def := range schema.Schema().Types {
		for _, key := range def.Directives.ForNames("key") {
			fields := key.Arguments.ForName("fields")
			if fields == nil || fields.Value == nil {
				return fmt.Errorf("@key on %s has no fields", name)
			}
			if strings.ContainsAny(fields.Value.Raw, "{}") {
				return fmt.Errorf("@key(fields: %q) on %s: only keys of top-level fields are supported", fields.Value.Raw, name)
			}
			key := strings.Fields(fields.Value.Raw)
			for _, f := range key {
				// problem() accepts only strings as key values: every key must be an ID or String.
				if fd := def.Fields.ForName(f); fd == nil || (fd.Type.Name() != "ID" && fd.Type.Name() != "String") || fd.Type.Elem != nil {
					return fmt.Errorf("@key(fields: %q) on %s: %s is not an ID or String field", fields.Value.Raw, name, f)
				}
			}
			c.keys[name] = append(c.keys[name], key)
		}
	}
	return nil
}

func (c *entityCheck) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Query" {
		return next(ctx)
	}
	switch fc.Field.Name {
	case "_entities":
		return c.entities(ctx, fc, next)
	case "_service":
		// _service { sdl } is introspection: off when introspection is, with a code rather
		// than the generated resolver's uncoded error.
		if graphql.GetOperationContext(ctx).DisableIntrospection {
			return nil, &gqlerror.Error{
				Message:    "introspection is disabled on this server, and _service { sdl } with it",
				Extensions: map[string]any{"code": errcode.ValidationFailed},
			}
		}
	}
	return next(ctx)
}

func (c *entityCheck) entities(ctx context.Context, fc *graphql.FieldContext, next graphql.Resolver) (any, error) {
	reps, _ := fc.Args["representations"].([]map[string]any)
	if len(reps) > c.max {
		return nil, &gqlerror.Error{
			Message:    fmt.Sprintf("_entities takes at most %d representations, not %d", c.max, len(reps)),
			Extensions: map[string]any{"code": CodeComplexityLimitExceeded},
		}
	}
	for i, rep := range reps {
		if msg := c.problem(rep); msg != "" {
			return nil, &gqlerror.Error{
				Message:    fmt.Sprintf("representations[%d]: %s", i, msg),
				Extensions: map[string]any{"code": CodeBadUserInput, "field": []any{"representations", i}},
			}
		}
	}
	return next(ctx)
}

// problem says what is wrong with one representation, or "".
func (c *entityCheck) problem(rep map[string]any) string {
	typename, ok := rep["__typename"].(string)
	if !ok {
		return "__typename must be a string naming an entity type"
	}
	keys, ok := c.keys[typename]
	if !ok {
		return fmt.Sprintf("%q is not an entity type of this subgraph", typename)
	}
	for _, key := range keys {
		if !slices.ContainsFunc(key, func(f string) bool { _, ok := rep[f].(string); return !ok }) {
			return ""
		}
	}
	names := make([]string, len(keys))
	for i, key := range keys {
		names[i] = strings.Join(key, " ")
	}
	return fmt.Sprintf("%s needs a string value for every field of one of its keys (%s)", typename, strings.Join(names, "; "))
}
