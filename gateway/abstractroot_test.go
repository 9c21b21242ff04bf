package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A query whose root field returns an interface (node, _entities) cannot be counted by
// the idle dispatcher (loaders/dispatch.go, abstractRoot), so its batches leave by the idle
// window instead: the same levels must still cost one statement each.
func TestAbstractRootsBatchThroughTheIdleWindow(t *testing.T) {
	e := newEnv(t, true, withCountingLoaders())
	org := withMembers(t, e, 30)
	const levels = `members(first: 100) { nodes { user { email memberships { status
		organization { displayName } roles { name } } } } }`
	directDoc := `query($id: ID!) { organization(id: $id) { ` + levels + ` } }`
	e.mustQuery(directDoc, map[string]any{"id": org}) // warms what is read once per process
	direct := statementsFor(t, e, directDoc, map[string]any{"id": org})
	viaNode := `query($id: ID!) { node(id: $id) { ... on Organization { ` + levels + ` } } }`
	data := e.mustQuery(viaNode, map[string]any{"id": org})
	require.GreaterOrEqual(t, len(at(data, "node.members.nodes").([]any)), 30)
	assert.Equal(t, direct, statementsFor(t, e, viaNode, map[string]any{"id": org}))
	// organization, members, users, memberships, organizations, roles.
	assert.Equal(t, uint64(6), direct)
}
