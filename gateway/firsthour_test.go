package gateway_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/gateway"
)

// One rule for a profile's name on every backend: composed from the given and family names
// when it is not set, in createUser, updateUser and normalization alike.
func TestNameIsComposedByOneRule(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		acme := demo.OrganizationID("acme")
		data := e.mustQuery(createUser, map[string]any{"input": map[string]any{
			"organizationId": acme, "email": "grace@names.test",
			"profile": map[string]any{"givenName": "Grace", "familyName": "Hopper"},
		}})
		require.Empty(t, userErrorsOf(t, data, "createUser"))
		id := str(at(data, "createUser.user.id"))
		assert.Equal(t, "Grace Hopper", at(data, "createUser.user.profile.name"), "createUser composes the name")

		update := func(profile map[string]any) any {
			t.Helper()
			data := e.mustQuery(updateUser, map[string]any{"input": map[string]any{"id": id, "profile": profile}})
			require.Empty(t, userErrorsOf(t, data, "updateUser"))
			return at(data, "updateUser.user.profile.name")
		}
		assert.Equal(t, "Amazing Hopper", update(map[string]any{"givenName": "Amazing"}), "a composed name follows the given name")
		assert.Equal(t, "Rear Admiral Hopper", update(map[string]any{"name": "Rear Admiral Hopper"}), "a name set on its own is kept")
		assert.Equal(t, "Rear Admiral Hopper", update(map[string]any{"familyName": "Murray"}), "…even when the family name changes")
		assert.Equal(t, "Amazing Murray", update(map[string]any{"name": nil}), "clearing the name composes it again")

		data = e.mustQuery(`query($raw: JSON!) { normalizeProfile(input: {connectionType: "OIDC", providerName: "GOOGLE", rawAttributes: $raw}) { name } }`,
			map[string]any{"raw": map[string]any{"sub": "1", "given_name": "Grace", "family_name": "Hopper"}})
		assert.Equal(t, "Grace Hopper", at(data, "normalizeProfile.name"), "normalization composes the same name")
	})
}

// The same wrong id gets the same answer from every mutation: NOT_FOUND on the field that
// holds it, whether the id is malformed (the README's placeholder) or well formed.
func TestAWrongIDIsNotFoundInEveryMutation(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		acme, wile := demo.OrganizationID("acme"), demo.Users[0].ID()
		for _, wrong := range []struct{ org, user string }{
			{"org_…", "usr_…"},
			{"org_9999999999999999999", "usr_9999999999999999999"},
			{"acme", "wile"},
		} {
			for _, tc := range []struct {
				mutation, input, field string
				vars                   map[string]any
			}{
				{"createUser", "CreateUserInput", "organizationId", map[string]any{"organizationId": wrong.org, "email": "nobody@wrong.test"}},
				{"provisionUserFromIdentity", "ProvisionInput", "organizationId", map[string]any{"organizationId": wrong.org,
					"connectionType": "OIDC", "providerName": "GOOGLE", "rawAttributes": map[string]any{"sub": "wrong-1", "email": "nobody@wrong.test", "email_verified": true}}},
				{"addMembership", "AddMembershipInput", "organizationId", map[string]any{"organizationId": wrong.org, "userId": wile}},
				{"addMembership", "AddMembershipInput", "userId", map[string]any{"organizationId": acme, "userId": wrong.user}},
				{"updateMembership", "UpdateMembershipInput", "organizationId", map[string]any{"organizationId": wrong.org, "userId": wile, "roles": []string{"member"}}},
				{"updateUser", "UpdateUserInput", "id", map[string]any{"id": wrong.user, "metadata": map[string]any{"plan": "x"}}},
				{"deleteUser", "DeleteUserInput", "id", map[string]any{"id": wrong.user}},
				{"updateOrganization", "UpdateOrganizationInput", "id", map[string]any{"id": wrong.org, "displayName": "X"}},
			} {
				doc := fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { userErrors { field code message } } }`, tc.input, tc.mutation)
				res := e.query(doc, map[string]any{"in": tc.vars})
				require.Empty(t, res.Errors, "%s with %v", tc.mutation, tc.vars)
				problems := userErrorsOf(t, res.Data, tc.mutation)
				if assert.Len(t, problems, 1, "%s with %v", tc.mutation, tc.vars) {
					assert.Equal(t, "NOT_FOUND", problems[0]["code"], "%s with %v: %v", tc.mutation, tc.vars, problems[0])
					assert.Equal(t, "input."+tc.field, fieldPath(problems[0]), "%s with %v", tc.mutation, tc.vars)
				}
			}
		}
	})
}

// A request without credentials is told how to get some (the server passes the embedded
// mode's token command as CredentialsHelp).
func TestUnauthenticatedAnswerSaysHowToGetAToken(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) { c.CredentialsHelp = "run `go run . token -user usr_…`" })
	resp := e.post("application/json", `{"query":"{ roles { name } }"}`, "X-Anonymous", "1")
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	res := decode(t, resp)
	require.Len(t, res.Errors, 1)
	assert.Equal(t, "UNAUTHENTICATED", res.Errors[0].code())
	assert.Equal(t, "credentials required: send Authorization: Bearer <token> or X-API-Key: <key>; run `go run . token -user usr_…`", res.Errors[0].Message)
}
