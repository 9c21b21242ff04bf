package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func TestSetupEmbeddedAcceptsItsOwnTokensAndAPIKeys(t *testing.T) {
	plain, key, err := NewAPIKey("billing")
	must(t, err)
	dir := t.TempDir()
	a, ks, err := Setup(Settings{APIKeys: []APIKey{key}, KeysDir: dir})
	must(t, err)
	defer a.Close()
	if ks == nil {
		t.Fatal("embedded mode returned no key set")
	}
	if _, err := os.Stat(filepath.Join(dir, SigningKeyFile)); err != nil {
		t.Fatalf("the key was not kept in KeysDir: %v", err)
	}

	tok, err := ks.MintEmbedded(MintClaims{Subject: "usr_1"}, time.Minute)
	must(t, err)
	if c, err := a.Authenticate(bearer(tok)); err != nil || c.Kind != User || c.UserID != "usr_1" {
		t.Fatalf("own token: %+v %v", c, err)
	}
	svc, err := ks.MintEmbedded(MintClaims{Subject: "playground", Service: true}, time.Minute)
	must(t, err)
	if c, err := a.Authenticate(bearer(svc)); err != nil || !c.IsService() || c.ServiceName != "playground" {
		t.Fatalf("own service token: %+v %v", c, err)
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(APIKeyHeader, plain)
	if c, err := a.Authenticate(r); err != nil || c.ServiceName != "billing" {
		t.Fatalf("API key: %+v %v", c, err)
	}

	// The same key with another issuer or audience is not the embedded mode's token.
	for name, claims := range map[string]MintClaims{
		"issuer":   {Issuer: "someone-else", Audience: []string{EmbeddedAudience}, Subject: "usr_1"},
		"audience": {Issuer: EmbeddedIssuer, Audience: []string{"another-app"}, Subject: "usr_1"},
	} {
		tok, err := ks.Mint(claims, time.Minute)
		must(t, err)
		if _, err := a.Authenticate(bearer(tok)); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("other %s accepted: %v", name, err)
		}
	}
}

func TestSetupEmbeddedKeepsOneKeyAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	a1, ks1, err := Setup(Settings{KeysDir: dir})
	must(t, err)
	defer a1.Close()
	a2, ks2, err := Setup(Settings{KeysDir: dir})
	must(t, err)
	defer a2.Close()
	if ks1.KeyID() != ks2.KeyID() {
		t.Fatalf("a second start made a new key: %s, %s", ks1.KeyID(), ks2.KeyID())
	}
	tok, err := ks1.MintEmbedded(MintClaims{Subject: "usr_1"}, time.Minute)
	must(t, err)
	if _, err := a2.Authenticate(bearer(tok)); err != nil {
		t.Fatalf("a token of the first start is refused after a restart: %v", err)
	}
}

func TestSetupScalekitTrustsOnlyTheEnvironment(t *testing.T) {
	var fetched atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Store(r.URL.Path)
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	a, ks, err := Setup(Settings{ScalekitURL: srv.URL + "/", ServiceClientIDs: []string{"skc_1"}, Audience: []string{"api"}})
	must(t, err)
	defer a.Close()
	if ks != nil {
		t.Fatal("Scalekit mode made a signing key")
	}
	// A token of the embedded mode's kind is not Scalekit's: the server has no such key.
	local, err := GenerateKeySet()
	must(t, err)
	tok, err := local.MintEmbedded(MintClaims{Subject: "svc", Service: true}, time.Minute)
	must(t, err)
	if _, err := a.Authenticate(bearer(tok)); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("a self-signed token was accepted: %v", err)
	}
	if got, _ := fetched.Load().(string); got != "/keys" {
		t.Errorf("the key set was fetched from %q, want /keys", got)
	}
}

func TestSetupRefusesAnUnusableKeysDir(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	must(t, os.WriteFile(file, []byte("x"), 0o600))
	if _, _, err := Setup(Settings{KeysDir: file}); err == nil {
		t.Fatal("Setup accepted a file as its keys folder")
	}
}
