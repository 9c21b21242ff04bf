package postgres

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

func TestTimesAreUTCMicroseconds(t *testing.T) {
	n := now()
	assert.Equal(t, time.UTC, n.Location())
	assert.Zero(t, n.Nanosecond()%1000, "timestamptz keeps microseconds; the clock gives no more")
	local := time.Date(2024, 2, 29, 23, 59, 58, 0, time.FixedZone("X", 3600))
	assert.Equal(t, time.UTC, utcPtr(&local).Location())
	assert.True(t, utcPtr(&local).Equal(local))
	assert.Nil(t, utcPtr(nil))
}
