package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/gateway"
)

// fragmentBomb is a few hundred bytes of fragments each spreading the next one k times:
// expanded, it selects k^levels fields.
func fragmentBomb(levels, k int) string {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	for i := range levels {
		fmt.Fprintf(&b, "fragment F%d on Query {", i)
		for j := range k {
			if i == levels-1 {
				fmt.Fprintf(&b, " a%d: roles { name }", j)
			} else {
				fmt.Fprintf(&b, " ...F%d", i+1)
			}
		}
		b.WriteString(" }\n")
	}
	return b.String()
}

func TestFragmentExpansionIsRefusedBeforeItCostsAnything(t *testing.T) {
	e := newEnv(t, false)
	doc := fragmentBomb(7, 12)
	require.Less(t, len(doc), 1000, "the document itself is small")
	r := e.query(doc, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "COMPLEXITY_LIMIT_EXCEEDED", r.Errors[0].code())
	assert.Contains(t, r.Errors[0].Message, "once its fragments are expanded")

	// The same shape, small enough, is served.
	assert.Empty(t, e.query(fragmentBomb(2, 3), nil).Errors)
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

func TestEmptyOrganizationFilterIsRefused(t *testing.T) {
	e := newEnv(t, true)
	r := e.query(`{ users(organizationId: "") { totalCount } }`, nil)
	require.Len(t, r.Errors, 1)
	assert.Equal(t, "BAD_USER_INPUT", r.Errors[0].code())
}

func TestTransportErrorsAreCoded(t *testing.T) {
	e := newEnv(t, true)
	for _, tc := range []struct {
		name   string
		req    *http.Request
		status int
		code   string
	}{
		{"PUT", httptest.NewRequest(http.MethodPut, "/graphql", strings.NewReader(`{}`)), http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{"text/plain POST", func() *http.Request {
			r := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ roles { name } }"}`))
			r.Header.Set("Content-Type", "text/plain")
			return r
		}(), http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE"},
		{"mutation over GET", httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {`mutation { deleteUser(input: {id: "usr_1"}) { deletedUserId } }`}}.Encode(), nil),
			http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED"},
		{"GET variables not JSON", httptest.NewRequest(http.MethodGet, "/graphql?"+url.Values{"query": {`{ roles { name } }`}, "variables": {"notjson"}}.Encode(), nil),
			http.StatusBadRequest, "BAD_REQUEST"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.do(tc.req)
			assert.Equal(t, tc.status, resp.StatusCode)
			r := decode(t, resp)
			require.Len(t, r.Errors, 1)
			assert.Equal(t, tc.code, r.Errors[0].code())
			assert.NotEmpty(t, r.Errors[0].Extensions["requestId"])
		})
	}
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

func TestLoopbackHostsOnly(t *testing.T) {
	e := newEnv(t, false, func(c *gateway.Config) { c.LoopbackHostsOnly = true })
	for host, want := range map[string]int{
		"localhost:8080": http.StatusOK, "127.0.0.1:8080": http.StatusOK, "[::1]:8080": http.StatusOK,
		"attacker.example": http.StatusMisdirectedRequest, "attacker.example:8080": http.StatusMisdirectedRequest, "10.0.0.1": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
		req.Host = host
		assert.Equal(t, want, e.do(req).StatusCode, host)
	}
}

func TestReadinessDoesNotLeakTheCause(t *testing.T) {
	e := newEnv(t, false, withDirectory(func(d directory.Directory) directory.Directory { return pingFails{d} }))
	resp := e.get("/readyz")
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	raw, _ := io.ReadAll(resp.Body)
	assert.NotContains(t, string(raw), "secret")
	assert.Contains(t, e.logs.String(), "/secret/path", "the cause is logged")
}

type pingFails struct{ directory.Directory }

func (pingFails) Ping(context.Context) error { return errors.New("open /secret/path: denied") }

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
