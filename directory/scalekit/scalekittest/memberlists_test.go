package scalekittest

import (
	"slices"
	"testing"
)

// TestPartialMemberLists: with the switch on, an organization's user list and its search
// carry only that organization's membership of each user; the user's own record and the
// environment's list still carry all of them. Without it, every list carries all.
func TestPartialMemberLists(t *testing.T) {
	t.Parallel()
	for _, partial := range []bool{false, true} {
		c := newClient(t, Options{Seed: true, PartialMemberLists: partial})
		acme, globex := c.s.OrganizationIDByExternalID("acme"), c.s.OrganizationIDByExternalID("globex")
		wile := c.s.UserIDByEmail("wile.coyote@acme.test") // acme and globex
		orgsOf := func(path string) []string {
			t.Helper()
			for _, u := range c.do("GET", path, nil).want(t, 200).body["users"].([]any) {
				if get(u, "id") == wile {
					var ids []string
					for _, m := range get(u, "memberships").([]any) {
						ids = append(ids, get(m, "organization_id").(string))
					}
					slices.Sort(ids)
					return ids
				}
			}
			t.Fatalf("%s does not list %s", path, wile)
			return nil
		}
		all := []string{acme, globex}
		slices.Sort(all)
		listed := all
		if partial {
			listed = []string{acme}
		}
		if got := orgsOf("/api/v1/organizations/" + acme + "/users?page_size=100"); !slices.Equal(got, listed) {
			t.Errorf("partial=%v: member list shows %v, want %v", partial, got, listed)
		}
		if got := orgsOf("/api/v1/organizations/" + acme + "/users:search?query=wile.coyote"); !slices.Equal(got, listed) {
			t.Errorf("partial=%v: member search shows %v, want %v", partial, got, listed)
		}
		if got := orgsOf("/api/v1/users?page_size=100"); !slices.Equal(got, all) {
			t.Errorf("partial=%v: environment list shows %v, want %v", partial, got, all)
		}
		if n := len(c.do("GET", "/api/v1/users/"+wile, nil).want(t, 200).user()["memberships"].([]any)); n != 2 {
			t.Errorf("partial=%v: the user's own record has %d memberships, want 2", partial, n)
		}
	}
}
