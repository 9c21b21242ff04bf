package scalekit

import (
	"fmt"
	"sync/atomic"

	"github.com/segmentio/encoding/json"

	"github.com/usergraph/usergraph/directory"
)

// decode reads Scalekit's answer into a wire type, once per cached page of users that
// requests read again and again: every request that reads the page from the cache then gets
// the same decoded value (decoded, keepdecoded.go); decoding it again per request was a
// fifth of a users page's CPU.
// segmentio/encoding's json decodes with encoding/json's semantics, tested against its
// suite, in less time (docs/benchmarks.md, "A faster decoder").
//
// The value may be shared, so callers only read it: the wire types' conversions to the
// domain (wire.go) copy whatever the domain value could be written through — maps, slices,
// pointed-to times — and the decoded value is never handed out itself.
func decode[T any](resp *response, what string) (*T, error) {
	if resp.decoded != nil {
		if p := resp.decoded.v.Load(); p != nil {
			if v, ok := (*p).(*T); ok {
				return v, nil
			}
		}
	}
	var v T
	if err := json.Unmarshal(resp.body, &v); err != nil {
		return nil, fmt.Errorf("%w: scalekit: %s: undecodable answer: %v", directory.ErrUnavailable, what, err)
	}
	if resp.decoded != nil {
		var shared any = &v
		resp.decoded.v.CompareAndSwap(nil, &shared)
	}
	return &v, nil
}

// decoded holds a cached answer's body decoded by decode, the first time a request reads
// it. An answer is always decoded into the same wire type (its path decides which); were it
// not, the other type would simply be decoded per read.
type decoded struct{ v atomic.Pointer[any] }
