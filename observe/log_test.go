package observe_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace"

	"github.com/usergraph/usergraph/observe"
)

var testSpan = trace.NewSpanContext(trace.SpanContextConfig{
	TraceID:    trace.TraceID{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36},
	SpanID:     trace.SpanID{0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7},
	TraceFlags: trace.FlagsSampled,
})

const (
	testTraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	testSpanID  = "00f067aa0ba902b7"
)

// lines decodes the JSON records in buf.
func lines(t *testing.T, buf *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec), line)
		out = append(out, rec)
	}
	return out
}

func TestLoggerAddsTheSpansIDs(t *testing.T) {
	var buf bytes.Buffer
	log := observe.NewLogger(&buf, slog.LevelInfo)
	ctx := trace.ContextWithSpanContext(context.Background(), testSpan)

	log.InfoContext(ctx, "with span", "k", "v")
	log.InfoContext(context.Background(), "without span")
	log.Info("no context")
	log.DebugContext(ctx, "below the level")
	log.With("a", 1).WithGroup("g").InfoContext(ctx, "grouped", "k", "v")

	recs := lines(t, &buf)
	require.Len(t, recs, 4)
	assert.Equal(t, "with span", recs[0]["msg"])
	assert.Equal(t, testTraceID, recs[0]["trace_id"])
	assert.Equal(t, testSpanID, recs[0]["span_id"])
	assert.Equal(t, "v", recs[0]["k"])
	for _, rec := range recs[1:3] {
		assert.NotContains(t, rec, "trace_id")
		assert.NotContains(t, rec, "span_id")
	}
	// Under a group the ids stay at the top level, where log queries look for them.
	assert.Equal(t, "grouped", recs[3]["msg"])
	assert.Equal(t, testTraceID, recs[3]["trace_id"])
	assert.Equal(t, 1.0, recs[3]["a"])
	assert.Equal(t, map[string]any{"k": "v"}, recs[3]["g"])
}

func TestLogWithRequest(t *testing.T) {
	var buf bytes.Buffer
	log := observe.NewLogger(&buf, slog.LevelInfo)
	ctx := trace.ContextWithSpanContext(context.Background(), testSpan)

	observe.LogWithRequest(ctx, log, "req-1").Info("no context")
	observe.LogWithRequest(ctx, log, "req-2").InfoContext(ctx, "context too")
	observe.LogWithRequest(context.Background(), log, "req-3").Info("no span")
	assert.Same(t, log, observe.LogWithRequest(context.Background(), log, ""))

	recs := lines(t, &buf)
	require.Len(t, recs, 3)
	assert.Equal(t, "req-1", recs[0]["requestId"])
	assert.Equal(t, testTraceID, recs[0]["trace_id"])
	assert.Equal(t, testSpanID, recs[0]["span_id"])
	assert.Equal(t, 1, strings.Count(strings.Split(buf.String(), "\n")[1], `"trace_id"`), "the ids are not repeated")
	assert.Equal(t, "req-3", recs[2]["requestId"])
	assert.NotContains(t, recs[2], "trace_id")
}
