package profile

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDecimal(t *testing.T) {
	cases := map[string]string{
		"583231":               "583231",
		"12345678901234567890": "12345678901234567890",
		"-7":                   "-7",
		"1e3":                  "1000",
		"1E+3":                 "1000",
		"1.5e2":                "150",
		"1.50":                 "1.5",
		"2.5e-1":               "0.25",
		"-0.5e1":               "-5",
		"1.0":                  "1",
		"1e100":                "1" + strings.Repeat("0", 100),
	}
	for in, want := range cases {
		got, ok := decimal(json.Number(in))
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"1e101", "1e-101", "1e99999999999"} {
		_, ok := decimal(json.Number(in))
		assert.False(t, ok, in)
	}
}

func TestEmailRule(t *testing.T) {
	good := map[string]string{
		"Jane.Doe@Example.COM":          "Jane.Doe@example.com",
		"o'brien+tag@sub.example.org":   "o'brien+tag@sub.example.org",
		"k3x9q2m7@privaterelay.apple.x": "k3x9q2m7@privaterelay.apple.x",
	}
	for in, want := range good {
		got, ok := email(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"", "jane", "jane@", "@example.com", "Jane <jane@example.com>", "<jane@example.com>",
		"jane@localhost", "jane doe@example.com", "jane@example.com (Jane)", "a@b@example.com", "jane@exa mple.com"} {
		_, ok := email(in)
		assert.False(t, ok, in)
	}
}

func TestPictureRule(t *testing.T) {
	for _, in := range []string{"https://avatars.githubusercontent.com/u/583231?v=4", "http://example.com/me.jpg", "HTTPS://EXAMPLE.COM/A.PNG"} {
		got, ok := picture(in)
		assert.True(t, ok, in)
		assert.Equal(t, in, got)
	}
	for _, in := range []string{"javascript:alert(1)", "data:image/png;base64,AAAA", "ftp://example.com/a.png", "/avatar.png",
		"//example.com/a.png", "https://user:pass@example.com/a.png", "https://example.com/a b.png", "https://", "https:example.com"} {
		_, ok := picture(in)
		assert.False(t, ok, in)
	}
}

func TestLocaleRule(t *testing.T) {
	good := map[string]string{"en_US": "en-US", "en-us": "en-US", "EN": "en", "zh_Hant_TW": "zh-Hant-TW", "de_DE.UTF-8": "de-DE",
		"ca_ES@valencia": "ca-ES", "fr-CA": "fr-CA"}
	for in, want := range good {
		got, ok := locale(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "und", "english", "en_", "12", "America/Los_Angeles", "en-US-" + strings.Repeat("a", 40)} {
		_, ok := locale(in)
		assert.False(t, ok, in)
	}
	got, ok := localeValue(map[string]any{"country": "US", "language": "en"})
	assert.True(t, ok)
	assert.Equal(t, "en-US", got)
	got, ok = localeValue(map[string]any{"language": "pt"})
	assert.True(t, ok)
	assert.Equal(t, "pt", got)
	_, ok = localeValue(map[string]any{"country": "US"})
	assert.False(t, ok)
}

func TestPhoneRule(t *testing.T) {
	intl := phone("")
	for in, want := range map[string]string{"+1 (425) 555-1212": "+14255551212", "+44 20 7946 0958": "+442079460958",
		"tel:+1-201-555-0123": "+12015550123"} {
		got, ok := intl(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"(425) 555-1212", "4255551212", "+199999999999999", "+1 555", "call me", "+"} {
		_, ok := intl(in)
		assert.False(t, ok, in)
	}
	got, ok := phone("US")("(650) 253-0000")
	assert.True(t, ok)
	assert.Equal(t, "+16502530000", got)
}

func TestRegionHintNeedsExplicitRegion(t *testing.T) {
	assert.Equal(t, "US", regionOf(sp("en-US")))
	assert.Equal(t, "", regionOf(sp("en")), "a likely region is a guess")
	assert.Equal(t, "", regionOf(nil))
	assert.Equal(t, "", regionOf(sp("es-419")), "not a country")
}

func normalize(t *testing.T, ctype, provider, raw string) *Profile {
	t.Helper()
	p, err := Default().Normalize(Input{ConnectionType: ctype, ProviderName: provider, RawAttributes: json.RawMessage(raw)})
	require.NoError(t, err)
	return p
}

func TestEmailVerifiedIsExplicit(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"sub":"1","email":"a@example.com","email_verified":true}`:       true,
		`{"sub":"1","email":"a@example.com","email_verified":"True"}`:     true,
		`{"sub":"1","email":"a@example.com","email_verified":[" true "]}`: true,
		`{"sub":"1","email":"a@example.com","email_verified":"yes"}`:      false,
		`{"sub":"1","email":"a@example.com","email_verified":1}`:          false,
		`{"sub":"1","email":"a@example.com","email_verified":null}`:       false,
		`{"sub":"1","email":"a@example.com"}`:                             false,
		`{"sub":"1","email":"not-an-email","email_verified":true}`:        false, // no email, nothing verified
		`{"sub":"1","email_verified":true}`:                               false,
	} {
		assert.Equal(t, want, normalize(t, "OIDC", "OKTA", raw).EmailVerified, raw)
	}
	// By contract (Google Workspace SAML), unless the payload explicitly says false.
	assert.True(t, normalize(t, "SAML", "GOOGLE_WORKSPACE", `{"nameID":"a@example.com"}`).EmailVerified)
	assert.False(t, normalize(t, "SAML", "GOOGLE_WORKSPACE", `{"nameID":"a@example.com","email_verified":"false"}`).EmailVerified)
	// GitLab's confirmed_at must be a time.
	assert.False(t, normalize(t, "OAUTH", "GITLAB", `{"id":1,"email":"a@example.com","confirmed_at":null}`).EmailVerified)
	assert.False(t, normalize(t, "OAUTH", "GITLAB", `{"id":1,"email":"a@example.com","confirmed_at":"yes"}`).EmailVerified)
	assert.True(t, normalize(t, "OAUTH", "GITLAB", `{"id":1,"email":"a@example.com","confirmed_at":"2012-05-23T09:05:22.123Z"}`).EmailVerified)
	// Unknown provider, Apple-style statement: generic rules still demand an explicit value.
	assert.False(t, normalize(t, "OIDC", "WHATEVER", `{"sub":"1","email":"a@example.com","is_private_email":"true"}`).EmailVerified)
}

func TestSourceOrderAndFallThrough(t *testing.T) {
	// A first source that fails its rule falls through to the next one.
	p := normalize(t, "SAML", "OKTA", `{"nameID":"00u1","email":"not-an-email","mail":"Real@Example.com"}`)
	assert.Equal(t, "Real@example.com", p.Email)
	// Empty or blank user ids fall through.
	p = normalize(t, "OIDC", "MICROSOFT_AD", `{"oid":"  ","sub":"pairwise-sub"}`)
	assert.Equal(t, "pairwise-sub", p.Identity.ProviderUserID)
	// Case-insensitive lookup only when unambiguous.
	p = normalize(t, "SAML", "OKTA", `{"nameID":"00u1","EMAIL":"a@example.com","Email":"b@example.com"}`)
	assert.Equal(t, "", p.Email)
	p = normalize(t, "SAML", "OKTA", `{"nameID":"00u1","EMAIL":"a@example.com"}`)
	assert.Equal(t, "a@example.com", p.Email)
	// The provider user id is matched exactly.
	_, err := Default().Normalize(Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: json.RawMessage(`{"Sub":"1"}`)})
	require.Error(t, err)
	// A literal key with dots wins over the dotted path; the dotted path works otherwise.
	p = normalize(t, "OIDC", "APPLE", `{"sub":"1","user.email":"lit@example.com","user":{"email":"nested@example.com"}}`)
	assert.Equal(t, "lit@example.com", p.Email, "the literal key user.email wins over the path user → email")
	p = normalize(t, "OIDC", "APPLE", `{"sub":"1","user":{"email":"nested@example.com"}}`)
	assert.Equal(t, "nested@example.com", p.Email)
	// Array indexes in dotted paths, via a custom mapping.
	n := mustNew(t, Options{MappingsFile: writeMappings(t, `{"mappings":[{"provider":"SCIMISH","protocol":"OIDC","attributes":{
"provider_user_id":["id"],"email":["emails.0.value"],"phone_number":["phoneNumbers.1.value"]}}]}`)})
	p, err = n.Normalize(Input{ConnectionType: "OIDC", ProviderName: "SCIMISH", RawAttributes: json.RawMessage(
		`{"id":"2819c223","emails":[{"value":"bjensen@example.com","primary":true}],"phoneNumbers":[{"value":"555"},{"value":"+1 555 555 8377"}]}`)})
	require.NoError(t, err)
	assert.Equal(t, "bjensen@example.com", p.Email)
	assert.Nil(t, p.PhoneNumber, "+1 555 555 8377 is not a valid number")
}

func TestNamesAndGroups(t *testing.T) {
	// A full name is not split.
	p := normalize(t, "OIDC", "OKTA", `{"sub":"1","name":"María José García López"}`)
	assert.Nil(t, p.GivenName)
	assert.Nil(t, p.FamilyName)
	// Only one part composes the name alone.
	p = normalize(t, "OIDC", "OKTA", `{"sub":"1","family_name":"Nakamura"}`)
	assert.Equal(t, sp("Nakamura"), p.Name)
	// Control characters make a value absent.
	p = normalize(t, "OIDC", "OKTA", `{"sub":"1","name":"Evil\nName","given_name":"Eve"}`)
	assert.Equal(t, sp("Eve"), p.Name)
	// Groups: trimmed, deduplicated, non-strings dropped, capped at 50.
	p = normalize(t, "OIDC", "OKTA", `{"sub":"1","groups":[" a ","a","",null,true,7,{"_":"xml"},["nested"]]}`)
	assert.Equal(t, []string{"a", "7", "xml", "nested"}, p.Groups)
	many := `{"sub":"1","groups":[`
	for i := range 60 {
		if i > 0 {
			many += ","
		}
		many += `"g` + string(rune('A'+i%26)) + string(rune('a'+i/26)) + `"`
	}
	p = normalize(t, "OIDC", "OKTA", many+`]}`)
	assert.Len(t, p.Groups, maxGroups)
	// Numbers as ids keep every digit.
	p = normalize(t, "OAUTH", "GITHUB", `{"id":12345678901234567890123}`)
	assert.Equal(t, "github:12345678901234567890123", p.Sub)
}

func TestRawAttributesAreCopied(t *testing.T) {
	raw := json.RawMessage(`{"sub":"1"}`)
	p, err := Default().Normalize(Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: raw})
	require.NoError(t, err)
	raw[2] = 'X'
	assert.Equal(t, `{"sub":"1"}`, string(p.Identity.ProviderRawAttributes))
}

func TestProviders(t *testing.T) {
	ps := Providers()
	assert.IsIncreasing(t, ps)
	for _, want := range []string{"OKTA", "GOOGLE", "MICROSOFT", "MICROSOFT_AD", "AUTH0", "ONELOGIN", "PING_IDENTITY", "JUMPCLOUD", "ADFS",
		"GITHUB", "GITLAB", "LINKEDIN", "SALESFORCE", "CUSTOM", "KEYCLOAK", "COGNITO", "APPLE", "SHIBBOLETH", "GOOGLE_WORKSPACE"} {
		assert.Contains(t, ps, want)
	}
	// Every named provider except CUSTOM has at least one table of its own.
	tables := builtinTables()
	for _, p := range ps {
		if p == "CUSTOM" {
			continue
		}
		_, claims := tables[key{p, protoClaims}]
		_, saml := tables[key{p, protoSAML}]
		assert.True(t, claims || saml, p)
	}
	ps[0] = "MUTATED"
	assert.NotEqual(t, "MUTATED", Providers()[0])
}

func TestProfileJSON(t *testing.T) {
	p := normalize(t, "OAUTH", "GITHUB", `{"id":583231,"login":"octocat","email":null}`)
	out, err := json.Marshal(p)
	require.NoError(t, err)
	assert.JSONEq(t, `{"sub":"github:583231","email":"","email_verified":false,"name":null,"given_name":null,"family_name":null,
"locale":null,"picture":null,"phone_number":null,"preferred_username":"octocat","groups":[],
"identities":[{"connection_id":null,"organization_id":null,"connection_type":"OAUTH","provider_name":"GITHUB","social":true,
"provider_user_id":"583231","provider_raw_attributes":{"id":583231,"login":"octocat","email":null}}]}`, string(out))
}
