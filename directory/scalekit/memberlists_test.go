package scalekit_test

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// acmeMembers lists acme's members (one page) and returns them by email.
func acmeMembers(t *testing.T, c *scalekit.Client, fake *scalekittest.Server) map[string]*directory.Membership {
	t.Helper()
	pages, err := c.Members(ctx, []directory.MembersQuery{{OrganizationID: fake.OrganizationIDByExternalID("acme"), First: 100}})
	require.NoError(t, err)
	out := map[string]*directory.Membership{}
	for _, m := range pages[0].Items {
		require.NotNil(t, m.User)
		out[m.User.Email] = m
	}
	return out
}

// acmeUsersInSeveralOrgs are the demo users who are members of acme and of another org.
func acmeUsersInSeveralOrgs() []string {
	var out []string
	for _, u := range demo.Users {
		inAcme := false
		for _, m := range u.Memberships {
			inAcme = inAcme || m.Org == "acme"
		}
		if inAcme && len(u.Memberships) > 1 {
			out = append(out, u.Email)
		}
	}
	return out
}

// fetchByID fetches the users by id, as the loaders do for a member's other memberships.
func fetchByID(t *testing.T, c *scalekit.Client, fake *scalekittest.Server, emails []string) []*directory.User {
	t.Helper()
	ids := make([]string, len(emails))
	for i, e := range emails {
		ids[i] = fake.UserIDByEmail(e)
	}
	users, err := c.UsersByID(ctx, ids)
	require.NoError(t, err)
	return users
}

func logsTo(buf *bytes.Buffer) func(*scalekit.Config) {
	return func(cfg *scalekit.Config) { cfg.Logger = slog.New(slog.NewTextHandler(buf, nil)) }
}

// TestUntrustedMemberListsLeaveOtherMembershipsOut: until the lists are known complete, a
// listed user carries no memberships (the port's "not returned"), so that nobody takes
// the listed organization's for all of them; the listed membership itself is there.
func TestUntrustedMemberListsLeaveOtherMembershipsOut(t *testing.T) {
	for _, partial := range []bool{false, true} {
		fake := scalekittest.New(t, scalekittest.Options{Seed: true, PartialMemberLists: partial})
		c := newClient(t, fake)
		assert.Equal(t, scalekit.ListsUnknown, c.MemberListState())
		acme := fake.OrganizationIDByExternalID("acme")
		for email, m := range acmeMembers(t, c, fake) {
			assert.Equal(t, acme, m.OrganizationID, email)
			assert.Nil(t, m.User.Memberships, "%s: memberships from an untrusted list", email)
		}
		page, err := c.ListUsers(ctx, directory.UsersQuery{OrganizationID: acme, First: 100})
		require.NoError(t, err)
		for _, u := range page.Items {
			assert.Nil(t, u.Memberships, "%s: memberships from an untrusted list", u.Email)
		}
		// The user's own record has them all, whatever the lists do.
		wile := fetchByID(t, c, fake, []string{"wile.coyote@acme.test"})[0]
		assert.Len(t, wile.Memberships, 2)
		ms, err := c.MembershipsByUser(ctx, []string{wile.ID})
		require.NoError(t, err)
		assert.Len(t, ms[0], 2)
	}
}

// TestPartialMemberListsAreCaughtAndLoggedOnce: a user fetched by id who has a membership
// its member list lacked turns the state to partial, with one warning, for good.
func TestPartialMemberListsAreCaughtAndLoggedOnce(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true, PartialMemberLists: true})
	var logs bytes.Buffer
	c := newClient(t, fake, logsTo(&logs), func(cfg *scalekit.Config) { cfg.MemberListProof = 1 })
	several := acmeUsersInSeveralOrgs()
	require.GreaterOrEqual(t, len(several), 2)
	for range 3 {
		acmeMembers(t, c, fake)
		fetchByID(t, c, fake, several)
	}
	assert.Equal(t, scalekit.ListsPartial, c.MemberListState())
	assert.Equal(t, 1, strings.Count(logs.String(), "member lists hold only some"), logs.String())
	assert.Equal(t, map[string]string{"member_lists": "partial"}, c.States())
	for email, m := range acmeMembers(t, c, fake) {
		assert.Nil(t, m.User.Memberships, email)
	}
}

// TestCompleteMemberListsAreTrustedAfterEnoughMatches: lists that agree with the users'
// own records for MemberListProof users in several organizations are trusted, and their
// users then carry all their memberships (no call per member). Users in one organization
// prove nothing.
func TestCompleteMemberListsAreTrustedAfterEnoughMatches(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	several := acmeUsersInSeveralOrgs()
	var logs bytes.Buffer
	c := newClient(t, fake, logsTo(&logs), func(cfg *scalekit.Config) { cfg.MemberListProof = len(several) })

	acmeMembers(t, c, fake)
	fetchByID(t, c, fake, []string{"road.runner@acme.test", "bugs.bunny@acme.test"}) // acme only
	fetchByID(t, c, fake, several[1:])
	assert.Equal(t, scalekit.ListsUnknown, c.MemberListState(), "one user short of the proof")

	fetchByID(t, c, fake, several[:1])
	assert.Equal(t, scalekit.ListsComplete, c.MemberListState())
	assert.Contains(t, logs.String(), "member lists hold every membership")

	members := acmeMembers(t, c, fake)
	wile := members["wile.coyote@acme.test"]
	require.NotNil(t, wile)
	assert.Len(t, wile.User.Memberships, 2, "a trusted list's memberships are kept")
}

// TestMembershipChangesBetweenListAndFetchAreNotMistakenForPartialLists: a membership
// added through the client after the list was read is not a list that lacks it.
func TestMembershipChangesBetweenListAndFetchAreNotMistakenForPartialLists(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, func(cfg *scalekit.Config) { cfg.MemberListProof = 1000 })
	acmeMembers(t, c, fake)
	roadrunner := fake.UserIDByEmail("road.runner@acme.test")
	_, err := c.AddMembership(ctx, directory.NewMembership{UserID: roadrunner, OrganizationID: fake.OrganizationIDByExternalID("globex"), Roles: []string{"member"}})
	require.NoError(t, err)
	fetchByID(t, c, fake, []string{"road.runner@acme.test"})
	assert.Equal(t, scalekit.ListsUnknown, c.MemberListState())
}

// TestMemberListsSettingOverridesTheLearning: complete trusts the lists from the start;
// partial never does, however many users match.
func TestMemberListsSettingOverridesTheLearning(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	several := acmeUsersInSeveralOrgs()

	c := newClient(t, fake, func(cfg *scalekit.Config) { cfg.MemberLists = scalekit.MemberListsComplete })
	assert.Equal(t, scalekit.ListsComplete, c.MemberListState())
	assert.Len(t, acmeMembers(t, c, fake)["wile.coyote@acme.test"].User.Memberships, 2)

	c = newClient(t, fake, func(cfg *scalekit.Config) {
		cfg.MemberLists, cfg.MemberListProof = scalekit.MemberListsPartial, 1
	})
	for range 2 {
		acmeMembers(t, c, fake)
		fetchByID(t, c, fake, several)
	}
	assert.Equal(t, scalekit.ListsPartial, c.MemberListState())
	assert.Nil(t, acmeMembers(t, c, fake)["wile.coyote@acme.test"].User.Memberships)

	_, err := scalekit.New(scalekit.Config{EnvironmentURL: fake.URL(), ClientID: "a", ClientSecret: "b", MemberLists: "sometimes"})
	require.ErrorContains(t, err, "SCALEKIT_MEMBER_LISTS")
}
