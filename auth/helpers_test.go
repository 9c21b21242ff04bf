package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"
)

const (
	testIssuer   = "https://acme.scalekit.test"
	testAudience = "usergraph-api"
	testService  = "skc_12345"
)

// testKey is a private signing key with the kid and alg used for it.
type testKey struct {
	priv jwk.Key
	pub  jwk.Key
	kid  string
	alg  jwa.SignatureAlgorithm
}

var (
	keysOnce sync.Once
	// rsaKey is in the JWKS with "alg":"RS256", like Scalekit's keys.
	rsaKey testKey
	// ecKey is in the JWKS without "alg" (the algorithm is inferred).
	ecKey testKey
	// rotatedKey appears in the JWKS only in the rotation test.
	rotatedKey testKey
	// impostorKey uses rsaKey's kid but is a different key.
	impostorKey testKey
)

func testKeys(t testing.TB) {
	t.Helper()
	keysOnce.Do(func() {
		rsaKey = newRSAKey(t, "rsa-1", true)
		rotatedKey = newRSAKey(t, "rsa-2", true)
		impostorKey = newRSAKey(t, "rsa-1", true)
		raw, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		ecKey = importKey(t, raw, "ec-1", jwa.ES256(), false)
	})
}

func newRSAKey(t testing.TB, kid string, withAlg bool) testKey {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return importKey(t, raw, kid, jwa.RS256(), withAlg)
}

func importKey(t testing.TB, raw any, kid string, alg jwa.SignatureAlgorithm, withAlg bool) testKey {
	t.Helper()
	priv, err := jwk.Import(raw)
	if err != nil {
		t.Fatal(err)
	}
	must(t, priv.Set(jwk.KeyIDKey, kid))
	if withAlg {
		must(t, priv.Set(jwk.AlgorithmKey, alg))
	}
	pub, err := priv.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	return testKey{priv: priv, pub: pub, kid: kid, alg: alg}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// jwksServer serves a swappable JWKS and counts fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	body    []byte
	fetches atomic.Int64
}

func newJWKSServer(t testing.TB, keys ...testKey) *jwksServer {
	s := &jwksServer{}
	s.setKeys(t, keys...)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/keys" {
			http.NotFound(w, r)
			return
		}
		s.fetches.Add(1)
		s.mu.Lock()
		body := s.body
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) setKeys(t testing.TB, keys ...testKey) {
	set := jwk.NewSet()
	for _, k := range keys {
		must(t, set.AddKey(k.pub))
	}
	body, err := json.Marshal(set)
	must(t, err)
	s.mu.Lock()
	s.body = body
	s.mu.Unlock()
}

func (s *jwksServer) url() string { return s.URL + "/keys" }

// newRemoteAuth returns an Authenticator for srv whose first JWKS fetch has
// completed.
func newRemoteAuth(t testing.TB, srv *jwksServer, mod func(*Config)) *Authenticator {
	t.Helper()
	cfg := Config{
		Issuer:           testIssuer,
		Audience:         []string{testAudience},
		JWKSURL:          srv.url(),
		HTTPClient:       srv.Client(),
		ServiceClientIDs: []string{testService},
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	must(t, err)
	t.Cleanup(func() { a.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, a.remote.res.Ready(ctx))
	return a
}

// userClaims are the claims of a valid Scalekit user access token.
func userClaims(now time.Time) map[string]any {
	return map[string]any{
		"iss":         testIssuer,
		"aud":         []string{testAudience},
		"sub":         "usr_1",
		"oid":         "org_1",
		"roles":       []string{"admin"},
		"permissions": []string{"users:read", "users:write"},
		"iat":         now.Unix(),
		"nbf":         now.Unix(),
		"exp":         now.Add(time.Hour).Unix(),
		"jti":         "tok-1",
	}
}

// sign makes a compact JWS of claims with k; extra protected headers
// override the defaults (kid = k.kid).
func sign(t testing.TB, k testKey, alg jwa.SignatureAlgorithm, claims map[string]any, extra map[string]any) string {
	t.Helper()
	payload, err := json.Marshal(claims)
	must(t, err)
	h := jws.NewHeaders()
	must(t, h.Set(jws.KeyIDKey, k.kid))
	for name, v := range extra {
		must(t, h.Set(name, v))
	}
	// Sign with a copy without kid/alg so the headers above win.
	var raw any
	must(t, jwk.Export(k.priv, &raw))
	out, err := jws.Sign(payload, jws.WithKey(alg, raw, jws.WithProtectedHeaders(h)))
	must(t, err)
	return string(out)
}

// rawToken assembles a compact JWS from a header, claims and signature
// without signing (for forged tokens).
func rawToken(t testing.TB, header, claims map[string]any, sig []byte) string {
	t.Helper()
	hb, err := json.Marshal(header)
	must(t, err)
	cb, err := json.Marshal(claims)
	must(t, err)
	enc := base64.RawURLEncoding
	return enc.EncodeToString(hb) + "." + enc.EncodeToString(cb) + "." + enc.EncodeToString(sig)
}

// hs256 signs header.claims with HMAC-SHA256 under secret.
func hs256(t testing.TB, header, claims map[string]any, secret []byte) string {
	t.Helper()
	unsigned := rawToken(t, header, claims, nil)
	signingInput := unsigned[:len(unsigned)-1] // drop the trailing "."
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(signingInput))
	return signingInput + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func bearer(tok string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	return r
}
