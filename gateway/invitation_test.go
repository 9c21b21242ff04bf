package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// An admin must not accept an invitation on the user's behalf (issue 9, item 3): turning
// Daffy's PENDING_INVITE (or Elmer's INACTIVE) membership ACTIVE with the admin role let
// Acme's admin then change that user, a right the README says an invitation never gives.
func TestAdminsCannotAcceptInvitationsForTheirUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		id := func(email string) string {
			v := str(at(e.mustQuery(`query($e: String!) { user(email: $e) { id } }`, map[string]any{"e": email}), "user.id"))
			require.NotEmpty(t, v, email)
			return v
		}
		wile, daffy, elmer := id("wile.coyote@acme.test"), id("daffy.duck@acme.test"), id("elmer.fudd@acme.test")
		acme := orgIDsByName(e)["Acme Corp"]
		const update = `mutation($u: ID!, $o: ID!, $roles: [String!]) { updateMembership(input: {userId: $u, organizationId: $o,
			status: ACTIVE, roles: $roles}) { membership { status } userErrors { field code } } }`
		status := func(user string) any {
			return at(e.mustQuery(`query($id: ID!) { user(id: $id) { memberships { status } } }`, map[string]any{"id": user}), "user.memberships.0.status")
		}
		for user, was := range map[string]string{daffy: "PENDING_INVITE", elmer: "INACTIVE"} {
			for _, roles := range []any{[]string{"admin"}, nil} {
				r := e.queryAs(userToken(t, wile), update, map[string]any{"u": user, "o": acme, "roles": roles})
				require.NotEmpty(t, r.Errors, "%s %v", was, roles)
				assert.Equal(t, "FORBIDDEN", r.Errors[0].code())
				assert.Equal(t, was, status(user), "nothing changed")
			}
			r := e.queryAs(userToken(t, wile), `mutation($u: ID!) { updateUser(input: {id: $u, profile: {givenName: "Owned"}}) { userErrors { code } } }`,
				map[string]any{"u": user})
			require.NotEmpty(t, r.Errors)
			assert.Equal(t, "FORBIDDEN", r.Errors[0].code(), "the admin has no rights over the invited user")
		}
		// Daffy accepts his own invitation; he may not grant himself roles on the way.
		r := e.queryAs(userToken(t, daffy), update, map[string]any{"u": daffy, "o": acme, "roles": []string{"admin"}})
		require.NotEmpty(t, r.Errors)
		assert.Equal(t, "FORBIDDEN", r.Errors[0].code())
		if e.backend == "scalekit" {
			return // Scalekit's API cannot change a status (README)
		}
		r = e.queryAs(userToken(t, daffy), `mutation($u: ID!, $o: ID!) { updateMembership(input: {userId: $u, organizationId: $o,
			status: ACTIVE}) { membership { status } userErrors { field code } } }`, map[string]any{"u": daffy, "o": acme})
		require.Empty(t, r.Errors)
		assert.Equal(t, "ACTIVE", at(map[string]any(r.Data), "updateMembership.membership.status"))
	})
}
