package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// fieldHooks runs the gateway's field interceptors — the loaders' dispatcher, tracing and
// the federation root check — as one gqlgen extension. gqlgen calls every field
// interceptor for every field of the response (about 6,000 in the deep members query), and
// each one costs a closure allocation and a few stack frames per field, in goroutines
// that start with small stacks; profiled, that stack growth was a sixth of the request's
// CPU (docs/benchmarks.md, "Execution cost per request"). Most fields are plain data under
// an object other than Query: of the three hooks only the dispatcher's count concerns
// them, so they pass through that one alone; resolvers below Query skip the entity check.
// Query's fields pass through all three. The order is the one they were installed in
// before (dispatch, tracing, entity check), and each hook still decides for itself what
// it does with a field.
type fieldHooks struct {
	dispatch graphql.FieldInterceptor
	tracing  graphql.FieldInterceptor
	entities interface {
		graphql.FieldInterceptor
		Validate(graphql.ExecutableSchema) error
	}
}

var (
	_ graphql.HandlerExtension = fieldHooks{}
	_ graphql.FieldInterceptor = fieldHooks{}
)

func (fieldHooks) ExtensionName() string { return "FieldHooks" }

// Validate prepares the entity check, which needs the schema's @key directives.
func (h fieldHooks) Validate(schema graphql.ExecutableSchema) error {
	return h.entities.Validate(schema)
}

// InterceptField implements graphql.FieldInterceptor.
func (h fieldHooks) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	// Tracing makes spans for resolvers only; the entity check looks at Query's fields only.
	fc := graphql.GetFieldContext(ctx)
	switch {
	case fc != nil && fc.Object != "Query" && !fc.IsResolver:
		return h.dispatch.InterceptField(ctx, next)
	case fc != nil && fc.Object != "Query":
		return h.dispatch.InterceptField(ctx, func(ctx context.Context) (any, error) {
			return h.tracing.InterceptField(ctx, next)
		})
	}
	return h.dispatch.InterceptField(ctx, func(ctx context.Context) (any, error) {
		return h.tracing.InterceptField(ctx, func(ctx context.Context) (any, error) {
			return h.entities.InterceptField(ctx, next)
		})
	})
}

// withoutFieldHook installs an extension's operation and response hooks but not its field
// hook, which fieldHooks runs.
type withoutFieldHook struct {
	graphql.HandlerExtension
}

var (
	_ graphql.OperationInterceptor = withoutFieldHook{}
	_ graphql.ResponseInterceptor  = withoutFieldHook{}
)

// InterceptOperation runs the extension's operation hook, if it has one.
func (w withoutFieldHook) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if h, ok := w.HandlerExtension.(graphql.OperationInterceptor); ok {
		return h.InterceptOperation(ctx, next)
	}
	return next(ctx)
}

// InterceptResponse runs the extension's response hook, if it has one.
func (w withoutFieldHook) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if h, ok := w.HandlerExtension.(graphql.ResponseInterceptor); ok {
		return h.InterceptResponse(ctx, next)
	}
	return next(ctx)
}
