package sqlite

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

func TestIdentitiesLinkOnceKeepRawBytesAndFollowTheirUser(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "id.db"), Options{Seed: true})
	require.NoError(t, err)
	defer s.Close()
	users, err := s.UsersByEmail(ctx, demo.Emails()[:2])
	require.NoError(t, err)
	a, b := users[0], users[1]

	raw := []byte(`{"sub": "42",  "n": 1.50, "z": [1,2], "a": {}}`) // spacing and key order as sent
	login := time.Now().UTC().Add(time.Minute)                      // later than the seed's last logins
	conn := "conn_1"
	id := directory.Identity{Sub: "conn_1:42", ConnectionID: &conn, Social: true, ProviderRawAttributes: raw, LastLogin: &login}
	require.NoError(t, s.LinkIdentity(ctx, a.ID, id))

	found, err := s.UserByIdentity(ctx, directory.IdentityLookup{Sub: "conn_1:42"})
	require.NoError(t, err)
	require.NotNil(t, found)
	assert.Equal(t, a.ID, found.ID)
	assert.WithinDuration(t, login, *found.LastLogin, time.Millisecond, "the login time reaches the user")

	err = s.LinkIdentity(ctx, b.ID, id)
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid, "one account links to one user")
	assert.Equal(t, directory.CodeTaken, invalid.Problems[0].Code)

	lists, err := s.IdentitiesByUser(ctx, []string{b.ID, a.ID, "usr_none"})
	require.NoError(t, err)
	assert.Empty(t, lists[0], "b gained nothing")
	assert.Empty(t, lists[2])
	require.Len(t, lists[1], 1)
	assert.Equal(t, string(raw), string(lists[1][0].ProviderRawAttributes), "raw attributes come back byte for byte")
	assert.True(t, lists[1][0].Social)

	require.NoError(t, s.DeleteUser(ctx, a.ID))
	found, err = s.UserByIdentity(ctx, directory.IdentityLookup{Sub: "conn_1:42"})
	require.NoError(t, err)
	assert.Nil(t, found, "a deleted user's identities go with it")
	require.NoError(t, s.LinkIdentity(ctx, b.ID, id), "and the account can be linked again")
}
