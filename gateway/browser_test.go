package gateway_test

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/usergraph/usergraph/playground/playgroundtest"
)

// TestPlaygroundRunsAQueryAgainstTheGateway opens the real gateway's playground in headless
// Chromium, runs a query from the UI against the real schema and store, and fails if any
// request left the machine (the driver checks every URL the page loaded).
func TestPlaygroundRunsAQueryAgainstTheGateway(t *testing.T) {
	e := newEnv(t, true)
	srv := httptest.NewServer(e.handler)
	defer srv.Close()
	q := url.Values{"query": {"{ roles { name permissions { name } } }"}}
	playgroundtest.RunQueryInBrowser(t, srv.URL+"/?"+q.Encode(), `"users:write"`)
}
