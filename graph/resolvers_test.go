package graph

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/loaders"
)

// usersDir serves users by id and email and one page of them, counting backend calls.
type usersDir struct {
	directory.Directory
	calls  map[string]int
	emails []string
	query  directory.UsersQuery
}

func (d *usersDir) UsersByID(_ context.Context, ids []string) ([]*directory.User, error) {
	d.calls["UsersByID"]++
	out := make([]*directory.User, len(ids))
	for i, id := range ids {
		out[i] = &directory.User{ID: id}
	}
	return out, nil
}

func (d *usersDir) UsersByEmail(_ context.Context, emails []string) ([]*directory.User, error) {
	d.calls["UsersByEmail"]++
	d.emails = append(d.emails, emails...)
	return make([]*directory.User, len(emails)), nil
}

func (d *usersDir) ListUsers(_ context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	d.calls["ListUsers"]++
	d.query = q
	return &directory.Page[*directory.User]{Items: []*directory.User{{ID: "usr_1"}, {ID: "usr_2"}}, Cursors: []string{"a", "b"}}, nil
}

func newQuery(t *testing.T) (*queryResolver, *usersDir, context.Context) {
	t.Helper()
	d := &usersDir{calls: map[string]int{}}
	ctx := loaders.With(context.Background(), loaders.New(d, loaders.DefaultOptions))
	return &queryResolver{&Resolver{Directory: d}}, d, ctx
}

func TestUsersPrimesTheLoadersWithItsPage(t *testing.T) {
	q, d, ctx := newQuery(t)
	org, search := "org_1", "ada"
	conn, err := q.Users(ctx, &org, nil, nil, &search)
	require.NoError(t, err)
	assert.Len(t, conn.Nodes, 2)
	assert.Equal(t, directory.UsersQuery{OrganizationID: "org_1", Search: "ada", First: defaultPageSize}, d.query)
	u, err := q.User(ctx, &conn.Nodes[1].ID, nil, nil)
	require.NoError(t, err)
	assert.Equal(t, "usr_2", u.ID)
	assert.Zero(t, d.calls["UsersByID"], "a user of the page is not fetched again")
}

func TestLookupArgumentsAreCheckedBeforeTheBackend(t *testing.T) {
	q, d, ctx := newQuery(t)
	id, email, empty := "usr_1", "  Ada@Example.test ", ""
	_, err := q.User(ctx, &id, &email, nil)
	assert.Equal(t, map[string]directory.ErrorCode{"": directory.CodeInvalid}, problems(t, err))
	_, err = q.User(ctx, nil, nil, nil)
	assert.Error(t, err)
	_, err = q.Organization(ctx, nil, nil)
	assert.Error(t, err)
	_, err = q.Users(ctx, &empty, nil, nil, nil)
	assert.Equal(t, map[string]directory.ErrorCode{"organizationId": directory.CodeInvalid}, problems(t, err),
		"an empty filter is not every organization")
	assert.Empty(t, d.calls)

	_, err = q.User(ctx, nil, &email, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"Ada@Example.test"}, d.emails, "the email is trimmed; case is the backend's to fold")
}

func TestViewerIsTheCallingUserOnly(t *testing.T) {
	q, d, ctx := newQuery(t)
	v, err := q.Viewer(auth.WithCaller(ctx, auth.Caller{Kind: auth.Service, ServiceName: "billing"}))
	require.NoError(t, err)
	assert.Nil(t, v, "a service is nobody in the directory")
	assert.Empty(t, d.calls)

	v, err = q.Viewer(auth.WithCaller(ctx, auth.Caller{Kind: auth.User, UserID: "usr_9"}))
	require.NoError(t, err)
	assert.Equal(t, "usr_9", v.ID)
}
