package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
)

var knownReasons = []string{
	ReasonMalformedHeader, ReasonUnsupportedScheme, ReasonConflicting, ReasonTokenTooLarge,
	ReasonMalformedToken, ReasonUnsupportedAlg, ReasonMissingKeyID, ReasonUnknownKey,
	ReasonKeysUnavailable, ReasonBadSignature, ReasonExpired, ReasonNotYetValid,
	ReasonIssuedInFuture, ReasonMissingExpiry, ReasonBadIssuer, ReasonBadAudience,
	ReasonMissingSubject, ReasonUnknownSubject, ReasonMalformedClaims, ReasonInvalidAPIKey,
	ReasonNoTokenVerifier, ReasonNoAPIKeys,
}

// FuzzAuthenticate feeds arbitrary Authorization header values to an
// Authenticator with a remote JWKS, a local key and an API key. No input
// may panic or authenticate, and errors must be one of the fixed reasons
// (so they never echo the input).
//
// The Authenticator's clock is set a day ahead, so even if the fuzzer
// restores a seed token's flipped bytes, the result is an expired token.
func FuzzAuthenticate(f *testing.F) {
	testKeys(f)
	srv := newJWKSServer(f, rsaKey, ecKey)
	_, key, err := NewAPIKey("svc")
	must(f, err)
	ks, err := GenerateKeySet()
	must(f, err)
	a := newRemoteAuth(f, srv, func(c *Config) {
		c.LocalKeys = ks
		c.APIKeys = []APIKey{key}
	})
	future := time.Now().Add(24 * time.Hour)
	a.now = func() time.Time { return future }

	remoteTok := sign(f, rsaKey, jwa.RS256(), userClaims(time.Now()), nil)
	localTok, err := ks.Mint(MintClaims{Issuer: testIssuer, Audience: []string{testAudience}, Subject: "usr_1"}, time.Hour)
	must(f, err)
	svcTok, err := ks.Mint(MintClaims{Issuer: testIssuer, Audience: []string{testAudience}, Subject: "svc", Service: true}, time.Hour)
	must(f, err)
	for _, tok := range []string{remoteTok, localTok, svcTok} {
		f.Add("Bearer " + tok)
		for _, i := range []int{0, 5, len(tok) / 2, strings.Index(tok, ".") + 3, len(tok) - 2} {
			b := []byte(tok)
			b[i] ^= 0x01
			f.Add("Bearer " + string(b))
		}
	}
	for _, s := range []string{
		"", " ", "Bearer", "Bearer ", "bearer  ", "Bearer a.b.c", "Bearer ..", "Bearer a.b.c.d.e",
		"Bearer eyJhbGciOiJub25lIn0.e30.", "Bearer eyJhbGciOiJIUzI1NiIsImtpZCI6InJzYS0xIn0.e30.AAAA",
		"ApiKey ", "ApiKey ugk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "Basic dXNlcjpwYXNz",
		"Bearer " + strings.Repeat("A", maxTokenLen), "Bearer " + strings.Repeat("eyJ.", 5000),
		strings.Repeat("x", 1<<20), "Bearer \x00\xff.\xfe.\x01",
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/graphql", nil).WithContext(context.Background())
		r.Header["Authorization"] = []string{header}
		c, err := a.Authenticate(r)
		if err == nil {
			t.Fatalf("authenticated %+v from %q", c, header)
		}
		if c.Kind != Anonymous || c.UserID != "" || c.ServiceName != "" {
			t.Fatalf("caller %+v returned with error", c)
		}
		if !errors.Is(err, ErrUnauthenticated) {
			t.Fatalf("error %v does not wrap ErrUnauthenticated", err)
		}
		reason := ReasonOf(err)
		known := false
		for _, k := range knownReasons {
			known = known || k == reason
		}
		if !known || err.Error() != "unauthenticated: "+reason {
			t.Fatalf("unexpected error text %q", err.Error())
		}
	})
}
