package gateway_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/observe"
)

// TestMemberListStateIsOnMetricsAndInTheReadinessLog: what the Scalekit client knows of
// its member lists is a /metrics series and a /readyz log line, both following it from
// unknown to partial once a member's own record shows a membership its list lacked.
func TestMemberListStateIsOnMetricsAndInTheReadinessLog(t *testing.T) {
	var client *scalekit.Client
	b := backend{name: "scalekit", open: func(t testing.TB, seed bool) (directory.Directory, func() uint64, func() error) {
		var fake *scalekittest.Server
		fake, client = openScalekitWith(t, scalekittest.Options{Seed: seed, PartialMemberLists: true}, scalekit.Config{})
		return client, fake.Calls, func() error { return nil }
	}}
	e := newEnvOn(t, b, true, func(c *gateway.Config) {
		c.Metrics, c.Backend, c.BackendStates = observe.NewMetrics(prometheus.NewRegistry()), "scalekit", client.States
	})
	metrics := func() string {
		resp := e.get("/metrics")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		text, _ := io.ReadAll(resp.Body)
		return string(text)
	}
	series := func(state string) string {
		return `usergraph_backend_state{backend="scalekit",name="member_lists",state="` + state + `"} 1`
	}
	readyLines := func() int { return strings.Count(e.logs.String(), `"msg":"ready"`) }

	assert.Contains(t, metrics(), series("unknown"))
	require.Equal(t, http.StatusOK, e.get("/readyz").StatusCode)
	require.Equal(t, http.StatusOK, e.get("/readyz").StatusCode)
	assert.Equal(t, 1, readyLines(), "logged once while it does not change")
	assert.Contains(t, e.logs.String(), `"member_lists":"unknown"`)

	f := e.fixture()
	e.mustQuery(membersWithMemberships, map[string]any{"org": f.orgA}) // alice is in orgA and orgB
	assert.Equal(t, scalekit.ListsPartial, client.MemberListState())
	text := metrics()
	assert.Contains(t, text, series("partial"))
	assert.NotContains(t, text, series("unknown"))
	require.Equal(t, http.StatusOK, e.get("/readyz").StatusCode)
	assert.Equal(t, 2, readyLines())
	assert.Contains(t, e.logs.String(), `"member_lists":"partial"`)
}
