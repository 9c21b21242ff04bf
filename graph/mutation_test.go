package graph

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/loaders"
)

func TestUserErrorsPrefixTheInputAndAreCapped(t *testing.T) {
	var many []directory.FieldError
	for i := range maxUserErrors + 10 {
		many = append(many, directory.FieldError{Field: []string{"metadata", fmt.Sprint(i)}, Code: directory.CodeTooLong})
	}
	errs, err := userErrors(fmt.Errorf("wrapped: %w", directory.Invalid(many...)))
	require.NoError(t, err)
	assert.Len(t, errs, maxUserErrors)
	assert.Equal(t, []string{"input", "metadata", "0"}, errs[0].Field)
	assert.Equal(t, []string{"metadata", "0"}, many[0].Field, "the refused error itself is not modified")

	boom := errors.New("backend down")
	errs, err = userErrors(boom)
	assert.Nil(t, errs)
	assert.Same(t, boom, err, "anything else goes to the error presenter as it is")
}

// countingDir counts the user reads that reach the backend.
type countingDir struct {
	directory.Directory
	reads int
}

func (c *countingDir) UsersByID(_ context.Context, ids []string) ([]*directory.User, error) {
	c.reads++
	out := make([]*directory.User, len(ids))
	for i, id := range ids {
		out[i] = &directory.User{ID: id}
	}
	return out, nil
}

func TestWriteTurnsRefusalsIntoUserErrorsAndForgetsWhatWasRead(t *testing.T) {
	dir := &countingDir{}
	ctx := loaders.With(context.Background(), loaders.New(dir, loaders.DefaultOptions))
	read := func() {
		_, err := loaders.For(ctx).UserByID.Load(ctx, "usr_1")()
		require.NoError(t, err)
	}
	read()
	read()
	require.Equal(t, 1, dir.reads, "the loader caches within a request")

	refused := directory.Invalid(directory.FieldError{Field: []string{"email"}, Code: directory.CodeTaken})
	out, problems, err := write(ctx, given("x"), func(context.Context, string) (*string, error) { return nil, refused })
	require.NoError(t, err)
	assert.Nil(t, out)
	require.Len(t, problems, 1)
	assert.Equal(t, []string{"input", "email"}, problems[0].Field)
	read()
	assert.Equal(t, 1, dir.reads, "a refused write changed nothing: the cache stays")

	_, problems, err = write(ctx, func() (string, error) {
		return "", directory.Invalid(directory.FieldError{Field: []string{"profile"}, Code: directory.CodeRequired})
	}, func(context.Context, string) (*string, error) {
		t.Fatal("a conversion problem must stop the write")
		return nil, nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"input", "profile"}, problems[0].Field)

	out, problems, err = write(ctx, given("usr_1"), deleted(func(context.Context, string) error { return nil }))
	require.NoError(t, err)
	assert.Equal(t, "usr_1", *out, "a delete's payload names what it deleted")
	assert.NotNil(t, problems, "userErrors is an empty list, never null")
	assert.Empty(t, problems)
	read()
	assert.Equal(t, 2, dir.reads, "after a write the request reads what is stored")

	boom := errors.New("backend down")
	_, problems, err = write(ctx, given("usr_1"), deleted(func(context.Context, string) error { return boom }))
	assert.ErrorIs(t, err, boom)
	assert.Nil(t, problems)
}

func TestArguments(t *testing.T) {
	one, two := "a", "b"
	assert.Equal(t, 0, countSet(nil, nil))
	assert.Equal(t, 2, countSet(&one, nil, &two))

	for first, ok := range map[int]bool{0: false, 1: true, 100: true, 101: false, -1: false} {
		n, err := pageSize(&first)
		if ok {
			assert.NoError(t, err)
			assert.Equal(t, first, n)
			continue
		}
		assert.Equal(t, map[string]directory.ErrorCode{"first": directory.CodeInvalid}, problems(t, err), "first: %d", first)
	}
	n, err := pageSize(nil)
	require.NoError(t, err)
	assert.Equal(t, defaultPageSize, n, "first: null is the default page")
}

func TestConnectionsPairItemsWithTheirCursors(t *testing.T) {
	page := &directory.Page[*directory.User]{Items: []*directory.User{{ID: "usr_1"}, {ID: "usr_2"}},
		Cursors: []string{"c1", "c2"}, HasNextPage: true, TotalCount: 7}
	c := userConnection(page)
	require.Len(t, c.Edges, 2)
	assert.Equal(t, "c2", c.Edges[1].Cursor)
	assert.Equal(t, "usr_2", c.Edges[1].Node.ID)
	assert.Equal(t, "c2", *c.PageInfo.EndCursor)
	assert.True(t, c.PageInfo.HasNextPage)
	assert.Equal(t, 7, c.TotalCount)

	empty := userConnection(&directory.Page[*directory.User]{})
	assert.Nil(t, empty.PageInfo.EndCursor, "an empty page has no end cursor")
	assert.Empty(t, empty.Edges)
}
