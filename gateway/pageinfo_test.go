package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPageInfoHasWhatRelayConnectionsNeed: Relay's @connection reads startCursor and
// hasPreviousPage besides endCursor and hasNextPage (examples/relay compiles against them).
func TestPageInfoHasWhatRelayConnectionsNeed(t *testing.T) {
	e := newEnv(t, true)
	data := e.mustQuery(`{ users(first: 3) { edges { cursor } pageInfo { startCursor endCursor hasNextPage hasPreviousPage } } }`, nil)
	assert.Equal(t, at(data, "users.edges.0.cursor"), at(data, "users.pageInfo.startCursor"))
	assert.Equal(t, at(data, "users.edges.2.cursor"), at(data, "users.pageInfo.endCursor"))
	assert.Equal(t, false, at(data, "users.pageInfo.hasPreviousPage"))
	next := e.mustQuery(`query($a: String) { users(first: 3, after: $a) { edges { cursor } pageInfo { startCursor hasPreviousPage } } }`,
		map[string]any{"a": at(data, "users.pageInfo.endCursor")})
	assert.Equal(t, at(next, "users.edges.0.cursor"), at(next, "users.pageInfo.startCursor"))
	assert.Equal(t, false, at(next, "users.pageInfo.hasPreviousPage"), "forward-only pages, as the spec allows")
	empty := e.mustQuery(`{ users(first: 3, search: "nobody-matches-this") { pageInfo { startCursor endCursor } } }`, nil)
	assert.Nil(t, at(empty, "users.pageInfo.startCursor"))
}
