package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
)

// The documents of the default mix. userQuery is what a frontend asks for on almost every
// page (the signed-in user with profile and memberships); the other two are the list pages.
const (
	userQuery = `query User($id: ID!) { user(id: $id) { email profile { name } ` +
		`memberships { status organization { displayName } roles { name } } } }`
	organizationsQuery = `{ organizations(first: 20) { totalCount nodes { id displayName } } }`
	membersQuery       = `query Members($org: ID!) { organization(id: $org) { displayName ` +
		`members(first: 20) { totalCount nodes { status joinTime user { email profile { name } } roles { name } } ` +
		`pageInfo { hasNextPage endCursor } } } }`

	// deepQuery is an organization's first 100 members, each with every membership's
	// organization and roles with their permissions: the fan-out a directory page makes.
	deepQuery = `query Deep($org: ID!) { organization(id: $org) { displayName ` +
		`members(first: 100) { totalCount nodes { status user { email profile { name } ` +
		`memberships { status organization { displayName } roles { name permissions { name } } } } } } } }`
	usersPageQuery = `{ users(first: 20) { totalCount nodes { email profile { name } ` +
		`memberships { status organization { displayName } roles { name } } } pageInfo { hasNextPage endCursor } } }`

	discoverUsersQuery    = `{ users(first: 20) { nodes { id } } }`
	discoverAllUsersQuery = `query All($after: String) { users(first: 100, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } }`
	discoverOrgsQuery     = `{ organizations(first: 20) { nodes { id } } }`
)

// maxDiscoveredUsers bounds the paging through every user that the randomuser workload does.
const maxDiscoveredUsers = 100_000

// singleWorkloads are the workloads of one query each, for measuring one access pattern
// against any GraphQL server of usergraph's schema (usergraph itself, or a reference gateway):
//
//	hotuser     the same user every request (userQuery)
//	randomuser  a user picked at random among all users (userQuery; every id is discovered first)
//	deep        deepQuery on the discovered organizations in turn
//	userspage   usersPageQuery
var singleWorkloads = map[string]bool{"hotuser": true, "randomuser": true, "deep": true, "userspage": true}

// mixWeights is the default mix, out of len(mixSlots): the user query dominates, as it
// would in front of a real application.
var mixWeights = []struct {
	kind   string
	weight int
}{
	{"user", 6},
	{"organizations", 2},
	{"members", 2},
}

// request is one ready-to-send POST body, marshalled once so that the load generator spends
// its (shared) CPU on sending, not on encoding.
type request struct {
	kind string
	body []byte
}

// workload is the set of requests the clients cycle through.
type workload struct {
	name  string
	kinds []string // in report order
	// slots is the deterministic schedule: client c's i-th request is
	// slots[(c+i) % len(slots)], then a body of that kind chosen the same way. Fixed, so
	// that two runs send the same mix and differ only by the server.
	slots  []string
	bodies map[string][][]byte
	users  int
	orgs   int
}

func (w *workload) next(client, i int) request {
	kind := w.slots[(client+i)%len(w.slots)]
	bodies := w.bodies[kind]
	// Spread over the ids with a stride prime to most list lengths, so that concurrent
	// clients do not all ask for the same user at the same time.
	return request{kind: kind, body: bodies[(client*7+i)%len(bodies)]}
}

func (w *workload) describe() string {
	if len(w.kinds) == 1 {
		return w.name
	}
	counts := map[string]int{}
	for _, k := range w.slots {
		counts[k]++
	}
	parts := make([]string, 0, len(w.kinds))
	for _, k := range w.kinds {
		parts = append(parts, fmt.Sprintf("%s %d%%", k, 100*counts[k]/len(w.slots)))
	}
	return w.name + " (" + strings.Join(parts, ", ") + ")"
}

// discover asks the server for user and organization ids and builds the workload named by
// query (or a single custom document).
func discover(ctx context.Context, c *http.Client, t target, query string) (*workload, error) {
	w := &workload{name: query, bodies: map[string][][]byte{}}
	known := map[string]bool{"mix": true, "user": true, "organizations": true, "members": true}
	if !known[query] && !singleWorkloads[query] {
		if !strings.Contains(query, "{") {
			return nil, fmt.Errorf("-query %q: not a workload name (mix, user, organizations, members, hotuser, randomuser, deep, userspage) nor a GraphQL document", query)
		}
		w.name = "custom"
		w.kinds, w.slots = []string{"custom"}, []string{"custom"}
		w.bodies["custom"] = [][]byte{mustBody(query, nil)}
		// A custom document is sent once first, so that a typo fails in one line instead of
		// as every request of the run.
		if err := probe(ctx, c, t, w.bodies["custom"][0]); err != nil {
			return nil, fmt.Errorf("-query: %w", err)
		}
		return w, nil
	}

	var users struct {
		Users struct{ Nodes []struct{ ID string } }
	}
	if err := queryJSON(ctx, c, t, discoverUsersQuery, &users); err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return nil, fmt.Errorf("no server answers at %s (%v): start one (go run .) or let loadtest start it (-start)", t.url, ue.Err)
		}
		if strings.Contains(err.Error(), "UNAUTHENTICATED") {
			return nil, fmt.Errorf("discovering user ids: %v: give loadtest a credential in %s or %s, or use -start", err, envAPIKey, envToken)
		}
		return nil, fmt.Errorf("discovering user ids: %w", err)
	}
	var orgs struct {
		Organizations struct{ Nodes []struct{ ID string } }
	}
	if err := queryJSON(ctx, c, t, discoverOrgsQuery, &orgs); err != nil {
		return nil, fmt.Errorf("discovering organization ids: %w", err)
	}
	w.users, w.orgs = len(users.Users.Nodes), len(orgs.Organizations.Nodes)

	for _, u := range users.Users.Nodes {
		w.bodies["user"] = append(w.bodies["user"], mustBody(userQuery, map[string]any{"id": u.ID}))
	}
	for _, o := range orgs.Organizations.Nodes {
		w.bodies["members"] = append(w.bodies["members"], mustBody(membersQuery, map[string]any{"org": o.ID}))
	}
	w.bodies["organizations"] = [][]byte{mustBody(organizationsQuery, nil)}
	if singleWorkloads[query] {
		return w, singleWorkload(ctx, c, t, w, query, orgs.Organizations.Nodes)
	}

	for _, m := range mixWeights {
		if query != "mix" && query != m.kind {
			continue
		}
		if len(w.bodies[m.kind]) == 0 {
			return nil, fmt.Errorf("the server has no %s to query (%d users, %d organizations): start it with its demo data (-seed)", m.kind, w.users, w.orgs)
		}
		w.kinds = append(w.kinds, m.kind)
		for range m.weight {
			w.slots = append(w.slots, m.kind)
		}
	}
	// Interleave the schedule (u o u m u u o u m u rather than u u u u u u o o m m), so that
	// every short stretch of the run already has the mix's proportions.
	w.slots = interleave(w.slots)
	return w, nil
}

// singleWorkload fills w with the requests of one of singleWorkloads.
func singleWorkload(ctx context.Context, c *http.Client, t target, w *workload, name string, orgs []struct{ ID string }) error {
	w.kinds, w.slots = []string{name}, []string{name}
	switch name {
	case "hotuser":
		if len(w.bodies["user"]) == 0 {
			return errors.New("the server has no user to query")
		}
		w.bodies[name] = w.bodies["user"][:1]
	case "randomuser":
		ids, err := discoverAllUsers(ctx, c, t)
		if err != nil {
			return fmt.Errorf("discovering every user id: %w", err)
		}
		if len(ids) == 0 {
			return errors.New("the server has no user to query")
		}
		w.users = len(ids)
		// A fixed shuffle: clients walk it from different offsets (workload.next), so each
		// request asks for an unrelated user, and two runs ask for the same ones.
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for _, id := range ids {
			w.bodies[name] = append(w.bodies[name], mustBody(userQuery, map[string]any{"id": id}))
		}
	case "deep":
		if len(orgs) == 0 {
			return errors.New("the server has no organization to query")
		}
		for _, o := range orgs {
			w.bodies[name] = append(w.bodies[name], mustBody(deepQuery, map[string]any{"org": o.ID}))
		}
	case "userspage":
		w.bodies[name] = [][]byte{mustBody(usersPageQuery, nil)}
	}
	return nil
}

// discoverAllUsers pages through every user id.
func discoverAllUsers(ctx context.Context, c *http.Client, t target) ([]string, error) {
	var ids []string
	var after any
	for len(ids) < maxDiscoveredUsers {
		var page struct {
			Users struct {
				Nodes    []struct{ ID string }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		if err := queryVarsJSON(ctx, c, t, discoverAllUsersQuery, map[string]any{"after": after}, &page); err != nil {
			return nil, err
		}
		for _, n := range page.Users.Nodes {
			ids = append(ids, n.ID)
		}
		if !page.Users.PageInfo.HasNextPage || len(page.Users.Nodes) == 0 {
			break
		}
		after = page.Users.PageInfo.EndCursor
	}
	return ids, nil
}

// interleave spreads the kinds of a schedule evenly while keeping their counts: slot j of a
// kind with n slots out of total goes to position j*total/n, nudged forward past taken ones.
func interleave(slots []string) []string {
	counts := map[string]int{}
	var order []string
	for _, k := range slots {
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	out := make([]string, len(slots))
	for _, k := range order {
		n := counts[k]
		for j := range n {
			p := j * len(slots) / n
			for out[p%len(out)] != "" {
				p++
			}
			out[p%len(out)] = k
		}
	}
	return out
}

func mustBody(query string, vars map[string]any) []byte {
	b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		panic(err) // strings and a map of strings always marshal
	}
	return b
}

// queryJSON sends one query and decodes its data into out; any GraphQL error is an error.
func queryJSON(ctx context.Context, c *http.Client, t target, query string, out any) error {
	return queryVarsJSON(ctx, c, t, query, nil, out)
}

// queryVarsJSON is queryJSON with variables.
func queryVarsJSON(ctx context.Context, c *http.Client, t target, query string, vars map[string]any, out any) error {
	status, body, err := post(ctx, c, t, mustBody(query, vars))
	if err != nil {
		return err
	}
	if failure := judge(status, body); failure != "" {
		return errors.New(failure)
	}
	var resp struct{ Data json.RawMessage }
	if err := json.Unmarshal(body, &resp); err != nil {
		return err
	}
	return json.Unmarshal(resp.Data, out)
}

func probe(ctx context.Context, c *http.Client, t target, body []byte) error {
	status, resp, err := post(ctx, c, t, body)
	if err != nil {
		return err
	}
	if failure := judge(status, resp); failure != "" {
		return errors.New(failure)
	}
	return nil
}

// maxResponseBytes bounds what one answer may cost us; the demo data's largest page is a
// few kilobytes.
const maxResponseBytes = 8 << 20

// post sends one GraphQL request and reads the whole answer (reading it all lets the
// connection be reused, and the latency then includes the transfer, as a client sees it).
func post(ctx context.Context, c *http.Client, t target, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	t.authorize(req)
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	return resp.StatusCode, b, err
}

// judge says why an answer is a failure, or "" when it is not: anything but 200, a body
// that is not JSON, or a GraphQL "errors" member (even next to data: a partial answer is
// a failed request for whoever asked).
func judge(status int, body []byte) string {
	if status != http.StatusOK {
		var resp struct {
			Errors []struct {
				Extensions struct{ Code string }
			}
		}
		if json.Unmarshal(body, &resp) == nil && len(resp.Errors) > 0 && resp.Errors[0].Extensions.Code != "" {
			return fmt.Sprintf("HTTP %d %s", status, resp.Errors[0].Extensions.Code)
		}
		return fmt.Sprintf("HTTP %d", status)
	}
	if !json.Valid(body) {
		return "response is not JSON"
	}
	// Decoding every answer would cost the load generator CPU it shares with the server;
	// only an answer that mentions "errors" can have the member, so only those are decoded.
	if !bytes.Contains(body, []byte(`"errors"`)) {
		return ""
	}
	var resp struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(body, &resp); err != nil || len(resp.Errors) == 0 {
		return ""
	}
	e := resp.Errors[0]
	if e.Extensions.Code != "" {
		return "GraphQL error " + e.Extensions.Code
	}
	return "GraphQL error: " + truncate(e.Message, 80)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
