package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const addDomain = `mutation($in: AddOrganizationDomainInput!) { addOrganizationDomain(input: $in) {
	domain { id domain type verificationStatus createTime } userErrors { field code message } } }`

// orgIDsByName maps the seeded organizations' display names to their ids.
func orgIDsByName(e *env) map[string]string {
	out := map[string]string{}
	for _, o := range at(e.mustQuery(`{ organizations(first: 100) { nodes { id displayName } } }`, nil), "organizations.nodes").([]any) {
		out[str(at(o, "displayName"))] = str(at(o, "id"))
	}
	return out
}

// A verified email from one tenant's identity provider must not take over another tenant's
// user (issue 9, item 2): Initech's connection asserting Acme's wile.coyote@acme.test used to
// link to Acme's user and overwrite his profile.
func TestProvisionLinksByEmailOnlyWhereTheOrganizationMayVouch(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		orgs := orgIDsByName(e)
		acme, initech := orgs["Acme Corp"], orgs["Initech"]
		require.NotEmpty(t, acme)
		require.NotEmpty(t, initech)
		wile := str(at(e.mustQuery(`{ user(email: "wile.coyote@acme.test") { id } }`, nil), "user.id"))
		require.NotEmpty(t, wile)
		read := func() map[string]any {
			return e.mustQuery(`query($id: ID!) { user(id: $id) { profile { givenName name } identities { providerUserId }
				memberships { organizationId } } }`, map[string]any{"id": wile})
		}
		before := read()

		hostile := e.mustQuery(provisionDoc, identityVars(googleClaims("666", "wile.coyote@acme.test", true, "Mallory"), initech))
		errs := userErrorsOf(t, hostile, "provisionUserFromIdentity")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.rawAttributes", fieldPath(errs[0]))
		assert.Equal(t, "TAKEN", errs[0]["code"])
		assert.Nil(t, at(hostile, "provisionUserFromIdentity.user"))
		assert.Equal(t, before, read(), "nothing written: profile, identities and memberships as they were")

		// Without an organization, nobody vouches.
		none := e.mustQuery(provisionDoc, identityVars(googleClaims("667", "wile.coyote@acme.test", true, "Mallory"), ""))
		require.Len(t, userErrorsOf(t, none, "provisionUserFromIdentity"), 1)
		assert.Equal(t, before, read())

		// Initech claims a domain: it then vouches for addresses there, even of users who
		// are not its members yet. An allowed-email domain would vouch for nobody.
		created := e.mustQuery(createUser, map[string]any{"input": map[string]any{"organizationId": acme, "email": "peter@initrode.test",
			"profile": map[string]any{"givenName": "Peter"}}})
		require.Empty(t, userErrorsOf(t, created, "createUser"))
		peter := str(at(created, "createUser.user.id"))
		allowed := e.mustQuery(addDomain, map[string]any{"in": map[string]any{"organizationId": initech, "domain": "initrode.test", "type": "ALLOWED_EMAIL_DOMAIN"}})
		require.Empty(t, userErrorsOf(t, allowed, "addOrganizationDomain"))
		refused := e.mustQuery(provisionDoc, identityVars(googleClaims("668", "peter@initrode.test", true, "Pete"), initech))
		require.Len(t, userErrorsOf(t, refused, "provisionUserFromIdentity"), 1, "an allowed-email domain vouches for nobody")

		removed := e.mustQuery(`mutation($in: RemoveOrganizationDomainInput!) { removeOrganizationDomain(input: $in) { removedDomainId userErrors { code } } }`,
			map[string]any{"in": map[string]any{"organizationId": initech, "id": at(allowed, "addOrganizationDomain.domain.id")}})
		require.Empty(t, userErrorsOf(t, removed, "removeOrganizationDomain"))
		owned := e.mustQuery(addDomain, map[string]any{"in": map[string]any{"organizationId": initech, "domain": "INITRODE.test"}})
		require.Empty(t, userErrorsOf(t, owned, "addOrganizationDomain"))
		assert.Equal(t, "initrode.test", at(owned, "addOrganizationDomain.domain.domain"))
		assert.Equal(t, "ORGANIZATION_DOMAIN", at(owned, "addOrganizationDomain.domain.type"))
		assert.Equal(t, "VERIFIED", at(owned, "addOrganizationDomain.domain.verificationStatus"))
		linked := e.mustQuery(provisionDoc, identityVars(googleClaims("669", "peter@initrode.test", true, "Pete"), initech))
		require.Empty(t, userErrorsOf(t, linked, "provisionUserFromIdentity"))
		assert.Equal(t, peter, at(linked, "provisionUserFromIdentity.user.id"))
		assert.Equal(t, "Pete", at(linked, "provisionUserFromIdentity.user.profile.givenName"))

		// A domain belongs to one organization.
		taken := e.mustQuery(addDomain, map[string]any{"in": map[string]any{"organizationId": acme, "domain": "initrode.test"}})
		errs = userErrorsOf(t, taken, "addOrganizationDomain")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.domain", fieldPath(errs[0]))
		bad := e.mustQuery(addDomain, map[string]any{"in": map[string]any{"organizationId": acme, "domain": "acme\u200B.test"}})
		errs = userErrorsOf(t, bad, "addOrganizationDomain")
		require.Len(t, errs, 1)
		assert.Equal(t, "INVALID", errs[0]["code"])
	})
}

// Domains are read by services and ACTIVE members; only services change them.
func TestOrganizationDomainsPolicy(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		require.Empty(t, userErrorsOf(t, e.mustQuery(addDomain, map[string]any{"in": map[string]any{"organizationId": f.orgB, "domain": "b.test"}}), "addOrganizationDomain"))
		const doc = `query($id: ID!) { organization(id: $id) { domains { domain } } }`
		svc := e.mustQuery(doc, map[string]any{"id": f.orgB})
		assert.Equal(t, "b.test", at(svc, "organization.domains.0.domain"))

		member := e.queryAs(userToken(t, f.carol), doc, map[string]any{"id": f.orgB})
		require.Empty(t, member.Errors)
		assert.Equal(t, "b.test", at(member.Data, "organization.domains.0.domain"), "an ACTIVE member reads them")
		outsider := e.queryAs(userToken(t, f.bob), doc, map[string]any{"id": f.orgB})
		require.Empty(t, outsider.Errors)
		assert.Nil(t, at(outsider.Data, "organization"), "another tenant sees nothing")

		// alice administers orgA and is a member of orgB: no admin may claim a domain.
		r := e.queryAs(userToken(t, f.alice), addDomain, map[string]any{"in": map[string]any{"organizationId": f.orgA, "domain": "a.test"}})
		require.NotEmpty(t, r.Errors)
		assert.Equal(t, "FORBIDDEN", r.Errors[0].code())
		assert.Empty(t, at(e.mustQuery(doc, map[string]any{"id": f.orgA}), "organization.domains"))
	})
}
