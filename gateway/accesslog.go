package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/usergraph/usergraph/auth"
)

// statusRecorder remembers the status a handler wrote, for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// callerHolder lets the access log, which runs before authentication, name the caller that
// authentication found.
type callerHolder struct{ caller auth.Caller }

type callerHolderKey struct{}

// accessLog writes one JSON line per request with its id, status, size, duration and
// caller kind (never a token or key).
func accessLog(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			holder := &callerHolder{}
			ctx := r.Context()
			next.ServeHTTP(rec, r.WithContext(contextWithHolder(ctx, holder)))
			log.InfoContext(ctx, "request", "requestId", RequestID(ctx), "method", r.Method, "path", r.URL.Path,
				"status", rec.status, "bytes", rec.bytes, "durationMs", float64(time.Since(start).Microseconds())/1000,
				"caller", holder.caller.Kind.String())
		})
	}
}

func contextWithHolder(ctx context.Context, h *callerHolder) context.Context {
	return context.WithValue(ctx, callerHolderKey{}, h)
}

// noteCaller tells the access log who the caller is.
func noteCaller(ctx context.Context, c auth.Caller) {
	if h, ok := ctx.Value(callerHolderKey{}).(*callerHolder); ok {
		h.caller = c
	}
}
