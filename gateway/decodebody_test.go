package gateway

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeBody reads a POST body as encoding/json did (and gqlgen's POST transport does).
func TestDecodeBodyKeepsEncodingJSONsBehaviour(t *testing.T) {
	var raw graphql.RawParams
	require.NoError(t, decodeBody(strings.NewReader(`{"Query":"{ a }","query":"{ b }","operationName":"Op",
		"variables":{"big":12345678901234567890,"s":"x"},"extensions":{"k":1}} `), &raw))
	assert.Equal(t, "{ b }", raw.Query, "names match case-insensitively; the last duplicate wins")
	assert.Equal(t, "Op", raw.OperationName)
	assert.Equal(t, json.Number("12345678901234567890"), raw.Variables["big"], "integers beyond 2^53 stay exact")
	assert.Equal(t, "x", raw.Variables["s"])
	assert.Equal(t, json.Number("1"), raw.Extensions["k"])

	raw = graphql.RawParams{}
	require.NoError(t, decodeBody(strings.NewReader("{\"query\":\"{ a } # \xff\",\"variables\":null}"), &raw))
	assert.Equal(t, "{ a } # \uFFFD", raw.Query, "invalid UTF-8 becomes U+FFFD")
	assert.Nil(t, raw.Variables)

	for _, bad := range []string{`[{"query":"{ a }"}]`, `{"query":"{ a }"} {}`, `{"query":1}`,
		`{"query":"{ a }","variables":"x"}`, `{"query":"{ a }"`} {
		assert.Error(t, decodeBody(strings.NewReader(bad), &graphql.RawParams{}), bad)
	}
}
