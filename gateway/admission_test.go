package gateway_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/gateway"
)

// holding blocks every roles read until released, keeping its operation's turn.
type holding struct {
	directory.Directory
	entered chan struct{}
	release chan struct{}
}

func (h holding) Roles(ctx context.Context) ([]*directory.Role, error) {
	h.entered <- struct{}{}
	<-h.release
	return h.Directory.Roles(ctx)
}

// With the only turn taken by a running operation, a document's validation still answers
// at once, and a valid operation waits for a turn until its deadline, then gets 503 without
// running. Issue 9: 16 concurrent validation bombs made every other caller's {viewer{id}}
// fail with SERVER_BUSY, because validation held the turns.
func TestTurnsAreTakenByValidOperationsOnly(t *testing.T) {
	h := holding{entered: make(chan struct{}, 4), release: make(chan struct{})}
	e := newEnv(t, true,
		withDirectory(func(d directory.Directory) directory.Directory { h.Directory = d; return h }),
		func(c *gateway.Config) { c.MaxConcurrentOperations = 1; c.RequestTimeout = 300 * time.Millisecond })
	done := make(chan result, 1)
	go func() { done <- e.query(`{ roles { name } }`, nil) }()
	<-h.entered

	// Invalid documents are answered by validation, every error of them, without a turn.
	r := e.query(`{ viewer { nope alsoNope } }`, nil)
	require.Len(t, r.Errors, 2, "every validation error comes back")
	for _, err := range r.Errors {
		assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", err.code())
	}

	// A valid operation waits for the turn and is refused at its deadline, never run.
	resp := e.post("application/json", `{"query":"{ roles { name } }"}`)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.NotEmpty(t, resp.Header.Get("Retry-After"))
	busy := decode(t, resp)
	require.Len(t, busy.Errors, 1)
	assert.Equal(t, gateway.CodeServerBusy, busy.Errors[0].code())
	assert.NotEmpty(t, busy.Errors[0].Extensions["requestId"])
	select {
	case <-h.entered:
		t.Fatal("the refused operation ran")
	default:
	}

	// Once the turn is free, the next operation runs.
	close(h.release)
	<-done
	r = e.query(`{ roles { name } }`, nil)
	require.Empty(t, r.Errors)
	assert.NotEmpty(t, r.Data["roles"])
}
