package main

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
)

// target is where requests go and how they identify themselves.
type target struct {
	url string
	// header and value authenticate every request, when set. The server being loaded may
	// or may not authenticate callers: a server that does not ignores the header.
	header, value string
	source        string // where the credential came from, for the report (never the secret)
}

// Credentials for a server that loadtest did not start come from the environment, not from
// flags: a command line is visible to every user of the machine (ps) and is copied into
// the report.
const (
	envAPIKey = "LOADTEST_API_KEY" // sent as X-API-Key
	envToken  = "LOADTEST_TOKEN"   // sent as Authorization: Bearer
	envHeader = "LOADTEST_HEADER"  // "Name: value", sent as is (any other server's scheme)
)

func credentialsFromEnv(getenv func(string) string) (header, value, source string) {
	if h := getenv(envHeader); h != "" {
		if name, v, ok := strings.Cut(h, ":"); ok && strings.TrimSpace(name) != "" {
			return strings.TrimSpace(name), strings.TrimSpace(v), "header " + strings.TrimSpace(name) + " from " + envHeader
		}
	}
	if k := getenv(envAPIKey); k != "" {
		return "X-API-Key", k, "API key from " + envAPIKey
	}
	if t := getenv(envToken); t != "" {
		return "Authorization", "Bearer " + t, "bearer token from " + envToken
	}
	return "", "", "none"
}

func (t target) authorize(r *http.Request) {
	if t.header != "" {
		r.Header.Set(t.header, t.value)
	}
}

// newServiceKey makes an API key in the server's format (ugk_ + 32 random bytes,
// base64url) and the "name:sha256hex" entry that makes the server accept it: loadtest
// gives the server it starts exactly one credential, its own, valid for that process only.
func newServiceKey(name string) (plaintext, entry string, err error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", "", err
	}
	plaintext = "ugk_" + base64.RawURLEncoding.EncodeToString(b[:])
	sum := sha256.Sum256([]byte(plaintext))
	return plaintext, name + ":" + hex.EncodeToString(sum[:]), nil
}

// serverEnv is the environment of a server loadtest starts: ours without any of the
// server's own settings. An inherited SCALEKIT_ENVIRONMENT_URL would make the server
// serve from (and so load) a remote Scalekit environment, and an inherited USERGRAPH_*
// would make the run measure some other configuration than the documented one.
func serverEnv(environ []string, extra ...string) []string {
	out := make([]string, 0, len(environ)+len(extra))
	for _, kv := range environ {
		if strings.HasPrefix(kv, "USERGRAPH_") || strings.HasPrefix(kv, "SCALEKIT_") {
			continue
		}
		out = append(out, kv)
	}
	return append(out, extra...)
}
