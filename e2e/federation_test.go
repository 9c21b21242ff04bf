package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

// TestFederatedQueryThroughApolloGateway composes usergraph with a second subgraph that
// adds Organization.seats, serves the supergraph with @apollo/gateway, and runs a query
// that crosses both with a user's token, which the gateway forwards: usergraph resolves the
// viewer and its organizations under that user's rights, then the organizations again as
// entities for the seats subgraph's plan.
func TestFederatedQueryThroughApolloGateway(t *testing.T) {
	bin := node(t)
	s := startServer(t)
	ctx := context.Background()
	page, err := s.dir.ListUsers(ctx, directory.UsersQuery{First: 100})
	require.NoError(t, err)
	var user *directory.User
	for _, u := range page.Items {
		if ms, err := s.dir.MembershipsByUser(ctx, []string{u.ID}); err == nil && len(ms[0]) > 0 {
			user = u
			break
		}
	}
	require.NotNil(t, user, "the seed has users with memberships")

	gw := startGateway(t, bin, s)
	assert.Contains(t, gw.supergraph, "seats: Int!")
	assert.Contains(t, gw.supergraph, `join__graph(name: "seats"`)

	const doc = `{ viewer { email memberships { organization { id displayName seats } } } }`
	out := gw.query(t, s.userToken(t, user.ID), doc, nil)
	require.Empty(t, out.Errors, "%s", out.raw)
	var data struct {
		Viewer struct {
			Email       string
			Memberships []struct {
				Organization struct {
					ID, DisplayName string
					Seats           int
				}
			}
		}
	}
	require.NoError(t, json.Unmarshal(out.Data, &data))
	assert.Equal(t, user.Email, data.Viewer.Email)
	require.NotEmpty(t, data.Viewer.Memberships)
	for _, m := range data.Viewer.Memberships {
		assert.NotEmpty(t, m.Organization.DisplayName)
		assert.Equal(t, seatsFor(m.Organization.ID), m.Organization.Seats, "seats of %s come from the other subgraph", m.Organization.ID)
	}

	// The other way round: the seats subgraph starts the plan and usergraph resolves the
	// organization as an entity, under the user's rights: its own organization resolves,
	// another tenant's does not leak its name.
	mine := data.Viewer.Memberships[0].Organization
	const billed = `query($id: ID!) { billedOrganization(id: $id) { seats displayName } }`
	out = gw.query(t, s.userToken(t, user.ID), billed, map[string]any{"id": mine.ID})
	require.Empty(t, out.Errors, "%s", out.raw)
	assert.JSONEq(t, fmt.Sprintf(`{"billedOrganization": {"seats": %d, "displayName": %q}}`, mine.Seats, mine.DisplayName), string(out.Data))
	other := otherOrganization(t, s, data.Viewer.Memberships)
	out = gw.query(t, s.userToken(t, user.ID), billed, map[string]any{"id": other})
	assert.NotContains(t, string(out.raw), "displayName\":\"", "another tenant's name must not leak")
	assert.JSONEq(t, `{"billedOrganization": null}`, string(out.Data), "%s", out.raw)
	t.Logf("another tenant's organization through the gateway: %s", out.raw)

	// Without a token, usergraph refuses the gateway's fetch: nothing is served.
	anon := gw.query(t, "", doc, nil)
	require.NotEmpty(t, anon.Errors, "%s", anon.raw)
	assert.Contains(t, string(anon.raw), "UNAUTHENTICATED")
}

// otherOrganization is an organization the user is not a member of.
func otherOrganization[M any](t *testing.T, s *server, mine []M) string {
	t.Helper()
	page, err := s.dir.ListOrganizations(context.Background(), directory.PageQuery{First: 100})
	require.NoError(t, err)
	own, _ := json.Marshal(mine)
	for _, o := range page.Items {
		if !strings.Contains(string(own), o.ID) {
			return o.ID
		}
	}
	t.Fatal("the seed has no organization the user is outside of")
	return ""
}

// seatsFor is federation/gateway.mjs's seats rule.
func seatsFor(id string) int {
	n := 0
	for _, c := range id {
		n = (n*31 + int(c)) % 1000
	}
	return n
}

type gatewayProc struct {
	url        string
	supergraph string
}

// startGateway runs federation/gateway.mjs until the test ends and waits for its URL.
func startGateway(t *testing.T, bin string, s *server) *gatewayProc {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	cmd := exec.CommandContext(ctx, bin, "federation/gateway.mjs")
	cmd.Env = append(cmd.Environ(), "USERGRAPH_URL="+s.url, "USERGRAPH_API_KEY="+s.apiKey)
	cmd.Stderr = testWriter{t}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 8<<20)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), `{"gateway"`) {
				lines <- sc.Text()
				break
			}
			t.Log(sc.Text())
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case line, ok := <-lines:
		require.True(t, ok, "the gateway stopped before listening (see its log above)")
		var started struct{ Gateway, SupergraphSdl string }
		require.NoError(t, json.Unmarshal([]byte(line), &started), line)
		return &gatewayProc{url: started.Gateway, supergraph: started.SupergraphSdl}
	case <-time.After(90 * time.Second):
		t.Fatal("the gateway did not start within 90 s")
	}
	return nil
}

type gatewayResult struct {
	Data   json.RawMessage
	Errors []map[string]any
	raw    []byte
}

func (g *gatewayProc) query(t *testing.T, authorization, doc string, vars map[string]any) gatewayResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, g.url, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var buf strings.Builder
	_, err = bufio.NewReader(resp.Body).WriteTo(&buf)
	require.NoError(t, err)
	out := gatewayResult{raw: []byte(buf.String())}
	require.NoError(t, json.Unmarshal(out.raw, &out), "%s", out.raw)
	return out
}
