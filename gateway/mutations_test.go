package gateway_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

const createUser = `mutation($input: CreateUserInput!) { createUser(input: $input) {
	user { id email externalId metadata profile { givenName familyName name locale phoneNumber picture groups customAttributes metadata }
		memberships { organizationId status metadata roles { name } } }
	userErrors { field message code } } }`

const updateUser = `mutation($input: UpdateUserInput!) { updateUser(input: $input) {
	user { id externalId metadata profile { givenName familyName firstName name locale phoneNumber gender groups customAttributes metadata } }
	userErrors { field message code } } }`

func userErrorsOf(t *testing.T, data map[string]any, mutation string) []map[string]any {
	t.Helper()
	raw, ok := at(data, mutation+".userErrors").([]any)
	require.True(t, ok, "userErrors must be a list: %v", data)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func fieldPath(e map[string]any) string {
	var parts []string
	for _, p := range e["field"].([]any) {
		parts = append(parts, p.(string))
	}
	return strings.Join(parts, ".")
}

func TestCreateUser(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(createUser, map[string]any{"input": map[string]any{
			"organizationId": f.orgA, "email": "  dana@fixture.test ", "externalId": "ext-dana",
			"profile": map[string]any{
				"givenName": "Dana", "familyName": "Scully", "locale": "en_us", "phoneNumber": "+14155550100",
				"picture": "https://example.com/dana.png", "groups": []string{"eng", "fbi"},
				"customAttributes": map[string]any{"department": "x-files"}, "metadata": map[string]any{"idp_dept": "X"},
			},
			"metadata":           map[string]any{"plan": "gold"},
			"roles":              []string{"admin", "viewer"},
			"membershipMetadata": map[string]any{"team": "blue"},
		}})
		assert.Empty(t, userErrorsOf(t, data, "createUser"))
		u := at(data, "createUser.user")
		assert.Regexp(t, `^usr_\d+$`, at(u, "id"))
		assert.Equal(t, "dana@fixture.test", at(u, "email"), "surrounding spaces are trimmed")
		assert.Equal(t, "en-US", at(u, "profile.locale"), "locale is stored in canonical BCP 47 form")
		assert.Equal(t, []any{"eng", "fbi"}, at(u, "profile.groups"))
		assert.Equal(t, map[string]any{"department": "x-files"}, at(u, "profile.customAttributes"))
		assert.Equal(t, map[string]any{"plan": "gold"}, at(u, "metadata"))
		assert.Equal(t, f.orgA, at(u, "memberships.0.organizationId"))
		assert.Equal(t, "ACTIVE", at(u, "memberships.0.status"))
		assert.Equal(t, map[string]any{"team": "blue"}, at(u, "memberships.0.metadata"))
		assert.Equal(t, []any{map[string]any{"name": "admin"}, map[string]any{"name": "viewer"}}, at(u, "memberships.0.roles"))

		// It is really stored: a fresh request finds it.
		again := e.mustQuery(`{ user(externalId: "ext-dana") { email profile { familyName } } }`, nil)
		assert.Equal(t, "Scully", at(again, "user.profile.familyName"))
	})
}

func TestCreateUserDefaultsAndInvitations(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(createUser, map[string]any{"input": map[string]any{"organizationId": f.orgA, "email": "eve@fixture.test"}})
		assert.Equal(t, "member", at(data, "createUser.user.memberships.0.roles.0.name"), "no roles given: the default member role")
		data = e.mustQuery(createUser, map[string]any{"input": map[string]any{"organizationId": f.orgA, "email": "fay@fixture.test", "sendInvitationEmail": true}})
		assert.Equal(t, "PENDING_INVITE", at(data, "createUser.user.memberships.0.status"))
	})
}

func TestCreateUserRefusesBadInputAndWritesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		tooMany := map[string]any{}
		for i := range 21 {
			tooMany["key"+itoa(i)] = "v"
		}
		for _, tc := range []struct {
			name  string
			input map[string]any
			want  map[string]string // field path → code
		}{
			{"bad email", map[string]any{"email": "not-an-email"}, map[string]string{"input.email": "INVALID_EMAIL"}},
			{"empty email", map[string]any{"email": "  "}, map[string]string{"input.email": "REQUIRED"}},
			{"taken email, other case", map[string]any{"email": "ALICE@fixture.test"}, map[string]string{"input.email": "TAKEN"}},
			{"unknown organization", map[string]any{"organizationId": "org_9999999999999999999"}, map[string]string{"input.organizationId": "NOT_FOUND"}},
			{"unknown role", map[string]any{"roles": []string{"member", "wizard"}}, map[string]string{"input.roles.1": "NOT_FOUND"}},
			{"malformed role", map[string]any{"roles": []string{"no spaces"}}, map[string]string{"input.roles.0": "INVALID"}},
			{"long name", map[string]any{"profile": map[string]any{"givenName": strings.Repeat("x", 256)}}, map[string]string{"input.profile.givenName": "TOO_LONG"}},
			{"bad locale", map[string]any{"profile": map[string]any{"locale": "not a locale"}}, map[string]string{"input.profile.locale": "INVALID_LOCALE"}},
			{"bad phone", map[string]any{"profile": map[string]any{"phoneNumber": "555-1234"}}, map[string]string{"input.profile.phoneNumber": "INVALID_PHONE"}},
			{"bad picture", map[string]any{"profile": map[string]any{"picture": "javascript:alert(1)"}}, map[string]string{"input.profile.picture": "INVALID_URL"}},
			{"too many metadata keys", map[string]any{"metadata": tooMany}, map[string]string{"input.metadata": "TOO_MANY"}},
			{"short metadata key", map[string]any{"metadata": map[string]any{"ab": "v"}}, map[string]string{"input.metadata.ab": "INVALID"}},
			{"empty metadata value", map[string]any{"metadata": map[string]any{"abc": ""}}, map[string]string{"input.metadata.abc": "INVALID"}},
			{"non-string metadata", map[string]any{"metadata": map[string]any{"abc": 3}}, map[string]string{"input.metadata.abc": "INVALID"}},
			{"metadata not an object", map[string]any{"membershipMetadata": []any{"x"}}, map[string]string{"input.membershipMetadata": "INVALID"}},
			{"first name disagrees with given name", map[string]any{"profile": map[string]any{"givenName": "A", "firstName": "B"}}, map[string]string{"input.profile.firstName": "INVALID"}},
			{"several problems at once", map[string]any{"email": "bad", "profile": map[string]any{"phoneNumber": "1", "locale": "??"}},
				map[string]string{"input.email": "INVALID_EMAIL", "input.profile.phoneNumber": "INVALID_PHONE", "input.profile.locale": "INVALID_LOCALE"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := at(e.mustQuery(`{ users { totalCount } }`, nil), "users.totalCount")
				input := map[string]any{"organizationId": f.orgA, "email": "new-" + strings.ReplaceAll(tc.name, " ", "-") + "@fixture.test"}
				for k, v := range tc.input {
					input[k] = v
				}
				data := e.mustQuery(createUser, map[string]any{"input": input})
				assert.Nil(t, at(data, "createUser.user"))
				got := map[string]string{}
				for _, ue := range userErrorsOf(t, data, "createUser") {
					got[fieldPath(ue)] = ue["code"].(string)
					assert.NotEmpty(t, ue["message"])
				}
				assert.Equal(t, tc.want, got)
				assert.Equal(t, before, at(e.mustQuery(`{ users { totalCount } }`, nil), "users.totalCount"), "nothing is written")
			})
		}
	})
}

func TestCreateUserRefusesATakenExternalID(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		in := func(email string) map[string]any {
			return map[string]any{"input": map[string]any{"organizationId": f.orgA, "email": email, "externalId": "same"}}
		}
		assert.Empty(t, userErrorsOf(t, e.mustQuery(createUser, in("one@fixture.test")), "createUser"))
		errs := userErrorsOf(t, e.mustQuery(createUser, in("two@fixture.test")), "createUser")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.externalId", fieldPath(errs[0]))
		assert.Equal(t, "TAKEN", errs[0]["code"])
	})
}

func TestUpdateUserSemantics(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		set := e.mustQuery(updateUser, map[string]any{"input": map[string]any{"id": f.bob, "externalId": "bob-1",
			"metadata": map[string]any{"plan": "gold", "seats": "5"},
			"profile": map[string]any{"familyName": "Builder", "name": "Bob B", "gender": "male", "groups": []string{"a", "b"},
				"customAttributes": map[string]any{"dept": "ops", "site": "north"}}}})
		assert.Empty(t, userErrorsOf(t, set, "updateUser"))

		for _, tc := range []struct {
			name  string
			input map[string]any
			check func(t *testing.T, u any)
		}{
			{"omitted fields are unchanged", map[string]any{"profile": map[string]any{"locale": "fr-CA"}}, func(t *testing.T, u any) {
				assert.Equal(t, "fr-CA", at(u, "profile.locale"))
				assert.Equal(t, "Builder", at(u, "profile.familyName"))
				assert.Equal(t, "Bob", at(u, "profile.givenName"))
				assert.Equal(t, "bob-1", at(u, "externalId"))
				assert.Equal(t, map[string]any{"plan": "gold", "seats": "5"}, at(u, "metadata"))
			}},
			{"null clears a field", map[string]any{"externalId": nil, "profile": map[string]any{"gender": nil}}, func(t *testing.T, u any) {
				assert.Nil(t, at(u, "externalId"))
				assert.Nil(t, at(u, "profile.gender"))
				assert.Equal(t, "Bob B", at(u, "profile.name"))
			}},
			{"maps merge by key and null removes a key", map[string]any{"metadata": map[string]any{"seats": nil, "tier": "2"}}, func(t *testing.T, u any) {
				assert.Equal(t, map[string]any{"plan": "gold", "tier": "2"}, at(u, "metadata"))
			}},
			{"a null map is emptied", map[string]any{"profile": map[string]any{"customAttributes": nil}}, func(t *testing.T, u any) {
				assert.Equal(t, map[string]any{}, at(u, "profile.customAttributes"))
				assert.Equal(t, map[string]any{"plan": "gold", "tier": "2"}, at(u, "metadata"), "other maps are untouched")
			}},
			{"groups are replaced whole", map[string]any{"profile": map[string]any{"groups": []string{"c"}}}, func(t *testing.T, u any) {
				assert.Equal(t, []any{"c"}, at(u, "profile.groups"))
			}},
			{"deprecated firstName sets givenName", map[string]any{"profile": map[string]any{"firstName": "Robert"}}, func(t *testing.T, u any) {
				assert.Equal(t, "Robert", at(u, "profile.givenName"))
				assert.Equal(t, "Robert", at(u, "profile.firstName"))
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				input := map[string]any{"id": f.bob}
				for k, v := range tc.input {
					input[k] = v
				}
				data := e.mustQuery(updateUser, map[string]any{"input": input})
				require.Empty(t, userErrorsOf(t, data, "updateUser"))
				tc.check(t, at(data, "updateUser.user"))
				// The answer is what was stored.
				stored := e.mustQuery(`query($id: ID!) { user(id: $id) { id externalId metadata profile { givenName familyName firstName name locale phoneNumber gender groups customAttributes metadata } } }`,
					map[string]any{"id": f.bob})
				assert.Equal(t, at(data, "updateUser.user"), at(stored, "user"))
			})
		}
	})
}

func TestUpdateUserRefusals(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		e.mustQuery(updateUser, map[string]any{"input": map[string]any{"id": f.alice, "externalId": "alice-ext"}})
		full := map[string]any{}
		for i := range 20 {
			full["key"+itoa(i)] = "v"
		}
		e.mustQuery(updateUser, map[string]any{"input": map[string]any{"id": f.bob, "metadata": full}})

		for _, tc := range []struct {
			name  string
			input map[string]any
			field string
			code  string
		}{
			{"unknown user", map[string]any{"id": "usr_9999999999999999999"}, "input.id", "NOT_FOUND"},
			{"taken external id", map[string]any{"id": f.bob, "externalId": "alice-ext"}, "input.externalId", "TAKEN"},
			{"merge beyond 20 keys", map[string]any{"id": f.bob, "metadata": map[string]any{"one_more": "v"}}, "input.metadata", "TOO_MANY"},
			{"bad phone", map[string]any{"id": f.bob, "profile": map[string]any{"phoneNumber": "12"}}, "input.profile.phoneNumber", "INVALID_PHONE"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := e.mustQuery(`query($id: ID!) { user(id: $id) { externalId metadata profile { phoneNumber } } }`, map[string]any{"id": f.bob})
				data := e.mustQuery(updateUser, map[string]any{"input": tc.input})
				errs := userErrorsOf(t, data, "updateUser")
				require.Len(t, errs, 1)
				assert.Equal(t, tc.field, fieldPath(errs[0]))
				assert.Equal(t, tc.code, errs[0]["code"])
				assert.Nil(t, at(data, "updateUser.user"))
				after := e.mustQuery(`query($id: ID!) { user(id: $id) { externalId metadata profile { phoneNumber } } }`, map[string]any{"id": f.bob})
				assert.Equal(t, before, after, "nothing is written")
			})
		}

		// Email is not part of the update input: the schema refuses it before any resolver runs.
		r := e.query(`mutation { updateUser(input: {id: "x", email: "a@b.co"}) { user { id } } }`, nil)
		require.NotEmpty(t, r.Errors)
		assert.Equal(t, "GRAPHQL_VALIDATION_FAILED", r.Errors[0].code())
	})
}

func TestDeleteUser(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		del := `mutation($id: ID!) { deleteUser(input: {id: $id}) { deletedUserId userErrors { field code } } }`
		data := e.mustQuery(del, map[string]any{"id": f.carol})
		assert.Equal(t, f.carol, at(data, "deleteUser.deletedUserId"))
		assert.Empty(t, userErrorsOf(t, data, "deleteUser"))
		assert.Nil(t, e.mustQuery(`query($id: ID!) { user(id: $id) { id } }`, map[string]any{"id": f.carol})["user"])
		members := e.mustQuery(`query($o: ID!) { organization(id: $o) { members(first: 100) { nodes { user { id } } } } }`, map[string]any{"o": f.orgB})
		for _, m := range at(members, "organization.members.nodes").([]any) {
			assert.NotEqual(t, f.carol, at(m, "user.id"), "memberships go with the user")
		}
		again := e.mustQuery(del, map[string]any{"id": f.carol})
		assert.Nil(t, at(again, "deleteUser.deletedUserId"))
		errs := userErrorsOf(t, again, "deleteUser")
		require.Len(t, errs, 1)
		assert.Equal(t, "NOT_FOUND", errs[0]["code"])
	})
}

func TestMembershipLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		vars := map[string]any{"u": f.bob, "o": f.orgB}

		add := `mutation($u: ID!, $o: ID!) { addMembership(input: {userId: $u, organizationId: $o, roles: ["viewer"], metadata: {seat: "12"}, inviterEmail: "alice@fixture.test"}) {
			membership { organizationId user { id } status roles { name } metadata inviterEmail } userErrors { field code } } }`
		data := e.mustQuery(add, vars)
		require.Empty(t, userErrorsOf(t, data, "addMembership"))
		assert.Equal(t, f.orgB, at(data, "addMembership.membership.organizationId"))
		assert.Equal(t, "viewer", at(data, "addMembership.membership.roles.0.name"))
		assert.Equal(t, "alice@fixture.test", at(data, "addMembership.membership.inviterEmail"))

		errs := userErrorsOf(t, e.mustQuery(add, vars), "addMembership")
		require.Len(t, errs, 1)
		assert.Equal(t, "ALREADY_EXISTS", errs[0]["code"])

		update := `mutation($u: ID!, $o: ID!, $roles: [String!], $md: JSON) { updateMembership(input: {userId: $u, organizationId: $o, roles: $roles, metadata: $md}) {
			membership { roles { name } metadata permissions } userErrors { field code } } }`
		data = e.mustQuery(update, map[string]any{"u": f.bob, "o": f.orgB, "roles": []string{"admin", "member"}, "md": map[string]any{"seat": nil, "desk": "3"}})
		require.Empty(t, userErrorsOf(t, data, "updateMembership"))
		assert.Equal(t, []any{map[string]any{"name": "admin"}, map[string]any{"name": "member"}}, at(data, "updateMembership.membership.roles"))
		assert.Equal(t, map[string]any{"desk": "3"}, at(data, "updateMembership.membership.metadata"))
		assert.Contains(t, at(data, "updateMembership.membership.permissions"), "users:write")

		data = e.mustQuery(`mutation($u: ID!, $o: ID!) { updateMembership(input: {userId: $u, organizationId: $o}) { membership { roles { name } metadata } } }`, vars)
		assert.Len(t, at(data, "updateMembership.membership.roles"), 2, "omitted roles are kept")

		errs = userErrorsOf(t, e.mustQuery(update, map[string]any{"u": f.bob, "o": f.orgB, "roles": []string{"nope"}}), "updateMembership")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.roles.0", fieldPath(errs[0]))
		assert.Equal(t, "NOT_FOUND", errs[0]["code"])

		remove := `mutation($u: ID!, $o: ID!) { removeMembership(input: {userId: $u, organizationId: $o}) { removedOrganizationId userErrors { field code } } }`
		data = e.mustQuery(remove, vars)
		assert.Equal(t, f.orgB, at(data, "removeMembership.removedOrganizationId"))
		errs = userErrorsOf(t, e.mustQuery(remove, vars), "removeMembership")
		require.Len(t, errs, 1)
		assert.Equal(t, "NOT_FOUND", errs[0]["code"])

		// Removing the last membership keeps the user.
		data = e.mustQuery(remove, map[string]any{"u": f.carol, "o": f.orgB})
		require.Empty(t, userErrorsOf(t, data, "removeMembership"))
		left := e.mustQuery(`query($id: ID!) { user(id: $id) { id memberships { organizationId } } }`, map[string]any{"id": f.carol})
		assert.Equal(t, f.carol, at(left, "user.id"))
		assert.Equal(t, []any{}, at(left, "user.memberships"))
	})
}

func TestMembershipRefusals(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		for _, tc := range []struct {
			doc   string
			vars  map[string]any
			name  string
			field string
			code  string
		}{
			{`mutation($u: ID!, $o: ID!) { addMembership(input: {userId: $u, organizationId: $o}) { userErrors { field code } } }`,
				map[string]any{"u": "usr_9999999999999999999", "o": f.orgB}, "addMembership", "input.userId", "NOT_FOUND"},
			{`mutation($u: ID!, $o: ID!) { addMembership(input: {userId: $u, organizationId: $o}) { userErrors { field code } } }`,
				map[string]any{"u": f.bob, "o": "org_9999999999999999999"}, "addMembership", "input.organizationId", "NOT_FOUND"},
			{`mutation($u: ID!, $o: ID!) { addMembership(input: {userId: $u, organizationId: $o, inviterEmail: "nope"}) { userErrors { field code } } }`,
				map[string]any{"u": f.bob, "o": f.orgB}, "addMembership", "input.inviterEmail", "INVALID_EMAIL"},
			{`mutation($u: ID!, $o: ID!) { updateMembership(input: {userId: $u, organizationId: $o, status: ACTIVE}) { userErrors { field code } } }`,
				map[string]any{"u": f.carol, "o": f.orgA}, "updateMembership", "input.organizationId", "NOT_FOUND"},
			{`mutation($u: ID!, $o: ID!) { updateMembership(input: {userId: $u, organizationId: $o, status: null}) { userErrors { field code } } }`,
				map[string]any{"u": f.bob, "o": f.orgA}, "updateMembership", "input.status", "REQUIRED"},
		} {
			errs := userErrorsOf(t, e.mustQuery(tc.doc, tc.vars), tc.name)
			require.Len(t, errs, 1, tc.doc)
			assert.Equal(t, tc.field, fieldPath(errs[0]), tc.doc)
			assert.Equal(t, tc.code, errs[0]["code"], tc.doc)
		}
	})
}

func TestMutationsOfOneDocumentSeeEachOthersWrites(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(`mutation($u: ID!, $o: ID!) {
			first: updateUser(input: {id: $u, externalId: "before"}) { user { memberships { organizationId } } }
			second: addMembership(input: {userId: $u, organizationId: $o}) { membership { user { externalId memberships { organizationId } } } }
			third: updateUser(input: {id: $u, externalId: "after"}) { user { externalId } }
		}`, map[string]any{"u": f.bob, "o": f.orgB})
		assert.Len(t, at(data, "first.user.memberships"), 1)
		assert.Len(t, at(data, "second.membership.user.memberships"), 2, "the second mutation reads what the first wrote")
		assert.Equal(t, "before", at(data, "second.membership.user.externalId"))
		assert.Equal(t, "after", at(data, "third.user.externalId"))
	})
}

func TestEmptyRoleListMeansNoRole(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(createUser, map[string]any{"input": map[string]any{"organizationId": f.orgA, "email": "norole@fixture.test", "roles": []string{}}})
		if e.backend == "scalekit" {
			// Scalekit cannot hold a membership without a role: refused, not turned into
			// the default role behind the caller's back.
			errs := userErrorsOf(t, data, "createUser")
			require.Len(t, errs, 1)
			assert.Equal(t, "input.roles", fieldPath(errs[0]))
			assert.Equal(t, "TOO_SHORT", errs[0]["code"])
			assert.Nil(t, at(data, "createUser.user"))
			return
		}
		assert.Equal(t, []any{}, at(data, "createUser.user.memberships.0.roles"))
		data = e.mustQuery(`mutation($u: ID!, $o: ID!) { addMembership(input: {userId: $u, organizationId: $o, roles: []}) { membership { roles { name } } } }`,
			map[string]any{"u": f.bob, "o": f.orgB})
		assert.Equal(t, []any{}, at(data, "addMembership.membership.roles"))
	})
}

func TestProfileNullIsRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		errs := userErrorsOf(t, e.mustQuery(updateUser, map[string]any{"input": map[string]any{"id": f.bob, "profile": nil}}), "updateUser")
		require.Len(t, errs, 1)
		assert.Equal(t, "input.profile", fieldPath(errs[0]))
		assert.Equal(t, "REQUIRED", errs[0]["code"])
	})
}

// failingDelete fails DeleteUser as an outage would.
type failingDelete struct{ directory.Directory }

func (failingDelete) DeleteUser(context.Context, string) error {
	return fmt.Errorf("backend: %w", directory.ErrUnavailable)
}

func TestAFailingMutationKeepsTheResultsBeforeIt(t *testing.T) {
	e := newEnv(t, true, withDirectory(func(d directory.Directory) directory.Directory { return failingDelete{d} }))
	f := e.fixture()
	r := e.query(`mutation($o: ID!, $u: ID!) {
		a: createUser(input: {organizationId: $o, email: "kept@fixture.test"}) { user { id } }
		b: deleteUser(input: {id: $u}) { deletedUserId } }`, map[string]any{"o": f.orgA, "u": f.bob})
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "UPSTREAM_UNAVAILABLE", r.Errors[0].code())
	assert.Regexp(t, `^usr_`, at(r.Data, "a.user.id"), "the created user's id still reaches the client")
	assert.Nil(t, r.Data["b"])
}

func TestMembershipStatusChange(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		data := e.mustQuery(`mutation($u: ID!, $o: ID!) { updateMembership(input: {userId: $u, organizationId: $o, status: INACTIVE}) {
			membership { status } userErrors { field code } } }`, map[string]any{"u": f.bob, "o": f.orgA})
		after := e.mustQuery(`query($u: ID!, $o: ID!) { user(id: $u) { membership(organizationId: $o) { status } } }`,
			map[string]any{"u": f.bob, "o": f.orgA})
		if e.backend == "scalekit" {
			// Scalekit's API has no way to change a status: a clear refusal, nothing changed.
			errs := userErrorsOf(t, data, "updateMembership")
			require.Len(t, errs, 1)
			assert.Equal(t, "input.status", fieldPath(errs[0]))
			assert.Equal(t, "INVALID", errs[0]["code"])
			assert.Equal(t, "ACTIVE", at(after, "user.membership.status"))
			return
		}
		assert.Equal(t, "INACTIVE", at(data, "updateMembership.membership.status"))
		assert.Equal(t, "INACTIVE", at(after, "user.membership.status"))
	})
}
