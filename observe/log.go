package observe

import (
	"context"
	"io"
	"log/slog"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// Log keys added by TraceHandler and LogWithRequest.
const (
	LogKeyTraceID   = "trace_id"
	LogKeySpanID    = "span_id"
	LogKeyRequestID = "requestId" // as the gateway's own logs spell it
)

// NewLogger returns a logger writing JSON records at level and above to w, with the trace
// and span ids of the context's span when there is one (see TraceHandler).
func NewLogger(w io.Writer, level slog.Leveler) *slog.Logger {
	return slog.New(NewTraceHandler(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// TraceHandler wraps a slog.Handler so that every record logged with a context holding a
// valid span (logger.InfoContext(ctx, ...), and so on) gets trace_id and span_id at its
// top level, even under a group opened with WithGroup.
type TraceHandler struct {
	next slog.Handler // base with every step applied

	base    slog.Handler
	steps   []handlerStep // WithAttrs and WithGroup calls since base, in order
	grouped bool          // a group is open
	hasIDs  bool          // trace_id is already a top-level attribute (LogWithRequest)
}

type handlerStep struct {
	group string
	attrs []slog.Attr
}

// NewTraceHandler wraps next.
func NewTraceHandler(next slog.Handler) *TraceHandler {
	return &TraceHandler{next: next, base: next}
}

// Enabled reports whether the wrapped handler handles level.
func (h *TraceHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the ids of ctx's span, if any, and passes r on.
func (h *TraceHandler) Handle(ctx context.Context, r slog.Record) error {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || h.hasIDs {
		return h.next.Handle(ctx, r)
	}
	ids := []slog.Attr{
		slog.String(LogKeyTraceID, sc.TraceID().String()),
		slog.String(LogKeySpanID, sc.SpanID().String()),
	}
	if !h.grouped {
		r = r.Clone()
		r.AddAttrs(ids...)
		return h.next.Handle(ctx, r)
	}
	// Attributes of a record go into the innermost open group: to keep the ids at the top,
	// rebuild the chain with them in front. Only loggers with groups pay for this.
	next := h.base.WithAttrs(ids)
	for _, s := range h.steps {
		if s.group != "" {
			next = next.WithGroup(s.group)
		} else {
			next = next.WithAttrs(s.attrs)
		}
	}
	return next.Handle(ctx, r)
}

// WithAttrs returns a TraceHandler whose wrapped handler has attrs.
func (h *TraceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	if len(attrs) == 0 {
		return h
	}
	c := h.with(handlerStep{attrs: slices.Clone(attrs)})
	c.next = h.next.WithAttrs(attrs)
	if !h.grouped && slices.ContainsFunc(attrs, func(a slog.Attr) bool { return a.Key == LogKeyTraceID }) {
		c.hasIDs = true
	}
	return c
}

// WithGroup returns a TraceHandler whose wrapped handler has the group open.
func (h *TraceHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := h.with(handlerStep{group: name})
	c.next = h.next.WithGroup(name)
	c.grouped = true
	return c
}

func (h *TraceHandler) with(s handlerStep) *TraceHandler {
	c := *h
	c.steps = append(slices.Clip(h.steps), s)
	return &c
}

// LogWithRequest returns l with the request's id and, when ctx holds a span, its trace and
// span ids, for code that logs without passing the context. Pass gateway.RequestID(ctx) as
// requestID ("" leaves it out).
func LogWithRequest(ctx context.Context, l *slog.Logger, requestID string) *slog.Logger {
	var attrs []any
	if requestID != "" {
		attrs = append(attrs, slog.String(LogKeyRequestID, requestID))
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		attrs = append(attrs,
			slog.String(LogKeyTraceID, sc.TraceID().String()),
			slog.String(LogKeySpanID, sc.SpanID().String()))
	}
	if len(attrs) == 0 {
		return l
	}
	return l.With(attrs...)
}
