package directorytest

import (
	"context"
	"errors"
	"strings"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

// The reads and writes tests make through a backend, failing the test on error: the
// conformance suite's and the SQL stores' own suites share them.

// MustUser reads the user id (nil when there is none).
func MustUser(t require.TestingT, ctx context.Context, d directory.Directory, id string) *directory.User {
	users, err := d.UsersByID(ctx, []string{id})
	require.NoError(t, err)
	return users[0]
}

// MustMemberships reads the memberships of each user.
func MustMemberships(t require.TestingT, ctx context.Context, d directory.Directory, userIDs ...string) [][]*directory.Membership {
	ms, err := d.MembershipsByUser(ctx, userIDs)
	require.NoError(t, err)
	return ms
}

// MustOrganizations lists the first 100 organizations; the seed has at least 3.
func MustOrganizations(t require.TestingT, ctx context.Context, d directory.Directory) []*directory.Organization {
	page, err := d.ListOrganizations(ctx, directory.PageQuery{First: 100})
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(page.Items), 3)
	return page.Items
}

// MustRoleIDs maps the catalogue's role names to their ids.
func MustRoleIDs(t require.TestingT, ctx context.Context, d directory.Directory) map[string]string {
	roles, err := d.Roles(ctx)
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range roles {
		out[r.Name] = r.ID
	}
	return out
}

// MustNewOrganization adds an empty organization and returns its id.
func MustNewOrganization(t require.TestingT, ctx context.Context, d directory.Directory, name string) string {
	o, err := d.CreateOrganization(ctx, directory.NewOrganization{DisplayName: name})
	require.NoError(t, err)
	return o.ID
}

// MustCreateUser creates a user in org with roles.
func MustCreateUser(t require.TestingT, ctx context.Context, d directory.Directory, org, email string, roles ...string) *directory.User {
	u, err := d.CreateUser(ctx, directory.NewUser{OrganizationID: org, Email: email, Roles: roles})
	require.NoError(t, err)
	return u
}

// RequireRefused asserts that err is an InvalidInputError with a problem of code at field,
// and that the problem says why.
func RequireRefused(t require.TestingT, err error, code directory.ErrorCode, field ...string) {
	if h, ok := t.(interface{ Helper() }); ok {
		h.Helper()
	}
	var invalid *directory.InvalidInputError
	require.True(t, errors.As(err, &invalid), "want an InvalidInputError, got %v", err)
	for _, p := range invalid.Problems {
		if strings.Join(p.Field, ".") == strings.Join(field, ".") && p.Code == code {
			assert.NotEmpty(t, p.Message)
			return
		}
	}
	assert.Failf(t, "problem missing", "want %s at %v, got %+v", code, field, invalid.Problems)
}
