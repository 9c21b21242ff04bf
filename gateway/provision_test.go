package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory/scalekit"
)

const normalize = `query($in: IdentityInput!) { normalizeProfile(input: $in) {
	sub email emailVerified name givenName familyName locale picture phoneNumber groups
	identities { connectionId connectionType providerName social providerUserId providerRawAttributes } } }`

const provisionDoc = `mutation($in: ProvisionInput!) { provisionUserFromIdentity(input: $in) {
	created user { id email profile { givenName familyName name locale }
		memberships { organizationId roles { name } }
		identities { connectionId providerName providerUserId providerRawAttributes lastLogin } }
	userErrors { field code message } } }`

// googleClaims are an ID token's claims as Google documents them
// (https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload).
func googleClaims(sub, email string, verified bool, given string) map[string]any {
	return map[string]any{"iss": "https://accounts.google.com", "sub": sub, "email": email,
		"email_verified": verified, "given_name": given, "family_name": "Tester", "locale": "en_GB",
		"picture": "https://lh3.googleusercontent.com/a/photo.jpg"}
}

func identityVars(claims map[string]any, org string) map[string]any {
	in := map[string]any{"connectionType": "OIDC", "providerName": "GOOGLE", "connectionId": "conn_google1", "rawAttributes": claims}
	if org != "" {
		in["organizationId"] = org
	}
	return map[string]any{"in": in}
}

func TestNormalizeProfilePreviewsAndWritesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		before := e.calls()
		data := e.mustQuery(normalize, identityVars(googleClaims("1081", "Ada@Example.COM", true, " Ada "), ""))
		p := at(data, "normalizeProfile")
		assert.Equal(t, "conn_google1:1081", at(p, "sub"))
		assert.Equal(t, "Ada@example.com", at(p, "email"), "the domain is lower-cased")
		assert.Equal(t, true, at(p, "emailVerified"))
		assert.Equal(t, "Ada", at(p, "givenName"), "values are trimmed")
		assert.Equal(t, "Ada Tester", at(p, "name"), "name is composed when absent")
		assert.Equal(t, "en-GB", at(p, "locale"), "BCP 47")
		assert.Equal(t, "1081", at(p, "identities.0.providerUserId"))
		assert.Equal(t, "https://accounts.google.com", at(p, "identities.0.providerRawAttributes.iss"))
		assert.Equal(t, before, e.calls(), "a preview costs the backend nothing")

		r := e.query(normalize, identityVars(map[string]any{"email": "x@y.test"}, ""))
		require.Len(t, r.Errors, 1, "no provider user id")
		assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
	})
}

func TestProvisionCreatesThenFindsAndUpdates(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		first := e.mustQuery(provisionDoc, identityVars(googleClaims("2001", "new.person@example.com", true, "Nova"), f.orgA))
		require.Empty(t, userErrorsOf(t, first, "provisionUserFromIdentity"))
		assert.Equal(t, true, at(first, "provisionUserFromIdentity.created"))
		id := str(at(first, "provisionUserFromIdentity.user.id"))
		require.NotEmpty(t, id)
		assert.Equal(t, "Nova", at(first, "provisionUserFromIdentity.user.profile.givenName"))
		assert.Equal(t, f.orgA, at(first, "provisionUserFromIdentity.user.memberships.0.organizationId"))
		assert.Equal(t, "member", at(first, "provisionUserFromIdentity.user.memberships.0.roles.0.name"), "the default role")

		again := e.mustQuery(provisionDoc, identityVars(googleClaims("2001", "new.person@example.com", true, "Nova-Renamed"), f.orgA))
		require.Empty(t, userErrorsOf(t, again, "provisionUserFromIdentity"))
		assert.Equal(t, false, at(again, "provisionUserFromIdentity.created"))
		assert.Equal(t, id, at(again, "provisionUserFromIdentity.user.id"), "the same user, found again")
		assert.Equal(t, "Nova-Renamed", at(again, "provisionUserFromIdentity.user.profile.givenName"), "the profile follows the provider")
		assert.Equal(t, "Tester", at(again, "provisionUserFromIdentity.user.profile.familyName"))

		if e.backend == "sqlite" {
			ids := at(again, "provisionUserFromIdentity.user.identities").([]any)
			require.Len(t, ids, 1, "one account, linked once")
			assert.Equal(t, "2001", at(ids[0], "providerUserId"))
			assert.Equal(t, "Nova-Renamed", at(ids[0], "providerRawAttributes.given_name"), "the latest raw attributes")
			assert.NotEmpty(t, at(ids[0], "lastLogin"))
		}
	})
}

func TestProvisionLinksOnlyAVerifiedEmail(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		wile := str(at(e.mustQuery(`{ user(email: "wile.coyote@acme.test") { id } }`, nil), "user.id"))
		require.NotEmpty(t, wile)

		// A lax provider that lets anyone claim Wile's address must not get his account.
		hostile := e.mustQuery(provisionDoc, identityVars(googleClaims("666", "wile.coyote@acme.test", false, "Mallory"), f.orgA))
		errs := userErrorsOf(t, hostile, "provisionUserFromIdentity")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.rawAttributes", fieldPath(errs[0]))
		assert.Equal(t, "TAKEN", errs[0]["code"])
		assert.Nil(t, at(hostile, "provisionUserFromIdentity.user"))
		after := e.mustQuery(`query($id: ID!) { user(id: $id) { profile { givenName } identities { providerUserId } } }`, map[string]any{"id": wile})
		assert.Equal(t, "Wile", at(after, "user.profile.givenName"), "nothing changed")
		assert.Empty(t, at(after, "user.identities"))

		// The same address verified by the provider links to the existing user.
		linked := e.mustQuery(provisionDoc, identityVars(googleClaims("777", "WILE.COYOTE@acme.test", true, "Wile E."), f.orgA))
		require.Empty(t, userErrorsOf(t, linked, "provisionUserFromIdentity"))
		assert.Equal(t, false, at(linked, "provisionUserFromIdentity.created"))
		assert.Equal(t, wile, at(linked, "provisionUserFromIdentity.user.id"))
		assert.Equal(t, "Wile E.", at(linked, "provisionUserFromIdentity.user.profile.givenName"))
	})
}

func TestProvisionRefusesBadInputAndWritesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		for _, tc := range []struct {
			vars  map[string]any
			field string
			code  string
		}{
			{identityVars(googleClaims("3001", "nobody@example.com", true, "No"), ""), "input.organizationId", "REQUIRED"},
			{identityVars(map[string]any{"sub": "3002"}, f.orgA), "input.rawAttributes", "REQUIRED"},
			{identityVars(googleClaims("3003", "x@example.com", true, "X"), "org_99999999999999999999"), "input.organizationId", "NOT_FOUND"},
			{map[string]any{"in": map[string]any{"connectionType": "", "providerName": "GOOGLE", "rawAttributes": map[string]any{"sub": "1"}}},
				"input.connectionType", "REQUIRED"},
		} {
			data := e.mustQuery(provisionDoc, tc.vars)
			errs := userErrorsOf(t, data, "provisionUserFromIdentity")
			require.NotEmpty(t, errs, "%v", tc.vars)
			assert.Equal(t, tc.field, fieldPath(errs[0]))
			assert.Equal(t, tc.code, errs[0]["code"])
		}
		users := e.mustQuery(`{ users(search: "example.com", first: 100) { totalCount } }`, nil)
		assert.Equal(t, float64(0), at(users, "users.totalCount"), "no user was created")
	})
}

// On Scalekit the identities are the ones Scalekit recorded at sign-in: an account it knows
// finds its user even when this sign-in's email is not verified.
func TestScalekitProvisionFindsUsersByTheirScalekitIdentities(t *testing.T) {
	e, fake := newScalekitEnv(t, true, scalekit.Config{})
	f := e.fixture()
	wile := fake.UserIDByEmail("wile.coyote@acme.test")
	require.True(t, fake.AddIdentity(wile, "conn_google1", "OIDC", "GOOGLE", "4242", false))
	data := e.mustQuery(provisionDoc, identityVars(googleClaims("4242", "wile.coyote@acme.test", false, "Wile"), f.orgA))
	require.Empty(t, userErrorsOf(t, data, "provisionUserFromIdentity"))
	assert.Equal(t, wile, at(data, "provisionUserFromIdentity.user.id"))
	ids := at(data, "provisionUserFromIdentity.user.identities").([]any)
	require.Len(t, ids, 1)
	assert.Equal(t, "GOOGLE", at(ids[0], "providerName"))
	assert.Equal(t, "4242", at(ids[0], "providerUserId"))
}
