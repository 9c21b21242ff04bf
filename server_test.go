package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/directory/scalekit/redistest"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"
	"github.com/usergraph/usergraph/observe"
)

func envOf(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig(nil, envOf(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "127.0.0.1:8080" || c.db != "data/usergraph.db" || !c.seed || !c.introspection || c.loaderIdle != time.Millisecond {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestConfigFlagsOverrideEnvironment(t *testing.T) {
	c, err := loadConfig([]string{"-addr", "localhost:9090", "-seed=false"},
		envOf("USERGRAPH_ADDR", "127.0.0.1:1", "USERGRAPH_DB", "/tmp/x.db", "USERGRAPH_MAX_DEPTH", "9"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.addr != "localhost:9090" || c.seed || c.db != "/tmp/x.db" || c.maxDepth != 9 {
		t.Fatalf("got %+v", c)
	}
}

// A wrong setting stops the start with one line that names the setting, its value and what
// it accepts, in plain words: never Go's internals (strconv.Atoi, time.ParseDuration).
func TestBadConfigurationFailsWithOneClearLine(t *testing.T) {
	for _, tc := range []struct {
		env  func(string) string
		args []string
		want string
	}{
		{envOf("USERGRAPH_SEED", "maybe"), nil, `USERGRAPH_SEED is "maybe", but it must be true or false`},
		{envOf("USERGRAPH_INTROSPECTION", "sometimes"), nil, `USERGRAPH_INTROSPECTION is "sometimes", but it must be true or false`},
		{envOf("USERGRAPH_MAX_DEPTH", "abc"), nil, `USERGRAPH_MAX_DEPTH is "abc", but it must be a whole number of at least 1`},
		{envOf("USERGRAPH_LOADER_IDLE", "5"), nil, `USERGRAPH_LOADER_IDLE is "5", but it must be a length of time above zero with its unit, such as 500us, 1ms or 2s`},
		{envOf("USERGRAPH_RATE_LIMIT", "-1"), nil, `USERGRAPH_RATE_LIMIT is "-1", but it must be a number of at least 0`},
		{envOf("SCALEKIT_CLIENT_ID", "id"), nil, "must be set together"},
		{envOf("SCALEKIT_CONCURRENCY", "0"), nil, `SCALEKIT_CONCURRENCY is "0", but it must be a whole number of at least 1`},
		{envOf("SCALEKIT_MEMBER_LISTS", "sometimes"), nil, "SCALEKIT_MEMBER_LISTS"},
		{envOf("USERGRAPH_CACHE_TTL", "-1s"), nil, `USERGRAPH_CACHE_TTL is "-1s", but it must be a length of time`},
		{envOf("USERGRAPH_CACHE_TTL_USER", "5"), nil, `USERGRAPH_CACHE_TTL_USER is "5", but it must be a length of time`},
		{envOf("SCALEKIT_ENVIRONMENT_URL", "https://x.scalekit.dev", "SCALEKIT_CLIENT_ID", "a", "SCALEKIT_CLIENT_SECRET", "b"), nil, "USERGRAPH_TOKEN_AUDIENCE must name"},
		{envOf("USERGRAPH_API_KEYS", "svc:nothex"), nil, "USERGRAPH_API_KEYS"},
		{envOf("USERGRAPH_REDIS_URL", "redis://localhost:6379"), nil, "USERGRAPH_REDIS_URL is for Scalekit mode only"},
		{envOf(), []string{"-addr", "no-port"}, `USERGRAPH_ADDR (-addr) is "no-port", but it must be host:port`},
		{envOf("USERGRAPH_MAX_BODY_BYTES", "-5"), nil, `USERGRAPH_MAX_BODY_BYTES is "-5", but it must be a whole number of at least 1`},
		{envOf(), []string{"-max-depth", "0"}, `invalid value "0" for flag -max-depth: must be a whole number of at least 1`},
		{envOf(), []string{"-loader-idle", "5"}, `invalid value "5" for flag -loader-idle: must be a length of time above zero`},
		{envOf(), []string{"-seed=perhaps"}, `invalid boolean value "perhaps" for -seed: must be true or false`},
		{envOf(), []string{"-no-such-flag"}, "flag provided but not defined: -no-such-flag (go run . -h lists the flags)"},
	} {
		_, err := loadConfig(tc.args, tc.env, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("want one line containing %q, got %v", tc.want, err)
			continue
		}
		for _, internal := range []string{"strconv", "time:", "parse error", "invalid syntax"} {
			if strings.Contains(err.Error(), internal) {
				t.Errorf("%v speaks Go's internals (%q)", err, internal)
			}
		}
	}
}

// -h lists the commands (token among them) and every flag with its variable.
func TestHelpListsTheSubcommands(t *testing.T) {
	var out strings.Builder
	if _, err := loadConfig([]string{"-h"}, envOf(), &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: %v", err)
	}
	for _, want := range []string{"usergraph token -user usr_", "usergraph token -service NAME", "-max-depth", "(USERGRAPH_MAX_DEPTH)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := runToken(context.Background(), []string{"-h"}, envOf(), io.Discard, &out); !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("token -h: %v", err)
	}
	if !strings.Contains(out.String(), "-user") || !strings.Contains(out.String(), "-service") {
		t.Errorf("token -h does not list its flags:\n%s", out.String())
	}
}

// With the three SCALEKIT_ settings the server checks the environment before it serves:
// wrong credentials or an unreachable environment stop the start with one line.
func TestScalekitBackendIsCheckedAtStart(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{})
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "http://" + closed.Addr().String()
	closed.Close()
	log := slog.New(slog.DiscardHandler)
	for _, tc := range []struct {
		url, secret, want string
	}{
		{fake.URL(), "test-secret", ""},
		{fake.URL(), "wrong-secret", "refused the client credentials"},
		{unreachable, "test-secret", "unreachable"},
		{"ftp://example.test", "test-secret", "not an http(s) URL"},
	} {
		cfg, err := loadConfig(nil, envOf("SCALEKIT_ENVIRONMENT_URL", tc.url, "SCALEKIT_CLIENT_ID", "test-client",
			"SCALEKIT_CLIENT_SECRET", tc.secret, "USERGRAPH_TOKEN_AUDIENCE", "usergraph"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		dir, closeDir, err := openDirectory(context.Background(), cfg, log, observe.NewMetrics(nil))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.url, err)
		case tc.want == "":
			if err := dir.Ping(context.Background()); err != nil {
				t.Errorf("ping: %v", err)
			}
			closeDir()
		case err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n"):
			t.Errorf("%s: want one line containing %q, got %v", tc.url, tc.want, err)
		case strings.Contains(err.Error(), tc.secret):
			t.Errorf("the secret leaked into %v", err)
		}
		if time.Since(start) > 10*time.Second {
			t.Errorf("%s: the start took %s", tc.url, time.Since(start))
		}
	}
}

// `usergraph token` signs with the key the server checks tokens with, kept beside the
// database, for users the store holds; the playground's development token exists only on
// loopback.
func TestDevelopmentTokensAndPlaygroundToken(t *testing.T) {
	db := filepath.Join(t.TempDir(), "u.db")
	var out strings.Builder
	err := runToken(context.Background(), []string{"-db", db, "-user", demo.Users[0].ID()}, envOf(), &out, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "there is no embedded store at "+db) {
		t.Fatalf("a token for a store that does not exist yet: %v", err)
	}
	store, err := sqlstore.OpenSQLite(context.Background(), db, sqlstore.Options{Seed: true})
	if err != nil {
		t.Fatal(err)
	}
	store.Close()
	for _, user := range []string{"usr_0000000000000000999", "usr_nope"} {
		err := runToken(context.Background(), []string{"-db", db, "-user", user}, envOf(), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "there is no user "+user+" in "+db) {
			t.Errorf("a token for the unknown user %s: %v", user, err)
		}
	}
	if err := runToken(context.Background(), []string{"-db", db, "-user", demo.Users[0].ID()}, envOf(), &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"127.0.0.1:8080", "0.0.0.0:8080"} {
		cfg, err := loadConfig([]string{"-db", db, "-addr", addr}, envOf(), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		creds, err := setUpAuth(cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer creds.authenticator.Close()
		req := httptest.NewRequest("POST", "/graphql", nil)
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(out.String()))
		caller, err := creds.authenticator.Authenticate(req)
		if err != nil || caller.UserID != demo.Users[0].ID() {
			t.Fatalf("%s: the minted token authenticates as %+v, %v", addr, caller, err)
		}
		if got := creds.playgroundHeaders != nil; got != (addr == "127.0.0.1:8080") {
			t.Errorf("%s: playground token present = %v", addr, got)
		}
		if !strings.Contains(creds.help, "go run . token -user") {
			t.Errorf("%s: the 401 help does not say how to get a development token: %q", addr, creds.help)
		}
	}
	if err := runToken(context.Background(), []string{"-db", db}, envOf(), io.Discard, io.Discard); err == nil {
		t.Error("a token needs -user or -service")
	}
	if info, err := os.Stat(filepath.Join(filepath.Dir(db), auth.SigningKeyFile)); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("signing key file: %v %v", info, err)
	}
}

// USERGRAPH_DATABASE_URL selects PostgreSQL; a wrong one stops the start without showing
// the connection string (it may hold a password).
func TestPostgresBackendIsSelectedByDatabaseURL(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	cfg, err := loadConfig(nil, envOf("USERGRAPH_DATABASE_URL", postgrestest.Start(t)), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir, closeDir, err := openDirectory(context.Background(), cfg, log, observe.NewMetrics(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer closeDir()
	if _, ok := dir.(*sqlstore.Store); !ok {
		t.Fatalf("got %T", dir)
	}
	bad := "postgres://app:s3cret@127.0.0.1:1/nowhere?connect_timeout=2"
	cfg, _ = loadConfig(nil, envOf("USERGRAPH_DATABASE_URL", bad), io.Discard)
	_, _, err = openDirectory(context.Background(), cfg, log, observe.NewMetrics(nil))
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "\n") {
		t.Errorf("want one line without the password, got %v", err)
	}
	if _, err := loadConfig(nil, envOf("USERGRAPH_DATABASE_URL", bad, "SCALEKIT_ENVIRONMENT_URL", "https://x.test",
		"SCALEKIT_CLIENT_ID", "a", "SCALEKIT_CLIENT_SECRET", "b"), io.Discard); err == nil {
		t.Error("two backends at once must be refused")
	}
}

// TestMain stops the PostgreSQL server the tests started, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	postgrestest.Stop()
	os.Exit(code)
}

func TestIntrospectionDefaultsFollowTheBackend(t *testing.T) {
	sk := []string{"SCALEKIT_ENVIRONMENT_URL", "https://x.scalekit.dev", "SCALEKIT_CLIENT_ID", "a", "SCALEKIT_CLIENT_SECRET", "b",
		"USERGRAPH_TOKEN_AUDIENCE", "usergraph"}
	for _, tc := range []struct {
		env  []string
		args []string
		want bool
	}{
		{nil, nil, true},
		{sk, nil, false},
		{append(sk, "USERGRAPH_INTROSPECTION", "true"), nil, true},
		{sk, []string{"-introspection"}, true},
		{[]string{"USERGRAPH_INTROSPECTION", "false"}, nil, false},
	} {
		cfg, err := loadConfig(tc.args, envOf(tc.env...), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.introspectionOn(); got != tc.want {
			t.Errorf("%v %v: introspection %v, want %v", tc.env, tc.args, got, tc.want)
		}
	}
}

// SCALEKIT_MEMBER_LISTS reaches the client, and the client's states reach the gateway
// (run asks the opened directory for them).
func TestScalekitMemberListsSettingReachesTheClient(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{})
	for _, tc := range []struct{ setting, want string }{{"", "unknown"}, {"auto", "unknown"}, {"complete", "complete"}, {"partial", "partial"}} {
		cfg, err := loadConfig(nil, envOf("SCALEKIT_ENVIRONMENT_URL", fake.URL(), "SCALEKIT_CLIENT_ID", "test-client",
			"SCALEKIT_CLIENT_SECRET", "test-secret", "USERGRAPH_TOKEN_AUDIENCE", "usergraph", "SCALEKIT_MEMBER_LISTS", tc.setting), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		dir, closeDir, err := openDirectory(context.Background(), cfg, slog.New(slog.DiscardHandler), observe.NewMetrics(prometheus.NewRegistry()))
		if err != nil {
			t.Fatal(err)
		}
		s, ok := dir.(interface{ States() map[string]string })
		if !ok {
			t.Fatalf("%T does not report its states", dir)
		}
		if got := s.States()["member_lists"]; got != tc.want {
			t.Errorf("SCALEKIT_MEMBER_LISTS=%q: member_lists %q, want %q", tc.setting, got, tc.want)
		}
		closeDir()
	}
}

// Two servers given one USERGRAPH_REDIS_URL share their cache: a write through one is read
// through the other, which had the old value cached; a URL that is not Redis's stops the start.
func TestRedisURLMakesReplicasShareTheCache(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	redis := redistest.Start(t)
	open := func(url string) (directory.Directory, func() error, error) {
		cfg, err := loadConfig(nil, envOf("SCALEKIT_ENVIRONMENT_URL", fake.URL(), "SCALEKIT_CLIENT_ID", "test-client",
			"SCALEKIT_CLIENT_SECRET", "test-secret", "USERGRAPH_TOKEN_AUDIENCE", "usergraph", "USERGRAPH_CACHE_TTL", "1h",
			"USERGRAPH_REDIS_URL", url), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		return openDirectory(context.Background(), cfg, slog.New(slog.DiscardHandler), observe.NewMetrics(prometheus.NewRegistry()))
	}
	if _, _, err := open("http://localhost:6379"); err == nil || !strings.Contains(err.Error(), "USERGRAPH_REDIS_URL is not a redis://") {
		t.Errorf("a URL that is not Redis's: %v", err)
	}
	a, closeA, err := open(redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer closeA()
	b, closeB, err := open(redis.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer closeB()
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	given := func(d directory.Directory) string {
		us, err := d.UsersByID(context.Background(), []string{id})
		if err != nil || us[0] == nil {
			t.Fatalf("reading the user: %v", err)
		}
		return *us[0].Profile.GivenName
	}
	if got := given(b); got != "Wile" {
		t.Fatalf("given name %q", got)
	}
	name := "Wilma"
	if _, err := a.UpdateUser(context.Background(), directory.UserUpdate{ID: id, Profile: &directory.ProfileUpdate{GivenName: directory.Some(&name)}}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Second)
	for given(b) != name {
		if time.Now().After(deadline) {
			t.Fatal("the other server still reads the old name a second after the write")
		}
		time.Sleep(time.Millisecond)
	}
}
