// Package e2e runs usergraph against the Node tools of the GraphQL ecosystem: an Apollo
// Federation gateway composing it with another subgraph, and the graphql-http server audit.
// The tools are npm packages pinned in package.json (npm ci in this folder installs them);
// without Node or without them the tests skip, unless USERGRAPH_REQUIRE_NODE=1, as in CI.
package e2e

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/gateway"
)

// node returns the node binary, once the npm packages are installed here; else the test
// skips, or fails when Node is required.
func node(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("node")
	if err == nil {
		if _, err = os.Stat(filepath.Join("node_modules", "graphql", "package.json")); err != nil {
			err = errNotInstalled
		}
	}
	if err != nil {
		if os.Getenv("USERGRAPH_REQUIRE_NODE") == "1" {
			t.Fatalf("Node and the packages of e2e/package.json are required (USERGRAPH_REQUIRE_NODE=1): %v", err)
		}
		t.Skipf("needs Node and `npm ci` in e2e/: %v", err)
	}
	return bin
}

type notInstalled struct{}

func (notInstalled) Error() string { return "e2e/node_modules is missing: run npm ci in e2e/" }

var errNotInstalled error = notInstalled{}

// server is usergraph over a seeded embedded store, listening on a random loopback port.
type server struct {
	url    string // the GraphQL endpoint
	apiKey string // a service's API key
	keys   *auth.KeySet
	dir    directory.Directory
}

const (
	issuer   = "https://usergraph.e2e"
	audience = "usergraph"
)

func startServer(t *testing.T) *server {
	t.Helper()
	store, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "usergraph.db"), sqlstore.Options{Seed: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	keys, err := auth.GenerateKeySet()
	require.NoError(t, err)
	apiKey, rec, err := auth.NewAPIKey("e2e")
	require.NoError(t, err)
	authn, err := auth.New(auth.Config{Issuer: issuer, Audience: []string{audience}, LocalKeys: keys, APIKeys: []auth.APIKey{rec}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = authn.Close() })
	srv := httptest.NewServer(gateway.New(gateway.Config{
		Directory:     directory.WithRules(store),
		Authenticator: authn,
		Introspection: true,
		Logger:        slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn})),
	}))
	t.Cleanup(srv.Close)
	return &server{url: srv.URL + "/graphql", apiKey: apiKey, keys: keys, dir: store}
}

// userToken is a bearer token for a user of the server.
func (s *server) userToken(t *testing.T, userID string) string {
	tok, err := s.keys.Mint(auth.MintClaims{Issuer: issuer, Audience: []string{audience}, Subject: userID}, time.Hour)
	require.NoError(t, err)
	return "Bearer " + tok
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) { w.t.Log(string(p)); return len(p), nil }

// runNode runs a script of this folder with env added, bounded in time, and returns its
// standard output; its standard error goes to the test log.
func runNode(t *testing.T, timeout time.Duration, script string, env ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node(t), script)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = testWriter{t}
	out, err := cmd.Output()
	require.NoError(t, err, "node %s", script)
	return out
}
