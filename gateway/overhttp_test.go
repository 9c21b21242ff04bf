package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestErrorsFollowGraphQLOverHTTP: a request that cannot run answers 200 to
// application/json clients and 400 to application/graphql-response+json ones, with errors
// and no data entry; a malformed request is 400 for both; a request that ran is 200 with
// data. (The graphql-http audit in e2e/ checks the same against the real server.)
func TestRequestErrorsFollowGraphQLOverHTTP(t *testing.T) {
	e := newEnv(t, true)
	const (
		jsonMT     = "application/json"
		responseMT = "application/graphql-response+json"
	)
	cases := []struct {
		name, accept, body string
		status             int
		media, code        string
		data               bool
	}{
		{"parse failure, json", jsonMT, `{"query":"{"}`, 200, jsonMT, "GRAPHQL_PARSE_FAILED", false},
		{"parse failure, no Accept", "", `{"query":"{"}`, 200, jsonMT, "GRAPHQL_PARSE_FAILED", false},
		{"parse failure, graphql-response", responseMT, `{"query":"{"}`, 400, responseMT, "GRAPHQL_PARSE_FAILED", false},
		{"validation failure, json", jsonMT, `{"query":"{ nope }"}`, 200, jsonMT, "GRAPHQL_VALIDATION_FAILED", false},
		{"validation failure, graphql-response", responseMT, `{"query":"{ nope }"}`, 400, responseMT, "GRAPHQL_VALIDATION_FAILED", false},
		{"variable coercion, json", jsonMT, `{"query":"query($id: ID!) { node(id: $id) { id } }","variables":{"id":{"x":1}}}`, 200, jsonMT, "GRAPHQL_VALIDATION_FAILED", false},
		{"variable coercion, graphql-response", responseMT, `{"query":"query($id: ID!) { node(id: $id) { id } }","variables":{"id":{"x":1}}}`, 400, responseMT, "GRAPHQL_VALIDATION_FAILED", false},
		{"no query, json", jsonMT, `{"qeury":"{ viewer { id } }"}`, 400, jsonMT, "BAD_REQUEST", false},
		{"no query, graphql-response", responseMT, `{"qeury":"{ viewer { id } }"}`, 400, responseMT, "BAD_REQUEST", false},
		{"not an object", jsonMT, `["{ viewer { id } }"]`, 400, jsonMT, "BAD_REQUEST", false},
		{"trailing garbage", jsonMT, `{"query":"{ viewer { id } }"} {}`, 400, jsonMT, "BAD_REQUEST", false},
		{"ran, graphql-response", responseMT, `{"query":"{ roles { name } }"}`, 200, responseMT, "", true},
		{"ran with a field error, graphql-response", responseMT, `{"query":"{ users(first: 0) { totalCount } }"}`, 200, responseMT, "BAD_USER_INPUT", true},
		{"wildcard Accept", "*/*", `{"query":"{ roles { name } }"}`, 200, jsonMT, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.post(jsonMT, tc.body, "Accept", tc.accept)
			check(t, resp, tc.status, tc.media, tc.code, tc.data)
		})
	}
	t.Run("GET parse failure, graphql-response", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, "/graphql?query="+url.QueryEscape("{"), nil)
		req.Header.Set("Accept", responseMT)
		check(t, e.do(req), 400, responseMT, "GRAPHQL_PARSE_FAILED", false)
	})
	t.Run("GET without a query", func(t *testing.T) {
		check(t, e.get("/graphql"), 400, jsonMT, "BAD_REQUEST", false)
	})
}

func check(t *testing.T, resp *http.Response, status int, media, code string, data bool) {
	t.Helper()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, status, resp.StatusCode, "%s", body)
	assert.Equal(t, media, resp.Header.Get("Content-Type"))
	var out map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &out), "%s", body)
	_, hasData := out["data"]
	assert.Equal(t, data, hasData, "data entry in %s", body)
	if code == "" {
		assert.NotContains(t, out, "errors")
		return
	}
	var errs []gqlError
	require.NoError(t, json.Unmarshal(out["errors"], &errs), "%s", body)
	require.NotEmpty(t, errs)
	assert.Equal(t, code, errs[0].code(), "%s", body)
}
