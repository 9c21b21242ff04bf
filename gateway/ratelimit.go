package gateway

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/time/rate"

	"github.com/usergraph/usergraph/auth"
)

// maxRateLimitedCallers bounds the limiters kept; the least recently seen caller's is
// dropped first (it starts with a full bucket again, which only ever favours the caller).
const maxRateLimitedCallers = 100_000

// limitPerCaller gives every caller its own token bucket, so that one noisy client (or
// tenant) cannot take the gateway's capacity from the others. Over its rate a caller gets
// 429 RATE_LIMITED with Retry-After.
func limitPerCaller(perSecond float64, burst int) func(http.Handler) http.Handler {
	if perSecond <= 0 {
		return func(next http.Handler) http.Handler { return next }
	}
	if burst <= 0 {
		burst = max(1, int(math.Ceil(perSecond)))
	}
	limiters, _ := lru.New[string, *rate.Limiter](maxRateLimitedCallers)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			key := callerKey(auth.CallerFrom(r.Context()))
			l, ok := limiters.Get(key)
			if !ok {
				l = rate.NewLimiter(rate.Limit(perSecond), burst)
				limiters.Add(key, l)
			}
			res := l.Reserve()
			if delay := res.Delay(); delay > 0 {
				res.Cancel()
				w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(delay.Seconds()))))
				writeGraphQLError(w, http.StatusTooManyRequests, "too many requests from this caller; retry later",
					CodeRateLimited, RequestID(r.Context()))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

func callerKey(c auth.Caller) string {
	if c.Kind == auth.User {
		return "user:" + c.UserID
	}
	return "service:" + c.ServiceName
}

// allowOrigins answers CORS for the listed browser origins ("*": any) and for no other:
// without the headers a browser keeps other sites' pages from reading the API. Preflight
// requests are answered here, before authentication, as browsers send them without
// credentials.
func allowOrigins(origins []string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			origin := r.Header.Get("Origin")
			listed := origin != "" && slices.Contains(origins, origin)
			anyOrigin := origin != "" && !listed && slices.Contains(origins, "*")
			allowed := listed || anyOrigin
			h := w.Header()
			h.Add("Vary", "Origin") // the answer depends on it, for caches too
			switch {
			case listed:
				h.Set("Access-Control-Allow-Origin", origin)
				h.Set("Access-Control-Allow-Credentials", "true")
			case anyOrigin:
				// Any page may call, but not with the browser's cookies: "*" never carries
				// credentials. Tokens in the Authorization header still work.
				h.Set("Access-Control-Allow-Origin", "*")
			}
			if allowed {
				h.Set("Access-Control-Expose-Headers", "X-Request-Id, Retry-After")
			}
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				if !allowed {
					w.WriteHeader(http.StatusForbidden)
					return
				}
				h := w.Header()
				h.Set("Access-Control-Allow-Methods", "GET, POST")
				h.Set("Access-Control-Allow-Headers", strings.Join([]string{"Authorization", "Content-Type", auth.APIKeyHeader}, ", "))
				h.Set("Access-Control-Max-Age", "600")
				w.WriteHeader(http.StatusNoContent)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
