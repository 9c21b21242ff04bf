// Package auth authenticates requests to the usergraph gateway.
//
// It implements the security model of DESIGN.md §4: a request carries either
// nothing (an Anonymous caller, which the gateway only lets through to
// /healthz, /readyz and the playground), an API key (a Service caller), or a
// bearer JWT. JWTs are either issued by Scalekit, verified against the
// environment's JWKS (fetched and cached with github.com/lestrrat-go/jwx/v3's
// jwk.Cache), or, in embedded mode, signed by the server's own key (see
// LoadOrCreateKeySet).
//
// Authenticate only establishes who the caller is; what the caller may see or
// change is decided by the resolvers using the returned Caller.
package auth
