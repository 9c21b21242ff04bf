package gateway

import (
	"math"
	"net/http"
	"strconv"

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
