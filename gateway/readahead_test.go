package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// heldTransport holds the answers to some requests until another request has been sent,
// and records which held answers had to give up waiting: a request that is only sent once
// the held answer has arrived (the next level of a query) makes it give up. So a test
// proves that two reads overlap without measuring time; the wait only bounds a failure.
type heldTransport struct {
	inner   http.RoundTripper
	hold    func(path string) bool // which answers wait
	awaited func(path string) bool // until a request for one of these has been sent

	mu      sync.Mutex
	sent    chan struct{} // closed when an awaited request has been sent
	gaveUp  []string
	paths   []string
	waiting time.Duration
}

func newHeldTransport(hold, awaited func(string) bool) *heldTransport {
	return &heldTransport{inner: http.DefaultTransport.(*http.Transport).Clone(), hold: hold, awaited: awaited,
		sent: make(chan struct{}), waiting: 3 * time.Second}
}

func (h *heldTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	path := r.URL.Path
	h.mu.Lock()
	if path != "/oauth/token" { // fetched once, whenever the first call needs it
		h.paths = append(h.paths, r.Method+" "+path)
	}
	if h.awaited(path) {
		select {
		case <-h.sent:
		default:
			close(h.sent)
		}
	}
	h.mu.Unlock()
	resp, err := h.inner.RoundTrip(r)
	if h.hold(path) {
		select {
		case <-h.sent:
		case <-time.After(h.waiting):
			h.mu.Lock()
			h.gaveUp = append(h.gaveUp, path)
			h.mu.Unlock()
		}
	}
	return resp, err
}

func (h *heldTransport) sentPaths() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.paths...)
}

// readAheadEnv is a cold gateway over a generated fake Scalekit (member lists not learned
// yet, the default) whose client sends through h; org is an organization with members. It
// is found by another client: a page of organizations read through the gateway's would
// keep every organization's record, and the organizations would not be cold.
func readAheadEnv(t *testing.T, h *heldTransport) (e *env, org string) {
	cfg := cachedFor(30 * time.Second)
	cfg.Transport = h
	e, fake := newScalekitEnvWith(t, scalekittest.Options{Generate: &scalekittest.Generated{Organizations: 10, Users: 200}}, cfg)
	other, err := scalekit.New(scalekit.Config{EnvironmentURL: fake.URL(), ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret()})
	require.NoError(t, err)
	page, err := other.ListOrganizations(context.Background(), directory.PageQuery{First: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	return e, page.Items[0].ID
}

func isOrganization(path string) bool {
	rest, ok := strings.CutPrefix(path, "/api/v1/organizations/")
	return ok && !strings.Contains(rest, "/")
}

// The organization and its first member page are read together: the page does not wait
// for the organization's answer (one round trip instead of two).
func TestColdDeepReadsTheMemberPageWithTheOrganization(t *testing.T) {
	h := newHeldTransport(isOrganization, func(p string) bool { return strings.HasSuffix(p, "/users") })
	e, org := readAheadEnv(t, h)
	h.mu.Lock()
	h.sent = make(chan struct{}) // the organizations list above sent nothing awaited
	h.mu.Unlock()
	data := e.mustQuery(coldDeep, map[string]any{"org": org})
	assert.Len(t, at(data, "organization.members.nodes"), int(at(data, "organization.members.totalCount").(float64)))
	assert.Empty(t, h.gaveUp, "the organization's answer arrived before its member page was asked for")
}

// The organizations that members' memberships name are asked for as soon as the member
// page names them, while the members' own records are still on their way — not one level
// later, when the records have arrived.
func TestColdDeepReadsMembershipOrganizationsWithTheMembers(t *testing.T) {
	var org string
	isUser := func(p string) bool { return strings.HasPrefix(p, "/api/v1/users/") }
	h := newHeldTransport(isUser, func(p string) bool { return isOrganization(p) && !strings.HasSuffix(p, "/"+org) })
	e, o := readAheadEnv(t, h)
	org = o
	data := e.mustQuery(coldDeep, map[string]any{"org": org})
	require.NotEmpty(t, at(data, "organization.members.nodes"))
	assert.Empty(t, h.gaveUp, "the members' records arrived before their organizations were asked for")
	assertEachReadOnce(t, h.sentPaths())
}

// Reading ahead adds no call: every object is read once, and a query that does not ask
// for the members' memberships reads no member's record and no other organization.
func TestReadAheadReadsOnlyWhatTheQueryReads(t *testing.T) {
	h := newHeldTransport(func(string) bool { return false }, func(string) bool { return false })
	e, org := readAheadEnv(t, h)
	before := len(h.sentPaths())
	data := e.mustQuery(`query($org: ID!) { organization(id: $org) { displayName members(first: 100) { nodes { user { email } } } } }`,
		map[string]any{"org": org})
	require.NotEmpty(t, at(data, "organization.members.nodes"))
	assert.ElementsMatch(t, []string{"GET /api/v1/organizations/" + org, "GET /api/v1/organizations/" + org + "/users"},
		h.sentPaths()[before:])

	before = len(h.sentPaths())
	e.mustQuery(coldDeep, map[string]any{"org": org})
	cold := h.sentPaths()[before:]
	assertEachReadOnce(t, cold)
	assert.NotContains(t, cold, "GET /api/v1/organizations/"+org, "read by the query before")

	// Warm: the entity cache answers everything, reading ahead included.
	before = len(h.sentPaths())
	e.mustQuery(strings.Replace(coldDeep, "displayName", "id displayName", 1), map[string]any{"org": org})
	assert.Empty(t, h.sentPaths()[before:])
}

func assertEachReadOnce(t *testing.T, paths []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, p := range paths {
		assert.False(t, seen[p], "read twice: %s", p)
		seen[p] = true
	}
}

// A caller never makes the backend read ahead what the policy would hide from it: Bob's
// query for the members of another tenant's organization reads that organization (which
// the policy then hides) and nothing of its members.
func TestReadAheadStaysWithinTheCallersReach(t *testing.T) {
	h := newHeldTransport(func(string) bool { return false }, func(string) bool { return false })
	cfg := cachedFor(30 * time.Second)
	cfg.Transport = h
	e, _ := newScalekitEnv(t, true, cfg)
	f := e.fixture()
	before := len(h.sentPaths())
	r := e.queryAs(e.authorization(f, asBob), coldDeep, map[string]any{"org": f.orgB})
	require.Empty(t, r.Errors)
	assert.Nil(t, at(r.Data, "organization"))
	// Bob's own record tells the policy his reach; the organization itself may be read (the
	// fixture's page of organizations kept it), but nothing of its members.
	for _, p := range h.sentPaths()[before:] {
		assert.Contains(t, []string{"GET /api/v1/users/" + f.bob, "GET /api/v1/organizations/" + f.orgB}, p)
	}
}
