package gateway

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/maypok86/otter/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/observe"
)

// The response cache reuses a query's whole answer while everything it was built from is
// still current — the state of the art that Apollo Router calls response caching, here
// exact rather than TTL-only: the backend (directory.ReadTracker, Scalekit mode) records the
// version of every cached entity the query read, and an answer is reused only while none of
// those versions has moved (a write through any replica of this cluster, a webhook) and
// none of the entities has outlived its own TTL, counted from when it was fetched. So a
// reused answer is never older than what the entity cache itself would serve, and the
// policy's decisions are reused only by the caller they were made for: the key holds the
// caller, the document, the operation name and the variables.
//
// What is never reused: mutations and subscriptions, answers with errors or deferred parts,
// anonymous callers' answers, and answers that read anything the entity cache did not
// serve under its rules (a kind with no TTL, a not-found, a write).

// DefaultResponseCacheBytes bounds the memory of the reused answers.
const DefaultResponseCacheBytes = 32 << 20

// ResponseCacheConfig turns the response cache on.
type ResponseCacheConfig struct {
	// Reads is the backend's read tracking; nil leaves the cache off.
	Reads directory.ReadTracker
	// MaxBytes bounds the answers kept (default DefaultResponseCacheBytes).
	MaxBytes uint64
}

type responseCache struct {
	reads    directory.ReadTracker
	store    *otter.Cache[[sha256.Size]byte, *reusable]
	observer observe.ResponseCacheObserver
}

// reusable is a kept answer: its data and what it was built from.
type reusable struct {
	data  []byte
	reads directory.Reads
}

var (
	_ graphql.HandlerExtension     = (*responseCache)(nil)
	_ graphql.OperationInterceptor = (*responseCache)(nil)
)

func newResponseCache(cfg ResponseCacheConfig, obs observe.ResponseCacheObserver) *responseCache {
	if cfg.MaxBytes == 0 {
		cfg.MaxBytes = DefaultResponseCacheBytes
	}
	return &responseCache{
		reads:    cfg.Reads,
		observer: obs,
		store: otter.Must(&otter.Options[[sha256.Size]byte, *reusable]{
			MaximumWeight: cfg.MaxBytes,
			Weigher: func(_ [sha256.Size]byte, r *reusable) uint32 {
				return uint32(min(len(r.data)+256, 1<<31))
			},
			// Memory is freed when the oldest entity read expires; a version that moved
			// earlier is caught at lookup.
			ExpiryCalculator: otter.ExpiryWritingFunc(func(e otter.Entry[[sha256.Size]byte, *reusable]) time.Duration {
				return max(time.Until(e.Value.reads.Expires()), time.Millisecond)
			}),
		}),
	}
}

func (*responseCache) ExtensionName() string                   { return "ResponseCache" }
func (*responseCache) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation answers a query from the cache when a current answer is kept, and
// otherwise runs it with its reads tracked and keeps its answer if it may be reused.
func (rc *responseCache) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	caller := auth.CallerFrom(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query || caller.IsAnonymous() {
		return next(ctx)
	}
	key, ok := responseKey(caller, oc)
	if !ok {
		return next(ctx)
	}
	if kept, found := rc.store.GetIfPresent(key); found && kept.reads.Current() {
		rc.observer.ResponseCacheLookup(true)
		return graphql.OneShot(&graphql.Response{Data: kept.data})
	}
	rc.observer.ResponseCacheLookup(false)
	ctx, reads := rc.reads.TrackReads(ctx)
	responses := next(ctx)
	first := true
	return func(ctx context.Context) *graphql.Response {
		resp := responses(ctx)
		if first && resp != nil && len(resp.Errors) == 0 && resp.HasNext == nil && resp.Data != nil &&
			reads.Reusable() && reads.Current() {
			rc.store.Set(key, &reusable{data: bytes.Clone(resp.Data), reads: reads})
			rc.observer.ResponseCacheStored()
		}
		first = false
		return resp
	}
}

// responseKey names an answer by everything it may depend on besides the backend's data:
// the caller (all of it but the token's id, which only audit logs use), the document, the
// operation chosen and the variables as coerced.
func responseKey(caller auth.Caller, oc *graphql.OperationContext) ([sha256.Size]byte, bool) {
	caller.TokenID = ""
	who, err := json.Marshal(caller)
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	vars, err := json.Marshal(oc.Variables) // maps marshal with sorted keys
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	h := sha256.New()
	for _, part := range [][]byte{who, []byte(oc.OperationName), []byte(oc.RawQuery), vars} {
		// Length-prefixed, so that no two different tuples hash the same bytes.
		h.Write(binary.AppendUvarint(nil, uint64(len(part))))
		h.Write(part)
	}
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, true
}
