package profile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeMappings(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "mappings.json")
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestMappingsFileAddsCustomIdP(t *testing.T) {
	path := writeMappings(t, `{
  "mappings": [
    {
      "provider": "acme-sso",
      "protocol": "SAML",
      "description": "Acme's in-house IdP: employee number as the stable id",
      "attributes": {
        "provider_user_id": ["employeeNumber", "nameID"],
        "email": ["corpMail"],
        "email_verified": ["mailVerified"],
        "given_name": ["person.first"],
        "family_name": ["person.last"],
        "groups": ["acmeRoles"]
      }
    }
  ]
}`)
	n, err := New(Options{MappingsFile: path})
	require.NoError(t, err)
	assert.Contains(t, n.Providers(), "ACME_SSO")
	assert.NotContains(t, Providers(), "ACME_SSO")

	raw := json.RawMessage(`{"nameID":"jdoe","nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified","employeeNumber":["E-1042"],
"corpMail":"J.Doe@ACME.example","mailVerified":"true","person":{"first":"Jo","last":"Doe"},"acmeRoles":["admins","ops"],
"email":"other@example.com","givenName":"Ignored"}`)
	p, err := n.Normalize(Input{ConnectionType: "SAML", ProviderName: "Acme SSO", RawAttributes: raw, ConnectionID: "conn_acme"})
	require.NoError(t, err)
	assert.Equal(t, Profile{
		Sub: "conn_acme:E-1042", Email: "J.Doe@acme.example", EmailVerified: true,
		Name: sp("Jo Doe"), GivenName: sp("Jo"), FamilyName: sp("Doe"), Groups: []string{"admins", "ops"},
		Identity: Identity{ConnectionID: sp("conn_acme"), ConnectionType: "SAML", ProviderName: "ACME_SSO", ProviderUserID: "E-1042",
			ProviderRawAttributes: raw},
	}, *p)

	// The same provider over OIDC was not mapped: the generic claims mapping applies.
	p, err = n.Normalize(Input{ConnectionType: "OIDC", ProviderName: "ACME_SSO", RawAttributes: json.RawMessage(`{"sub":"42","corpMail":"x@acme.example"}`)})
	require.NoError(t, err)
	assert.Equal(t, "acme_sso:42", p.Sub)
	assert.Equal(t, "", p.Email)
}

func TestMappingsFileOverridesBuiltin(t *testing.T) {
	path := writeMappings(t, `{"mappings": [
  {"provider": "OKTA", "protocol": "SAML",
   "attributes": {"provider_user_id": ["oktaUserId", "nameID"], "groups": ["oktaGroups"], "phone_number": []}},
  {"provider": "GITHUB", "protocol": "OIDC", "social": false, "email_verified_by_contract": true},
  {"provider": "GENERIC", "protocol": "OIDC", "attributes": {"provider_user_id": ["sub", "employee_id"]}},
  {"provider": "HR_PORTAL", "protocol": "OIDC", "extends": "generic", "attributes": {"name": ["fullLegalName"]}}
]}`)
	n, err := New(Options{MappingsFile: path})
	require.NoError(t, err)

	// OKTA SAML: the id and groups sources are replaced; firstName/lastName still come from the
	// built-in table; the phone source list is cleared.
	p, err := n.Normalize(Input{ConnectionType: "SAML", ProviderName: "OKTA", RawAttributes: json.RawMessage(
		`{"nameID":"isaac@example.com","oktaUserId":"00u1abc","firstName":"Isaac","lastName":"Brock","groups":["Everyone"],"oktaGroups":["Eng"],"mobilePhone":"+14155550100"}`)})
	require.NoError(t, err)
	assert.Equal(t, "okta:00u1abc", p.Sub)
	assert.Equal(t, []string{"Eng"}, p.Groups)
	assert.Equal(t, sp("Isaac Brock"), p.Name)
	assert.Nil(t, p.PhoneNumber)

	// The built-in OKTA OIDC table is untouched.
	p, err = n.Normalize(Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: json.RawMessage(`{"sub":"00u1abc","groups":["Everyone"]}`)})
	require.NoError(t, err)
	assert.Equal(t, []string{"Everyone"}, p.Groups)

	// GITHUB: facts replaced, sources kept.
	p, err = n.Normalize(Input{ConnectionType: "OAUTH", ProviderName: "GITHUB", RawAttributes: json.RawMessage(`{"id":1,"login":"x","email":"x@example.com"}`)})
	require.NoError(t, err)
	assert.False(t, p.Identity.Social)
	assert.True(t, p.EmailVerified)
	assert.Equal(t, sp("x"), p.PreferredUsername)

	// GENERIC claims override applies to unknown providers.
	p, err = n.Normalize(Input{ConnectionType: "OIDC", ProviderName: "SOMETHING_ELSE", RawAttributes: json.RawMessage(`{"employee_id":"77","id":"not-this"}`)})
	require.NoError(t, err)
	assert.Equal(t, "77", p.Identity.ProviderUserID)

	// extends GENERIC starts from the built-in generic mapping, not the overridden one.
	p, err = n.Normalize(Input{ConnectionType: "OIDC", ProviderName: "HR_PORTAL", RawAttributes: json.RawMessage(`{"id":"5","fullLegalName":"Dr. Ada King","given_name":"Ada"}`)})
	require.NoError(t, err)
	assert.Equal(t, "5", p.Identity.ProviderUserID)
	assert.Equal(t, sp("Dr. Ada King"), p.Name)
	assert.Equal(t, sp("Ada"), p.GivenName)
	assert.True(t, slices.Contains(n.Providers(), "HR_PORTAL"))

	// Default() is unaffected by any file.
	p, err = Default().Normalize(Input{ConnectionType: "SAML", ProviderName: "OKTA", RawAttributes: json.RawMessage(`{"nameID":"isaac@example.com","oktaUserId":"00u1abc"}`)})
	require.NoError(t, err)
	assert.Equal(t, "okta:isaac@example.com", p.Sub)
}

func TestMappingsFileValidation(t *testing.T) {
	entry := func(extra string) string {
		return `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":["nameID"]}` + extra + `}]}`
	}
	cases := []struct {
		name, content, want string
	}{
		{"not json", `{"mappings": [`, "is not valid JSON"},
		{"not an object", `[]`, "must be a JSON object"},
		{"trailing data", `{"mappings":[]} {}`, "more follows"},
		{"duplicate json key", `{"mappings":[],"mappings":[]}`, `has the key "mappings" twice`},
		{"unknown top-level key", `{"mappings":[],"version":1}`, `unknown top-level key "version"`},
		{"mappings not an array", `{"mappings":{}}`, `"mappings" must be an array`},
		{"entry not an object", `{"mappings":["OKTA"]}`, "mappings[0]: must be an object"},
		{"unknown entry key", entry(`,"socail":true`), `mappings[0]: unknown key "socail"`},
		{"missing provider", `{"mappings":[{"protocol":"SAML"}]}`, `"provider" is required`},
		{"bad provider", `{"mappings":[{"provider":"acme.com","protocol":"SAML"}]}`, `provider "acme.com" must be a name`},
		{"missing protocol", `{"mappings":[{"provider":"ACME"}]}`, `"protocol" is required`},
		{"bad protocol", `{"mappings":[{"provider":"ACME","protocol":"OAUTH"}]}`, `protocol "OAUTH" must be "OIDC"`},
		{"unknown field", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":["nameID"],"givenname":["gn"]}}]}`,
			`ACME SAML: unknown normalized field "givenname"`},
		{"sub is derived", `{"mappings":[{"provider":"ACME","protocol":"OIDC","attributes":{"sub":["id"]}}]}`, "sub is derived"},
		{"sources not a list", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":"nameID"}}]}`,
			"attributes.provider_user_id: must be an array"},
		{"source not a string", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":["nameID",7]}}]}`,
			"entry 1 must be a string"},
		{"empty source", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":[""]}}]}`, "entry 0 must be 1 to 256 bytes"},
		{"spaced source", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":[" nameID"]}}]}`, "surrounding spaces"},
		{"duplicate source", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":["nameID","nameID"]}}]}`, "listed twice"},
		{"no user id", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"email":["mail"]}}]}`, `no "provider_user_id" sources`},
		{"cleared user id", `{"mappings":[{"provider":"OKTA","protocol":"SAML","attributes":{"provider_user_id":[]}}]}`, `no "provider_user_id" sources`},
		{"unknown extends", entry(`,"extends":"NOPE"`), `extends "NOPE", which has no built-in SAML mapping`},
		{"extends without protocol table", `{"mappings":[{"provider":"ACME","protocol":"SAML","extends":"GITHUB"}]}`, `extends "GITHUB"`},
		{"social not a bool", entry(`,"social":"yes"`), `"social" must be true or false`},
		{"contract not a bool", entry(`,"email_verified_by_contract":1`), `"email_verified_by_contract" must be true or false`},
		{"description not a string", entry(`,"description":5`), `"description" must be a string`},
		{"attributes not an object", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":[]}]}`, `"attributes" must be an object`},
		{"mapped twice", `{"mappings":[{"provider":"ACME","protocol":"SAML","attributes":{"provider_user_id":["nameID"]}},
{"provider":"acme","protocol":"SAML","attributes":{"provider_user_id":["nameID"]}}]}`, "mappings[1]: ACME SAML is mapped twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeMappings(t, c.content)
			n, err := New(Options{MappingsFile: path})
			require.Error(t, err)
			assert.Nil(t, n)
			assert.Contains(t, err.Error(), path, "the error names the file")
			assert.Contains(t, err.Error(), c.want)
		})
	}

	t.Run("missing file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "absent.json")
		_, err := New(Options{MappingsFile: path})
		require.Error(t, err)
		assert.Contains(t, err.Error(), path)
	})
	t.Run("too large", func(t *testing.T) {
		path := writeMappings(t, `{"mappings":[]}`+strings.Repeat(" ", maxMappingsFileBytes))
		_, err := New(Options{MappingsFile: path})
		require.ErrorContains(t, err, "larger than")
	})
	t.Run("negative MaxRawBytes", func(t *testing.T) {
		_, err := New(Options{MaxRawBytes: -1})
		require.ErrorContains(t, err, "MaxRawBytes")
	})
	t.Run("empty mappings is fine", func(t *testing.T) {
		n, err := New(Options{MappingsFile: writeMappings(t, `{"mappings":[]}`)})
		require.NoError(t, err)
		assert.Equal(t, Providers(), n.Providers())
	})
}
