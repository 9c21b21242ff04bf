package gateway_test

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/gateway"
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

// tourTabs are the titles GraphiQL gives the tour's tabs (their operation names).
var tourTabs = []string{"UsersAndViewer", "OrganizationMembers", "CreateUser", "NormalizeSAMLProfile"}

// TestPlaygroundTourRunsItsFirstTab opens the playground as a newcomer does, with no query in
// the URL: the tour's named tabs are there, and the first one runs with the playground's
// pre-filled credentials (the page's own, not the tests') and shows the seeded users.
func TestPlaygroundTourRunsItsFirstTab(t *testing.T) {
	testAuthenticator(t) // makes testAPIKey
	e := newEnv(t, true, withPlaygroundHeaders(map[string]string{"X-API-Key": testAPIKey}))
	srv := httptest.NewServer(e.raw)
	defer srv.Close()
	playgroundtest.RunFirstTabInBrowser(t, srv.URL+"/", `"wile.coyote@acme.test"`, tour)
}

// tour is what the playground shows first: the tabs, and the explorer with the schema.
var tour = playgroundtest.Tour{Tabs: tourTabs, PluginShows: "normalizeProfile"}

// TestPlaygroundTourInScalekitMode is the same tour in Scalekit mode against the fake Scalekit
// with its demo data, as `go run ./cmd/fakescalekit` serves it: introspection is off for users
// there, and the playground, sending a service API key, still loads the schema (the explorer
// lists the root fields) and runs the first tab.
func TestPlaygroundTourInScalekitMode(t *testing.T) {
	testAuthenticator(t) // makes testAPIKey
	e, _ := newScalekitEnv(t, true, scalekit.Config{}, withPlaygroundHeaders(map[string]string{"X-API-Key": testAPIKey}),
		func(c *gateway.Config) { c.Introspection = false })
	srv := httptest.NewServer(e.raw)
	defer srv.Close()
	playgroundtest.RunFirstTabInBrowser(t, srv.URL+"/", `"wile.coyote@acme.test"`, tour)
}
