package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSchemaCheckCatchesARemovedField runs `usergraph schema check` as CI does: the
// committed schema against this binary's is clean; a field the new schema lacks fails the
// check, unless it was deprecated first and -deprecated-ok is given.
func TestSchemaCheckCatchesARemovedField(t *testing.T) {
	var out strings.Builder
	require.NoError(t, runSchema([]string{"check", "schema.graphql"}, &out))
	assert.Contains(t, out.String(), "0 breaking, 0 dangerous, 0 safe")

	committed, err := os.ReadFile("schema.graphql")
	require.NoError(t, err)
	dir := t.TempDir()
	write := func(name, sdl string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(sdl), 0o600))
		return p
	}
	// The old schema had a field that the binary's schema has not.
	old := write("old.graphql", string(committed)+
		"\nextend type Organization { seats: Int }\n")
	out.Reset()
	err = runSchema([]string{"check", old}, &out)
	require.Error(t, err)
	assert.Contains(t, out.String(), "BREAKING  FIELD_REMOVED")
	assert.Contains(t, out.String(), "Organization.seats was removed")
	assert.Error(t, runSchema([]string{"check", "-deprecated-ok", old}, &out), "not deprecated: still fails")

	deprecated := write("deprecated.graphql", string(committed)+"\nextend type Organization { seats: Int @deprecated(reason: \"Billing owns it.\") }\n")
	out.Reset()
	assert.Error(t, runSchema([]string{"check", deprecated}, &out), "breaking all the same")
	out.Reset()
	require.NoError(t, runSchema([]string{"check", "-deprecated-ok", deprecated}, &out))
	assert.Contains(t, out.String(), "Organization.seats was removed (deprecated first)")

	// Both files given: the same comparison the other way round is an addition.
	out.Reset()
	require.NoError(t, runSchema([]string{"check", "schema.graphql", old}, &out))
	assert.Contains(t, out.String(), "SAFE      FIELD_ADDED")

	assert.Error(t, runSchema(nil, &out))
	assert.Error(t, runSchema([]string{"check"}, &out))
	assert.Error(t, runSchema([]string{"check", write("bad.graphql", "type {")}, &out))
}
