package gateway_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/observe"
)

// hostileDocuments each get a clear, coded error, and the gateway keeps serving.
func TestHostileDocumentsGetClearErrors(t *testing.T) {
	e := newEnv(t, true)
	// Each level is organization → members → nodes → user → memberships: 5 deep.
	deep := "organization(id: $o) { members { nodes { user { memberships { " +
		strings.Repeat("organization { members { nodes { user { memberships { ", 3) + "status" +
		strings.Repeat(" } } } } }", 4)
	aliases := &strings.Builder{}
	for i := range 500 {
		fmt.Fprintf(aliases, "a%d: roles { name } ", i)
	}
	roots := &strings.Builder{}
	for i := range 40 {
		fmt.Fprintf(roots, "r%d: viewer { id } ", i)
	}
	fragments := "query { ...F0 } " // each fragment spreads the next one twice: 2^30 fields
	for i := range 30 {
		fragments += fmt.Sprintf("fragment F%d on Query { ...F%d ...F%d } ", i, i+1, i+1)
	}
	fragments += "fragment F30 on Query { roles { name } }"
	cycle := "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
	for _, tc := range []struct {
		name, doc string
		vars      map[string]any
		code      string
	}{
		{"deep nesting", "query($o: ID!) { " + deep + " }", map[string]any{"o": "org_1"}, "DEPTH_LIMIT_EXCEEDED"},
		{"alias bomb", "{ " + aliases.String() + " }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"too many root fields", "{ " + roots.String() + " }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"fragment explosion", fragments, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"fragment cycle", cycle, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"huge page", `{ users(first: 100000) { totalCount } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		// Validation bombs (issue 9, item 1): refused by the pre-check, before gqlparser's
		// quadratic validation.
		{"14,000 repeated fields", "{ viewer { " + strings.Repeat("id ", 14000) + "} }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"1 MiB of repeated fields", "{ viewer { " + strings.Repeat("id ", 349000) + "} }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"5,000 __typename", "{ viewer { " + strings.Repeat("__typename ", 5000) + "} }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"5,000 repeated @include", "{ viewer { id " + strings.Repeat("@include(if: true) ", 5000) + "} }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"2,000 fields in fragments", "{ viewer { ...U } } fragment U on User { " + strings.Repeat("email ", 2000) + "}", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"token flood", "{ viewer { id(" + strings.Repeat("a: 1 ", 8000) + ") } }", nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"huge string", `query($s: String) { users(search: $s) { totalCount } }`,
			map[string]any{"s": strings.Repeat("x", 2<<20)}, "PAYLOAD_TOO_LARGE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.query(tc.doc, tc.vars)
			require.NotEmpty(t, r.Errors)
			assert.Equal(t, tc.code, r.Errors[0].code(), r.Errors[0].Message)
			assert.NotEmpty(t, r.Errors[0].Message)
			e.mustQuery(`{ roles { name } }`, nil) // still serving
		})
	}
	t.Run("at most 50 errors in one answer", func(t *testing.T) {
		r := e.query("{ "+strings.Repeat("nope ", 120)+"}", nil)
		require.Len(t, r.Errors, 50)
		assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.Errors[0].code())
		assert.Contains(t, r.Errors[49].Message, "71 more errors")
	})
	t.Run("thousands of operations in one batch", func(t *testing.T) {
		ops := make([]map[string]any, 5000)
		for i := range ops {
			ops[i] = map[string]any{"query": "{ roles { name } }"}
		}
		body, err := json.Marshal(ops)
		require.NoError(t, err)
		resp := e.post("application/json", string(body))
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
		r := decode(t, resp)
		require.NotEmpty(t, r.Errors)
		assert.NotEmpty(t, r.Errors[0].code())
		e.mustQuery(`{ roles { name } }`, nil)
	})
}

func TestPerCallerRateLimit(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) { c.RateLimit, c.RateBurst = 1, 3 })
	f := e.fixture()
	codes := map[int]int{}
	var limited *http.Response
	bob := userToken(t, f.bob)
	for range 5 {
		resp := e.post("application/json", `{"query": "{ roles { name } }"}`, "Authorization", bob)
		codes[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = resp
		}
	}
	assert.Equal(t, 3, codes[http.StatusOK], "the burst passes")
	assert.Equal(t, 2, codes[http.StatusTooManyRequests])
	require.NotNil(t, limited)
	assert.NotEmpty(t, limited.Header.Get("Retry-After"))
	r := decode(t, limited)
	assert.Equal(t, "RATE_LIMITED", r.Errors[0].code())
	// Another caller has its own bucket.
	other := e.queryAs(userToken(t, f.alice), `{ roles { name } }`, nil)
	assert.Empty(t, other.Errors)
}

func TestCORSAllowsOnlyListedOrigins(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) { c.CORSOrigins = []string{"https://app.example.com"} })
	preflight := func(origin string) *http.Response {
		req := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		return e.do(req)
	}
	ok := preflight("https://app.example.com")
	assert.Equal(t, http.StatusNoContent, ok.StatusCode)
	assert.Equal(t, "https://app.example.com", ok.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, ok.Header.Get("Access-Control-Allow-Headers"), "Authorization")
	bad := preflight("https://evil.example.net")
	assert.Equal(t, http.StatusForbidden, bad.StatusCode)
	assert.Empty(t, bad.Header.Get("Access-Control-Allow-Origin"))

	resp := e.post("application/json", `{"query": "{ roles { name } }"}`, "Origin", "https://evil.example.net")
	assert.Empty(t, resp.Header.Get("Access-Control-Allow-Origin"), "no CORS headers for an unlisted origin")
}

func sha(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

func TestAutomaticPersistedQueries(t *testing.T) {
	e := newEnv(t, true)
	doc := `{ roles { name } }`
	ext := map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha(doc)}}
	body := func(withQuery bool) string {
		m := map[string]any{"extensions": ext}
		if withQuery {
			m["query"] = doc
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	first := decode(t, e.post("application/json", body(false)))
	require.NotEmpty(t, first.Errors)
	assert.Equal(t, "PERSISTED_QUERY_NOT_FOUND", first.Errors[0].code())
	registered := decode(t, e.post("application/json", body(true)))
	require.Empty(t, registered.Errors)
	byHash := decode(t, e.post("application/json", body(false)))
	require.Empty(t, byHash.Errors)
	assert.NotEmpty(t, at(byHash.Data, "roles"))
}

func TestSafelistRunsOnlyListedDocuments(t *testing.T) {
	allowed := `{ roles { name } }`
	path := filepath.Join(t.TempDir(), "safelist.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"Roles": "{ roles { name } }"}`), 0o600))
	list, err := gateway.LoadSafelist(path)
	require.NoError(t, err)
	e := newEnv(t, true, func(c *gateway.Config) { c.Safelist = list })
	e.mustQuery(allowed, nil)
	r := e.query(`{ organizations { totalCount } }`, nil)
	require.NotEmpty(t, r.Errors)
	assert.Equal(t, "OPERATION_NOT_ALLOWED", r.Errors[0].code())
	b, _ := json.Marshal(map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha(allowed)}}})
	byHash := decode(t, e.post("application/json", string(b)))
	assert.Empty(t, byHash.Errors, "a safelisted document runs by its hash alone")
}

func TestMetricsNeedCredentialsAndCountOperations(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) { c.Metrics, c.Backend = observe.NewMetrics(prometheus.NewRegistry()), "sqlite" })
	e.mustQuery(`query ListRoles { roles { name } user(email: "wile.coyote@acme.test") { id } }`, nil)
	e.query(`{ nope }`, nil)

	anonymous := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	rec := httptest.NewRecorder()
	e.raw.ServeHTTP(rec, anonymous)
	assert.Equal(t, http.StatusUnauthorized, rec.Code)
	asUser := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	asUser.Header.Set("Authorization", userToken(t, e.fixture().bob))
	rec = httptest.NewRecorder()
	e.raw.ServeHTTP(rec, asUser)
	assert.Equal(t, http.StatusForbidden, rec.Code, "the series span every tenant: services only")

	resp := e.get("/metrics")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	text, _ := io.ReadAll(resp.Body)
	for _, series := range []string{
		`usergraph_graphql_requests_total{operation="ListRoles",type="query"} 1`,
		`usergraph_graphql_errors_total{code="GRAPHQL_VALIDATION_FAILED"} 1`,
		`usergraph_backend_calls_total{backend="sqlite",method="Roles",outcome="ok"}`,
		`usergraph_dataloader_loads_total`,
	} {
		assert.Contains(t, string(text), series)
	}
}

func TestAccessLogNamesRequestAndCallerNotCredentials(t *testing.T) {
	e := newEnv(t, true)
	resp := e.post("application/json", `{"query": "{ roles { name } }"}`, "X-Request-Id", "req-123")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var line map[string]any
	for _, l := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) == nil && m["msg"] == "request" && m["requestId"] == "req-123" {
			line = m
		}
	}
	require.NotNil(t, line, e.logs.String())
	assert.Equal(t, float64(200), line["status"])
	assert.Equal(t, "service", line["caller"])
	assert.NotContains(t, e.logs.String(), testAPIKey, "credentials never reach the logs")
}

// The development token reaches only a browser connected directly over loopback, never a
// request relayed by a proxy on the same host.
func TestPlaygroundTokenOnlyForDirectLoopback(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) {
		c.PlaygroundHeaders = map[string]string{"Authorization": "Bearer dev-token-123"}
	})
	page := func(remote string, headers ...string) string {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = remote
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		rec := httptest.NewRecorder()
		e.raw.ServeHTTP(rec, req)
		require.Equal(t, http.StatusOK, rec.Code)
		return rec.Body.String()
	}
	assert.Contains(t, page("127.0.0.1:5555"), "dev-token-123")
	assert.NotContains(t, page("127.0.0.1:5555", "X-Forwarded-For", "203.0.113.9"), "dev-token-123")
	assert.NotContains(t, page("127.0.0.1:5555", "Forwarded", "for=203.0.113.9"), "dev-token-123")
	assert.NotContains(t, page("192.0.2.7:5555"), "dev-token-123")
	// Any sign of a proxy drops it, an empty header included (issue 9, item 4).
	for _, h := range []string{"X-Forwarded-Proto", "X-Forwarded-Port", "X-Forwarded-Server", "X-Forwarded-Prefix",
		"X-Forwarded-Host", "Via", "CF-Connecting-IP", "True-Client-IP", "X-Real-IP", "X-Client-IP", "Fastly-Client-IP",
		"X-Original-Forwarded-For", "X-Cluster-Client-IP"} {
		assert.NotContains(t, page("127.0.0.1:5555", h, "203.0.113.9"), "dev-token-123", h)
		assert.NotContains(t, page("[::1]:5555", h, ""), "dev-token-123", h+", empty")
	}
	assert.NotContains(t, page("127.0.0.1:5555", "X-Forwarded-For", ""), "dev-token-123", "empty X-Forwarded-For")
}

// fragmentBomb is a few hundred bytes of fragments each spreading the next one k times:
// expanded, it selects k^levels fields.
func fragmentBomb(levels, k int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query {", i)
		for j := range k {
			if i == levels-1 {
				fmt.Fprintf(&b, " a%d: roles { name }", j)
			} else {
				fmt.Fprintf(&b, " ...F%d", i+1)
			}
		}
		b.WriteString(" }\n")
	}
	return b.String()
}

func TestFragmentExpansionIsRefusedBeforeItCostsAnything(t *testing.T) {
	e := newEnv(t, false)
	doc := fragmentBomb(7, 12)
	require.Less(t, len(doc), 1000, "the document itself is small")
	r := e.query(doc, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", r.Errors[0].code())
	assert.Contains(t, r.Errors[0].Message, "once its fragments are expanded")

	// The same shape, small enough, is served.
	assert.Empty(t, e.query(fragmentBomb(2, 3), nil).Errors)
}

func TestLoopbackHostsOnly(t *testing.T) {
	e := newEnv(t, false, func(c *gateway.Config) { c.LoopbackHostsOnly = true })
	for host, want := range map[string]int{
		"localhost:8080": http.StatusOK, "127.0.0.1:8080": http.StatusOK, "[::1]:8080": http.StatusOK,
		"attacker.example": http.StatusMisdirectedRequest, "attacker.example:8080": http.StatusMisdirectedRequest, "10.0.0.1": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Host = host
		assert.Equal(t, want, e.do(req).StatusCode, host)
	}
}

// A persisted query is known only to the caller that registered it: with one cache for all,
// a bare hash would tell another caller (another tenant) that someone ran that document.
func TestPersistedQueriesArePerCaller(t *testing.T) {
	e := newEnv(t, true)
	doc := `{ roles { name } }`
	body := func(withQuery bool) string {
		m := map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": sha(doc)}}}
		if withQuery {
			m["query"] = doc
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	require.Empty(t, decode(t, e.post("application/json", body(true))).Errors, "the service registers it")
	require.Empty(t, decode(t, e.post("application/json", body(false))).Errors, "and runs it by hash")
	bob := userToken(t, e.fixture().bob)
	other := decode(t, e.post("application/json", body(false), "Authorization", bob))
	require.NotEmpty(t, other.Errors)
	assert.Equal(t, "PERSISTED_QUERY_NOT_FOUND", other.Errors[0].code(), "another caller does not learn of it")
	require.Empty(t, decode(t, e.post("application/json", body(true), "Authorization", bob)).Errors)
	assert.Empty(t, decode(t, e.post("application/json", body(false), "Authorization", bob)).Errors, "once bob registered it himself")
}

// The refusals gqlgen's transports would make without a code carry one.
func TestTransportRefusalsAreCoded(t *testing.T) {
	e := newEnv(t, true)
	resp := e.post("application/graphql-response+json", `{"query":"{ roles { name } }"}`)
	assert.Equal(t, http.StatusUnsupportedMediaType, resp.StatusCode)
	r := decode(t, resp)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "UNSUPPORTED_MEDIA_TYPE", r.Errors[0].code())

	// A mutation registered over POST, then sent by its hash over GET.
	doc := `mutation { createOrganization(input: {displayName: "Over GET"}) { organization { id } } }`
	ext := `{"persistedQuery":{"version":1,"sha256Hash":"` + sha(doc) + `"}}`
	reg, _ := json.Marshal(map[string]any{"query": doc, "extensions": json.RawMessage(ext)})
	require.Empty(t, decode(t, e.post("application/json", string(reg))).Errors)
	before := at(e.mustQuery(`{ organizations { totalCount } }`, nil), "organizations.totalCount")
	resp = e.get("/graphql?extensions=" + url.QueryEscape(ext))
	assert.NotEqual(t, http.StatusOK, resp.StatusCode)
	r = decode(t, resp)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "METHOD_NOT_ALLOWED", r.Errors[0].code())
	assert.Equal(t, before, at(e.mustQuery(`{ organizations { totalCount } }`, nil), "organizations.totalCount"), "nothing created")
}
