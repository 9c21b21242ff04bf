package gateway_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The entity cache sits below the authorization policy: once a service has warmed it with
// another tenant's data, a user caller still gets only what the policy lets it see, and the
// denied reads cost no Scalekit call (they are served from the cache, then filtered).
func TestScalekitCacheAnswersAreStillFilteredByThePolicy(t *testing.T) {
	e, fake := newScalekitEnv(t, true, cachedFor(time.Hour))
	f := e.fixture()
	userDoc := `query($id: ID!) { user(id: $id) { email memberships { organization { id } } } }`
	membersDoc := `query($o: ID!) { organization(id: $o) { members(first: 50) { nodes { user { email } } } } }`

	// A service reads carol (orgB only) and orgB's members: both are now cached.
	service := e.authorization(f, asServiceCaller)
	r := e.queryAs(service, userDoc, map[string]any{"id": f.carol})
	require.Empty(t, r.Errors)
	require.Equal(t, "carol@fixture.test", at(r.Data, "user.email"))
	r = e.queryAs(service, membersDoc, map[string]any{"o": f.orgB})
	require.Empty(t, r.Errors)
	require.NotEmpty(t, at(r.Data, "organization.members.nodes"))

	// bob (orgA only) asks for the same: the cache has it, the policy hides it.
	warm := fake.Calls()
	bob := e.authorization(f, asBob)
	r = e.queryAs(bob, userDoc, map[string]any{"id": f.carol})
	assert.Nil(t, at(r.Data, "user"), "bob must not see carol, cached or not")
	r = e.queryAs(bob, membersDoc, map[string]any{"o": f.orgB})
	assert.Nil(t, at(r.Data, "organization"), "bob must not see orgB's members, cached or not")

	// alice (orgA and orgB) sees carol, but not carol's memberships beyond what she shares.
	r = e.queryAs(e.authorization(f, asAlice), userDoc, map[string]any{"id": f.carol})
	assert.Equal(t, "carol@fixture.test", at(r.Data, "user.email"))
	for _, m := range at(r.Data, "user.memberships").([]any) {
		assert.Contains(t, []string{f.orgA, f.orgB}, str(at(m, "organization.id")))
	}
	// Only the callers' own scopes (their user records) were fetched, not the data again.
	assert.LessOrEqual(t, fake.Calls()-warm, uint64(2), "the cached answers were reused")
}
