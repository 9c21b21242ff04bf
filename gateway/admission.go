package gateway

import "context"

// admission lets at most its capacity of operations execute at once; the others wait for
// a turn until their deadline (see Config.MaxConcurrentOperations). overHTTP.Do takes a
// turn only for a document that parsed and validated: a document's own cost (the
// pre-check and validation) never holds a turn that valid operations wait for.
type admission chan struct{}

func newAdmission(n int) admission { return make(admission, n) }

// enter waits for a turn, and reports false if the context ended first.
func (a admission) enter(ctx context.Context) bool {
	select {
	case a <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (a admission) leave() { <-a }
