package gateway

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/usergraph/usergraph/auth"
)

// warmUpQuery walks the schema's main paths from the first organization down (warmup.graphql).
//
//go:embed warmup.graphql
var warmUpQuery string

// WarmUpCaller is the service the warm-up query runs as: it passes the authorization
// policy like any service, and its operation (UsergraphWarmUp) shows in the metrics.
const WarmUpCaller = "usergraph-warm-up"

// Gateway is the HTTP handler New returns.
type Gateway struct {
	http.Handler
	// warm is the GraphQL handler behind authentication: the executor, its extensions,
	// the request timeout and the per-request loaders.
	warm http.Handler
}

// WarmUp runs one query through the executor before the server takes requests, and
// discards its answer. A fresh process pays for much on its first query that no later one
// does: the code's pages, each type's decoder and marshaller, the heap's first growth. On
// the deep members query over Scalekit that was about 25 ms of the first request's CPU
// (docs/benchmarks.md); after WarmUp the first client query costs what any later one does.
//
// The query reads through the policy and the backend like any request, so it also fetches
// what it reads that nothing cached yet (with Scalekit, the role catalogue). An error is
// the caller's to log: the server serves without the warm-up.
func (g *Gateway) WarmUp(ctx context.Context) error {
	body, err := json.Marshal(map[string]string{"query": warmUpQuery})
	if err != nil {
		return err
	}
	ctx = auth.WithCaller(ctx, auth.Caller{Kind: auth.Service, ServiceName: WarmUpCaller})
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
	if err != nil {
		return err
	}
	r.Header.Set("Content-Type", mediaJSON)
	w := httptest.NewRecorder()
	g.warm.ServeHTTP(w, r)
	var resp struct {
		Errors []struct {
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &resp); err != nil {
		return fmt.Errorf("warm-up: status %d, undecodable answer: %w", w.Code, err)
	}
	if len(resp.Errors) > 0 {
		return errors.New("warm-up: " + resp.Errors[0].Message)
	}
	if w.Code != http.StatusOK {
		return fmt.Errorf("warm-up: status %d", w.Code)
	}
	return nil
}
