package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzGraphQLEndpoint sends arbitrary bodies to /graphql: whatever arrives, the answer is
// JSON with a status below 500, and the server keeps serving.
func FuzzGraphQLEndpoint(f *testing.F) {
	for _, seed := range []string{
		`{"query":"{ roles { name } }"}`,
		`{"query":"query($id: ID!) { node(id: $id) { id } }","variables":{"id":"usr_1"}}`,
		`{"query":"mutation { createUser(input: {organizationId: \"org_1\", email: \"x\"}) { userErrors { code } } }"}`,
		`{"query":"{ users(first: 3, after: \"zz\") { nodes { id } } }"}`,
		`{"query":"{ __schema { types { name } } }"}`,
		`{"query": 3}`, `[]`, `null`, `{`, ``, `{"query":"{ users { nodes { memberships { roles { permissions { name } } } } } }"}`,
		`{"query":"fragment a on Query { ...a } { ...a }"}`,
	} {
		f.Add(seed)
	}
	e := newEnv(f, true)
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		resp := rec.Result()
		if resp.StatusCode >= 500 {
			b, _ := io.ReadAll(resp.Body)
			t.Fatalf("status %d for %q: %s", resp.StatusCode, body, b)
		}
		if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK && ct == "" {
			t.Fatalf("status %d without a content type for %q", resp.StatusCode, body)
		}
	})
}
