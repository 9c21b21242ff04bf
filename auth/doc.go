// Package auth answers "who is calling?" for every request to the usergraph gateway, and
// for nothing else: what a caller may see or change is decided by package policy.
//
// A request carries an API key (a Service caller) or a bearer JWT: a Scalekit token,
// verified against the environment's key set (fetched and cached with
// github.com/lestrrat-go/jwx/v3's jwk.Cache), or in embedded mode a token signed by the
// server's own key (LoadOrCreateKeySet), which may also name a service. A request without
// credentials, or with any that cannot be accepted, is refused with an error whose reason
// is safe to show to the client. Setup builds the Authenticator from the server's settings;
// docs/architecture.md shows where authentication sits in a request.
package auth
