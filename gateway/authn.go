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

// requireCaller answers a request that package auth does not accept (401, or 503 while the
// signing keys cannot be fetched) before anything else is read, and gives the others their
// caller (and a per-request cache of what the caller may reach). Without an Authenticator
// every request is refused: the gateway is never open by accident. help, when set, tells a
// caller without credentials where to get some.
func requireCaller(a Authenticator, help string) func(http.Handler) http.Handler {
	anonymous := "credentials required: send Authorization: Bearer <token> or X-API-Key: <key>"
	if help != "" {
		anonymous += "; " + help
	}
	if a == nil {
		a = refuseAll{}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			caller, err := a.Authenticate(r)
			switch {
			case errors.Is(err, auth.ErrKeysUnavailable):
				w.Header().Set("Retry-After", "5")
				writeGraphQLError(w, http.StatusServiceUnavailable, "the signing keys cannot be fetched now; retry later",
					CodeUpstreamUnavailable, RequestID(r.Context()))
				return
			case auth.ReasonOf(err) == auth.ReasonNoCredentials:
				w.Header().Set("WWW-Authenticate", `Bearer realm="usergraph"`)
				writeGraphQLError(w, http.StatusUnauthorized, anonymous, CodeUnauthenticated, RequestID(r.Context()))
				return
			case err != nil:
				w.Header().Set("WWW-Authenticate", `Bearer realm="usergraph"`)
				writeGraphQLError(w, http.StatusUnauthorized, "unauthenticated: "+auth.ReasonOf(err), CodeUnauthenticated, RequestID(r.Context()))
				return
			}
			noteCaller(r.Context(), caller)
			ctx := policy.WithScopeCache(auth.WithCaller(r.Context(), caller))
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// refuseAll stands in for a missing Authenticator.
type refuseAll struct{}

func (refuseAll) Authenticate(*http.Request) (auth.Caller, error) {
	return auth.Caller{}, &auth.Error{Reason: auth.ReasonNoCredentials}
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
