package gateway_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

// Callers of the authorization table. In the fixture, alice is an admin of orgA and a
// member of orgB, bob a member of orgA, carol a member of orgB.
const (
	anonymous       = "anonymous"
	asBob           = "bob"
	asAlice         = "alice"
	asCarol         = "carol"
	asServiceCaller = "service"
)

var callers = []string{anonymous, asBob, asAlice, asCarol, asServiceCaller}

// authzCase is one operation; want maps each caller to what it must get: an error code
// ("FORBIDDEN", "UNAUTHENTICATED"), or "=" followed by the JSON found at path.
type authzCase struct {
	name string
	doc  string
	vars func(f fixture) map[string]any
	path string
	want map[string]string
}

func (e *env) authorization(f fixture, caller string) string {
	switch caller {
	case asBob:
		return userToken(e.t, f.bob)
	case asAlice:
		return userToken(e.t, f.alice)
	case asCarol:
		return userToken(e.t, f.carol)
	case asServiceCaller:
		return "ApiKey " + testAPIKey
	}
	return ""
}

// TestAuthorization asserts every allow and deny of caller kind × operation, including
// cross-tenant probes through every path to data: root fields, node(id:), nested fields,
// member lists, counts and mutations. Reads of what a caller may not see look exactly like
// reads of what does not exist.
func TestAuthorization(t *testing.T) {
	none := func(fixture) map[string]any { return nil }
	cases := []authzCase{
		{"viewer", `{ viewer { email } }`, none, "viewer.email",
			map[string]string{asBob: `="bob@fixture.test"`, asAlice: `="alice@fixture.test"`, asServiceCaller: `=null`}},
		{"user in another tenant", `query($id: ID!) { user(id: $id) { email } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.carol} }, "user",
			map[string]string{asBob: `=null`, asAlice: `={"email":"carol@fixture.test"}`, asCarol: `={"email":"carol@fixture.test"}`, asServiceCaller: `={"email":"carol@fixture.test"}`}},
		{"user that does not exist", `query($id: ID!) { user(id: $id) { email } }`,
			func(fixture) map[string]any { return map[string]any{"id": "usr_9999999999999999999"} }, "user",
			map[string]string{asBob: `=null`, asAlice: `=null`, asCarol: `=null`, asServiceCaller: `=null`}},
		{"user by email in another tenant", `{ user(email: "carol@fixture.test") { id } }`, none, "user",
			map[string]string{asBob: `=null`}},
		{"node in another tenant", `query($id: ID!) { node(id: $id) { id } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.carol} }, "node",
			map[string]string{asBob: `=null`, asCarol: `={"id":"CAROL"}`}},
		{"organization of another tenant", `query($id: ID!) { organization(id: $id) { id } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.orgB} }, "organization",
			map[string]string{asBob: `=null`, asAlice: `={"id":"ORGB"}`, asCarol: `={"id":"ORGB"}`}},
		{"count of another tenant's users", `query($o: ID!) { users(organizationId: $o) { totalCount nodes { id } } }`,
			func(f fixture) map[string]any { return map[string]any{"o": f.orgB} }, "users.totalCount",
			map[string]string{asBob: `=0`}},
		{"every user of the environment", `{ users { totalCount } }`, none, "users.totalCount",
			map[string]string{asBob: "FORBIDDEN", asAlice: "FORBIDDEN", asCarol: "FORBIDDEN"}},
		{"organizations list", `{ organizations { totalCount } }`, none, "organizations.totalCount",
			map[string]string{asBob: `=1`, asAlice: `=2`, asCarol: `=1`}},
		{"another user's memberships", `query($id: ID!) { user(id: $id) { memberships { organizationId } } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.alice} }, "user.memberships",
			map[string]string{asBob: `=[{"organizationId":"ORGA"}]`, asCarol: `=[{"organizationId":"ORGB"}]`,
				asAlice: `=[{"organizationId":"ORGA"},{"organizationId":"ORGB"}]`, asServiceCaller: `=[{"organizationId":"ORGA"},{"organizationId":"ORGB"}]`}},
		{"a member's memberships elsewhere", `query($o: ID!) { organization(id: $o) { members(first: 100) {
			nodes { user { email memberships { organizationId } } } } } }`,
			func(f fixture) map[string]any { return map[string]any{"o": f.orgB} }, "organization.members.nodes",
			map[string]string{asCarol: "onlyORGB", asBob: "absent"}},
		{"roles", `{ roles { name } }`, none, "roles.0.name",
			map[string]string{asBob: `="admin"`, asServiceCaller: `="admin"`}},

		{"edit own names", `mutation($id: ID!) { updateUser(input: {id: $id, profile: {givenName: "B"}}) { userErrors { code } user { profile { givenName } } } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.bob} }, "updateUser.user.profile.givenName",
			map[string]string{asBob: `="B"`, asAlice: `="B"`, asCarol: "user:NOT_FOUND", asServiceCaller: `="B"`}},
		{"edit own metadata", `mutation($id: ID!) { updateUser(input: {id: $id, metadata: {tier: "gold"}}) { userErrors { code } user { id } } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.bob} }, "updateUser.user.id",
			map[string]string{asBob: "FORBIDDEN", asAlice: `="BOB"`, asCarol: "user:NOT_FOUND"}},
		{"create user in administered organization", `mutation($o: ID!) { createUser(input: {organizationId: $o, email: "new@fixture.test"}) { userErrors { code } user { email } } }`,
			func(f fixture) map[string]any { return map[string]any{"o": f.orgA} }, "createUser.user.email",
			map[string]string{asBob: "FORBIDDEN", asAlice: `="new@fixture.test"`, asCarol: "FORBIDDEN", asServiceCaller: `="new@fixture.test"`}},
		{"create user where only a member", `mutation($o: ID!) { createUser(input: {organizationId: $o, email: "new2@fixture.test"}) { userErrors { code } user { email } } }`,
			func(f fixture) map[string]any { return map[string]any{"o": f.orgB} }, "createUser.user.email",
			map[string]string{asAlice: "FORBIDDEN", asCarol: "FORBIDDEN"}},
		{"change roles", `mutation($u: ID!, $o: ID!) { updateMembership(input: {userId: $u, organizationId: $o, roles: ["admin"]}) { userErrors { code } membership { status } } }`,
			func(f fixture) map[string]any { return map[string]any{"u": f.bob, "o": f.orgA} }, "updateMembership.membership.status",
			map[string]string{asBob: "FORBIDDEN", asCarol: "FORBIDDEN", asAlice: `="ACTIVE"`}},
		{"remove from another tenant", `mutation($u: ID!, $o: ID!) { removeMembership(input: {userId: $u, organizationId: $o}) { userErrors { code } removedOrganizationId } }`,
			func(f fixture) map[string]any { return map[string]any{"u": f.carol, "o": f.orgB} }, "removeMembership.removedOrganizationId",
			map[string]string{asAlice: "FORBIDDEN", asBob: "FORBIDDEN"}},
		{"delete a user of another tenant", `mutation($id: ID!) { deleteUser(input: {id: $id}) { userErrors { code } deletedUserId } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.carol} }, "deleteUser.deletedUserId",
			map[string]string{asAlice: "FORBIDDEN", asBob: "user:NOT_FOUND"}},
		{"pull another tenant's member in", `mutation($u: ID!, $o: ID!) { addMembership(input: {userId: $u, organizationId: $o}) { userErrors { code } membership { status } } }`,
			func(f fixture) map[string]any { return map[string]any{"u": f.carol, "o": f.orgA} }, "addMembership.membership.status",
			map[string]string{asAlice: "user:NOT_FOUND", asBob: "FORBIDDEN", asServiceCaller: `="ACTIVE"`}},
		{"edit a user shared with another tenant", `mutation($id: ID!) { updateUser(input: {id: $id, externalId: "x"}) { userErrors { code } user { externalId } } }`,
			func(f fixture) map[string]any { return map[string]any{"id": f.alice} }, "updateUser.user.externalId",
			map[string]string{asAlice: "FORBIDDEN", asCarol: "FORBIDDEN", asServiceCaller: `="x"`}},
		{"membership of a user that does not exist", `mutation($u: ID!, $o: ID!) { removeMembership(input: {userId: $u, organizationId: $o}) { userErrors { code } removedOrganizationId } }`,
			func(f fixture) map[string]any { return map[string]any{"u": "usr_9999999999999999999", "o": f.orgA} }, "removeMembership.removedOrganizationId",
			map[string]string{asAlice: "user:NOT_FOUND"}},
		{"create organization", `mutation { createOrganization(input: {displayName: "New"}) { userErrors { code } organization { displayName } } }`, none,
			"createOrganization.organization.displayName",
			map[string]string{asAlice: "FORBIDDEN", asBob: "FORBIDDEN", asServiceCaller: `="New"`}},
		{"provision", `mutation { provisionUserFromIdentity(input: {connectionType: "OIDC", providerName: "GOOGLE",
			rawAttributes: {sub: "1", email: "p@fixture.test", email_verified: true}}) { created } }`, none,
			"provisionUserFromIdentity.created", map[string]string{asAlice: "FORBIDDEN", asBob: "FORBIDDEN"}},
	}
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		for _, tc := range cases {
			for _, caller := range callers {
				want, ok := tc.want[caller]
				if caller == anonymous {
					want, ok = "UNAUTHENTICATED", true
				}
				if !ok {
					continue
				}
				t.Run(tc.name+"/"+caller, func(t *testing.T) {
					t.Parallel() // each case has its own backend
					e := newEnv(t, true)
					f := e.fixture()
					r := e.queryAs(e.authorization(f, caller), tc.doc, tc.vars(f))
					checkAuthz(t, f, r, tc.path, want)
				})
			}
		}
	})
}

func checkAuthz(t *testing.T, f fixture, r result, path, want string) {
	t.Helper()
	switch want {
	case "FORBIDDEN", "UNAUTHENTICATED":
		require.NotEmpty(t, r.Errors, "want %s, got data %v", want, r.Data)
		assert.Equal(t, want, r.Errors[0].code(), r.Errors[0].Message)
		assert.Nil(t, at(map[string]any(r.Data), path))
		return
	}
	require.Empty(t, r.Errors, "unexpected errors")
	if code, ok := strings.CutPrefix(want, "user:"); ok {
		mutation := strings.Split(path, ".")[0]
		assert.Equal(t, code, at(map[string]any(r.Data), mutation+".userErrors.0.code"), "%v", r.Data)
		return
	}
	got := at(map[string]any(r.Data), path)
	switch want {
	case "onlyORGB":
		for _, n := range got.([]any) {
			for _, m := range at(n, "user.memberships").([]any) {
				assert.Equal(t, f.orgB, at(m, "organizationId"), "a member's other tenants stay hidden")
			}
		}
		return
	case "absent":
		assert.Nil(t, got)
		return
	}
	expected := want[1:]
	for placeholder, id := range map[string]string{"ORGA": f.orgA, "ORGB": f.orgB, "CAROL": f.carol, "BOB": f.bob} {
		expected = strings.ReplaceAll(expected, `"`+placeholder+`"`, `"`+id+`"`)
	}
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, expected, string(raw))
}

// An identity's raw attributes are its user's (and services'): not even an admin of a
// shared organization reads them.
func TestIdentitiesAreSeenByTheirUserOnly(t *testing.T) {
	e := newEnv(t, true)
	f := e.fixture()
	conn := "conn_1"
	require.NoError(t, e.dir.LinkIdentity(context.Background(), f.bob, directory.Identity{
		Sub: "conn_1:b", ConnectionID: &conn, ProviderRawAttributes: []byte(`{"sub":"b"}`)}))
	doc := `query($id: ID!) { user(id: $id) { identities { providerRawAttributes } } }`
	for caller, want := range map[string]int{asBob: 1, asServiceCaller: 1, asAlice: 0} {
		r := e.queryAs(e.authorization(f, caller), doc, map[string]any{"id": f.bob})
		require.Empty(t, r.Errors)
		assert.Len(t, at(map[string]any(r.Data), "user.identities"), want, caller)
	}
}

// A user an admin cannot see is answered exactly like one that does not exist, so that
// membership mutations cannot probe other tenants for ids.
func TestUnseenUsersLookMissingToAdmins(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		bill := str(at(e.mustQuery(`{ user(email: "bill.lumbergh@initech.test") { id } }`, nil), "user.id"))
		require.NotEmpty(t, bill)
		doc := `mutation($u: ID!, $o: ID!) { removeMembership(input: {userId: $u, organizationId: $o}) { userErrors { field code message } } }`
		answer := func(user string) map[string]any {
			r := e.queryAs(userToken(t, f.alice), doc, map[string]any{"u": user, "o": f.orgA})
			require.Empty(t, r.Errors)
			errs := at(map[string]any(r.Data), "removeMembership.userErrors").([]any)
			require.Len(t, errs, 1)
			m := errs[0].(map[string]any)
			m["message"] = strings.ReplaceAll(m["message"].(string), user, "ID")
			return m
		}
		assert.Equal(t, answer("usr_9999999999999999999"), answer(bill))
	})
}

// A user with an invitation it has not accepted reads that organization's name through its
// own membership, and nothing inside it.
func TestInvitedUserSeesItsInvitationNotTheOrganizationsPeople(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		daffy := str(at(e.mustQuery(`{ user(email: "daffy.duck@acme.test") { id } }`, nil), "user.id"))
		require.NotEmpty(t, daffy)
		r := e.queryAs(userToken(t, daffy), `{ viewer { memberships { status organization { displayName
			members { totalCount } } } } }`, nil)
		require.Empty(t, r.Errors)
		assert.Equal(t, "PENDING_INVITE", at(map[string]any(r.Data), "viewer.memberships.0.status"))
		assert.Equal(t, "Acme Corp", at(map[string]any(r.Data), "viewer.memberships.0.organization.displayName"))
		assert.Equal(t, float64(0), at(map[string]any(r.Data), "viewer.memberships.0.organization.members.totalCount"))
	})
}

// An admin cannot learn, from TAKEN, that a hidden organization holds an external id: only a
// service sets organizations' external ids, and an admin is refused alike either way.
func TestOrganizationExternalIDRevealsNoHiddenOrganization(t *testing.T) {
	e := newEnv(t, true)
	f := e.fixture()
	taken := "ext-held-by-b"
	set := `mutation($input: UpdateOrganizationInput!) { updateOrganization(input: $input) {
		organization { externalId } userErrors { code } } }`
	e.mustQuery(set, map[string]any{"input": map[string]any{"id": f.orgB, "externalId": taken}})
	codes := map[string]string{}
	for _, ext := range []string{taken, "ext-free"} {
		r := e.queryAs(userToken(t, f.alice), set, map[string]any{"input": map[string]any{"id": f.orgA, "externalId": ext}})
		code := ""
		if len(r.Errors) > 0 {
			code = r.Errors[0].code()
		} else if errs, _ := at(r.Data, "updateOrganization.userErrors").([]any); len(errs) > 0 {
			code = str(at(errs[0], "code"))
		}
		codes[ext] = code
	}
	assert.Equal(t, "FORBIDDEN", codes[taken])
	assert.Equal(t, codes["ext-free"], codes[taken], "the same answer whether or not another organization holds it")
	r := e.queryAs(userToken(t, f.alice), set, map[string]any{"input": map[string]any{"id": f.orgA, "displayName": "Renamed"}})
	assert.Empty(t, r.Errors, "the admin still renames its organization")
	assert.Equal(t, taken, at(e.mustQuery(`query($id: ID!) { organization(id: $id) { externalId } }`, map[string]any{"id": f.orgB}), "organization.externalId"))
}
