package directorytest

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

func (s *Suite) TestIdentitiesLinkOnceKeepRawBytesAndFollowTheirUser() {
	s.differs(IdentitiesReadOnly)
	t, ctx, d := s.T(), s.ctx, s.dir
	users, err := d.UsersByEmail(ctx, demo.Emails()[:2])
	require.NoError(t, err)
	a, b := users[0], users[1]

	raw := []byte(`{"sub": "42",  "n": 1.50, "z": [1,2], "a": {}}`) // spacing and key order as sent
	login := time.Now().UTC().Add(time.Minute)                      // later than the seed's last logins
	conn := "conn_1"
	id := directory.Identity{Sub: "conn_1:42", ConnectionID: &conn, Social: true, ProviderRawAttributes: raw, LastLogin: &login}
	require.NoError(t, d.LinkIdentity(ctx, a.ID, id))

	found, err := d.UserByIdentity(ctx, directory.IdentityLookup{Sub: "conn_1:42"})
	require.NoError(t, err)
	require.NotNil(t, found)
	assert.Equal(t, a.ID, found.ID)
	assert.WithinDuration(t, login, *found.LastLogin, time.Millisecond, "the login time reaches the user")

	err = d.LinkIdentity(ctx, b.ID, id)
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid, "one account links to one user")
	assert.Equal(t, directory.CodeTaken, invalid.Problems[0].Code)
	assert.Equal(t, []string{"identity"}, invalid.Problems[0].Field)

	lists, err := d.IdentitiesByUser(ctx, []string{b.ID, a.ID, "usr_none"})
	require.NoError(t, err)
	assert.Empty(t, lists[0], "b gained nothing")
	assert.Empty(t, lists[2])
	require.Len(t, lists[1], 1)
	assert.Equal(t, string(raw), string(lists[1][0].ProviderRawAttributes), "raw attributes come back byte for byte")
	assert.True(t, lists[1][0].Social)

	require.NoError(t, d.DeleteUser(ctx, a.ID))
	found, err = d.UserByIdentity(ctx, directory.IdentityLookup{Sub: "conn_1:42"})
	require.NoError(t, err)
	assert.Nil(t, found, "a deleted user's identities go with it")
	require.NoError(t, d.LinkIdentity(ctx, b.ID, id), "and the account can be linked again")
}

func (s *Suite) TestIdentitiesRefreshOrderAndRefusals() {
	s.differs(IdentitiesReadOnly)
	u := s.createUser(s.orgs()[0].ID, "ids@x.test")
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", 3600))
	at := func(h int) *time.Time { t := t0.Add(time.Duration(h) * time.Hour); return &t }
	google, okta := "google", "okta"
	link := func(sub string, last *time.Time, raw string) {
		s.Require().NoError(s.dir.LinkIdentity(s.ctx, u.ID, directory.Identity{Sub: sub, ProviderName: &google,
			ProviderRawAttributes: []byte(raw), LastLogin: last}))
	}
	link("google:1", at(1), `{"v":1}`)
	link("google:2", nil, ``)
	link("google:3", at(3), "{\"bytes\":\"\\u00e9\\u0000\", \"é\":\t1}\n")
	link("google:0", nil, `{}`)

	lists, err := s.dir.IdentitiesByUser(s.ctx, []string{u.ID})
	s.Require().NoError(err)
	var subs []string
	for _, id := range lists[0] {
		subs = append(subs, id.Sub)
	}
	s.Equal([]string{"google:3", "google:1", "google:0", "google:2"}, subs, "latest login first, never-logged-in last, then by sub")
	s.Equal("{\"bytes\":\"\\u00e9\\u0000\", \"é\":\t1}\n", string(lists[0][0].ProviderRawAttributes))
	s.Equal(time.UTC, lists[0][0].LastLogin.Location())
	s.True(at(3).Truncate(time.Microsecond).Equal(*lists[0][0].LastLogin))
	s.NotNil(lists[0][3].ProviderRawAttributes, "no attributes come back empty, not nil")
	s.Empty(lists[0][3].ProviderRawAttributes)

	// Linking again refreshes the link: its attributes and last login, and the user's.
	s.Require().NoError(s.dir.LinkIdentity(s.ctx, u.ID, directory.Identity{Sub: "google:2", ProviderName: &okta,
		ProviderRawAttributes: []byte(`{"v":2}`), LastLogin: at(5)}))
	lists, err = s.dir.IdentitiesByUser(s.ctx, []string{u.ID})
	s.Require().NoError(err)
	s.Len(lists[0], 4, "a refresh adds no link")
	s.Equal("google:2", lists[0][0].Sub)
	s.Equal("okta", *lists[0][0].ProviderName)
	s.Equal(`{"v":2}`, string(lists[0][0].ProviderRawAttributes))
	s.True(at(5).Truncate(time.Microsecond).Equal(*s.user(u.ID).LastLogin))
	// An older login leaves the user's last login alone.
	link("google:1", at(2), `{"v":1}`)
	s.True(at(5).Truncate(time.Microsecond).Equal(*s.user(u.ID).LastLogin))

	s.refused(s.dir.LinkIdentity(s.ctx, "usr_nope", directory.Identity{Sub: "x:1"}), directory.CodeNotFound, "userId")
	s.refused(s.dir.LinkIdentity(s.ctx, u.ID, directory.Identity{}), directory.CodeRequired, "identity")
	s.refused(s.dir.LinkIdentity(s.ctx, u.ID, directory.Identity{Sub: "x:1",
		ProviderRawAttributes: []byte(`"` + strings.Repeat("x", directory.MaxRawAttributesBytes) + `"`)}), directory.CodeTooLong, "rawAttributes")

	found, err := s.dir.UserByIdentity(s.ctx, directory.IdentityLookup{Sub: "nobody:1", Email: u.Email})
	s.Require().NoError(err)
	s.Nil(found, "an email alone is never a match")

	// One statement for any number of users.
	other := s.createUser(s.orgs()[0].ID, "ids2@x.test")
	var got [][]*directory.Identity
	cost := s.statements(func() {
		got, err = s.dir.IdentitiesByUser(s.ctx, []string{other.ID, u.ID, other.ID, u.ID})
	})
	s.Require().NoError(err)
	s.EqualValues(1, cost)
	s.Empty(got[0])
	s.Len(got[3], 4)
	s.Equal(got[1], got[3])
	s.Zero(s.statements(func() { _, err = s.dir.IdentitiesByUser(s.ctx, nil) }))
	s.NoError(err)
}

// TestConcurrentLinksOfOneAccountHaveOneOwner: two stores link the same account to
// different users at once; the primary key settles it, the loser is TAKEN.
func (s *Suite) TestConcurrentLinksOfOneAccountHaveOneOwner() {
	s.differs(IdentitiesReadOnly)
	other := s.secondWriter()
	org := s.orgs()[0].ID
	var wg sync.WaitGroup
	results := make(chan error, 8)
	for i := range 8 {
		u := s.createUser(org, fmt.Sprintf("claimant%d@x.test", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := []directory.Directory{s.dir, other}[i%2]
			results <- st.LinkIdentity(s.ctx, u.ID, directory.Identity{Sub: "conn:shared", ProviderRawAttributes: []byte(`{}`)})
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
			continue
		}
		s.refused(err, directory.CodeTaken, "identity")
	}
	s.Equal(1, wins)
}
