package auth

import "context"

// Kind classifies a Caller.
type Kind int

const (
	// Anonymous is the zero Caller: what CallerFrom returns for a context that
	// no authentication has passed. Authenticate never returns it.
	Anonymous Kind = iota
	// User is an end user authenticated with a JWT whose subject is a usr_ id.
	User
	// Service is a trusted backend authenticated with an API key, a
	// client-credentials token of a configured client, or a service token
	// minted with the server's own key.
	Service
)

// String returns "anonymous", "user" or "service".
func (k Kind) String() string {
	switch k {
	case Anonymous:
		return "anonymous"
	case User:
		return "user"
	case Service:
		return "service"
	default:
		return "unknown"
	}
}

// Caller is the authenticated identity of a request.
type Caller struct {
	Kind Kind
	// UserID is the usr_ id of a User caller.
	UserID string
	// OrganizationID is the organization the token was issued for (the
	// Scalekit "oid" claim); it may be empty.
	OrganizationID string
	// Roles and Permissions are copied from the token's "roles" and
	// "permissions" claims.
	Roles       []string
	Permissions []string
	// ServiceName names a Service caller: the API key's name, the client id
	// of a client-credentials token, or the subject of a locally minted
	// service token.
	ServiceName string
	// TokenID is the token's "jti" claim, when present (for audit logs).
	TokenID string
}

// IsService reports whether c is a Service caller.
func (c Caller) IsService() bool { return c.Kind == Service }

// IsAnonymous reports whether c carries no credentials.
func (c Caller) IsAnonymous() bool { return c.Kind == Anonymous }

type callerKey struct{}

// WithCaller returns a copy of ctx carrying c.
func WithCaller(ctx context.Context, c Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// CallerFrom returns the Caller stored in ctx by WithCaller, or an Anonymous
// Caller when there is none.
func CallerFrom(ctx context.Context) Caller {
	if c, ok := ctx.Value(callerKey{}).(Caller); ok {
		return c
	}
	return Caller{Kind: Anonymous}
}
