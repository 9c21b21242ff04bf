package postgres

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestTimesAreUTCMicroseconds(t *testing.T) {
	n := now()
	assert.Equal(t, time.UTC, n.Location())
	assert.Zero(t, n.Nanosecond()%1000, "timestamptz keeps microseconds; the clock gives no more")
	local := time.Date(2024, 2, 29, 23, 59, 58, 0, time.FixedZone("X", 3600))
	assert.Equal(t, time.UTC, utcPtr(&local).Location())
	assert.True(t, utcPtr(&local).Equal(local))
	assert.Nil(t, utcPtr(nil))
}
