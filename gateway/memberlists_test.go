package gateway_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// scalekitWith is the Scalekit backend over a fake that behaves as opts say, with a client
// tuned by cfg.
func scalekitWith(name string, opts scalekittest.Options, cfg scalekit.Config) backend {
	return backend{name: name, open: func(t testing.TB, seed bool) (directory.Directory, func() uint64, func() error) {
		opts.Seed = seed
		fake, client := openScalekitWith(t, opts, cfg)
		return client, fake.Calls, func() error { return nil }
	}}
}

// Scalekit does not document whether an organization's member list carries each user's
// every membership or only the listed one's; these play both, and a client that trusts
// complete lists from the start.
var (
	scalekitPartialLists = scalekitWith("scalekit-partial-lists", scalekittest.Options{PartialMemberLists: true}, scalekit.Config{})
	scalekitTrustedLists = scalekitWith("scalekit-trusted-lists", scalekittest.Options{}, scalekit.Config{MemberLists: scalekit.MemberListsComplete})
)

const membersWithMemberships = `query($org: ID!) { organization(id: $org) { members(first: 100) { nodes {
	user { id memberships { status organization { id } roles { name } permissions } } } } } }`

const oneUserMemberships = `query($id: ID!) { user(id: $id) { memberships { status organization { id } roles { name } permissions } } }`

// Both in one document, so that what the member list primed is what user(id:) reads.
const membersAndUser = `query($org: ID!, $id: ID!) {
	organization(id: $org) { members(first: 100) { nodes { user { id memberships { organization { id } } } } } }
	user(id: $id) { memberships { organization { id } } } }`

// TestMembersShowEveryMembershipOfTheirUsers: organization.members.nodes.user.memberships
// is user(id:).memberships, for users in several organizations, on every backend and
// whichever way Scalekit's member lists behave.
func TestMembersShowEveryMembershipOfTheirUsers(t *testing.T) {
	for _, b := range append(backends[:len(backends):len(backends)], scalekitPartialLists, scalekitTrustedLists) {
		t.Run(b.name, func(t *testing.T) {
			e := newEnvOn(t, b, true)
			f := e.fixture() // alice is in orgA and orgB
			several := 0
			for _, org := range []string{f.orgA, f.orgB} {
				nodes := at(e.mustQuery(membersWithMemberships, map[string]any{"org": org}), "organization.members.nodes").([]any)
				require.NotEmpty(t, nodes)
				for _, n := range nodes {
					id := str(at(n, "user.id"))
					listed := at(n, "user.memberships").([]any)
					own := at(e.mustQuery(oneUserMemberships, map[string]any{"id": id}), "user.memberships").([]any)
					assert.Equal(t, own, listed, "user %s as a member of %s", id, org)
					if len(own) > 1 {
						several++
					}
				}
			}
			require.Greater(t, several, 1, "the data must have users in several organizations")

			data := e.mustQuery(membersAndUser, map[string]any{"org": f.orgA, "id": f.alice})
			assert.Len(t, at(data, "user.memberships").([]any), 2, "alice is in two organizations")
			for _, n := range at(data, "organization.members.nodes").([]any) {
				if str(at(n, "user.id")) == f.alice {
					assert.Equal(t, at(data, "user.memberships"), at(n, "user.memberships"))
				}
			}
		})
	}
}

// TestMembersAsAUserShowOnlySharedMembershipsAndCostNoFetchPerMember: a user listing its
// organization's members sees each member's memberships in its own organizations only,
// and, over lists that may be partial, the list alone decides who is visible: the members
// are not fetched one by one unless their memberships are asked for.
func TestMembersAsAUserShowOnlySharedMembershipsAndCostNoFetchPerMember(t *testing.T) {
	for _, partial := range []bool{false, true} {
		t.Run(fmt.Sprintf("partial=%v", partial), func(t *testing.T) {
			e, fake := newScalekitEnvWith(t, scalekittest.Options{Seed: true, PartialMemberLists: partial}, scalekit.Config{})
			f := e.fixture()
			bob := userToken(t, f.bob) // orgA only; alice is in orgA and orgB

			before := fake.Routes()["GET /api/v1/users/{id}"]
			r := e.queryAs(bob, `query($org: ID!) { organization(id: $org) { members(first: 100) { nodes { user { id email } } } } }`, map[string]any{"org": f.orgA})
			require.Empty(t, r.Errors)
			assert.NotEmpty(t, at(r.Data, "organization.members.nodes"))
			assert.Equal(t, before+1, fake.Routes()["GET /api/v1/users/{id}"], "only bob's own record (his scope), no member")

			r = e.queryAs(bob, membersWithMemberships, map[string]any{"org": f.orgA})
			require.Empty(t, r.Errors)
			for _, n := range at(r.Data, "organization.members.nodes").([]any) {
				if str(at(n, "user.id")) != f.alice {
					continue
				}
				ms := at(n, "user.memberships").([]any)
				require.Len(t, ms, 1, "bob sees alice's membership of orgA only")
				assert.Equal(t, f.orgA, at(ms[0], "organization.id"))
			}
		})
	}
}
