package sqlite

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTimesRoundTrip(t *testing.T) {
	in := time.Date(2024, 2, 29, 23, 59, 58, 123400000, time.FixedZone("X", 3600))
	s := formatTime(in)
	assert.Equal(t, "2024-02-29T22:59:58.123400000Z", s)
	out, err := parseTime(s)
	require.NoError(t, err)
	assert.True(t, in.Equal(out))
	assert.Equal(t, time.UTC, out.Location())
	assert.Less(t, formatTime(in), formatTime(in.Add(time.Nanosecond)))
	assert.Less(t, formatTime(in.Add(-time.Second)), formatTime(in), "no trimmed zeros to break text order")
}
