package gateway_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/observe"
)

// Introspection is decided per caller: services always may (the team's tools, the playground
// with an API key); users only when the server allows it. A refused caller gets a coded,
// explained answer before anything executes, counted under its code in /metrics, never an
// internal error.
func TestIntrospectionIsDecidedPerCaller(t *testing.T) {
	metrics := observe.NewMetrics(prometheus.NewRegistry())
	e := newEnv(t, true, func(c *gateway.Config) { c.Introspection = false; c.Metrics = metrics })
	user := userToken(t, demo.Users[0].ID())
	for _, doc := range []string{
		`{ __schema { queryType { name } } }`,
		`{ __type(name: "User") { name } }`,
		`query Q { ...F } fragment F on Query { roles { name } __schema { types { name } } }`,
	} {
		resp := e.post("application/json", mustJSON(t, map[string]any{"query": doc}), "Authorization", user)
		res := decode(t, resp)
		// A refused document is answered like a validation failure: 200 for application/json,
		// as GraphQL over HTTP says.
		assert.Equal(t, http.StatusOK, resp.StatusCode, "a user's %s", doc)
		require.Len(t, res.Errors, 1, doc)
		assert.Equal(t, gateway.CodeIntrospectionDisabled, res.Errors[0].code(), doc)
		assert.Contains(t, res.Errors[0].Message, "introspection (__schema, __type) is not allowed for this caller")
		assert.Contains(t, res.Errors[0].Message, "USERGRAPH_INTROSPECTION=true")
		assert.Nil(t, res.Data, "nothing executed")

		resp = e.post("application/json", mustJSON(t, map[string]any{"query": doc}))
		res = decode(t, resp)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "a service's %s", doc)
		assert.Empty(t, res.Errors, "a service introspects: %s", doc)
	}
	res := e.queryAs(user, `{ roles { name __typename } }`, nil)
	assert.Empty(t, res.Errors, "__typename is not introspection")

	req, err := http.NewRequest(http.MethodGet, "/schema.graphql", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", user)
	resp := e.do(req)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "a user's /schema.graphql")
	assert.Equal(t, gateway.CodeIntrospectionDisabled, decode(t, resp).Errors[0].code())
	assert.Equal(t, http.StatusOK, e.get("/schema.graphql").StatusCode, "a service's /schema.graphql")

	resp = e.get("/metrics")
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Contains(t, string(body), `usergraph_graphql_errors_total{code="INTROSPECTION_DISABLED"} 3`)
	assert.NotContains(t, string(body), `code="INTERNAL_SERVER_ERROR"`)
}

// With USERGRAPH_INTROSPECTION on (the embedded mode's default), users introspect too.
func TestIntrospectionForUsersWhenAllowed(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) { c.Introspection = true })
	user := userToken(t, demo.Users[0].ID())
	res := e.queryAs(user, `{ __schema { queryType { name } } }`, nil)
	require.Empty(t, res.Errors)
	assert.Equal(t, "Query", at(res.Data, "__schema.queryType.name"))
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return strings.TrimSpace(string(b))
}
