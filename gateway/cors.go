package gateway

import (
	"net/http"
	"slices"
	"strings"

	"github.com/usergraph/usergraph/auth"
)

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
