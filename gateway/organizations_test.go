package gateway_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOrganizationLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, false)
		create := `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) {
			organization { id displayName externalId metadata createTime updateTime members { totalCount } }
			userErrors { field message code } } }`
		data := e.mustQuery(create, map[string]any{"input": map[string]any{"displayName": " Umbrella ", "externalId": "umb-1", "metadata": map[string]any{"tier": "gold"}}})
		require.Empty(t, userErrorsOf(t, data, "createOrganization"))
		org := at(data, "createOrganization.organization")
		id := str(at(org, "id"))
		assert.Regexp(t, `^org_\d+$`, id)
		assert.Equal(t, "Umbrella", at(org, "displayName"))
		assert.Equal(t, map[string]any{"tier": "gold"}, at(org, "metadata"))
		assert.Equal(t, float64(0), at(org, "members.totalCount"))

		errs := userErrorsOf(t, e.mustQuery(create, map[string]any{"input": map[string]any{"displayName": "Other", "externalId": "umb-1"}}), "createOrganization")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.externalId", fieldPath(errs[0]))
		assert.Equal(t, "TAKEN", errs[0]["code"])

		eleven := map[string]any{}
		for i := range 11 {
			eleven["key"+itoa(i)] = "v"
		}
		for _, tc := range []struct {
			input map[string]any
			field string
			code  string
		}{
			{map[string]any{"displayName": "  "}, "input.displayName", "REQUIRED"},
			{map[string]any{"displayName": strings.Repeat("n", 201)}, "input.displayName", "TOO_LONG"},
			{map[string]any{"displayName": "Many", "metadata": eleven}, "input.metadata", "TOO_MANY"},
		} {
			errs := userErrorsOf(t, e.mustQuery(create, map[string]any{"input": tc.input}), "createOrganization")
			require.Len(t, errs, 1, tc.input)
			assert.Equal(t, tc.field, fieldPath(errs[0]))
			assert.Equal(t, tc.code, errs[0]["code"])
		}
		assert.Equal(t, float64(1), at(e.mustQuery(`{ organizations { totalCount } }`, nil), "organizations.totalCount"), "refused input writes nothing")

		update := `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
			organization { displayName externalId metadata } userErrors { field code } } }`
		data = e.mustQuery(update, map[string]any{"input": map[string]any{"id": id, "displayName": "Umbrella Corp", "externalId": nil, "metadata": map[string]any{"tier": nil, "region": "eu"}}})
		require.Empty(t, userErrorsOf(t, data, "updateOrganization"))
		assert.Equal(t, "Umbrella Corp", at(data, "updateOrganization.organization.displayName"))
		assert.Nil(t, at(data, "updateOrganization.organization.externalId"))
		assert.Equal(t, map[string]any{"region": "eu"}, at(data, "updateOrganization.organization.metadata"))

		errs = userErrorsOf(t, e.mustQuery(update, map[string]any{"input": map[string]any{"id": id, "displayName": nil}}), "updateOrganization")
		require.Len(t, errs, 1)
		assert.Equal(t, "REQUIRED", errs[0]["code"], "a display name cannot be cleared")

		// A member, then delete: memberships go, the user stays.
		user := e.mustQuery(createUser, map[string]any{"input": map[string]any{"organizationId": id, "email": "member@umbrella.test"}})
		uid := str(at(user, "createUser.user.id"))
		del := `mutation($id: ID!) { deleteOrganization(input: {id: $id}) { deletedOrganizationId userErrors { field code } } }`
		assert.Equal(t, id, at(e.mustQuery(del, map[string]any{"id": id}), "deleteOrganization.deletedOrganizationId"))
		assert.Nil(t, e.mustQuery(`query($id: ID!) { organization(id: $id) { id } }`, map[string]any{"id": id})["organization"])
		left := e.mustQuery(`query($id: ID!) { user(id: $id) { id memberships { organizationId } } }`, map[string]any{"id": uid})
		assert.Equal(t, uid, at(left, "user.id"))
		assert.Equal(t, []any{}, at(left, "user.memberships"))
		errs = userErrorsOf(t, e.mustQuery(del, map[string]any{"id": id}), "deleteOrganization")
		require.Len(t, errs, 1)
		assert.Equal(t, "NOT_FOUND", errs[0]["code"])
	})
}
