package scalekit_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

func refusedAt(t *testing.T, err error, code directory.ErrorCode, field string) {
	t.Helper()
	var invalid *directory.InvalidInputError
	require.True(t, errors.As(err, &invalid), "want an InvalidInputError, got %v", err)
	require.NotEmpty(t, invalid.Problems)
	assert.Equal(t, []string{field}, invalid.Problems[0].Field)
	assert.Equal(t, code, invalid.Problems[0].Code)
}

func TestDomainsAreScalekitsOrganizationDomains(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	orgs, err := c.ListOrganizations(ctx, directory.PageQuery{First: 2})
	require.NoError(t, err)
	a, b := orgs.Items[0].ID, orgs.Items[1].ID

	d, err := c.AddDomain(ctx, directory.NewDomain{OrganizationID: a, Name: "a.test", Type: directory.DomainOrganization})
	require.NoError(t, err)
	assert.Equal(t, "a.test", d.Name)
	assert.True(t, d.Vouches(), "created by an admin through the API: verified")
	allowed, err := c.AddDomain(ctx, directory.NewDomain{OrganizationID: a, Name: "mail.a.test", Type: directory.DomainAllowedEmail})
	require.NoError(t, err)
	assert.False(t, allowed.Vouches(), "an allowed email domain vouches for nobody")

	_, err = c.AddDomain(ctx, directory.NewDomain{OrganizationID: a, Name: "a.test", Type: directory.DomainOrganization})
	refusedAt(t, err, directory.CodeTaken, "domain")
	_, err = c.AddDomain(ctx, directory.NewDomain{OrganizationID: b, Name: "gmail.com", Type: directory.DomainOrganization})
	refusedAt(t, err, directory.CodeInvalid, "domain")
	_, err = c.AddDomain(ctx, directory.NewDomain{OrganizationID: "org_999999999999999999", Name: "x.test", Type: directory.DomainOrganization})
	refusedAt(t, err, directory.CodeNotFound, "organizationId")

	lists, err := c.DomainsByOrganization(ctx, []string{b, a, "nonsense"})
	require.NoError(t, err)
	assert.Empty(t, lists[0])
	require.Len(t, lists[1], 2)
	assert.Equal(t, []string{"a.test", "mail.a.test"}, []string{lists[1][0].Name, lists[1][1].Name})
	assert.Empty(t, lists[2])

	require.True(t, fake.SetDomainVerification(a, "a.test", "PENDING"))
	lists, err = c.DomainsByOrganization(ctx, []string{a})
	require.NoError(t, err)
	assert.False(t, lists[0][0].Vouches(), "a pending check vouches for nobody")

	refusedAt(t, c.RemoveDomain(ctx, b, d.ID), directory.CodeNotFound, "id")
	require.NoError(t, c.RemoveDomain(ctx, a, d.ID))
	lists, err = c.DomainsByOrganization(ctx, []string{a})
	require.NoError(t, err)
	assert.Len(t, lists[0], 1)
	assert.Empty(t, fake.Violations(), "every request and answer matches Scalekit's OpenAPI document")
}

func TestDomainListsPageUntilAShortPage(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake)
	orgs, err := c.ListOrganizations(ctx, directory.PageQuery{First: 1})
	require.NoError(t, err)
	a := orgs.Items[0].ID
	for i := range 101 {
		_, err := c.AddDomain(ctx, directory.NewDomain{OrganizationID: a, Name: fmt.Sprintf("d%03d.test", i), Type: directory.DomainOrganization})
		require.NoError(t, err)
	}
	lists, err := c.DomainsByOrganization(ctx, []string{a})
	require.NoError(t, err)
	assert.Len(t, lists[0], 101)
}
