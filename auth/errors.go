package auth

import "errors"

// ErrUnauthenticated is wrapped by every error Authenticate returns: the
// request carried no credentials, or none that could be accepted. The
// gateway maps it to an HTTP 401.
var ErrUnauthenticated = errors.New("unauthenticated")

// ErrKeysUnavailable is additionally wrapped when a token could not be
// checked because the remote key set (JWKS) could not be fetched — a server
// side problem the gateway may prefer to report as 503.
var ErrKeysUnavailable = errors.New("signing keys unavailable")

// Reasons carried by *Error. They are short, fixed strings that are safe to
// show to clients: they never contain any part of the presented credential.
const (
	ReasonNoCredentials     = "credentials required"
	ReasonMalformedHeader   = "malformed authorization header"
	ReasonUnsupportedScheme = "unsupported authorization scheme"
	ReasonConflicting       = "conflicting credentials"
	ReasonTokenTooLarge     = "token too large"
	ReasonMalformedToken    = "malformed token"
	ReasonUnsupportedAlg    = "unsupported signing algorithm"
	ReasonMissingKeyID      = "missing key id"
	ReasonUnknownKey        = "unknown signing key"
	ReasonKeysUnavailable   = "signing keys unavailable"
	ReasonBadSignature      = "bad signature"
	ReasonExpired           = "token expired"
	ReasonNotYetValid       = "token not yet valid"
	ReasonIssuedInFuture    = "token issued in the future"
	ReasonMissingExpiry     = "token has no expiry"
	ReasonBadIssuer         = "bad issuer"
	ReasonBadAudience       = "bad audience"
	ReasonMissingSubject    = "token has no subject"
	ReasonUnknownSubject    = "token subject not allowed"
	ReasonMalformedClaims   = "malformed claims"
	ReasonInvalidAPIKey     = "invalid API key"
	ReasonNoTokenVerifier   = "bearer tokens not accepted"
	ReasonNoAPIKeys         = "an API key was sent, but this server has no API keys configured (USERGRAPH_API_KEYS or USERGRAPH_API_KEYS_FILE)"
)

// Error is the error type returned by Authenticate. Error() is
// "unauthenticated: <Reason>" and is safe to return to clients.
//
// errors.Is(err, ErrUnauthenticated) holds for every *Error. The underlying
// cause, when there is one, is reachable with errors.Unwrap/As for server
// logs only: it may quote attacker-controlled header fields (never the
// token itself).
type Error struct {
	Reason string
	cause  error
}

func (e *Error) Error() string { return "unauthenticated: " + e.Reason }

// Unwrap returns ErrUnauthenticated and the cause, if any.
func (e *Error) Unwrap() []error {
	if e.cause == nil {
		return []error{ErrUnauthenticated}
	}
	return []error{ErrUnauthenticated, e.cause}
}

func fail(reason string, cause error) error {
	return &Error{Reason: reason, cause: cause}
}

// ReasonOf returns the client-safe reason of an error returned by
// Authenticate, or "" if err is not an *Error.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}
