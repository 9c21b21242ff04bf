package sqlstore

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIDsAreScalekitShapedAndTimeOrdered(t *testing.T) {
	prev := newID(userPrefix)
	require.Regexp(t, `^usr_\d{19}$`, prev)
	seen := map[string]bool{prev: true}
	for range 10000 {
		id := newID(userPrefix)
		require.Len(t, id, len(prev))
		require.Less(t, prev, id, "each id sorts after the one before")
		require.False(t, seen[id])
		seen[id] = true
		prev = id
	}
	a := newID(orgPrefix)
	time.Sleep(3 * time.Millisecond)
	b := newID(orgPrefix)
	assert.Less(t, a, b)
	assert.Regexp(t, `^org_\d{19}$`, a)
	assert.Regexp(t, `^role_\d{19}$`, newID(rolePrefix))
}
