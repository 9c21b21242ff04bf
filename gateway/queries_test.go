package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const userFields = `id email externalId createTime updateTime lastLogin metadata
	profile { id name givenName familyName firstName lastName email emailVerified phoneNumber
	          phoneNumberVerified locale picture preferredUsername gender groups customAttributes metadata }
	identities { connectionId }`

func TestUserLookupsByIDEmailAndExternalID(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		ext := "crm-42"
		e.mustQuery(`mutation($id: ID!, $ext: String) { updateUser(input: {id: $id, externalId: $ext}) { user { id } } }`,
			map[string]any{"id": f.alice, "ext": ext})

		for _, tc := range []struct {
			name string
			args string
			vars map[string]any
			want string // expected id, "" for null
		}{
			{"by id", `id: $i`, map[string]any{"i": f.alice}, f.alice},
			{"by email", `email: $v`, map[string]any{"v": "alice@fixture.test"}, f.alice},
			{"by email, other case", `email: $v`, map[string]any{"v": "ALICE@Fixture.Test"}, f.alice},
			{"by external id", `externalId: $v`, map[string]any{"v": ext}, f.alice},
			{"unknown id is null", `id: $i`, map[string]any{"i": "usr_0000000000000000000"}, ""},
			{"unknown email is null", `email: $v`, map[string]any{"v": "nobody@fixture.test"}, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				decl := `$v: String`
				if _, ok := tc.vars["i"]; ok {
					decl = `$i: ID`
				}
				data := e.mustQuery(`query(`+decl+`) { user(`+tc.args+`) { `+userFields+` } }`, tc.vars)
				if tc.want == "" {
					assert.Nil(t, data["user"])
					return
				}
				assert.Equal(t, tc.want, at(data, "user.id"))
				assert.Equal(t, "alice@fixture.test", at(data, "user.email"))
				assert.Equal(t, "Alice", at(data, "user.profile.givenName"))
				assert.Equal(t, "Alice", at(data, "user.profile.firstName"), "firstName is the deprecated alias of givenName")
				assert.Equal(t, "alice@fixture.test", at(data, "user.profile.email"))
				assert.Equal(t, map[string]any{}, at(data, "user.metadata"), "metadata is an object even when empty")
				assert.Equal(t, []any{}, at(data, "user.identities"))
				assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`, at(data, "user.createTime"), "DateTime is RFC 3339 in UTC")
			})
		}
	})
}

func TestUserLookupNeedsExactlyOneArgument(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		for _, args := range []string{``, `(id: "usr_1", email: "a@b.co")`, `(id: "usr_1", email: "a@b.co", externalId: "x")`} {
			r := e.query(`{ user`+args+` { id } }`, nil)
			require.Len(t, r.Errors, 1, args)
			assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
			assert.Contains(t, r.Errors[0].Message, "exactly one")
			assert.Nil(t, r.Data["user"])
		}
	})
}

func TestNodeResolvesEveryKindOfID(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		doc := `query($id: ID!) { node(id: $id) { __typename id
			... on User { email } ... on Organization { displayName } ... on Role { name } } }`
		for id, typ := range map[string]string{f.alice: "User", f.orgA: "Organization", f.adminRoleID: "Role"} {
			data := e.mustQuery(doc, map[string]any{"id": id})
			assert.Equal(t, typ, at(data, "node.__typename"))
			assert.Equal(t, id, at(data, "node.id"))
		}
		assert.Equal(t, "admin", at(e.mustQuery(doc, map[string]any{"id": f.adminRoleID}), "node.name"))
		for _, missing := range []string{"usr_9999999999999999999", "org_9999999999999999999", "role_9999999999999999999", "conn_1", "garbage"} {
			assert.Nil(t, e.mustQuery(doc, map[string]any{"id": missing})["node"], missing)
		}
	})
}

func TestMembershipsRolesAndPermissions(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(`query($id: ID!, $org: ID!, $none: ID!) { user(id: $id) {
			memberships { organizationId organization { id } user { id } status joinTime metadata
				roles { id name permissions { name } } permissions }
			membership(organizationId: $org) { organizationId roles { name } }
			none: membership(organizationId: $none) { organizationId } } }`,
			map[string]any{"id": f.alice, "org": f.orgB, "none": "org_9999999999999999999"})
		ms := at(data, "user.memberships").([]any)
		require.Len(t, ms, 2)
		byOrg := map[string]any{}
		for _, m := range ms {
			byOrg[str(at(m, "organizationId"))] = m
			assert.Equal(t, f.alice, at(m, "user.id"))
			assert.Equal(t, at(m, "organizationId"), at(m, "organization.id"))
			assert.Equal(t, "ACTIVE", at(m, "status"))
			assert.NotNil(t, at(m, "joinTime"))
		}
		assert.Equal(t, "admin", at(byOrg[f.orgA], "roles.0.name"))
		assert.Equal(t, "member", at(byOrg[f.orgB], "roles.0.name"))
		assert.Contains(t, at(byOrg[f.orgA], "permissions"), "users:write", "admin grants users:write")
		assert.NotContains(t, at(byOrg[f.orgB], "permissions"), "users:write", "member does not")
		assert.Equal(t, f.orgB, at(data, "user.membership.organizationId"))
		assert.Nil(t, at(data, "user.none"), "no membership there is null, not an error")
	})
}

func TestUsersConnectionPaginatesWithOpaqueCursors(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		all := e.mustQuery(`{ users(first: 100) { totalCount nodes { id } } }`, nil)
		total := int(at(all, "users.totalCount").(float64))
		require.Greater(t, total, 5, "the seed holds users")

		var seen []string
		after := any(nil)
		for pages := 0; ; pages++ {
			require.Less(t, pages, 100)
			data := e.mustQuery(`query($after: String) { users(first: 3, after: $after) {
				totalCount edges { cursor node { id } } nodes { id } pageInfo { hasNextPage endCursor } } }`,
				map[string]any{"after": after})
			edges := at(data, "users.edges").([]any)
			assert.Equal(t, float64(total), at(data, "users.totalCount"), "totalCount counts every match, not the page")
			for i, edge := range edges {
				seen = append(seen, str(at(edge, "node.id")))
				assert.Equal(t, at(edge, "node.id"), at(data, "users.nodes."+itoa(i)+".id"), "nodes and edges agree")
			}
			if len(edges) > 0 {
				assert.Equal(t, at(edges[len(edges)-1], "cursor"), at(data, "users.pageInfo.endCursor"))
			}
			if at(data, "users.pageInfo.hasNextPage") != true {
				break
			}
			after = at(data, "users.pageInfo.endCursor")
		}
		assert.Len(t, seen, total, "walking the pages visits every user once")
		uniq := map[string]bool{}
		for _, id := range seen {
			uniq[id] = true
		}
		assert.Len(t, uniq, total)
	})
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

func TestUsersFiltersBySearchAndOrganization(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(`query($org: ID) { users(organizationId: $org, first: 100, search: "fixture.test") { totalCount nodes { email } } }`,
			map[string]any{"org": f.orgB})
		var emails []string
		for _, n := range at(data, "users.nodes").([]any) {
			emails = append(emails, str(at(n, "email")))
		}
		assert.ElementsMatch(t, []string{"alice@fixture.test", "carol@fixture.test"}, emails)
		assert.Equal(t, float64(2), at(data, "users.totalCount"))

		data = e.mustQuery(`{ users(search: "CAROL") { nodes { email } } }`, nil)
		assert.Equal(t, "carol@fixture.test", at(data, "users.nodes.0.email"), "search is case-insensitive")
		data = e.mustQuery(`{ users(search: "100%_") { totalCount } }`, nil)
		assert.Equal(t, float64(0), at(data, "users.totalCount"), "LIKE wildcards in the search text match literally")
	})
}

func TestConnectionArgumentsAreChecked(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		for _, doc := range []string{
			`{ users(first: 0) { totalCount } }`,
			`{ users(first: 101) { totalCount } }`,
			`{ organizations(first: -1) { totalCount } }`,
			`{ users(after: "not-a-cursor") { totalCount } }`,
			`query($org: ID!) { organization(id: $org) { members(first: 500) { totalCount } } }`,
		} {
			r := e.query(doc, map[string]any{"org": f.orgA})
			require.NotEmpty(t, r.Errors, doc)
			assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code(), doc)
		}
		// The message is the rule, and extensions.field names the argument.
		r := e.query(`{ users(first: 0) { totalCount } }`, nil)
		require.Len(t, r.Errors, 1)
		assert.Equal(t, "first must be between 1 and 100", r.Errors[0].Message)
		assert.Equal(t, []any{"first"}, r.Errors[0].Extensions["field"])
		// A cursor of one list is not accepted by another.
		orgCursor := at(e.mustQuery(`{ organizations(first: 1) { pageInfo { endCursor } } }`, nil), "organizations.pageInfo.endCursor")
		r = e.query(`query($c: String) { users(after: $c) { totalCount } }`, map[string]any{"c": orgCursor})
		require.NotEmpty(t, r.Errors)
		assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
	})
}

func TestOrganizationMembersPagesAndFiltersByStatus(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		// The seed holds an inactive member of the first organization (Scalekit cannot
		// change a status through its API, so the test does not either).
		elmer := str(at(e.mustQuery(`{ user(email: "elmer.fudd@acme.test") { id } }`, nil), "user.id"))
		require.NotEmpty(t, elmer)

		doc := `query($id: ID!, $after: String, $status: MembershipStatus) { organization(id: $id) { id displayName createTime metadata
			members(first: 2, after: $after, status: $status) { totalCount edges { cursor node { user { id } status } }
			pageInfo { hasNextPage endCursor } } } }`
		all := map[string]string{}
		var after any
		for {
			data := e.mustQuery(doc, map[string]any{"id": f.orgA, "after": after})
			for _, edge := range at(data, "organization.members.edges").([]any) {
				all[str(at(edge, "node.user.id"))] = str(at(edge, "node.status"))
			}
			if at(data, "organization.members.pageInfo.hasNextPage") != true {
				break
			}
			after = at(data, "organization.members.pageInfo.endCursor")
		}
		assert.Equal(t, "ACTIVE", all[f.alice])
		assert.Equal(t, "INACTIVE", all[elmer])
		assert.Equal(t, "ACTIVE", all[f.bob])
		assert.NotContains(t, all, f.carol)

		inactive := map[string]bool{}
		after = nil
		for {
			data := e.mustQuery(doc, map[string]any{"id": f.orgA, "status": "INACTIVE", "after": after})
			for _, edge := range at(data, "organization.members.edges").([]any) {
				assert.Equal(t, "INACTIVE", at(edge, "node.status"))
				inactive[str(at(edge, "node.user.id"))] = true
			}
			if at(data, "organization.members.pageInfo.hasNextPage") != true {
				break
			}
			after = at(data, "organization.members.pageInfo.endCursor")
		}
		assert.True(t, inactive[elmer])
		n := 0
		for _, status := range all {
			if status == "INACTIVE" {
				n++
			}
		}
		assert.Len(t, inactive, n, "the filter finds every inactive member, on every page")
	})
}

func TestOrganizationLookups(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		data := e.mustQuery(`{ organizations(first: 1) { nodes { id externalId displayName } } }`, nil)
		id, ext := str(at(data, "organizations.nodes.0.id")), str(at(data, "organizations.nodes.0.externalId"))
		require.NotEmpty(t, ext, "seeded organizations carry external ids")
		for _, args := range []string{`id: "` + id + `"`, `externalId: "` + ext + `"`} {
			assert.Equal(t, id, at(e.mustQuery(`{ organization(`+args+`) { id } }`, nil), "organization.id"))
		}
		assert.Nil(t, e.mustQuery(`{ organization(externalId: "nope") { id } }`, nil)["organization"])
		r := e.query(`{ organization { id } }`, nil)
		require.Len(t, r.Errors, 1)
		assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
	})
}

func TestRolesCatalogue(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		data := e.mustQuery(`{ roles { id name displayName description permissions { name description } } }`, nil)
		var names []string
		for _, r := range at(data, "roles").([]any) {
			names = append(names, str(at(r, "name")))
			assert.Regexp(t, `^role_`, at(r, "id"))
		}
		assert.Equal(t, []string{"admin", "member", "viewer"}, names, "ordered by name")
		assert.NotEmpty(t, at(data, "roles.0.permissions"))
	})
}

func TestViewerIsNullWithoutAuthentication(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		assert.Nil(t, e.mustQuery(`{ viewer { id } }`, nil)["viewer"])
	})
}

func TestEmptyOrganizationFilterIsRefused(t *testing.T) {
	e := newEnv(t, true)
	r := e.query(`{ users(organizationId: "") { totalCount } }`, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
}
