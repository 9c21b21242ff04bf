package gateway_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t, false)
	assert.Equal(t, http.StatusOK, e.get("/healthz").StatusCode)
	assert.Equal(t, http.StatusOK, e.get("/readyz").StatusCode)
	require.NoError(t, e.close())
	assert.Equal(t, http.StatusOK, e.get("/healthz").StatusCode, "liveness does not depend on the backend")
	assert.Equal(t, http.StatusServiceUnavailable, e.get("/readyz").StatusCode, "readiness does")
}

func TestSchemaIsServed(t *testing.T) {
	e := newEnv(t, false)
	resp := e.get("/schema.graphql")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	assert.Contains(t, string(body), "type User implements Node")
}

func TestPlaygroundIsServedOnlyAtTheRoot(t *testing.T) {
	e := newEnv(t, false)
	resp := e.get("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	assert.Equal(t, http.StatusNotFound, e.get("/nothing-here").StatusCode)
}

func TestGETServesQueriesButNotMutations(t *testing.T) {
	e := newEnv(t, true)
	q := url.Values{"query": {`{ roles { name } }`}}
	resp := e.get("/graphql?" + q.Encode())
	require.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, decode(t, resp).Errors)

	m := url.Values{"query": {`mutation { deleteUser(input: {id: "usr_1"}) { deletedUserId } }`}}
	resp = e.get("/graphql?" + m.Encode())
	assert.NotEqual(t, http.StatusOK, resp.StatusCode, "a GET must not change anything")
	assert.NotEmpty(t, decode(t, resp).Errors)
}

func TestRequestIDIsEchoedAndSanitized(t *testing.T) {
	e := newEnv(t, false)
	resp := e.post("application/json", `{"query":"{ roles { name } }"}`, "X-Request-Id", "abc-123")
	assert.Equal(t, "abc-123", resp.Header.Get("X-Request-Id"))
	resp = e.post("application/json", `{"query":"{ roles { name } }"}`, "X-Request-Id", "evil\"value with spaces")
	assert.Regexp(t, `^[0-9a-f]{24}$`, resp.Header.Get("X-Request-Id"), "an unsafe id is replaced")
}

func TestErrorCodes(t *testing.T) {
	e := newEnv(t, true)
	// 16 levels of single-item pages: cheap by complexity, too deep by nesting.
	deep := "{ organizations(first: 1) { nodes { " + strings.Repeat("members(first: 1) { nodes { user { memberships { organization { ", 3) +
		"id" + strings.Repeat(" } } } } }", 3) + " } } }"
	for _, tc := range []struct {
		name, body, code string
	}{
		{"parse error", `{"query":"{ users { "}`, "GRAPHQL_PARSE_FAILED"},
		{"unknown field", `{"query":"{ nope }"}`, "GRAPHQL_VALIDATION_FAILED"},
		{"wrong variable type", `{"query":"query($f: Int) { users(first: $f) { totalCount } }","variables":{"f":"x"}}`, "GRAPHQL_VALIDATION_FAILED"},
		{"too deep", `{"query":"` + deep + `"}`, "DEPTH_LIMIT_EXCEEDED"},
		{"too complex", `{"query":"{ a: users(first: 100) { nodes { memberships { organization { members(first: 100) { nodes { user { id email } } } } } } } }"}`, "COMPLEXITY_LIMIT_EXCEEDED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := decode(t, e.post("application/json", tc.body))
			require.NotEmpty(t, r.Errors)
			assert.Equal(t, tc.code, r.Errors[0].code(), r.Errors[0].Message)
			assert.Nil(t, r.Data["users"], "nothing is resolved")
		})
	}
}

func TestIntrospectionIsNotCountedAsDepth(t *testing.T) {
	e := newEnv(t, false)
	// The shape GraphiQL sends: TypeRef nests ofType seven levels deep.
	r := decode(t, e.post("application/json", `{"query":"{ __schema { types { name fields { name type { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name ofType { name } } } } } } } } } } } }"}`))
	assert.Empty(t, r.Errors)
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, false)
	big := `{"query":"{ roles { name } }","variables":{"pad":"` + strings.Repeat("x", 1<<20) + `"}}`
	resp := e.post("application/json", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
	r := decode(t, resp)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "PAYLOAD_TOO_LARGE", r.Errors[0].code())
	assert.NotEmpty(t, r.Errors[0].Extensions["requestId"])
}

// failing wraps the store so that chosen calls fail or panic.
type failing struct {
	directory.Directory
	orgs  error
	panic bool
}

func (f failing) OrganizationsByExternalID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	if f.panic {
		panic("boom: secret detail in a batch")
	}
	return f.Directory.OrganizationsByExternalID(ctx, ids)
}

func (f failing) OrganizationsByID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	if f.orgs != nil {
		return nil, f.orgs
	}
	return f.Directory.OrganizationsByID(ctx, ids)
}

func (f failing) ListUsers(ctx context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	if f.panic {
		panic("boom: secret detail")
	}
	return f.Directory.ListUsers(ctx, q)
}

func TestOneFailingFieldKeepsItsSiblings(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		code string
	}{
		{"unavailable", directory.ErrUnavailable, "UPSTREAM_UNAVAILABLE"},
		{"rate limited", &directory.RateLimitedError{RetryAfter: 1500e6}, "RATE_LIMITED"},
		{"unexpected", errors.New("disk on fire: /var/secret"), "INTERNAL_SERVER_ERROR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, true, withDirectory(func(d directory.Directory) directory.Directory { return failing{Directory: d, orgs: tc.err} }))
			r := e.query(`{ roles { name } organization(id: "org_1") { id } }`, nil)
			assert.Len(t, r.Data["roles"], 3, "the sibling field is served")
			assert.Nil(t, r.Data["organization"])
			require.Len(t, r.Errors, 1)
			assert.Equal(t, tc.code, r.Errors[0].code())
			assert.Equal(t, []any{"organization"}, r.Errors[0].Path)
			assert.NotEmpty(t, r.Errors[0].Extensions["requestId"])
			assert.NotContains(t, r.Errors[0].Message, "secret", "internal details are masked")
			if tc.code == "RATE_LIMITED" {
				assert.Equal(t, float64(2), r.Errors[0].Extensions["retryAfter"])
			}
			if tc.code == "INTERNAL_SERVER_ERROR" {
				assert.Contains(t, e.logs.String(), "disk on fire", "the real cause is logged")
				assert.Contains(t, e.logs.String(), r.Errors[0].Extensions["requestId"])
			}
		})
	}
}

func TestAPanicNeverReachesTheClient(t *testing.T) {
	e := newEnv(t, true, withDirectory(func(d directory.Directory) directory.Directory { return failing{Directory: d, panic: true} }))
	for _, tc := range []struct{ name, doc, log string }{
		// A panic in a resolver: users is non-null, so data is null, as GraphQL demands.
		{"resolver", `{ roles { name } users { totalCount } }`, "boom: secret detail"},
		// A panic inside a loader's batch: only the nullable field is lost.
		{"batch", `{ roles { name } organization(externalId: "x") { id } }`, "boom: secret detail in a batch"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.query(tc.doc, nil)
			require.Len(t, r.Errors, 1)
			assert.Equal(t, "INTERNAL_SERVER_ERROR", r.Errors[0].code())
			assert.NotContains(t, r.Errors[0].Message, "boom")
			assert.NotEmpty(t, r.Errors[0].Extensions["requestId"])
			assert.Contains(t, e.logs.String(), tc.log)
			if tc.name == "batch" {
				assert.Len(t, r.Data["roles"], 3, "siblings of the failed field are served")
			}
		})
	}
	// And the server keeps serving.
	assert.Len(t, e.mustQuery(`{ roles { name } }`, nil)["roles"], 3)
}

func TestEveryRequestGetsFreshLoaders(t *testing.T) {
	e := newEnv(t, true)
	f := e.fixture()
	q := `query($id: ID!) { user(id: $id) { profile { givenName } } }`
	assert.Equal(t, "Bob", at(e.mustQuery(q, map[string]any{"id": f.bob}), "user.profile.givenName"))
	e.mustQuery(updateUser, map[string]any{"input": map[string]any{"id": f.bob, "profile": map[string]any{"givenName": "Robert"}}})
	assert.Equal(t, "Robert", at(e.mustQuery(q, map[string]any{"id": f.bob}), "user.profile.givenName"), "no cache outlives a request")
}

func TestTransportErrorsAreCoded(t *testing.T) {
	e := newEnv(t, true)
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"PUT", httptest.NewRequest(http.MethodPut, "/graphql", strings.NewReader(`{}`)), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{"text/plain POST", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ roles { name } }"}`))
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
		{"mutation over GET", httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {`mutation { deleteUser(input: {id: "usr_1"}) { deletedUserId } }`}}.Encode(), nil),
			http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{"GET variables not JSON", httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {`{ roles { name } }`}, "variables": {"notjson"}}.Encode(), nil),
			http.StatusBadRequest, "BAD_REQUEST"},
		// A valid query, but a GET's URL is no place for 40 KiB: POST it.
		{"GET over the URL limit", httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {`{ roles { name } }` + strings.Repeat(" ", 40<<10)}}.Encode(), nil),
			http.StatusRequestURITooLong, "PAYLOAD_TOO_LARGE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(tc.req)
			assert.Equal(t, tc.status, resp.StatusCode)
			r := decode(t, resp)
			require.Len(t, r.Errors, 1)
			assert.Equal(t, tc.code, r.Errors[0].code())
			assert.NotEmpty(t, r.Errors[0].Extensions["requestId"])
		})
	}
}

func TestReadinessDoesNotLeakTheCause(t *testing.T) {
	e := newEnv(t, false, withDirectory(func(d directory.Directory) directory.Directory { return pingFails{d} }))
	resp := e.get("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	raw, _ := io.ReadAll(resp.Body)
	assert.NotContains(t, string(raw), "secret")
	assert.Contains(t, e.logs.String(), "/secret/path", "the cause is logged")
}

type pingFails struct{ directory.Directory }

func (pingFails) Ping(context.Context) error { return errors.New("open /secret/path: denied") }

// A client still writing a large body must read the 413, not a connection reset: the server
// answers, then reads a bounded remainder before it closes. Over a real listener, with and
// without a Content-Length, several times, since a reset depends on timing. Like many
// clients (curl, Node), this one writes its whole body before it reads the answer.
func TestBodyLimitAnswersAClientStillWriting(t *testing.T) {
	e := newEnv(t, false)
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	big := `{"query":"{ roles { name } }","variables":{"pad":"` + strings.Repeat("x", 5<<20) + `"}}`
	for i := range 4 {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		require.NoError(t, err)
		head := "POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
		body := big
		if i%2 == 0 {
			head += fmt.Sprintf("Content-Length: %d\r\n", len(big))
		} else {
			head += "Transfer-Encoding: chunked\r\n"
			body = fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(big), big)
		}
		// At the pace of a slow link, so that the write outlasts the server's own short
		// wait before it closes. A client such as Node gives up on the request at the first
		// failed write (EPIPE, ECONNRESET), before it reads the 413.
		msg := head + "\r\n" + body
		for len(msg) > 0 {
			n := min(len(msg), 128<<10)
			_, err := io.WriteString(conn, msg[:n])
			require.NoError(t, err, "attempt %d, %d bytes left to write", i, len(msg))
			msg = msg[n:]
			time.Sleep(20 * time.Millisecond)
		}
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "attempt %d", i)
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
		r := decode(t, resp)
		require.Len(t, r.Errors, 1)
		assert.Equal(t, "PAYLOAD_TOO_LARGE", r.Errors[0].code())
		_ = conn.Close()
	}
}
