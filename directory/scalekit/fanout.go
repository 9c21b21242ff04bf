package scalekit

import (
	"context"
	"sync"

	"github.com/usergraph/usergraph/directory"
)

// fanOut answers a batch read for an API without a get-many endpoint: one call per
// distinct key, all started at once (the client's request limit paces them), results in
// key order. get returns nil, nil for a key that matches nothing. Per-key failures come
// back as directory.KeyErrors, so one missing or failing key never fails its neighbours.
func fanOut[T any](ctx context.Context, keys []string, get func(ctx context.Context, key string) (*T, error)) ([]*T, error) {
	type answer struct {
		value *T
		err   error
	}
	answers := make(map[string]*answer, len(keys))
	var wg sync.WaitGroup
	for _, k := range keys {
		if _, seen := answers[k]; seen {
			continue
		}
		a := &answer{}
		answers[k] = a
		wg.Add(1)
		go func() {
			defer wg.Done()
			a.value, a.err = get(ctx, k)
		}()
	}
	wg.Wait()
	out := make([]*T, len(keys))
	var errs directory.KeyErrors
	for i, k := range keys {
		a := answers[k]
		if a.err != nil {
			if errs == nil {
				errs = make(directory.KeyErrors, len(keys))
			}
			errs[i] = a.err
			continue
		}
		out[i] = a.value
	}
	if errs != nil {
		return out, errs
	}
	return out, nil
}
