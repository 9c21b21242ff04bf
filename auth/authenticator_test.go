package auth

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
)

func with(c map[string]any, kv ...any) map[string]any {
	c = maps.Clone(c)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(c, kv[i].(string))
		} else {
			c[kv[i].(string)] = kv[i+1]
		}
	}
	return c
}

func TestAuthenticateTokens(t *testing.T) {
	testKeys(t)
	srv := newJWKSServer(t, rsaKey, ecKey)
	a := newRemoteAuth(t, srv, nil)

	now := time.Now()
	valid := userClaims(now)
	validTok := sign(t, rsaKey, jwa.RS256(), valid, nil)
	parts := strings.Split(validTok, ".")
	// The public key as an attacker would obtain it: the JWKS document and
	// the PEM encoding.
	jwksBytes := srv.body
	var rawPub any
	must(t, jwk.Export(rsaKey.pub, &rawPub))
	der, err := x509.MarshalPKIXPublicKey(rawPub)
	must(t, err)
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})

	wantUser := Caller{
		Kind:           User,
		UserID:         "usr_1",
		OrganizationID: "org_1",
		Roles:          []string{"admin"},
		Permissions:    []string{"users:read", "users:write"},
		TokenID:        "tok-1",
	}
	tampered := rawToken(t, map[string]any{"alg": "RS256", "kid": rsaKey.kid},
		with(valid, "sub", "usr_2"), nil)
	tampered = tampered[:strings.LastIndex(tampered, ".")+1] + parts[2]

	tests := []struct {
		name   string
		token  string
		want   Caller
		reason string
	}{
		{name: "valid RS256 user token", token: validTok, want: wantUser},
		{name: "valid ES256, alg inferred from key", token: sign(t, ecKey, jwa.ES256(), valid, nil), want: wantUser},
		{name: "expired beyond skew", token: sign(t, rsaKey, jwa.RS256(), with(valid, "exp", now.Add(-time.Minute).Unix()), nil), reason: ReasonExpired},
		{name: "expired within skew", token: sign(t, rsaKey, jwa.RS256(), with(valid, "exp", now.Add(-10*time.Second).Unix()), nil), want: wantUser},
		{name: "not yet valid", token: sign(t, rsaKey, jwa.RS256(), with(valid, "nbf", now.Add(time.Minute).Unix()), nil), reason: ReasonNotYetValid},
		{name: "nbf within skew", token: sign(t, rsaKey, jwa.RS256(), with(valid, "nbf", now.Add(10*time.Second).Unix()), nil), want: wantUser},
		{name: "issued in the future", token: sign(t, rsaKey, jwa.RS256(), with(valid, "iat", now.Add(time.Minute).Unix(), "nbf", nil), nil), reason: ReasonIssuedInFuture},
		{name: "no exp", token: sign(t, rsaKey, jwa.RS256(), with(valid, "exp", nil), nil), reason: ReasonMissingExpiry},
		{name: "wrong issuer", token: sign(t, rsaKey, jwa.RS256(), with(valid, "iss", "https://evil.scalekit.test"), nil), reason: ReasonBadIssuer},
		{name: "no issuer", token: sign(t, rsaKey, jwa.RS256(), with(valid, "iss", nil), nil), reason: ReasonBadIssuer},
		{name: "wrong audience", token: sign(t, rsaKey, jwa.RS256(), with(valid, "aud", []string{"other-api"}), nil), reason: ReasonBadAudience},
		{name: "no audience", token: sign(t, rsaKey, jwa.RS256(), with(valid, "aud", nil), nil), reason: ReasonBadAudience},
		{name: "audience as string", token: sign(t, rsaKey, jwa.RS256(), with(valid, "aud", testAudience), nil), want: wantUser},
		{name: "one of several audiences", token: sign(t, rsaKey, jwa.RS256(), with(valid, "aud", []string{"x", testAudience}), nil), want: wantUser},
		{name: "signed by unknown key", token: sign(t, rotatedKey, jwa.RS256(), valid, nil), reason: ReasonUnknownKey},
		{name: "known kid, wrong key", token: sign(t, impostorKey, jwa.RS256(), valid, nil), reason: ReasonBadSignature},
		{name: "no kid", token: rawToken(t, map[string]any{"alg": "RS256"}, valid, []byte("sig")), reason: ReasonMissingKeyID},
		{name: "alg none", token: rawToken(t, map[string]any{"alg": "none", "kid": rsaKey.kid}, valid, nil), reason: ReasonUnsupportedAlg},
		{name: "alg none without signature", token: strings.TrimSuffix(rawToken(t, map[string]any{"alg": "none", "kid": rsaKey.kid}, valid, nil), "."), reason: ReasonMalformedToken},
		{name: "HS256 with PEM public key as secret", token: hs256(t, map[string]any{"alg": "HS256", "kid": rsaKey.kid, "typ": "JWT"}, valid, pemBytes), reason: ReasonUnsupportedAlg},
		{name: "HS256 with JWKS as secret", token: hs256(t, map[string]any{"alg": "HS256", "kid": rsaKey.kid}, valid, jwksBytes), reason: ReasonUnsupportedAlg},
		{name: "HS256 against key without alg", token: hs256(t, map[string]any{"alg": "HS256", "kid": ecKey.kid}, valid, jwksBytes), reason: ReasonUnsupportedAlg},
		{name: "alg differs from key's alg", token: sign(t, rsaKey, jwa.PS256(), valid, nil), reason: ReasonUnsupportedAlg},
		{name: "alg not valid for key type", token: rawToken(t, map[string]any{"alg": "RS256", "kid": ecKey.kid}, valid, []byte("sig")), reason: ReasonUnsupportedAlg},
		{name: "tampered payload", token: tampered, reason: ReasonBadSignature},
		{name: "tampered signature", token: parts[0] + "." + parts[1] + "." + flip(parts[2]), reason: ReasonBadSignature},
		{name: "crit header", token: sign(t, rsaKey, jwa.RS256(), valid, map[string]any{"crit": []string{"exp"}, "exp": 1}), reason: ReasonMalformedToken},
		{name: "client credentials of a service", token: sign(t, rsaKey, jwa.RS256(), with(valid, "sub", testService, "client_id", testService, "oid", nil, "roles", nil, "permissions", nil), nil),
			want: Caller{Kind: Service, ServiceName: testService, TokenID: "tok-1"}},
		{name: "client credentials of another client", token: sign(t, rsaKey, jwa.RS256(), with(valid, "sub", "skc_other", "client_id", "skc_other"), nil), reason: ReasonUnknownSubject},
		{name: "user token via service client stays user", token: sign(t, rsaKey, jwa.RS256(), with(valid, "client_id", testService), nil), want: wantUser},
		{name: "remote service claim ignored", token: sign(t, rsaKey, jwa.RS256(), with(valid, "sub", "billing", "service", true), nil), reason: ReasonUnknownSubject},
		{name: "remote service claim on user token ignored", token: sign(t, rsaKey, jwa.RS256(), with(valid, "service", true), nil), want: wantUser},
		{name: "no subject", token: sign(t, rsaKey, jwa.RS256(), with(valid, "sub", nil), nil), reason: ReasonMissingSubject},
		{name: "roles not strings", token: sign(t, rsaKey, jwa.RS256(), with(valid, "roles", []any{1, 2}), nil), reason: ReasonMalformedClaims},
		{name: "oid not a string", token: sign(t, rsaKey, jwa.RS256(), with(valid, "oid", 7), nil), reason: ReasonMalformedClaims},
		{name: "exp not a number", token: sign(t, rsaKey, jwa.RS256(), with(valid, "exp", "tomorrow"), nil), reason: ReasonMalformedToken},
		{name: "too large", token: strings.Repeat("a", maxTokenLen+1), reason: ReasonTokenTooLarge},
		{name: "one part", token: "abc", reason: ReasonMalformedToken},
		{name: "two parts", token: "abc.def", reason: ReasonMalformedToken},
		{name: "empty parts", token: "..", reason: ReasonMalformedToken},
		{name: "garbage parts", token: "a.b.c", reason: ReasonMalformedToken},
		{name: "header not JSON", token: "bm90IGpzb24.e30.c2ln", reason: ReasonMalformedToken},
		{name: "JWE shape", token: "a.b.c.d.e", reason: ReasonMalformedToken},
		{name: "payload not JSON", token: parts[0] + ".bm90IGpzb24." + parts[2], reason: ReasonBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.Authenticate(bearer(tt.token))
			if tt.reason != "" {
				if err == nil {
					t.Fatalf("accepted; caller %+v", got)
				}
				if !errors.Is(err, ErrUnauthenticated) {
					t.Fatalf("error %v does not wrap ErrUnauthenticated", err)
				}
				if r := ReasonOf(err); r != tt.reason {
					t.Fatalf("reason %q (%v), want %q", r, errors.Unwrap(err), tt.reason)
				}
				if err.Error() != "unauthenticated: "+tt.reason {
					t.Fatalf("Error() = %q", err.Error())
				}
				if !reflect.DeepEqual(got, Caller{}) {
					t.Fatalf("caller %+v returned with error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v (%v)", err, errors.Unwrap(err))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("caller\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func flip(s string) string {
	b := []byte(s)
	if b[0] == 'A' {
		b[0] = 'B'
	} else {
		b[0] = 'A'
	}
	return string(b)
}

func TestAuthenticateHeaders(t *testing.T) {
	testKeys(t)
	srv := newJWKSServer(t, rsaKey)
	plain, key, err := NewAPIKey("billing")
	must(t, err)
	a := newRemoteAuth(t, srv, func(c *Config) { c.APIKeys = []APIKey{key} })
	tok := sign(t, rsaKey, jwa.RS256(), userClaims(time.Now()), nil)

	tests := []struct {
		name    string
		headers map[string][]string
		kind    Kind
		reason  string
	}{
		{name: "no credentials", reason: ReasonNoCredentials},
		{name: "bearer", headers: map[string][]string{"Authorization": {"Bearer " + tok}}, kind: User},
		{name: "bearer lower case, extra spaces", headers: map[string][]string{"Authorization": {"  bearer   " + tok + " "}}, kind: User},
		{name: "api key header", headers: map[string][]string{"X-Api-Key": {plain}}, kind: Service},
		{name: "api key scheme", headers: map[string][]string{"Authorization": {"ApiKey " + plain}}, kind: Service},
		{name: "empty authorization", headers: map[string][]string{"Authorization": {""}}, reason: ReasonMalformedHeader},
		{name: "scheme only", headers: map[string][]string{"Authorization": {"Bearer "}}, reason: ReasonMalformedHeader},
		{name: "basic", headers: map[string][]string{"Authorization": {"Basic dXNlcjpwYXNz"}}, reason: ReasonUnsupportedScheme},
		{name: "token without scheme", headers: map[string][]string{"Authorization": {tok}}, reason: ReasonMalformedHeader},
		{name: "two authorization headers", headers: map[string][]string{"Authorization": {"Bearer " + tok, "Bearer " + tok}}, reason: ReasonConflicting},
		{name: "bearer and api key", headers: map[string][]string{"Authorization": {"Bearer " + tok}, "X-Api-Key": {plain}}, reason: ReasonConflicting},
		{name: "wrong api key", headers: map[string][]string{"X-Api-Key": {plain + "x"}}, reason: ReasonInvalidAPIKey},
		{name: "empty api key", headers: map[string][]string{"X-Api-Key": {""}}, reason: ReasonInvalidAPIKey},
		{name: "huge api key", headers: map[string][]string{"X-Api-Key": {strings.Repeat("k", 1<<20)}}, reason: ReasonInvalidAPIKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/graphql", nil)
			maps.Copy(r.Header, tt.headers)
			c, err := a.Authenticate(r)
			if tt.reason != "" {
				if ReasonOf(err) != tt.reason || !errors.Is(err, ErrUnauthenticated) {
					t.Fatalf("got %+v, %v; want reason %q", c, err, tt.reason)
				}
				return
			}
			if err != nil || c.Kind != tt.kind {
				t.Fatalf("got %+v, %v; want kind %v", c, err, tt.kind)
			}
			if c.Kind == Service && c.ServiceName != "billing" {
				t.Fatalf("service name %q", c.ServiceName)
			}
		})
	}
}

func TestKeyRotation(t *testing.T) {
	testKeys(t)
	srv := newJWKSServer(t, rsaKey)
	a := newRemoteAuth(t, srv, nil)
	before := srv.fetches.Load()

	tok := sign(t, rotatedKey, jwa.RS256(), userClaims(time.Now()), nil)
	if _, err := a.Authenticate(bearer(tok)); ReasonOf(err) != ReasonUnknownKey {
		t.Fatalf("before rotation: %v", err)
	}
	if got := srv.fetches.Load() - before; got != 1 {
		t.Fatalf("unknown kid caused %d fetches, want 1", got)
	}

	// The provider publishes the new key. The previous refetch was just now,
	// so pretend the rate-limit window has passed.
	srv.setKeys(t, rsaKey, rotatedKey)
	a.remote.sem <- struct{}{}
	a.remote.lastRefresh = a.remote.lastRefresh.Add(-DefaultJWKSMinRefresh)
	<-a.remote.sem
	before = srv.fetches.Load()

	c, err := a.Authenticate(bearer(tok))
	if err != nil || c.UserID != "usr_1" {
		t.Fatalf("after rotation: %+v, %v", c, err)
	}
	if got := srv.fetches.Load() - before; got != 1 {
		t.Fatalf("rotation took %d fetches, want 1", got)
	}
	// Now cached: no more fetches, old key still valid.
	for _, k := range []testKey{rotatedKey, rsaKey} {
		if _, err := a.Authenticate(bearer(sign(t, k, jwa.RS256(), userClaims(time.Now()), nil))); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.fetches.Load() - before; got != 1 {
		t.Fatalf("known kids caused fetches: %d", got)
	}
}

// fakeClock is a settable clock for the refetch rate limit.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestJWKSRefetchRateLimit(t *testing.T) {
	testKeys(t)
	srv := newJWKSServer(t, rsaKey)
	clock := &fakeClock{t: time.Now()}
	a := newRemoteAuth(t, srv, func(c *Config) { c.JWKSMinRefresh = 10 * time.Minute })
	a.now = clock.now
	base := srv.fetches.Load()

	flood := func(n int) {
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// Each token names a different unknown kid.
				k := rotatedKey
				k.kid = "unknown-" + string(rune('a'+i%26)) + time.Duration(i).String()
				tok := sign(t, k, jwa.RS256(), userClaims(clock.now()), nil)
				if _, err := a.Authenticate(bearer(tok)); ReasonOf(err) != ReasonUnknownKey {
					t.Errorf("unknown kid: %v", err)
				}
			})
		}
		wg.Wait()
	}

	flood(50)
	if got := srv.fetches.Load() - base; got != 1 {
		t.Fatalf("first flood: %d fetches, want 1", got)
	}
	clock.add(9 * time.Minute)
	flood(50)
	if got := srv.fetches.Load() - base; got != 1 {
		t.Fatalf("second flood within the window: %d fetches, want 1", got)
	}
	clock.add(time.Minute)
	flood(50)
	if got := srv.fetches.Load() - base; got != 2 {
		t.Fatalf("flood after the window: %d fetches, want 2", got)
	}
	// Valid tokens never trigger fetches.
	if _, err := a.Authenticate(bearer(sign(t, rsaKey, jwa.RS256(), userClaims(time.Now()), nil))); err != nil {
		t.Fatal(err)
	}
	if got := srv.fetches.Load() - base; got != 2 {
		t.Fatalf("valid token fetched: %d", got)
	}
}

func TestJWKSUnavailable(t *testing.T) {
	testKeys(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	a, err := New(Config{Issuer: testIssuer, JWKSURL: srv.URL + "/keys", HTTPClient: srv.Client()})
	must(t, err)
	defer a.Close()

	_, err = a.Authenticate(bearer(sign(t, rsaKey, jwa.RS256(), userClaims(time.Now()), nil)))
	if ReasonOf(err) != ReasonKeysUnavailable || !errors.Is(err, ErrKeysUnavailable) || !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("got %v", err)
	}
}

func TestNewConfigErrors(t *testing.T) {
	ks, err := GenerateKeySet()
	must(t, err)
	for name, cfg := range map[string]Config{
		"nothing":           {},
		"no issuer":         {LocalKeys: ks},
		"http jwks":         {Issuer: testIssuer, JWKSURL: "http://keys.example.com/keys"},
		"bad jwks url":      {Issuer: testIssuer, JWKSURL: "::"},
		"negative skew":     {Issuer: testIssuer, LocalKeys: ks, ClockSkew: -time.Second},
		"user as service":   {Issuer: testIssuer, LocalKeys: ks, ServiceClientIDs: []string{"usr_1"}},
		"duplicate api key": {APIKeys: []APIKey{{Name: "a"}, {Name: "a", Hash: [32]byte{1}}}},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestCallerHelpers(t *testing.T) {
	if c := CallerFrom(context.Background()); !c.IsAnonymous() || c.IsService() {
		t.Fatalf("default caller %+v", c)
	}
	u := Caller{Kind: User, UserID: "usr_1", Roles: []string{"admin"}}
	if got := CallerFrom(WithCaller(context.Background(), u)); got.UserID != "usr_1" || got.IsService() || got.IsAnonymous() {
		t.Fatalf("user caller %+v", got)
	}
	if s := (Caller{Kind: Service, ServiceName: "billing"}); !s.IsService() || s.IsAnonymous() {
		t.Fatal("service caller")
	}
	if Anonymous.String() != "anonymous" || User.String() != "user" || Service.String() != "service" {
		t.Fatal("Kind.String")
	}
}

func TestIssuerTrailingSlashAndHelpers(t *testing.T) {
	if got := ScalekitJWKSURL("https://acme.scalekit.dev/"); got != "https://acme.scalekit.dev/keys" {
		t.Fatalf("ScalekitJWKSURL = %q", got)
	}
	ks, err := GenerateKeySet()
	must(t, err)
	a, err := New(Config{Issuer: "https://acme.scalekit.dev/", LocalKeys: ks})
	must(t, err)
	for iss, ok := range map[string]bool{
		"https://acme.scalekit.dev":      true,
		"https://acme.scalekit.dev/":     true,
		"https://acme.scalekit.dev.evil": false,
		"https://acme.scalekit.dev/x":    false,
		"https://acme.scalekit.dev//":    false,
		"http://acme.scalekit.dev":       false,
	} {
		tok, err := ks.Mint(MintClaims{Issuer: iss, Subject: "usr_1"}, time.Minute)
		must(t, err)
		if _, err := a.Authenticate(bearer(tok)); (err == nil) != ok {
			t.Errorf("issuer %q: %v", iss, err)
		}
	}
}
