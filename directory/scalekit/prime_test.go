package scalekit_test

import (
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
