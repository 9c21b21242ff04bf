package gateway_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/gateway"
)

// The warm-up query runs whole through the executor, the policy and the backend: on both
// backends it answers without errors (so it also validates against the schema) and reads.
func TestWarmUpRunsItsQueryThroughTheBackend(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		before := e.calls()
		require.NoError(t, e.raw.(*gateway.Gateway).WarmUp(context.Background()))
		assert.Greater(t, e.calls(), before, "the warm-up reads the backend")
	})
}

// Over Scalekit, what the warm-up read stays cached below the policy: a client's query over
// the same paths afterwards costs no Scalekit call.
func TestWarmUpLeavesItsReadsInTheEntityCache(t *testing.T) {
	e, _, _, calls := cachedScalekitEnv(t, time.Hour)
	require.NoError(t, e.raw.(*gateway.Gateway).WarmUp(context.Background()))
	org := str(at(e.mustQuery(`{ organizations(first: 1) { nodes { id } } }`, nil), "organizations.nodes.0.id"))
	require.NotEmpty(t, org)
	before := calls()
	data := e.mustQuery(`query($org: ID!) { organization(id: $org) { members(first: 100) { nodes { user { email
		memberships { organization { displayName } roles { name permissions { name } } } } } } } }`, map[string]any{"org": org})
	assert.NotEmpty(t, at(data, "organization.members.nodes"))
	assert.Equal(t, before, calls(), "what the warm-up read is cached")
}

// A backend failing under the warm-up is reported to the caller (the server logs it and
// serves anyway).
func TestWarmUpReportsAFailingBackend(t *testing.T) {
	e := newEnv(t, true, withDirectory(func(d directory.Directory) directory.Directory {
		return failing{Directory: d, orgs: directory.ErrUnavailable}
	}))
	err := e.raw.(*gateway.Gateway).WarmUp(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "warm-up: ")
}
