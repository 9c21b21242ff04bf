package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/httprc/v3"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

const (
	// DefaultClockSkew is the leeway on exp/nbf/iat when Config.ClockSkew is 0.
	DefaultClockSkew = 30 * time.Second
	// DefaultJWKSMinRefresh is Config.JWKSMinRefresh's default.
	DefaultJWKSMinRefresh = time.Minute
	// APIKeyHeader carries a service API key (alternatively
	// "Authorization: ApiKey <key>").
	APIKeyHeader = "X-API-Key"

	// maxTokenLen bounds a bearer token; larger ones are refused before any
	// parsing. Scalekit tokens are well under 4 KiB.
	maxTokenLen = 16 << 10
	// refreshTimeout bounds one on-demand JWKS fetch.
	refreshTimeout = 10 * time.Second
	// Background refresh interval bounds for the JWKS (httprc honours the
	// response's Cache-Control/Expires within them). The upper bound also
	// bounds how long a key removed from the JWKS stays trusted.
	jwksBackgroundMin = 5 * time.Minute
	jwksBackgroundMax = time.Hour

	userIDPrefix      = "usr_"
	claimOrganization = "oid"
	claimRoles        = "roles"
	claimPermissions  = "permissions"
	claimService      = "service"
)

// Config configures an Authenticator. At least one of JWKSURL, LocalKeys and
// APIKeys must be set.
type Config struct {
	// Issuer is the required "iss" of every bearer token: the Scalekit
	// environment URL, or in embedded mode the server's own issuer. Required
	// when JWKSURL or LocalKeys is set.
	Issuer string
	// Audience, when non-empty, requires the token's "aud" to contain at
	// least one of these values.
	Audience []string
	// JWKSURL is the remote key set, e.g. Scalekit's "{env}/keys" (see
	// ScalekitJWKSURL). It must be
	// https (plain http is allowed for loopback hosts, for tests).
	JWKSURL string
	// LocalKeys is the embedded mode's own key (LoadOrCreateKeySet). Only
	// tokens signed with it may carry the "service" claim.
	LocalKeys *KeySet
	// APIKeys are the accepted service API keys.
	APIKeys []APIKey
	// ClockSkew is the leeway on exp/nbf/iat; 0 means DefaultClockSkew.
	ClockSkew time.Duration
	// JWKSMinRefresh rate-limits refetching the JWKS when a token names an
	// unknown kid: at most one fetch per interval, however many such tokens
	// arrive (the initial background fetch does not count). 0 means
	// DefaultJWKSMinRefresh. Independently, the set is refreshed in the
	// background every 5 minutes to 1 hour, following its Cache-Control.
	JWKSMinRefresh time.Duration
	// HTTPClient fetches the JWKS; nil means jwx's default client (30s
	// timeout, no https→http redirects).
	HTTPClient *http.Client
	// ServiceClientIDs are client ids (skc_…) whose client-credentials
	// tokens (subject = client id) authenticate as Service callers.
	ServiceClientIDs []string
}

// Authenticator turns request credentials into a Caller. It is safe for
// concurrent use. Call Close when done with it to stop the JWKS refresher.
type Authenticator struct {
	issuer   string
	audience []string
	skew     time.Duration
	local    *KeySet
	remote   *remoteKeys
	apiKeys  []APIKey
	services map[string]bool
	now      func() time.Time // replaced in tests
}

// New validates cfg and returns an Authenticator. When JWKSURL is set it
// starts fetching the key set in the background but does not wait for it: a
// token that arrives first waits for one fetch.
func New(cfg Config) (*Authenticator, error) {
	if cfg.JWKSURL == "" && cfg.LocalKeys == nil && len(cfg.APIKeys) == 0 {
		return nil, errors.New("auth: no credential source configured (JWKSURL, LocalKeys or APIKeys)")
	}
	if (cfg.JWKSURL != "" || cfg.LocalKeys != nil) && cfg.Issuer == "" {
		return nil, errors.New("auth: Issuer is required to verify bearer tokens")
	}
	if cfg.ClockSkew < 0 || cfg.JWKSMinRefresh < 0 {
		return nil, errors.New("auth: ClockSkew and JWKSMinRefresh must not be negative")
	}
	if err := checkDuplicates(cfg.APIKeys); err != nil {
		return nil, err
	}
	a := &Authenticator{
		issuer:   cfg.Issuer,
		audience: slices.Clone(cfg.Audience),
		skew:     cfg.ClockSkew,
		local:    cfg.LocalKeys,
		apiKeys:  slices.Clone(cfg.APIKeys),
		services: make(map[string]bool, len(cfg.ServiceClientIDs)),
		now:      time.Now,
	}
	if a.skew == 0 {
		a.skew = DefaultClockSkew
	}
	for _, id := range cfg.ServiceClientIDs {
		if id == "" || strings.HasPrefix(id, userIDPrefix) {
			return nil, fmt.Errorf("auth: invalid service client id %q", id)
		}
		a.services[id] = true
	}
	if cfg.JWKSURL != "" {
		if err := checkJWKSURL(cfg.JWKSURL); err != nil {
			return nil, err
		}
		minRefresh := cfg.JWKSMinRefresh
		if minRefresh == 0 {
			minRefresh = DefaultJWKSMinRefresh
		}
		r, err := newRemoteKeys(cfg.JWKSURL, cfg.HTTPClient, minRefresh, func() time.Time { return a.now() })
		if err != nil {
			return nil, err
		}
		a.remote = r
	}
	return a, nil
}

func checkJWKSURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("auth: invalid JWKSURL %q", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return fmt.Errorf("auth: JWKSURL %q must use https", s)
}

// Close stops the background JWKS refresher. The Authenticator must not be
// used afterwards.
func (a *Authenticator) Close() error {
	if a.remote == nil {
		return nil
	}
	return a.remote.close()
}

// Authenticate identifies the caller of r.
//
//   - "Authorization: Bearer <jwt>": the verified token's User or Service;
//   - "X-API-Key: <key>" or "Authorization: ApiKey <key>": a Service caller
//     named by the key.
//
// Anything else fails with an error wrapping ErrUnauthenticated (an *Error
// whose Reason is safe to show to clients), a request without credentials
// too (ReasonNoCredentials): every caller Authenticate returns is known.
// A caller is never returned alongside an error.
func (a *Authenticator) Authenticate(r *http.Request) (Caller, error) {
	authz := r.Header.Values("Authorization")
	keys := r.Header.Values(APIKeyHeader)
	switch {
	case len(authz) == 0 && len(keys) == 0:
		return Caller{}, fail(ReasonNoCredentials, nil)
	case len(authz)+len(keys) > 1:
		return Caller{}, fail(ReasonConflicting, nil)
	case len(keys) == 1:
		return a.authAPIKey(strings.TrimSpace(keys[0]))
	}
	scheme, cred, ok := strings.Cut(strings.TrimSpace(authz[0]), " ")
	cred = strings.TrimSpace(cred)
	if !ok || cred == "" {
		return Caller{}, fail(ReasonMalformedHeader, nil)
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return a.authToken(r.Context(), cred)
	case strings.EqualFold(scheme, "ApiKey"):
		return a.authAPIKey(cred)
	default:
		return Caller{}, fail(ReasonUnsupportedScheme, nil)
	}
}

func (a *Authenticator) authAPIKey(key string) (Caller, error) {
	if len(a.apiKeys) == 0 {
		return Caller{}, fail(ReasonNoAPIKeys, nil)
	}
	if key == "" || len(key) > maxAPIKeyLen {
		return Caller{}, fail(ReasonInvalidAPIKey, nil)
	}
	k, ok := matchAPIKey(a.apiKeys, key)
	if !ok {
		return Caller{}, fail(ReasonInvalidAPIKey, nil)
	}
	return Caller{Kind: Service, ServiceName: k.Name}, nil
}

func (a *Authenticator) authToken(ctx context.Context, raw string) (Caller, error) {
	if a.local == nil && a.remote == nil {
		return Caller{}, fail(ReasonNoTokenVerifier, nil)
	}
	if len(raw) > maxTokenLen {
		return Caller{}, fail(ReasonTokenTooLarge, nil)
	}
	if strings.Count(raw, ".") != 2 {
		// Only compact JWS; this also refuses JWE (5 parts) and the JSON
		// serialisations.
		return Caller{}, fail(ReasonMalformedToken, nil)
	}

	kp := &keyProvider{a: a}
	tok, err := jwt.Parse([]byte(raw),
		jwt.WithKeyProvider(kp),
		jwt.WithContext(ctx),
		jwt.WithValidate(false), // validated below, to tell failures apart
	)
	if err != nil {
		switch {
		case kp.err != nil:
			return Caller{}, kp.err
		case kp.called && errors.Is(err, jws.VerificationError()):
			return Caller{}, fail(ReasonBadSignature, err)
		default:
			return Caller{}, fail(ReasonMalformedToken, err)
		}
	}
	if !kp.called || kp.err != nil {
		// Cannot happen with compact JWS; refuse rather than trust an
		// unverified token.
		return Caller{}, fail(ReasonBadSignature, kp.err)
	}

	if _, ok := tok.Expiration(); !ok {
		return Caller{}, fail(ReasonMissingExpiry, nil)
	}
	if err := jwt.Validate(tok,
		jwt.WithClock(jwt.ClockFunc(a.now)),
		jwt.WithAcceptableSkew(a.skew),
	); err != nil {
		switch {
		case errors.Is(err, jwt.TokenExpiredError()):
			return Caller{}, fail(ReasonExpired, err)
		case errors.Is(err, jwt.TokenNotYetValidError()):
			return Caller{}, fail(ReasonNotYetValid, err)
		case errors.Is(err, jwt.InvalidIssuedAtError()):
			return Caller{}, fail(ReasonIssuedInFuture, err)
		default:
			return Caller{}, fail(ReasonMalformedClaims, err)
		}
	}
	// A trailing slash is not significant (SCALEKIT_ENVIRONMENT_URL may be
	// configured with or without one); everything else must match exactly.
	if iss, _ := tok.Issuer(); iss == "" || strings.TrimSuffix(iss, "/") != strings.TrimSuffix(a.issuer, "/") {
		return Caller{}, fail(ReasonBadIssuer, nil)
	}
	if len(a.audience) > 0 {
		aud, _ := tok.Audience()
		if !slices.ContainsFunc(aud, func(s string) bool { return slices.Contains(a.audience, s) }) {
			return Caller{}, fail(ReasonBadAudience, nil)
		}
	}
	return a.callerFromToken(tok, kp.local)
}

func (a *Authenticator) callerFromToken(tok jwt.Token, local bool) (Caller, error) {
	sub, _ := tok.Subject()
	if sub == "" {
		return Caller{}, fail(ReasonMissingSubject, nil)
	}
	oid, err := stringClaim(tok, claimOrganization)
	if err != nil {
		return Caller{}, err
	}
	roles, err := stringsClaim(tok, claimRoles)
	if err != nil {
		return Caller{}, err
	}
	perms, err := stringsClaim(tok, claimPermissions)
	if err != nil {
		return Caller{}, err
	}
	jti, _ := tok.JwtID()
	c := Caller{OrganizationID: oid, Roles: roles, Permissions: perms, TokenID: jti}
	switch {
	case local && boolClaim(tok, claimService):
		// Only our own key may mint service tokens: a "service" claim in a
		// Scalekit-issued token means nothing.
		c.Kind, c.ServiceName = Service, sub
	case strings.HasPrefix(sub, userIDPrefix):
		c.Kind, c.UserID = User, sub
	case a.services[sub]:
		// Client-credentials token: the subject is the client id. (A user
		// token's client_id claim names the app the user signed in to and
		// must not make the user a service, so only "sub" is consulted.)
		c.Kind, c.ServiceName = Service, sub
	default:
		return Caller{}, fail(ReasonUnknownSubject, nil)
	}
	return c, nil
}

func stringClaim(tok jwt.Token, name string) (string, error) {
	var v any
	if err := tok.Get(name, &v); err != nil || v == nil {
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", fail(ReasonMalformedClaims, nil)
	}
	return s, nil
}

func stringsClaim(tok jwt.Token, name string) ([]string, error) {
	var v any
	if err := tok.Get(name, &v); err != nil || v == nil {
		return nil, nil
	}
	switch v := v.(type) {
	case []string:
		return slices.Clone(v), nil
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fail(ReasonMalformedClaims, nil)
			}
			out = append(out, s)
		}
		return out, nil
	default:
		return nil, fail(ReasonMalformedClaims, nil)
	}
}

func boolClaim(tok jwt.Token, name string) bool {
	var v any
	if err := tok.Get(name, &v); err != nil {
		return false
	}
	b, ok := v.(bool)
	return ok && b
}

// keyProvider hands jws.Verify the one key a token may be verified with,
// chosen by the token's "kid", and records where it came from. The
// algorithm is dictated by the key (its "alg", or else its type and curve);
// the token's "alg" header must name that algorithm, which rules out
// "none" and HMAC-with-a-public-key confusion.
type keyProvider struct {
	a      *Authenticator
	called bool
	local  bool  // the key is the embedded mode's own key
	err    error // an *Error explaining why no key was provided
}

func (kp *keyProvider) FetchKeys(ctx context.Context, sink jws.KeySink, sig *jws.Signature, _ *jws.Message) error {
	if kp.called {
		// Compact JWS has exactly one signature.
		kp.err = fail(ReasonMalformedToken, nil)
		return kp.err
	}
	kp.called = true
	h := sig.ProtectedHeaders()
	if h == nil {
		kp.err = fail(ReasonMalformedToken, nil)
		return kp.err
	}
	alg, ok := h.Algorithm()
	if !ok || alg == jwa.NoSignature() {
		kp.err = fail(ReasonUnsupportedAlg, nil)
		return kp.err
	}
	if crit, ok := h.Critical(); ok && len(crit) > 0 {
		// We implement no JWS extensions, so a token that requires one
		// must be refused (RFC 7515 §4.1.11).
		kp.err = fail(ReasonMalformedToken, nil)
		return kp.err
	}
	kid, ok := h.KeyID()
	if !ok || kid == "" {
		kp.err = fail(ReasonMissingKeyID, nil)
		return kp.err
	}
	key, local, err := kp.a.lookupKey(ctx, kid)
	if err != nil {
		kp.err = err
		return err
	}
	if !slices.Contains(algorithmsFor(key), alg.String()) {
		kp.err = fail(ReasonUnsupportedAlg, nil)
		return kp.err
	}
	kp.local = local
	sink.Key(alg, key)
	return nil
}

// lookupKey finds the verification key for kid: the local key first, then
// the remote set, refetching the remote set (rate-limited) if kid is not in
// it.
func (a *Authenticator) lookupKey(ctx context.Context, kid string) (jwk.Key, bool, error) {
	if a.local != nil && kid == a.local.kid {
		return a.local.pub, true, nil
	}
	if a.remote == nil {
		return nil, false, fail(ReasonUnknownKey, nil)
	}
	if k, ok := usableKey(a.remote.set(), kid); ok {
		return k, false, nil
	}
	refreshErr := a.remote.refresh(ctx)
	set := a.remote.set()
	if set == nil {
		return nil, false, fail(ReasonKeysUnavailable, errors.Join(ErrKeysUnavailable, refreshErr))
	}
	if k, ok := usableKey(set, kid); ok {
		return k, false, nil
	}
	return nil, false, fail(ReasonUnknownKey, refreshErr)
}

// usableKey returns the key named kid if it may verify signatures: an
// asymmetric public key not reserved for encryption.
func usableKey(set jwk.Set, kid string) (jwk.Key, bool) {
	if set == nil {
		return nil, false
	}
	k, ok := set.LookupKeyID(kid)
	if !ok {
		return nil, false
	}
	if u, ok := k.KeyUsage(); ok && u != "" && u != jwk.ForSignature.String() {
		return nil, false
	}
	switch k.KeyType() {
	case jwa.RSA(), jwa.EC(), jwa.OKP():
	default: // "oct" (HMAC secrets) and anything else
		return nil, false
	}
	if priv, err := jwk.IsPrivateKey(k); err != nil || priv {
		return nil, false // a key set publishing private keys is broken
	}
	return k, true
}

// algorithmsFor lists the signature algorithms key may be used with: the
// key's own "alg" if it has one, otherwise the asymmetric algorithms of its
// type (and curve). Symmetric algorithms are never returned.
func algorithmsFor(key jwk.Key) []string {
	if a, ok := key.Algorithm(); ok {
		s := a.String()
		if s == "" || s == jwa.NoSignature().String() || strings.HasPrefix(s, "HS") {
			return nil
		}
		return []string{s}
	}
	var crv jwa.EllipticCurveAlgorithm
	_ = key.Get(jwk.ECDSACrvKey, &crv) // "crv" of EC and OKP keys
	switch key.KeyType() {
	case jwa.RSA():
		return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
	case jwa.EC():
		switch crv {
		case jwa.P256():
			return []string{"ES256"}
		case jwa.P384():
			return []string{"ES384"}
		case jwa.P521():
			return []string{"ES512"}
		}
	case jwa.OKP():
		if crv == jwa.Ed25519() {
			return []string{jwa.EdDSA().String(), jwa.EdDSAEd25519().String()}
		}
	}
	return nil
}

// remoteKeys is the remote JWKS, cached and refreshed in the background by
// jwk.Cache (httprc), plus on-demand refetching for unknown kids, limited
// to one fetch per minRefresh.
type remoteKeys struct {
	url        string
	cache      *jwk.Cache
	res        *httprc.ResourceBase[jwk.Set]
	cancel     context.CancelFunc
	minRefresh time.Duration
	now        func() time.Time

	// sem serialises on-demand refreshes; lastRefresh is only accessed
	// while holding it.
	sem         chan struct{}
	lastRefresh time.Time
}

func newRemoteKeys(u string, cl *http.Client, minRefresh time.Duration, now func() time.Time) (*remoteKeys, error) {
	ctx, cancel := context.WithCancel(context.Background())
	cache, err := jwk.NewCache(ctx, httprc.NewClient())
	if err != nil {
		cancel()
		return nil, fmt.Errorf("auth: starting JWKS cache: %w", err)
	}
	opts := []jwk.RegisterOption{
		jwk.WithWaitReady(false),
		jwk.WithHttprcResourceOption(httprc.WithMinInterval(jwksBackgroundMin)),
		jwk.WithHttprcResourceOption(httprc.WithMaxInterval(jwksBackgroundMax)),
	}
	if cl != nil {
		opts = append(opts, jwk.WithHTTPClient(jwk.WrapHTTPClientDefaults(cl)))
	}
	rk := &remoteKeys{
		url:        u,
		cache:      cache,
		cancel:     cancel,
		minRefresh: minRefresh,
		now:        now,
		sem:        make(chan struct{}, 1),
	}
	if err := cache.Register(ctx, u, opts...); err != nil {
		rk.close()
		return nil, fmt.Errorf("auth: registering JWKS %q: %w", u, err)
	}
	res, err := cache.LookupResource(ctx, u)
	if err != nil {
		rk.close()
		return nil, fmt.Errorf("auth: registering JWKS %q: %w", u, err)
	}
	rk.res = res
	return rk, nil
}

// set returns the current key set, or nil before the first successful fetch.
func (r *remoteKeys) set() jwk.Set {
	return r.res.Resource()
}

// refresh refetches the key set unless a refresh was attempted less than
// minRefresh ago (then it returns nil without fetching). Concurrent callers
// wait for the refresh in progress instead of starting their own.
func (r *remoteKeys) refresh(ctx context.Context) error {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.sem }()
	now := r.now()
	if !r.lastRefresh.IsZero() && now.Sub(r.lastRefresh) < r.minRefresh {
		return nil
	}
	r.lastRefresh = now
	// Detach from the request: a client hanging up must not cancel the
	// fetch that every other request is waiting for.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
	defer cancel()
	_, err := r.cache.Refresh(fctx, r.url)
	return err
}

func (r *remoteKeys) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := r.cache.Shutdown(ctx)
	r.cancel()
	return err
}
