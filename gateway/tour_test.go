package gateway_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/gateway"
)

func withPlaygroundHeaders(h map[string]string) envOption {
	return func(c *gateway.Config) { c.PlaygroundHeaders = h }
}

// TestPlaygroundTour runs every tab of the playground's tour, with its variables, on a freshly
// seeded server on each backend: each answers data without errors, and the mutation tab
// answers a userError (and changes nothing) when it is run a second time, as it says.
func TestPlaygroundTour(t *testing.T) {
	require.Len(t, gateway.PlaygroundTour, len(tourTabs))
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		for i, tab := range gateway.PlaygroundTour {
			var vars map[string]any
			if tab.Variables != "" {
				require.NoError(t, json.Unmarshal([]byte(tab.Variables), &vars), "tab %s", tourTabs[i])
			}
			assert.Contains(t, tab.Query, tourTabs[i], "tab %d is titled by its operation name", i)
			res := e.query(tab.Query, vars)
			require.Empty(t, res.Errors, "tab %s", tourTabs[i])
			for field, v := range res.Data {
				if field != "viewer" {
					require.NotNil(t, v, "tab %s: %s is null", tourTabs[i], field)
				}
			}
			if p, ok := res.Data["createUser"]; ok {
				require.Empty(t, at(p, "userErrors"), "tab %s, first run", tourTabs[i])
				assert.Equal(t, "Grace Hopper", at(p, "user.profile.name"))
				again := e.query(tab.Query, vars)
				require.Empty(t, again.Errors)
				assert.Equal(t, "TAKEN", at(again.Data, "createUser.userErrors.0.code"), "tab %s, second run", tourTabs[i])
				assert.Nil(t, at(again.Data, "createUser.user"))
			}
			if p, ok := res.Data["organization"]; ok {
				assert.Equal(t, true, at(p, "members.pageInfo.hasNextPage"), "the members tab shows a second page")
			}
		}
	})
}
