package scalekit_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

func listUsers(t *testing.T, c *scalekit.Client) []*directory.User {
	t.Helper()
	page, err := c.ListUsers(ctx, directory.UsersQuery{First: 100})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	return page.Items
}

// Paging through the environment's users keeps each user's record, so opening one of them
// next costs no Scalekit call and answers what fetching it would.
func TestAUsersPageKeepsEachUsersRecord(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	listed := listUsers(t, c)
	before := fake.Calls()
	ids := make([]string, len(listed))
	for i, u := range listed {
		ids[i] = u.ID
	}
	got, err := c.UsersByID(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, before, fake.Calls(), "every listed user is answered from its page")

	uncached := newClient(t, fake)
	want, err := uncached.UsersByID(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, want, got, "the kept records are what fetching each user answers")
}

// A write after the page arrived is seen: it moves the user's version past the kept one.
func TestAWriteAfterAUsersPageIsSeenByTheUsersRecord(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	listUsers(t, c)
	name := "Wilhelm"
	_, err := c.UpdateUser(ctx, directory.UserUpdate{ID: id, Profile: &directory.ProfileUpdate{GivenName: directory.Some(&name)}})
	require.NoError(t, err)
	assert.Equal(t, "Wilhelm", givenName(t, c, id))
}

// A write acknowledged while the page was being fetched may not be in the page: then no
// record is kept from it at all.
func TestAUsersPageFetchedAcrossAWriteKeepsNothing(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	id := fake.UserIDByEmail("wile.coyote@acme.test")
	other := fake.UserIDByEmail("road.runner@acme.test")
	givenName(t, c, id) // the token and the write's read, out of the way
	fake.SetLatency(300 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() { listUsers(t, c) })
	time.Sleep(50 * time.Millisecond) // the page's fetch has started
	fake.SetLatency(0)
	name := "Wilhelm"
	_, err := c.UpdateUser(ctx, directory.UserUpdate{ID: id, Profile: &directory.ProfileUpdate{GivenName: directory.Some(&name)}})
	require.NoError(t, err)
	wg.Wait()
	before := fake.Calls()
	givenName(t, c, other)
	assert.Equal(t, before+1, fake.Calls(), "a user of a page that spans a write is fetched on its own")
}

// An organization's member page may carry only some of its users' memberships: it never
// stands for a user's record.
func TestAMemberPageKeepsNoUsersRecord(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	page := firstMembers(t, c, fake.OrganizationIDByExternalID("acme"))
	require.NotEmpty(t, page.Items)
	before := fake.Calls()
	givenName(t, c, page.Items[0].UserID)
	assert.Equal(t, before+1, fake.Calls())
}

func listOrganizations(t *testing.T, c *scalekit.Client) []string {
	t.Helper()
	page, err := c.ListOrganizations(ctx, directory.PageQuery{First: 100})
	require.NoError(t, err)
	require.NotEmpty(t, page.Items)
	ids := make([]string, len(page.Items))
	for i, o := range page.Items {
		ids[i] = o.ID
	}
	return ids
}

// A page of the environment's organizations keeps each organization's record, which is what
// fetching it answers.
func TestAnOrganizationsPageKeepsEachOrganizationsRecord(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	ids := listOrganizations(t, c)
	before := fake.Calls()
	got, err := c.OrganizationsByID(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, before, fake.Calls(), "every listed organization is answered from its page")
	want, err := newClient(t, fake).OrganizationsByID(ctx, ids)
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// An organization changed while the page was being fetched may be older in the page: then
// no record is kept from it; one changed after it is read anew.
func TestAnOrganizationsPageAcrossAChangeKeepsNothing(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	acme := fake.OrganizationIDByExternalID("acme")
	rename := func(name string) {
		_, err := c.UpdateOrganization(ctx, directory.OrganizationUpdate{ID: acme, DisplayName: directory.Some(name)})
		require.NoError(t, err)
	}
	rename("Acme 1") // the token and the write's read, out of the way
	fake.SetLatency(300 * time.Millisecond)
	var wg sync.WaitGroup
	wg.Go(func() { listOrganizations(t, c) })
	time.Sleep(50 * time.Millisecond) // the page's fetch has started
	fake.SetLatency(0)
	rename("Acme 2")
	wg.Wait()
	before := fake.Calls()
	orgs, err := c.OrganizationsByID(ctx, []string{acme})
	require.NoError(t, err)
	assert.Equal(t, before+1, fake.Calls(), "an organization of a page that spans a change is fetched on its own")
	assert.Equal(t, "Acme 2", orgs[0].DisplayName)

	listOrganizations(t, c)
	rename("Acme 3")
	orgs, err = c.OrganizationsByID(ctx, []string{acme})
	require.NoError(t, err)
	assert.Equal(t, "Acme 3", orgs[0].DisplayName, "a change after the page is seen")
}

// An organization whose own version was ever moved (Invalidate with its tag) may have moved
// during the page's fetch, which the page's stamp does not show: its record is not kept.
func TestAnOrganizationsPageKeepsNoRecordWhoseVersionMoved(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	acme := fake.OrganizationIDByExternalID("acme")
	c.Invalidate(scalekit.SourceWebhook, scalekit.OrganizationTag(acme))
	ids := listOrganizations(t, c)
	others := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == acme })
	require.NotEmpty(t, others)
	before := fake.Calls()
	_, err := c.OrganizationsByID(ctx, others)
	require.NoError(t, err)
	_, err = c.OrganizationsByID(ctx, []string{acme})
	require.NoError(t, err)
	assert.Equal(t, before+1, fake.Calls(), "only the organization whose version moved is fetched")
}
