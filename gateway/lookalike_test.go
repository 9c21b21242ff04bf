package gateway_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Look-alike addresses must not pass uniqueness as new users (issue 9, item 5): invisible
// and bidirectional-control characters are refused, and the domain is compared in its
// IDNA form, where the Kelvin sign is a plain "k".
func TestLookAlikeEmailsAreNotNewUsers(t *testing.T) {
	eachBackend(t, func(t *testing.T, newEnv envMaker) {
		e := newEnv(t, true)
		f := e.fixture()
		create := func(email string) map[string]any {
			return e.mustQuery(createUser, map[string]any{"input": map[string]any{"organizationId": f.orgA, "email": email}})
		}
		require.Empty(t, userErrorsOf(t, create("kate@kayak.test"), "createUser"))
		for _, tc := range []struct{ email, code string }{
			{"wile.coyote\u2060@acme.test", "INVALID_EMAIL"}, // WORD JOINER
			{"wile.co\u00adyote@acme.test", "INVALID_EMAIL"}, // SOFT HYPHEN
			{"wile.coyote@\u202Eacme.test", "INVALID_EMAIL"}, // RIGHT-TO-LEFT OVERRIDE
			{"\uFEFFwile.coyote@acme.test", "INVALID_EMAIL"}, // ZERO WIDTH NO-BREAK SPACE
			{"wile.coyote@acme\u200B.test", "INVALID_EMAIL"}, // ZERO WIDTH SPACE
			{"wile\u2066.coyote@acme.test", "INVALID_EMAIL"}, // LEFT-TO-RIGHT ISOLATE
			{"kate@\u212Aayak.test", "TAKEN"},                // KELVIN SIGN
			{"kate@KAYAK.test", "TAKEN"},
		} {
			data := create(tc.email)
			errs := userErrorsOf(t, data, "createUser")
			require.Len(t, errs, 1, "%+q", tc.email)
			assert.Equal(t, "input.email", fieldPath(errs[0]), "%+q", tc.email)
			assert.Equal(t, tc.code, errs[0]["code"], "%+q", tc.email)
			assert.Nil(t, at(data, "createUser.user"), "%+q", tc.email)
		}
		data := create("ada@b\u00FCcher.test")
		require.Empty(t, userErrorsOf(t, data, "createUser"))
		assert.Equal(t, "ada@xn--bcher-kva.test", at(data, "createUser.user.email"), "the domain is stored in its ASCII form")
		users := e.mustQuery(`{ users(search: "kayak", first: 10) { totalCount } }`, nil)
		assert.Equal(t, float64(1), at(users, "users.totalCount"), "one kate")
	})
}
