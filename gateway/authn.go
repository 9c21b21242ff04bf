package gateway

import (
	"errors"
	"net/http"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/policy"
)

// Authenticator tells who sent a request: *auth.Authenticator in the server.
type Authenticator interface {
	Authenticate(r *http.Request) (auth.Caller, error)
}

// The codes of refused callers (DESIGN.md §3).
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
)

// requireCaller answers 401 to a request without valid credentials before anything else
// is read, and gives the others their caller (and a per-request cache of what the caller
// may reach). Without an Authenticator every request is anonymous, hence refused: the
// gateway is never open by accident.
func requireCaller(a Authenticator, help string) func(http.Handler) http.Handler {
	anonymous := "credentials required: send Authorization: Bearer <token> or X-API-Key: <key>"
	if help != "" {
		anonymous += "; " + help
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			caller := auth.Caller{}
			var err error
			if a != nil {
				caller, err = a.Authenticate(r)
			}
			switch {
			case errors.Is(err, auth.ErrKeysUnavailable):
				w.Header().Set("Retry-After", "5")
				writeGraphQLError(w, http.StatusServiceUnavailable, "the signing keys cannot be fetched now; retry later",
					CodeUpstreamUnavailable, RequestID(r.Context()))
				return
			case err != nil:
				w.Header().Set("WWW-Authenticate", `Bearer realm="usergraph"`)
				writeGraphQLError(w, http.StatusUnauthorized, "unauthenticated: "+auth.ReasonOf(err), CodeUnauthenticated, RequestID(r.Context()))
				return
			case caller.IsAnonymous():
				w.Header().Set("WWW-Authenticate", `Bearer realm="usergraph"`)
				writeGraphQLError(w, http.StatusUnauthorized, anonymous, CodeUnauthenticated, RequestID(r.Context()))
				return
			}
			noteCaller(r.Context(), caller)
			ctx := policy.WithScopeCache(auth.WithCaller(r.Context(), caller))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// servicesOnly answers 403 to callers that are not services.
func servicesOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !auth.CallerFrom(r.Context()).IsService() {
			writeGraphQLError(w, http.StatusForbidden, "for services only", CodeForbidden, RequestID(r.Context()))
			return
		}
		next.ServeHTTP(w, r)
	})
}
