package schemacheck

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const base = `
type Query { user(id: ID!): User  users(first: Int = 20): [User!]! }
type User @key(fields: "id") { id: ID!  email: String  name: String @deprecated(reason: "Use fullName.")  fullName: String  status: Status! }
enum Status { ACTIVE INACTIVE OLD @deprecated }
input Filter { status: Status  text: String }
union Thing = User
interface Node { id: ID! }
`

func changes(t *testing.T, old, new string) []Change {
	t.Helper()
	o, err := Load("old", old)
	require.NoError(t, err)
	n, err := Load("new", new)
	require.NoError(t, err)
	return Compare(o, n)
}

func find(cs []Change, kind, path string) *Change {
	for i := range cs {
		if cs[i].Kind == kind && cs[i].Path == path {
			return &cs[i]
		}
	}
	return nil
}

// TestRemovedFieldIsBreaking is the check CI relies on: removing a field clients may read
// is caught, and allowed only when the field was deprecated first.
func TestRemovedFieldIsBreaking(t *testing.T) {
	cs := changes(t, base, strings.Replace(base, "email: String  ", "", 1))
	c := find(cs, "FIELD_REMOVED", "User.email")
	require.NotNil(t, c, "%v", cs)
	assert.Equal(t, Breaking, c.Level)
	assert.False(t, c.Deprecated)
	assert.Len(t, cs, 1, "%v", cs)

	cs = changes(t, base, strings.Replace(base, `name: String @deprecated(reason: "Use fullName.")  `, "", 1))
	c = find(cs, "FIELD_REMOVED", "User.name")
	require.NotNil(t, c, "%v", cs)
	assert.Equal(t, Breaking, c.Level)
	assert.True(t, c.Deprecated, "a deprecated field may go")
}

func TestClassifiesChangesLikeGraphQLJS(t *testing.T) {
	for _, tc := range []struct {
		name, from, to string
		level          Level
		kind, path     string
	}{
		{"type removed", "union Thing = User\n", "", Breaking, "TYPE_REMOVED", "Thing"},
		{"type changed kind", "input Filter {", "type Filter {", Breaking, "TYPE_CHANGED_KIND", "Filter"},
		{"enum value removed", "ACTIVE INACTIVE", "ACTIVE", Breaking, "VALUE_REMOVED_FROM_ENUM", "Status.INACTIVE"},
		{"enum value added", "ACTIVE INACTIVE", "ACTIVE INACTIVE BANNED", Dangerous, "VALUE_ADDED_TO_ENUM", "Status.BANNED"},
		{"field type changed", "email: String", "email: Int", Breaking, "FIELD_CHANGED_KIND", "User.email"},
		{"field made nullable", "status: Status!", "status: Status", Breaking, "FIELD_CHANGED_KIND", "User.status"},
		{"field made non-null", "email: String", "email: String!", Safe, "", ""},
		{"required arg added", "users(first: Int = 20)", "users(first: Int = 20, org: ID!)", Breaking, "REQUIRED_ARG_ADDED", "Query.users(org)"},
		{"optional arg added", "users(first: Int = 20)", "users(first: Int = 20, org: ID)", Dangerous, "OPTIONAL_ARG_ADDED", "Query.users(org)"},
		{"arg removed", "users(first: Int = 20)", "users", Breaking, "ARG_REMOVED", "Query.users(first)"},
		{"arg made non-null", "users(first: Int = 20)", "users(first: Int! = 20)", Breaking, "ARG_CHANGED_KIND", "Query.users(first)"},
		{"arg made nullable", "user(id: ID!)", "user(id: ID)", Safe, "", ""},
		{"arg default changed", "first: Int = 20", "first: Int = 50", Dangerous, "ARG_DEFAULT_VALUE_CHANGE", "Query.users(first)"},
		{"required input field added", "text: String }", "text: String  org: ID! }", Breaking, "REQUIRED_INPUT_FIELD_ADDED", "Filter.org"},
		{"optional input field added", "text: String }", "text: String  org: ID }", Dangerous, "OPTIONAL_INPUT_FIELD_ADDED", "Filter.org"},
		{"input field removed", "status: Status  text", "text", Breaking, "FIELD_REMOVED", "Filter.status"},
		{"union member removed", "union Thing = User", "union Thing = Other\ntype Other { id: ID }", Breaking, "TYPE_REMOVED_FROM_UNION", "Thing"},
		{"union member added", "union Thing = User", "union Thing = User | Other\ntype Other { id: ID }", Dangerous, "TYPE_ADDED_TO_UNION", "Thing"},
		{"interface added", `type User @key(fields: "id") {`, `type User implements Node @key(fields: "id") {`, Dangerous, "IMPLEMENTED_INTERFACE_ADDED", "User"},
		{"field added", "fullName: String", "fullName: String  nick: String", Safe, "FIELD_ADDED", "User.nick"},
		{"type added", "interface Node", "type Extra { id: ID }\ninterface Node", Safe, "TYPE_ADDED", "Extra"},
		{"field deprecated", "fullName: String", `fullName: String @deprecated(reason: "gone soon")`, Safe, "FIELD_DEPRECATED", "User.fullName"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			to := strings.Replace(base, tc.from, tc.to, 1)
			require.Contains(t, base, tc.from)
			cs := changes(t, base, to)
			if tc.kind == "" {
				for _, c := range cs {
					assert.Equal(t, Safe, c.Level, "%v", c)
				}
				return
			}
			c := find(cs, tc.kind, tc.path)
			require.NotNil(t, c, "%v", cs)
			assert.Equal(t, tc.level, c.Level)
		})
	}
}

func TestNoChangesBetweenEqualSchemas(t *testing.T) {
	sdl, err := os.ReadFile("../schema.graphql")
	require.NoError(t, err)
	assert.Empty(t, changes(t, string(sdl), string(sdl)))
}

func TestLoadRefusesInvalidSDL(t *testing.T) {
	_, err := Load("bad", "type Query { user: Nope }")
	assert.Error(t, err)
	_, err = Load("bad", "type Query {")
	assert.Error(t, err)
}
