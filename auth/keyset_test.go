package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwk"
)

func TestLoadOrCreateKeySet(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	ks, err := LoadOrCreateKeySet(dir)
	must(t, err)
	path := filepath.Join(dir, SigningKeyFile)
	fi, err := os.Stat(path)
	must(t, err)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %#o, want 0600", fi.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("data dir holds %d entries, want only the key file", len(entries))
	}
	contents, err := os.ReadFile(path)
	must(t, err)

	ks2, err := LoadOrCreateKeySet(dir)
	must(t, err)
	if ks2.KeyID() != ks.KeyID() || !bytes.Equal(ks2.PublicJWKS(), ks.PublicJWKS()) {
		t.Fatal("second call returned a different key")
	}
	after, err := os.ReadFile(path)
	must(t, err)
	if !bytes.Equal(after, contents) {
		t.Fatal("second call rewrote the key file")
	}

	// The public JWKS has exactly one public key.
	var doc struct {
		Keys []map[string]any `json:"keys"`
	}
	must(t, json.Unmarshal(ks.PublicJWKS(), &doc))
	if len(doc.Keys) != 1 || doc.Keys[0]["kid"] != ks.KeyID() || doc.Keys[0]["alg"] != "EdDSA" || doc.Keys[0]["d"] != nil {
		t.Fatalf("public JWKS %s", ks.PublicJWKS())
	}

	// Tokens minted with the first instance verify with the reloaded one.
	a, err := New(Config{Issuer: "http://127.0.0.1:8080", Audience: []string{"usergraph"}, LocalKeys: ks2})
	must(t, err)
	tok, err := ks.Mint(MintClaims{
		Issuer: "http://127.0.0.1:8080", Audience: []string{"usergraph"}, Subject: "usr_7",
		OrganizationID: "org_3", Roles: []string{"member"}, Permissions: []string{"users:read"},
	}, time.Hour)
	must(t, err)
	c, err := a.Authenticate(bearer(tok))
	must(t, err)
	if c.Kind != User || c.UserID != "usr_7" || c.OrganizationID != "org_3" || !slices.Equal(c.Roles, []string{"member"}) || !slices.Contains(c.Permissions, "users:read") || c.TokenID == "" {
		t.Fatalf("caller %+v", c)
	}

	svc, err := ks.Mint(MintClaims{Issuer: "http://127.0.0.1:8080", Audience: []string{"usergraph"}, Subject: "importer", Service: true}, time.Hour)
	must(t, err)
	c, err = a.Authenticate(bearer(svc))
	must(t, err)
	if c.Kind != Service || c.ServiceName != "importer" {
		t.Fatalf("service caller %+v", c)
	}

	// A different key set's tokens are refused.
	other, err := GenerateKeySet()
	must(t, err)
	tok, err = other.Mint(MintClaims{Issuer: "http://127.0.0.1:8080", Audience: []string{"usergraph"}, Subject: "usr_7"}, time.Hour)
	must(t, err)
	if _, err := a.Authenticate(bearer(tok)); ReasonOf(err) != ReasonUnknownKey {
		t.Fatalf("foreign key: %v", err)
	}
}

func TestLoadOrCreateKeySetConcurrent(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	kids := make([]string, 8)
	for i := range kids {
		wg.Go(func() {
			ks, err := LoadOrCreateKeySet(dir)
			if err != nil {
				t.Error(err)
				return
			}
			kids[i] = ks.KeyID()
		})
	}
	wg.Wait()
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("concurrent creators disagree: %v", kids)
		}
	}
}

func TestLoadKeySetErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, SigningKeyFile)
	_, err := LoadOrCreateKeySet(dir)
	must(t, err)

	must(t, os.Chmod(path, 0o644))
	if _, err := LoadOrCreateKeySet(dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key accepted: %v", err)
	}
	must(t, os.WriteFile(path, []byte("{not json"), 0o600))
	must(t, os.Chmod(path, 0o600))
	if _, err := LoadOrCreateKeySet(dir); err == nil {
		t.Fatal("corrupt key accepted")
	}
	ks, err := GenerateKeySet()
	must(t, err)
	must(t, os.WriteFile(path, ks.PublicJWKS(), 0o600))
	if _, err := LoadOrCreateKeySet(dir); err == nil {
		t.Fatal("JWKS (no private key) accepted")
	}
}

func TestMintErrors(t *testing.T) {
	ks, err := GenerateKeySet()
	must(t, err)
	for name, tc := range map[string]struct {
		c   MintClaims
		ttl time.Duration
	}{
		"zero ttl":          {MintClaims{Issuer: "i", Subject: "usr_1"}, 0},
		"no issuer":         {MintClaims{Subject: "usr_1"}, time.Minute},
		"no subject":        {MintClaims{Issuer: "i"}, time.Minute},
		"user not usr_":     {MintClaims{Issuer: "i", Subject: "bob"}, time.Minute},
		"service with usr_": {MintClaims{Issuer: "i", Subject: "usr_1", Service: true}, time.Minute},
	} {
		if _, err := ks.Mint(tc.c, tc.ttl); err == nil {
			t.Errorf("%s: minted", name)
		}
	}
}

func TestLocalTokenTimes(t *testing.T) {
	ks, err := GenerateKeySet()
	must(t, err)
	a, err := New(Config{Issuer: "me", LocalKeys: ks, ClockSkew: 5 * time.Second})
	must(t, err)
	now := time.Now()
	for _, tc := range []struct {
		at     time.Time
		ttl    time.Duration
		reason string
	}{
		{now.Add(-2 * time.Minute), time.Minute, ReasonExpired},
		{now.Add(-2 * time.Minute), 2*time.Minute - 3*time.Second, ""}, // expired 3s ago, skew 5s
		{now.Add(time.Minute), time.Hour, ReasonIssuedInFuture},        // iat and nbf both ahead
		{now.Add(3 * time.Second), time.Hour, ""},
	} {
		tok, err := ks.mintAt(MintClaims{Issuer: "me", Subject: "usr_1"}, tc.at, tc.ttl)
		must(t, err)
		_, err = a.Authenticate(bearer(tok))
		if ReasonOf(err) != tc.reason || (tc.reason == "" && err != nil) {
			t.Errorf("minted at %v ttl %v: %v, want %q", tc.at.Sub(now), tc.ttl, err, tc.reason)
		}
	}
}

func TestLoadKeySetES256(t *testing.T) {
	raw, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	k, err := jwk.Import(raw)
	must(t, err)
	must(t, k.Set(jwk.KeyIDKey, "es-1"))
	buf, err := json.Marshal(k)
	must(t, err)
	dir := t.TempDir()
	must(t, os.WriteFile(filepath.Join(dir, SigningKeyFile), buf, 0o600))
	ks, err := LoadOrCreateKeySet(dir)
	must(t, err)
	if ks.KeyID() != "es-1" || !strings.Contains(string(ks.PublicJWKS()), `"ES256"`) {
		t.Fatalf("loaded %s", ks.PublicJWKS())
	}
	a, err := New(Config{Issuer: "me", LocalKeys: ks})
	must(t, err)
	tok, err := ks.Mint(MintClaims{Issuer: "me", Subject: "usr_1"}, time.Minute)
	must(t, err)
	if c, err := a.Authenticate(bearer(tok)); err != nil || c.UserID != "usr_1" {
		t.Fatalf("%+v %v", c, err)
	}

	// P-384 keys are refused.
	raw384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	must(t, err)
	k384, err := jwk.Import(raw384)
	must(t, err)
	buf, err = json.Marshal(k384)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, SigningKeyFile), buf, 0o600))
	if _, err := LoadOrCreateKeySet(dir); err == nil {
		t.Fatal("P-384 key accepted")
	}
}
