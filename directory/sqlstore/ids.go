package sqlstore

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// ID prefixes, as Scalekit spells them.
const (
	userPrefix    = "usr_"
	orgPrefix     = "org_"
	rolePrefix    = "role_"
	profilePrefix = "usp_"
	domainPrefix  = "dom_"
)

// idEpoch is the start of the clock inside ids.
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

const randomBits = 22

// ids hands out Scalekit-style ids: a prefix and 19 zero-padded decimal digits holding
// (milliseconds since 2020 << 22) | 22 random bits. Equal-width digits make text order
// numeric order, so ordering by id orders by creation, which keyset pagination relies on.
// The random bits keep ids of separate processes apart; within this process every id is
// strictly greater than the previous one, even inside one millisecond.
var ids struct {
	sync.Mutex
	last uint64
}

// newID returns a new id with the prefix.
func newID(prefix string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms (Go 1.24+ panics instead).
		panic(fmt.Sprintf("reading random bits: %v", err))
	}
	ms := uint64(time.Since(idEpoch).Milliseconds())
	n := ms<<randomBits | uint64(binary.BigEndian.Uint32(b[:]))&(1<<randomBits-1)

	ids.Lock()
	if n <= ids.last {
		n = ids.last + 1
	}
	ids.last = n
	ids.Unlock()
	return fmt.Sprintf("%s%019d", prefix, n)
}
