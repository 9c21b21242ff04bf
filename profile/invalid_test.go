package profile

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/usergraph/usergraph/directory"
)

type wantProblem struct {
	path string
	code directory.ErrorCode
	msg  string // a substring of the message
}

func problemsOf(t *testing.T, err error) []directory.FieldError {
	t.Helper()
	var iie *directory.InvalidInputError
	require.True(t, errors.As(err, &iie), "error %v is not an InvalidInputError", err)
	return iie.Problems
}

func nested(depth int) string {
	return strings.Repeat(`{"a":`, depth-1) + `{}` + strings.Repeat(`}`, depth-1)
}

func TestInvalidInput(t *testing.T) {
	ok := json.RawMessage(`{"sub":"1"}`)
	cases := []struct {
		name string
		n    *Normalizer
		in   Input
		want []wantProblem
	}{
		{"array", nil, Input{"OIDC", "OKTA", json.RawMessage(`[{"sub":"1"}]`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "must be a JSON object, not an array"}}},
		{"string", nil, Input{"OIDC", "OKTA", json.RawMessage(`"sub"`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "not a string"}}},
		{"null", nil, Input{"OIDC", "OKTA", json.RawMessage(`null`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "not null"}}},
		{"two objects", nil, Input{"OIDC", "OKTA", json.RawMessage(`{"sub":"1"}{"sub":"2"}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "exactly one JSON object"}}},
		{"truncated", nil, Input{"OIDC", "OKTA", json.RawMessage(`{"sub":"1"`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "not valid JSON"}}},
		{"syntax", nil, Input{"OIDC", "OKTA", json.RawMessage(`{sub:1}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "not valid JSON"}}},
		{"duplicate key", nil, Input{"OIDC", "OKTA", json.RawMessage(`{"sub":"1","email":"a@example.com","sub":"2"}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, `"sub" twice`}}},
		{"too deep", nil, Input{"OIDC", "OKTA", json.RawMessage(`{"sub":"1","x":` + nested(MaxDepth) + `}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeInvalid, "deeper than 32"}}},
		{"empty raw", nil, Input{"OIDC", "OKTA", nil, "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeRequired, "required"}}},
		{"blank raw", nil, Input{"OIDC", "OKTA", json.RawMessage(" \n"), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeRequired, "required"}}},
		{"too big default", nil, Input{"OIDC", "OKTA", json.RawMessage(`{"sub":"1","pad":"` + strings.Repeat("x", DefaultMaxRawBytes) + `"}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeTooLong, "at most 65536 bytes"}}},
		{"too big option", mustNew(t, Options{MaxRawBytes: 32}), Input{"OIDC", "OKTA", json.RawMessage(`{"sub":"1","name":"Quite a long name here"}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeTooLong, "at most 32 bytes"}}},
		{"no user id", nil, Input{"OIDC", "GOOGLE", json.RawMessage(`{"email":"a@example.com","SUB":"1","sub":"  "}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeRequired, `looked for "sub", "id"`}}},
		{"transient nameid only", nil, Input{"SAML", "OKTA", json.RawMessage(`{"nameID":"_abc","nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:transient"}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeRequired, "transient nameID is not a stable id"}}},
		{"user id with control characters", nil, Input{"OAUTH", "GITHUB", json.RawMessage(`{"id":"12\n34"}`), "", ""},
			[]wantProblem{{"rawAttributes", directory.CodeRequired, `looked for "id"`}}},
		{"empty provider", nil, Input{"OIDC", "", ok, "", ""},
			[]wantProblem{{"providerName", directory.CodeRequired, "required"}}},
		{"blank provider", nil, Input{"OIDC", "   ", ok, "", ""},
			[]wantProblem{{"providerName", directory.CodeRequired, "required"}}},
		{"bad provider", nil, Input{"OIDC", "okta.com", ok, "", ""},
			[]wantProblem{{"providerName", directory.CodeInvalid, "must be a name"}}},
		{"empty connection type", nil, Input{"", "OKTA", ok, "", ""},
			[]wantProblem{{"connectionType", directory.CodeRequired, "required"}}},
		{"bad connection type", nil, Input{"OIDC/2", "OKTA", ok, "", ""},
			[]wantProblem{{"connectionType", directory.CodeInvalid, "must be a name"}}},
		{"connection id with colon", nil, Input{"OIDC", "OKTA", ok, "conn:1", ""},
			[]wantProblem{{"connectionId", directory.CodeInvalid, `":"`}}},
		{"organization id with space", nil, Input{"OIDC", "OKTA", ok, "", "org 1"},
			[]wantProblem{{"organizationId", directory.CodeInvalid, "without spaces"}}},
		{"everything at once", nil, Input{"", "", json.RawMessage(`[]`), "a:b", strings.Repeat("o", 256)},
			[]wantProblem{
				{"connectionType", directory.CodeRequired, "required"},
				{"providerName", directory.CodeRequired, "required"},
				{"connectionId", directory.CodeInvalid, "255"},
				{"organizationId", directory.CodeInvalid, "255"},
				{"rawAttributes", directory.CodeInvalid, "JSON object"},
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := c.n.Normalize(c.in) // a nil *Normalizer is Default()
			require.Error(t, err)
			assert.Nil(t, p)
			got := problemsOf(t, err)
			require.Len(t, got, len(c.want), "problems: %+v", got)
			for i, w := range c.want {
				assert.Equal(t, strings.Split(w.path, "."), got[i].Field)
				assert.Equal(t, w.code, got[i].Code)
				assert.Contains(t, got[i].Message, w.msg)
			}
		})
	}
}

func mustNew(t *testing.T, opts Options) *Normalizer {
	t.Helper()
	n, err := New(opts)
	require.NoError(t, err)
	return n
}

func TestLimitsAccepted(t *testing.T) {
	// Exactly MaxDepth levels and exactly MaxRawBytes bytes are fine.
	raw := `{"sub":"1","x":` + nested(MaxDepth-1) + `}`
	_, err := Default().Normalize(Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: json.RawMessage(raw)})
	require.NoError(t, err)

	base := `{"sub":"1","pad":""}`
	raw = `{"sub":"1","pad":"` + strings.Repeat("x", 100-len(base)) + `"}`
	require.Len(t, raw, 100)
	_, err = mustNew(t, Options{MaxRawBytes: 100}).Normalize(Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: json.RawMessage(raw)})
	require.NoError(t, err)
}
