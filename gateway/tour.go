package gateway

import (
	"encoding/json"

	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/playground"
)

// PlaygroundTour is the playground's first page: named tabs that walk through usergraph on
// the demo data (whose ids are fixed in every backend), with their variables filled in.
// TestPlaygroundTour runs every tab on each backend; the browser test runs the first one.
var PlaygroundTour = []playground.Tab{
	{Query: `# Welcome to usergraph: one GraphQL API over users, profiles, memberships and roles.
# Press ▶ (Ctrl-Enter) to run this tab, then walk through the other tabs above.
# The Explorer on the left builds a query by ticking fields; the Docs button
# shows every type, field and error code. This server is seeded with demo data.
query UsersAndViewer {
  # The signed-in user: null for a service (an API key or a service token,
  # like the development token in the Headers pane).
  viewer { id email }
  # Users with their profile, memberships, roles and permissions: one request.
  users(first: 5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      email
      profile { name givenName familyName locale groups }
      memberships {
        organization { displayName }
        status
        roles { name }
        permissions
      }
    }
  }
}
`},
	{Query: `# An organization's active members, a page at a time. Run it, then copy
# pageInfo.endCursor into "after" in the Variables pane and run it again.
query OrganizationMembers($org: ID!, $first: Int, $after: String) {
  organization(id: $org) {
    displayName
    members(first: $first, after: $after, status: ACTIVE) {
      totalCount
      edges { cursor node { user { email profile { name } } roles { name } joinTime } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
`, Variables: tourVariables(map[string]any{"org": demo.OrganizationID("acme"), "first": 3, "after": nil})},
	{Query: `# Mutations report input they cannot accept in userErrors, with the path of
# the field and a code, and then change nothing. Run this once: Grace is
# created (her name is composed from the given and family names). Run it
# again: the email is taken, and userErrors says so.
mutation CreateUser($org: ID!, $email: String!) {
  createUser(input: {
    organizationId: $org
    email: $email
    profile: { givenName: "Grace", familyName: "Hopper", locale: "en_US" }
    roles: ["member"]
  }) {
    user { id email profile { name locale } memberships { organization { displayName } roles { name } } }
    userErrors { field code message }
  }
}
`, Variables: tourVariables(map[string]any{"org": demo.OrganizationID("acme"), "email": "grace.hopper@acme.test"})},
	{Query: `# Every identity provider names a user's attributes its own way. This previews
# how a SAML assertion from Microsoft Entra ID becomes one normalized profile
# (it writes nothing). The attributes are a JSON variable: SAML claim URIs are
# not GraphQL names.
query NormalizeSAMLProfile($raw: JSON!) {
  normalizeProfile(input: {
    connectionType: "SAML"
    providerName: "MICROSOFT"
    connectionId: "conn_entra"
    rawAttributes: $raw
  }) {
    sub
    email
    emailVerified
    name
    givenName
    familyName
    locale
    groups
    identities { providerName providerUserId }
  }
}
`, Variables: tourVariables(map[string]any{"raw": map[string]any{
		"nameID": "ada@contoso.com",
		"http://schemas.microsoft.com/identity/claims/objectidentifier":      []string{"4f1c9a6e-8d2b-4c1e-9f3a-5b7d2e6c8a10"},
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":    []string{"Ada"},
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":      []string{"Lovelace"},
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress": []string{"ada@contoso.com"},
		"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups":     []string{"engineering", "analysts"},
	}})},
}

// tourVariables renders a tab's variables as the variables editor shows them.
func tourVariables(v map[string]any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		panic(err) // fixed values of basic types always marshal
	}
	return string(b)
}
