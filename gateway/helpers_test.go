package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"
	"github.com/usergraph/usergraph/directory/sqlstore/sqlstoretest"
	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/loaders"
)

// env is a gateway over a real backend, built as `go run .` builds it.
type env struct {
	t       testing.TB
	backend string // "sqlite" or "scalekit"
	// raw is the gateway itself; handler adds the tests' service API key to requests that
	// carry no credentials of their own, so behaviour tests run as a service.
	raw     http.Handler
	dir     directory.Directory // the backend itself, without the input rules
	calls   func() uint64       // backend calls so far: SQL statements, or HTTP requests
	close   func() error        // closes the backend under the gateway
	handler http.Handler
	client  *client.Client
	logs    *strings.Builder
}

// backend opens one kind of directory for a test, empty or with the demo data.
type backend struct {
	name string
	open func(t testing.TB, seed bool) (dir directory.Directory, calls func() uint64, close func() error)
}

// sqliteBackend is the embedded store on a file of the test's own, a copy of one migrated
// (and seeded) once per process (sqlstoretest).
var sqliteBackend = backend{name: "sqlite", open: func(t testing.TB, seed bool) (directory.Directory, func() uint64, func() error) {
	store, err := sqlstore.OpenSQLite(context.Background(), sqlstoretest.SQLiteFile(t, seed), sqlstore.Options{Seed: seed})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return store, store.Statements, store.Close
}}

// scalekitBackend is the Scalekit client over an in-process fake of Scalekit's API, which
// checks every request and answer against Scalekit's published OpenAPI document.
var scalekitBackend = backend{name: "scalekit", open: func(t testing.TB, seed bool) (directory.Directory, func() uint64, func() error) {
	fake, client := openScalekit(t, seed, scalekit.Config{})
	return client, fake.Calls, func() error { return nil }
}}

// openScalekit starts a fake Scalekit and a client of it; cfg tunes the client.
func openScalekit(t testing.TB, seed bool, cfg scalekit.Config) (*scalekittest.Server, *scalekit.Client) {
	return openScalekitWith(t, scalekittest.Options{Seed: seed}, cfg)
}

// openScalekitWith is openScalekit with the fake's options (how the environment behaves).
func openScalekitWith(t testing.TB, opts scalekittest.Options, cfg scalekit.Config) (*scalekittest.Server, *scalekit.Client) {
	fake := scalekittest.New(t, opts)
	cfg.EnvironmentURL, cfg.ClientID, cfg.ClientSecret = fake.URL(), "test-client", "test-secret"
	client, err := scalekit.New(cfg)
	require.NoError(t, err)
	return fake, client
}

// newScalekitEnv is an env over a fake Scalekit that the test can slow down or break.
func newScalekitEnv(t testing.TB, seed bool, cfg scalekit.Config, opts ...envOption) (*env, *scalekittest.Server) {
	t.Helper()
	return newScalekitEnvWith(t, scalekittest.Options{Seed: seed}, cfg, opts...)
}

// newScalekitEnvWith is newScalekitEnv over a fake that behaves as fakeOpts say.
func newScalekitEnvWith(t testing.TB, fakeOpts scalekittest.Options, cfg scalekit.Config, opts ...envOption) (*env, *scalekittest.Server) {
	t.Helper()
	var fake *scalekittest.Server
	b := backend{name: "scalekit", open: func(t testing.TB, seed bool) (directory.Directory, func() uint64, func() error) {
		var client *scalekit.Client
		fakeOpts.Seed = seed
		fake, client = openScalekitWith(t, fakeOpts, cfg)
		return client, fake.Calls, func() error { return nil }
	}}
	return newEnvOn(t, b, fakeOpts.Seed, opts...), fake
}

// postgresBackend is the PostgreSQL store on a throwaway server (postgrestest), one fresh
// database per test, copied from one migrated (and seeded) once per process (sqlstoretest).
var postgresBackend = backend{name: "postgres", open: func(t testing.TB, seed bool) (directory.Directory, func() uint64, func() error) {
	store, err := sqlstore.OpenPostgres(context.Background(), sqlstoretest.PostgresDSN(t, seed), sqlstore.Options{Seed: seed})
	require.NoError(t, err)
	t.Cleanup(func() { _ = store.Close() })
	return store, store.Statements, store.Close
}}

// backends are the backends that every behaviour test runs against.
var backends = []backend{sqliteBackend, postgresBackend, scalekitBackend}

// TestMain stops the PostgreSQL server the tests started, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	postgrestest.Stop()
	os.Exit(code)
}

// envMaker builds an env; behaviour tests receive one per backend.
type envMaker func(t testing.TB, seed bool, opts ...envOption) *env

// eachBackend runs a behaviour test once per backend, so that both keep the same contract.
// The runs are independent (each env has its own backend) and run in parallel: the
// PostgreSQL one mostly waits on its server.
func eachBackend(t *testing.T, test func(t *testing.T, newEnv envMaker)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			test(t, func(t testing.TB, seed bool, opts ...envOption) *env { return newEnvOn(t, b, seed, opts...) })
		})
	}
}

type envOption func(*gateway.Config)

// withDirectory replaces the backend, e.g. with a wrapper that fails on purpose.
func withDirectory(wrap func(directory.Directory) directory.Directory) envOption {
	return func(c *gateway.Config) { c.Directory = wrap(c.Directory) }
}

// withCountingLoaders widens the loaders' idle gap so that statement counts do not depend on
// how fast goroutines start (the race detector slows them tenfold); latency is measured by
// the benchmarks, with the defaults.
func withCountingLoaders() envOption {
	return func(c *gateway.Config) {
		c.Loaders = loaders.Options{Idle: 20 * time.Millisecond, MaxWait: time.Second}
	}
}

// newEnv builds an env over the embedded store.
func newEnv(t testing.TB, seed bool, opts ...envOption) *env {
	t.Helper()
	return newEnvOn(t, sqliteBackend, seed, opts...)
}

func newEnvOn(t testing.TB, b backend, seed bool, opts ...envOption) *env {
	t.Helper()
	dir, calls, closeBackend := b.open(t, seed)
	logs := &strings.Builder{}
	cfg := gateway.Config{
		Directory:     directory.WithRules(dir),
		Logger:        slog.New(slog.NewJSONHandler(logs, nil)),
		Introspection: true,
		Authenticator: testAuthenticator(t),
	}
	// As in production (server.go): a backend that tracks its reads gets the response cache.
	if reads, ok := dir.(directory.ReadTracker); ok {
		cfg.ResponseCache.Reads = reads
	}
	for _, o := range opts {
		o(&cfg)
	}
	raw := gateway.New(cfg)
	h := asService(raw)
	return &env{t: t, backend: b.name, raw: raw, dir: dir, calls: calls, close: closeBackend, handler: h, client: client.New(h, client.Path("/graphql")), logs: logs}
}

// The tests' credentials: a signing key for user tokens and a service API key.
const (
	testIssuer   = "https://usergraph.test"
	testAudience = "usergraph"
)

var (
	testKeysOnce  sync.Once
	testKeys      *auth.KeySet
	testAPIKey    string
	testAPIKeyRec auth.APIKey
)

func testAuthenticator(t testing.TB) *auth.Authenticator {
	testKeysOnce.Do(func() {
		var err error
		testKeys, err = auth.GenerateKeySet()
		if err != nil {
			panic(err)
		}
		if testAPIKey, testAPIKeyRec, err = auth.NewAPIKey("tests"); err != nil {
			panic(err)
		}
	})
	a, err := auth.New(auth.Config{Issuer: testIssuer, Audience: []string{testAudience}, LocalKeys: testKeys,
		APIKeys: []auth.APIKey{testAPIKeyRec}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = a.Close() })
	return a
}

// asService sends requests without credentials as the tests' service.
func asService(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" && r.Header.Get(auth.APIKeyHeader) == "" && r.Header.Get("X-Anonymous") == "" {
			r.Header.Set(auth.APIKeyHeader, testAPIKey)
		}
		h.ServeHTTP(w, r)
	})
}

// userToken is a bearer token for a user, signed by the tests' key.
func userToken(t testing.TB, userID string) string {
	tok, err := testKeys.Mint(auth.MintClaims{Issuer: testIssuer, Audience: []string{testAudience}, Subject: userID}, time.Hour)
	require.NoError(t, err)
	return "Bearer " + tok
}

// queryAs runs a document with the given Authorization header ("" for none at all).
func (e *env) queryAs(authorization, doc string, vars map[string]any) result {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	require.NoError(e.t, err)
	if authorization == "" {
		return decode(e.t, e.post("application/json", string(body), "X-Anonymous", "1"))
	}
	return decode(e.t, e.post("application/json", string(body), "Authorization", authorization))
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

type result struct {
	Data   map[string]any
	Errors []gqlError
}

// query runs a document over HTTP and decodes data and errors, whatever the status.
func (e *env) query(doc string, vars map[string]any) result {
	e.t.Helper()
	body, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	require.NoError(e.t, err)
	return decode(e.t, e.post("application/json", string(body)))
}

// mustQuery runs a document that must succeed without errors, through gqlgen's test client.
func (e *env) mustQuery(doc string, vars map[string]any) map[string]any {
	e.t.Helper()
	var opts []client.Option
	for k, v := range vars {
		opts = append(opts, client.Var(k, v))
	}
	resp, err := e.client.RawPost(doc, opts...)
	require.NoError(e.t, err)
	require.Empty(e.t, resp.Errors, "query failed: %s", doc)
	raw, err := json.Marshal(resp.Data)
	require.NoError(e.t, err)
	var data map[string]any
	require.NoError(e.t, json.Unmarshal(raw, &data))
	return data
}

// post sends a raw HTTP request to the gateway.
func (e *env) post(contentType, body string, headers ...string) *http.Response {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return e.do(req)
}

func (e *env) get(target string) *http.Response {
	e.t.Helper()
	return e.do(httptest.NewRequest(http.MethodGet, target, nil))
}

func (e *env) do(req *http.Request) *http.Response {
	rec := httptest.NewRecorder()
	e.handler.ServeHTTP(rec, req)
	return rec.Result()
}

func decode(t testing.TB, resp *http.Response) result {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out result
	require.NoError(t, json.Unmarshal(body, &out), "body is not JSON: %s", body)
	return out
}

// at walks a decoded JSON value along a path of keys and indexes ("users.nodes.0.email").
func at(v any, path string) any {
	for _, p := range strings.Split(path, ".") {
		switch node := v.(type) {
		case map[string]any:
			v = node[p]
		case []any:
			i := 0
			for _, c := range p {
				i = i*10 + int(c-'0')
			}
			if i >= len(node) {
				return nil
			}
			v = node[i]
		default:
			return nil
		}
	}
	return v
}

func str(v any) string { s, _ := v.(string); return s }

// fixture is a small, known data set built through the store, on top of the seed when
// there is one: two organizations of our own and three users.
type fixture struct {
	orgA, orgB   string
	alice, bob   string
	carol        string
	adminRoleID  string
	memberRoleID string
}

func (e *env) fixture() fixture {
	e.t.Helper()
	ctx := context.Background()
	var f fixture
	data := e.mustQuery(`{ organizations(first: 100) { nodes { id externalId } } roles { id name } }`, nil)
	for _, r := range at(data, "roles").([]any) {
		switch str(at(r, "name")) {
		case "admin":
			f.adminRoleID = str(at(r, "id"))
		case "member":
			f.memberRoleID = str(at(r, "id"))
		}
	}
	orgs := at(data, "organizations.nodes").([]any)
	require.GreaterOrEqual(e.t, len(orgs), 2, "the seed must provide at least two organizations")
	f.orgA, f.orgB = str(at(orgs[0], "id")), str(at(orgs[1], "id"))
	dir := directory.WithRules(e.dir)
	mk := func(email, given string, org string, roles ...string) string {
		u, err := dir.CreateUser(ctx, directory.NewUser{
			OrganizationID: org, Email: email, Roles: roles,
			Profile: directory.ProfileInput{GivenName: &given},
		})
		require.NoError(e.t, err)
		return u.ID
	}
	f.alice = mk("alice@fixture.test", "Alice", f.orgA, "admin")
	f.bob = mk("bob@fixture.test", "Bob", f.orgA, "member")
	f.carol = mk("carol@fixture.test", "Carol", f.orgB)
	_, err := dir.AddMembership(ctx, directory.NewMembership{UserID: f.alice, OrganizationID: f.orgB, Roles: []string{"member"}})
	require.NoError(e.t, err)
	return f
}
