package auth

import "net/http"

// Middleware authenticates every request with a and stores the Caller in the
// request context (read it with CallerFrom). Anonymous requests are passed
// on: deciding which routes need credentials is the handler's job.
//
// When authentication fails, onError is called instead of the next handler
// (the gateway writes its GraphQL-shaped 401 there); err wraps
// ErrUnauthenticated and err.Error() is safe to show to the client. A nil
// onError writes a plain 401 with a WWW-Authenticate challenge.
func Middleware(a *Authenticator, onError func(w http.ResponseWriter, r *http.Request, err error)) func(http.Handler) http.Handler {
	if onError == nil {
		onError = defaultOnError
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, err := a.Authenticate(r)
			if err != nil {
				onError(w, r, err)
				return
			}
			next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
		})
	}
}

func defaultOnError(w http.ResponseWriter, _ *http.Request, err error) {
	w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	http.Error(w, err.Error(), http.StatusUnauthorized)
}
