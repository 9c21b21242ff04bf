package observe

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/usergraph/usergraph/directory"
)

// InstrumentationName names the tracer of this package.
const InstrumentationName = "github.com/usergraph/usergraph/observe"

// Span attribute keys.
const (
	AttrOperationName = attribute.Key("graphql.operation.name")
	AttrOperationType = attribute.Key("graphql.operation.type")
	AttrErrorCodes    = attribute.Key("graphql.error.codes")
	AttrFieldPath     = attribute.Key("graphql.field.path")
	AttrFieldName     = attribute.Key("graphql.field.name")
	AttrFieldParent   = attribute.Key("graphql.field.parent_type")
	AttrBackend       = attribute.Key("usergraph.backend")
	AttrMethod        = attribute.Key("usergraph.backend.method")
	AttrKeys          = attribute.Key("usergraph.backend.keys")
	AttrOutcome       = attribute.Key("usergraph.backend.outcome")
)

// Tracer is the tracer of usergraph's spans. It is looked up in the global tracer provider
// at each call, so it follows SetupTracing (and otel.SetTracerProvider in tests).
func Tracer() trace.Tracer {
	return otel.GetTracerProvider().Tracer(InstrumentationName)
}

// SetupTracing installs an OTLP trace exporter behind a batch span processor as the global
// tracer provider, and the W3C trace-context and baggage propagators, when getenv (usually
// os.Getenv) has OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT. Without
// them, or with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, it installs nothing
// and the spans this package starts cost next to nothing.
//
// The endpoint follows the OTLP rules: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is used as it is,
// OTEL_EXPORTER_OTLP_ENDPOINT gets /v1/traces appended (for HTTP). The protocol is
// http/protobuf unless OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL says grpc or http/json. The
// service name is OTEL_SERVICE_NAME, else serviceName. The other OTEL_* variables
// (headers, certificates, compression, timeout, sampler, batch processor, resource
// attributes) are read from the process environment by the OpenTelemetry SDK itself.
//
// shutdown flushes the spans still queued and stops the exporter; call it before exiting.
func SetupTracing(ctx context.Context, serviceName string, getenv func(string) string) (shutdown func(context.Context) error, err error) {
	noop := func(context.Context) error { return nil }
	if getenv == nil {
		return noop, errors.New("observe: SetupTracing needs a getenv function")
	}
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") || strings.EqualFold(getenv("OTEL_TRACES_EXPORTER"), "none") {
		return noop, nil
	}
	exporter, err := newExporter(ctx, getenv)
	if err != nil || exporter == nil {
		return noop, err
	}

	if name := getenv("OTEL_SERVICE_NAME"); name != "" {
		serviceName = name
	}
	res, err := resource.New(ctx,
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(serviceName)),
	)
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		_ = exporter.Shutdown(ctx)
		return noop, fmt.Errorf("observe: tracing resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(res),
	)
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

// newExporter builds the OTLP exporter that getenv's variables ask for, or returns nil when
// no endpoint is set.
func newExporter(ctx context.Context, getenv func(string) string) (*otlptrace.Exporter, error) {
	endpoint, perSignal := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), true
	if endpoint == "" {
		endpoint, perSignal = getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), false
	}
	if endpoint == "" {
		return nil, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("observe: OTLP endpoint %q is not an http or https URL", endpoint)
	}
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "grpc":
		exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(u.String()))
		if err != nil {
			return nil, fmt.Errorf("observe: OTLP/gRPC exporter: %w", err)
		}
		return exp, nil
	case "", "http/protobuf", "http/json":
		if !perSignal {
			u.Path = path.Join("/", u.Path, "v1/traces")
		}
		opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(u.String())}
		if protocol == "http/json" {
			opts = append(opts, otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
		}
		exp, err := otlptracehttp.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("observe: OTLP/HTTP exporter: %w", err)
		}
		return exp, nil
	default:
		return nil, fmt.Errorf("observe: unsupported OTLP protocol %q (want grpc, http/protobuf or http/json)", protocol)
	}
}

// Propagate is an HTTP middleware that continues the trace of a caller that sent W3C
// traceparent (and baggage) headers, with the propagators SetupTracing installed. Without
// SetupTracing the global propagator does nothing.
func Propagate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := otel.GetTextMapPropagator().Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// TracingExtension returns the gqlgen extension that makes a span per operation, named
// "graphql.<type> <operationName>", and under it a span per field resolved by a resolver
// method ("graphql.resolve Type.field"): fields read straight from a struct get none, so a
// large response does not cost a span per scalar. A request refused before it became an
// operation (parse, validation) still gets one span, with its error codes.
func TracingExtension() graphql.HandlerExtension { return tracingExtension{} }

type tracingExtension struct{}

var (
	_ graphql.HandlerExtension     = tracingExtension{}
	_ graphql.OperationInterceptor = tracingExtension{}
	_ graphql.ResponseInterceptor  = tracingExtension{}
	_ graphql.FieldInterceptor     = tracingExtension{}
)

func (tracingExtension) ExtensionName() string                   { return "ObserveTracing" }
func (tracingExtension) Validate(graphql.ExecutableSchema) error { return nil }

type tracingMarker struct{}

func spanName(op operation) string {
	name := op.name
	switch {
	case name == "":
		name = AnonymousOperation
	case len(name) > MaxOperationNameLength || !graphQLName.MatchString(name):
		name = OtherOperation
	}
	return "graphql." + op.typ + " " + name
}

func (tracingExtension) startOperation(ctx context.Context, op operation) (context.Context, trace.Span) {
	return Tracer().Start(ctx, spanName(op),
		trace.WithSpanKind(trace.SpanKindServer),
		trace.WithTimestamp(op.start),
		trace.WithAttributes(AttrOperationName.String(op.name), AttrOperationType.String(op.typ)))
}

func (t tracingExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := operationOf(ctx)
	ctx, span := t.startOperation(ctx, op)
	var errs gqlerror.List // only the handler's goroutine touches it
	// The marker also tells InterceptField whether to make spans: a resolver's children run
	// after its span has ended, so their parent's IsRecording cannot tell.
	responses := next(context.WithValue(ctx, tracingMarker{}, span.IsRecording()))
	return oneOperation(op, responses,
		func(resp *graphql.Response) { errs = append(errs, resp.Errors...) },
		func() { endOperation(span, errs) })
}

func (t tracingExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ctx.Value(tracingMarker{}) != nil || resp == nil {
		return resp
	}
	_, span := t.startOperation(ctx, operationOf(ctx))
	endOperation(span, resp.Errors)
	return resp
}

// maxErrorEvents bounds the error events of one span.
const maxErrorEvents = 10

func endOperation(span trace.Span, errs gqlerror.List) {
	if len(errs) > 0 {
		var codeList []string
		for i, err := range errs {
			code := errorCode(err)
			if code == "" {
				code = noCode
			}
			if !slices.Contains(codeList, code) {
				codeList = append(codeList, code)
			}
			if i < maxErrorEvents {
				span.AddEvent("graphql.error", trace.WithAttributes(
					attribute.String("message", err.Message),
					attribute.String("code", code),
					attribute.String("path", err.Path.String())))
			}
		}
		span.SetAttributes(AttrErrorCodes.StringSlice(codeList))
		span.SetStatus(codes.Error, strconv.Itoa(len(errs))+" errors: "+strings.Join(codeList, ", "))
	}
	span.End()
}

// InterceptField makes a span for a field resolved by a resolver method, when the
// operation's span is recorded. Its parent is the span of the nearest resolver above it,
// which has usually ended by then: gqlgen resolves a field's children after the field.
func (tracingExtension) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || fc.Field.Field == nil {
		return next(ctx) // most fields: one context lookup and done
	}
	if recording, _ := ctx.Value(tracingMarker{}).(bool); !recording {
		return next(ctx)
	}
	ctx, span := Tracer().Start(ctx, "graphql.resolve "+fc.Object+"."+fc.Field.Name,
		trace.WithAttributes(
			AttrFieldPath.String(fc.Path().String()),
			AttrFieldName.String(fc.Field.Name),
			AttrFieldParent.String(fc.Object)))
	defer span.End()
	res, err := next(ctx)
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "resolver failed")
	}
	return res, err
}

// TraceDirectory wraps d so that every call makes a client span "directory.<Method>" with
// the backend's name, the method and, for batch reads, the number of keys. A failed call
// records its error and outcome (see the Outcome constants).
func TraceDirectory(backend string, d directory.Directory) directory.Directory {
	return &instrumented{next: d, hook: func(ctx context.Context, method string, keys int) (context.Context, func(error)) {
		attrs := []attribute.KeyValue{AttrBackend.String(backend), AttrMethod.String(method)}
		if keys >= 0 {
			attrs = append(attrs, AttrKeys.Int(keys))
		}
		ctx, span := Tracer().Start(ctx, "directory."+method,
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
		return ctx, func(err error) {
			if err != nil {
				o := outcome(err)
				span.SetAttributes(AttrOutcome.String(o))
				span.RecordError(err)
				span.SetStatus(codes.Error, o)
			}
			span.End()
		}
	}}
}
