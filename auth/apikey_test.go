package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewAPIKey(t *testing.T) {
	plain, key, err := NewAPIKey("billing")
	must(t, err)
	if !strings.HasPrefix(plain, APIKeyPrefix) || len(plain) != len(APIKeyPrefix)+43 {
		t.Fatalf("plaintext %q", plain)
	}
	if key.Name != "billing" || key.Hash != sha256.Sum256([]byte(plain)) {
		t.Fatalf("key %+v", key)
	}
	plain2, _, err := NewAPIKey("billing")
	must(t, err)
	if plain2 == plain {
		t.Fatal("keys repeat")
	}
	if _, _, err := NewAPIKey(""); err == nil {
		t.Fatal("empty name accepted")
	}
	if _, _, err := NewAPIKey("a:b"); err == nil {
		t.Fatal("name with colon accepted")
	}
	// String round-trips through ParseAPIKeys.
	keys, err := ParseAPIKeys(key.String())
	must(t, err)
	if len(keys) != 1 || keys[0] != key {
		t.Fatalf("round trip: %+v", keys)
	}
}

func TestParseAPIKeys(t *testing.T) {
	h1 := hex.EncodeToString(make([]byte, 32))
	h2 := strings.Repeat("ab", 32)
	keys, err := ParseAPIKeys(" billing:" + h1 + " , reports-2:" + strings.ToUpper(h2) + ",")
	must(t, err)
	if len(keys) != 2 || keys[0].Name != "billing" || keys[1].Name != "reports-2" || keys[1].Hash[0] != 0xab {
		t.Fatalf("parsed %+v", keys)
	}
	if keys, err := ParseAPIKeys(""); err != nil || len(keys) != 0 {
		t.Fatalf("empty spec: %v %v", keys, err)
	}
	for name, spec := range map[string]string{
		"bad hex":        "billing:" + strings.Repeat("zz", 32),
		"short hex":      "billing:abcd",
		"long hex":       "billing:" + h1 + "00",
		"missing name":   ":" + h1,
		"missing colon":  "billing" + h1,
		"missing hash":   "billing:",
		"bad name":       "bill ing:" + h1,
		"duplicate name": "a:" + h1 + ",a:" + h2,
		"duplicate hash": "a:" + h1 + ",b:" + h1,
	} {
		if _, err := ParseAPIKeys(spec); err == nil {
			t.Errorf("%s: accepted %q", name, spec)
		}
	}
}

func TestLoadAPIKeysFile(t *testing.T) {
	dir := t.TempDir()
	plain, key, err := NewAPIKey("importer")
	must(t, err)
	path := filepath.Join(dir, "keys")
	content := "# service keys\n\n  importer\t" + hex.EncodeToString(key.Hash[:]) + "  \n# reports " + strings.Repeat("0", 64) + "\nreports " + strings.Repeat("cd", 32) + "\n"
	must(t, os.WriteFile(path, []byte(content), 0o600))
	keys, err := LoadAPIKeysFile(path)
	must(t, err)
	if len(keys) != 2 || keys[0] != key || keys[1].Name != "reports" {
		t.Fatalf("loaded %+v", keys)
	}

	a, err := New(Config{APIKeys: keys})
	must(t, err)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set(APIKeyHeader, plain)
	c, err := a.Authenticate(r)
	if err != nil || c.Kind != Service || c.ServiceName != "importer" {
		t.Fatalf("got %+v %v", c, err)
	}
	// Bearer tokens are refused when no verifier is configured.
	if _, err := a.Authenticate(bearer("a.b.c")); ReasonOf(err) != ReasonNoTokenVerifier {
		t.Fatalf("bearer without verifier: %v", err)
	}

	for name, bad := range map[string]string{
		"three fields": "a " + strings.Repeat("0", 64) + " extra\n",
		"one field":    "a\n",
		"bad hex":      "a " + strings.Repeat("g", 64) + "\n",
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-"))
		must(t, os.WriteFile(p, []byte(bad), 0o600))
		if _, err := LoadAPIKeysFile(p); err == nil || !strings.Contains(err.Error(), ":1:") {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := LoadAPIKeysFile(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file accepted")
	}
}

func TestMatchAPIKey(t *testing.T) {
	var keys []APIKey
	var plains []string
	for _, n := range []string{"a", "b", "c"} {
		p, k, err := NewAPIKey(n)
		must(t, err)
		keys, plains = append(keys, k), append(plains, p)
	}
	for i, p := range plains {
		k, ok := matchAPIKey(keys, p)
		if !ok || k.Name != keys[i].Name {
			t.Fatalf("key %d matched %+v %v", i, k, ok)
		}
	}
	// A key differing in its last byte, a prefix, and the hash itself as
	// the presented key all fail.
	for _, wrong := range []string{plains[0][:len(plains[0])-1] + "!", plains[0][:10], hex.EncodeToString(keys[0].Hash[:]), ""} {
		if k, ok := matchAPIKey(keys, wrong); ok {
			t.Fatalf("%q matched %s", wrong, k.Name)
		}
	}
	if _, ok := matchAPIKey(nil, plains[0]); ok {
		t.Fatal("matched with no keys")
	}
}

// An API key sent to a server that has none configured is told so, not "not accepted".
func TestAPIKeyWithNoKeysConfiguredSaysWhy(t *testing.T) {
	ks, err := GenerateKeySet()
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Issuer: "usergraph", LocalKeys: ks})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set(APIKeyHeader, "ugk_anything")
	_, err = a.Authenticate(req)
	if got := ReasonOf(err); !strings.Contains(got, "this server has no API keys configured (USERGRAPH_API_KEYS") {
		t.Fatalf("reason %q", got)
	}
}
