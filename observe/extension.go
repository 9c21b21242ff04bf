package observe

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// operation describes the GraphQL operation of a context.
type operation struct {
	name  string    // as sent or as named in the document; "" when anonymous
	typ   string    // query, mutation, subscription, or UnknownType
	start time.Time // when the request started (gqlgen's OperationStart)
}

func operationOf(ctx context.Context) operation {
	op := operation{typ: UnknownType}
	if !graphql.HasOperationContext(ctx) {
		op.start = time.Now()
		return op
	}
	opCtx := graphql.GetOperationContext(ctx)
	op.name = opCtx.OperationName
	if opCtx.Operation != nil {
		if op.name == "" {
			op.name = opCtx.Operation.Name
		}
		op.typ = string(opCtx.Operation.Operation)
	}
	op.start = opCtx.Stats.OperationStart
	if op.start.IsZero() {
		op.start = time.Now()
	}
	return op
}

// streams reports whether the operation may yield several responses.
func (op operation) streams() bool { return op.typ == string(ast.Subscription) }

// errorCode is an error's extensions.code, or "".
func errorCode(err *gqlerror.Error) string {
	if err == nil {
		return ""
	}
	code, _ := err.Extensions["code"].(string)
	return code
}

// oneOperation calls done once when an operation's last response has been produced: after
// the first response of a query or mutation, after the end of a subscription's stream.
// each sees every response on the way.
func oneOperation(op operation, responses graphql.ResponseHandler, each func(*graphql.Response), done func()) graphql.ResponseHandler {
	var finished atomic.Bool
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if resp != nil {
			each(resp)
		}
		if (resp == nil || !op.streams()) && finished.CompareAndSwap(false, true) {
			done()
		}
		return resp
	}
}

// Extension returns the gqlgen extension that counts operations, their durations and the
// error codes of their responses. Requests refused before any operation ran (parse and
// validation failures, limits enforced while preparing the operation) are counted too, with
// the type "unknown" when no operation could be chosen.
func (m *Metrics) Extension() graphql.HandlerExtension {
	if m == nil {
		return noopExtension{}
	}
	return metricsExtension{m}
}

type metricsExtension struct{ m *Metrics }

var (
	_ graphql.HandlerExtension     = metricsExtension{}
	_ graphql.OperationInterceptor = metricsExtension{}
	_ graphql.ResponseInterceptor  = metricsExtension{}
)

func (metricsExtension) ExtensionName() string                   { return "ObserveMetrics" }
func (metricsExtension) Validate(graphql.ExecutableSchema) error { return nil }

// metricsMarker tells the response interceptor that an operation interceptor already
// accounts for this response.
type metricsMarker struct{}

func (e metricsExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := operationOf(ctx)
	responses := next(context.WithValue(ctx, metricsMarker{}, true))
	return oneOperation(op, responses,
		func(resp *graphql.Response) { e.m.countErrors(resp.Errors) },
		func() { e.m.observeOperation(op) })
}

// InterceptResponse accounts for the responses that no operation produced: gqlgen answers
// a request refused while preparing its operation with a response that only passes here.
func (e metricsExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ctx.Value(metricsMarker{}) != nil || resp == nil {
		return resp
	}
	e.m.countErrors(resp.Errors)
	e.m.observeOperation(operationOf(ctx))
	return resp
}

func (m *Metrics) observeOperation(op operation) {
	name := m.operationLabel(op.name)
	m.requests.WithLabelValues(name, op.typ).Inc()
	m.requestDuration.WithLabelValues(name, op.typ).Observe(time.Since(op.start).Seconds())
}

func (m *Metrics) countErrors(errs gqlerror.List) {
	for _, err := range errs {
		m.errors.WithLabelValues(m.codeLabel(errorCode(err))).Inc()
	}
}

// noopExtension is what a nil *Metrics hands out, so that wiring needs no condition. gqlgen
// refuses an extension without hooks, so it has one that does nothing.
type noopExtension struct{}

// InterceptOperation runs the operation.
func (noopExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(ctx)
}

func (noopExtension) ExtensionName() string                   { return "ObserveNoop" }
func (noopExtension) Validate(graphql.ExecutableSchema) error { return nil }
