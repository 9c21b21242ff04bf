package gateway_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/usergraph/usergraph/directory/demo"
	"github.com/usergraph/usergraph/gateway"
)

const entitiesDoc = `query($r: [_Any!]!) { _entities(representations: $r) {
	__typename
	... on User { id email }
	... on Organization { id displayName }
	... on Role { id name }
} }`

func rep(typename, key, value string) map[string]any {
	return map[string]any{"__typename": typename, key: value}
}

// TestServiceSDLIsAFederation2Subgraph reads _service { sdl } as a router does: the schema
// files as written, with the federation link, the entity keys and the shareable types.
func TestServiceSDLIsAFederation2Subgraph(t *testing.T) {
	e := newEnv(t, false)
	sdl := str(at(e.mustQuery(`{ _service { sdl } }`, nil), "_service.sdl"))
	assert.Contains(t, sdl, `@link(url: "https://specs.apollo.dev/federation/v2.3"`)
	for _, want := range []string{
		`type User implements Node @key(fields: "id") @key(fields: "email")`,
		`type Organization implements Node @key(fields: "id")`,
		`type Role implements Node @key(fields: "id")`,
		`type PageInfo @shareable`,
		`type UserError @shareable`,
	} {
		assert.Contains(t, sdl, want)
	}
	assert.False(t, strings.Contains(sdl, "_entities("), "the router adds the federation fields itself")
}

func TestServiceSDLFollowsIntrospection(t *testing.T) {
	e := newEnv(t, true, func(c *gateway.Config) { c.Introspection = false })
	// Services may always introspect, so a user is the caller who is refused.
	r := e.queryAs(userToken(t, demo.Users[0].ID()), `{ _service { sdl } }`, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.Errors[0].code())
	assert.Empty(t, e.query(`{ _service { sdl } }`, nil).Errors, "a service reads the SDL")
}

// TestEntitiesResolveEveryKey resolves each entity type by each of its keys, in one call,
// on every backend.
func TestEntitiesResolveEveryKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(entitiesDoc, map[string]any{"r": []any{
			rep("User", "id", f.alice),
			rep("User", "email", " BOB@fixture.test "),
			rep("Organization", "id", f.orgA),
			rep("Role", "id", f.adminRoleID),
			rep("User", "id", "usr_nobody"),
		}})
		assert.Equal(t, "alice@fixture.test", at(data, "_entities.0.email"))
		assert.Equal(t, f.bob, at(data, "_entities.1.id"), "emails match case-insensitively, as in user(email:)")
		assert.Equal(t, "Organization", at(data, "_entities.2.__typename"))
		assert.Equal(t, f.orgA, at(data, "_entities.2.id"))
		assert.Equal(t, "admin", at(data, "_entities.3.name"))
		assert.Nil(t, at(data, "_entities.4"), "a missing entity is null, as in node(id:)")
	})
}

// TestEntitiesBatchThroughTheLoaders: a router's 100 user representations cost one backend
// call, the same as a list of 100 users.
func TestEntitiesBatchThroughTheLoaders(t *testing.T) {
	e := newEnv(t, true, withCountingLoaders())
	withMembers(t, e, 100)
	data := e.mustQuery(`{ users(first: 100, search: "@load.test") { nodes { id } } }`, nil)
	nodes := at(data, "users.nodes").([]any)
	require.Len(t, nodes, 100)
	reps := make([]any, len(nodes))
	for i, n := range nodes {
		reps[i] = rep("User", "id", str(at(n, "id")))
	}
	doc := `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email profile { givenName } } } }`
	out := e.mustQuery(doc, map[string]any{"r": reps})
	require.Len(t, at(out, "_entities").([]any), 100)
	for i := range reps {
		require.NotNil(t, at(out, fmt.Sprintf("_entities.%d.email", i)))
	}
	assert.Equal(t, uint64(1), statementsFor(t, e, doc, map[string]any{"r": reps}), "100 representations, one batch")
}

// TestEntitiesPassTheAuthorizationPolicy: what a caller may not see through node(id:) is
// null through _entities too, by id and by email, and what it may see resolves.
func TestEntitiesPassTheAuthorizationPolicy(t *testing.T) {
	e := newEnv(t, true)
	f := e.fixture()
	carol := e.authorization(f, asCarol) // a member of orgB only
	r := e.queryAs(carol, entitiesDoc, map[string]any{"r": []any{
		rep("User", "id", f.bob),                 // orgA only: hidden
		rep("User", "email", "bob@fixture.test"), // the same user by email
		rep("Organization", "id", f.orgA),        // not carol's
		rep("User", "id", f.alice),               // shares orgB with carol
		rep("Organization", "id", f.orgB),        // carol's
	}})
	require.Empty(t, r.Errors)
	for i, id := range []string{f.bob, f.bob, f.orgA} {
		assert.Nil(t, at(r.Data, fmt.Sprintf("_entities.%d", i)), "representation %d", i)
		node := e.queryAs(carol, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id})
		assert.Nil(t, node.Data["node"], "node(id:) agrees on %s", id)
	}
	assert.Equal(t, "alice@fixture.test", at(r.Data, "_entities.3.email"))
	assert.Equal(t, f.orgB, at(r.Data, "_entities.4.id"))

	anonymous := e.queryAs("", entitiesDoc, map[string]any{"r": []any{rep("User", "id", f.bob)}})
	require.NotEmpty(t, anonymous.Errors)
	assert.Equal(t, "UNAUTHENTICATED", anonymous.Errors[0].code())
}

// TestBadRepresentationsGetCodedErrors: each kind of bad representation is refused with a
// code before anything is loaded.
func TestBadRepresentationsGetCodedErrors(t *testing.T) {
	e := newEnv(t, true, withCountingLoaders())
	f := e.fixture()
	many := make([]any, 10_000)
	for i := range many {
		many[i] = rep("User", "id", fmt.Sprintf("usr_%d", i))
	}
	for name, tc := range map[string]struct {
		reps []any
		code string
		msg  string
	}{
		"unknown __typename": {[]any{rep("User", "id", f.alice), rep("Invoice", "id", "inv_1")}, "BAD_USER_INPUT", `representations[1]: "Invoice" is not an entity type`},
		"not an entity":      {[]any{rep("UserProfile", "id", f.alice)}, "BAD_USER_INPUT", `"UserProfile" is not an entity type`},
		"no __typename":      {[]any{map[string]any{"id": f.alice}}, "BAD_USER_INPUT", "__typename must be a string"},
		"missing key":        {[]any{rep("User", "externalId", "crm-1")}, "BAD_USER_INPUT", "User needs a string value for every field of one of its keys (id; email)"},
		"null key":           {[]any{map[string]any{"__typename": "Role", "id": nil}}, "BAD_USER_INPUT", "Role needs"},
		"object as key":      {[]any{map[string]any{"__typename": "Organization", "id": map[string]any{"x": 1}}}, "BAD_USER_INPUT", "Organization needs"},
		"10,000":             {many, "COMPLEXITY_LIMIT_EXCEEDED", ""},
	} {
		t.Run(name, func(t *testing.T) {
			before := e.calls()
			r := e.query(entitiesDoc, map[string]any{"r": tc.reps})
			require.Len(t, r.Errors, 1, "%+v", r.Errors)
			assert.Equal(t, tc.code, r.Errors[0].code())
			assert.Contains(t, r.Errors[0].Message, tc.msg)
			assert.Equal(t, before, e.calls(), "nothing is loaded")
		})
	}
}

// TestEntitiesCapHoldsForCheapSelections: representations that select only __typename are
// still bounded by MaxEntities, which the complexity limit alone would let through.
func TestEntitiesCapHoldsForCheapSelections(t *testing.T) {
	e := newEnv(t, false, func(c *gateway.Config) { c.MaxEntities = 10 })
	reps := make([]any, 11)
	for i := range reps {
		reps[i] = rep("Role", "id", fmt.Sprintf("role_%d", i))
	}
	r := e.query(`query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, map[string]any{"r": reps})
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", r.Errors[0].code())
	assert.Contains(t, r.Errors[0].Message, "at most 10 representations, not 11")
	r = e.query(`query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, map[string]any{"r": reps[:10]})
	assert.Empty(t, r.Errors)
}

// TestServiceSDLParses: the SDL a router composes is valid GraphQL on its own (with the
// federation definitions a router brings).
func TestServiceSDLParses(t *testing.T) {
	e := newEnv(t, false)
	sdl := str(at(e.mustQuery(`{ _service { sdl } }`, nil), "_service.sdl"))
	_, err := gqlparser.LoadSchema(&ast.Source{Name: "federation.graphql", Input: federationDefinitions, BuiltIn: true},
		&ast.Source{Name: "sdl", Input: sdl})
	require.Nil(t, err, "%v", err)
}

const federationDefinitions = `
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @link(import: [String!], url: String!) repeatable on SCHEMA
directive @shareable repeatable on FIELD_DEFINITION | OBJECT
directive @inaccessible on FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | INTERFACE | ENUM | ENUM_VALUE | SCALAR | UNION | INPUT_OBJECT | ARGUMENT_DEFINITION
`
