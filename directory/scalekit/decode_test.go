package scalekit_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

// Every read of a cached answer shares one decoding of it (decode.go), yet what a read
// returns is the caller's own: writing to every part of it — maps, slices, pointed-to
// values — changes nothing that a later read of the same cached answer returns. Each read
// is compared with the same read through a client without a cache.
func TestReadsOfACachedAnswerShareNothingWritable(t *testing.T) {
	fake := scalekittest.New(t, scalekittest.Options{Seed: true})
	c := newClient(t, fake, cached(time.Hour))
	uncached := newClient(t, fake)
	orgID := fake.OrganizationIDByExternalID("acme")
	s := func(v string) *string { return &v }
	u, err := c.CreateUser(ctx, directory.NewUser{OrganizationID: orgID, Email: "shared.reads@acme.test",
		Profile: directory.ProfileInput{GivenName: s("Sha"), Groups: []string{"eng", "ops"},
			CustomAttributes: map[string]string{"team": "core"}, Metadata: map[string]string{"source": "okta"}},
		Metadata: map[string]string{"tier": "gold"}, MembershipMetadata: map[string]string{"seat": "A1"}})
	require.NoError(t, err)

	for name, read := range map[string]func(c directory.Directory) any{
		"user by id": func(c directory.Directory) any {
			us, err := c.UsersByID(ctx, []string{u.ID})
			require.NoError(t, err)
			return us[0]
		},
		"users page": func(c directory.Directory) any {
			p, err := c.ListUsers(ctx, directory.UsersQuery{First: 100})
			require.NoError(t, err)
			return p
		},
		"members page": func(c directory.Directory) any {
			ps, err := c.Members(ctx, []directory.MembersQuery{{OrganizationID: orgID, First: 100}})
			require.NoError(t, err)
			return ps[0]
		},
		"organization": func(c directory.Directory) any {
			os, err := c.OrganizationsByID(ctx, []string{orgID})
			require.NoError(t, err)
			return os[0]
		},
		"organizations page": func(c directory.Directory) any {
			p, err := c.ListOrganizations(ctx, directory.PageQuery{First: 100})
			require.NoError(t, err)
			return p
		},
	} {
		t.Run(name, func(t *testing.T) {
			// The cache's miss, then enough hits for a page to keep its decoding
			// (keepdecoded.go), then the read written to.
			for range 1 + scalekit.KeptFromRead {
				read(c)
			}
			first := read(c)
			calls := fake.Calls()
			scribble(reflect.ValueOf(first), map[uintptr]bool{})
			again := read(c)
			assert.Equal(t, calls, fake.Calls(), "the second read is the cache's")
			assert.Equal(t, read(uncached), again, "a write to one read's value reached another's")
		})
	}
}

// scribble overwrites everything reachable from v that can be written to.
func scribble(v reflect.Value, seen map[uintptr]bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() || seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		scribble(v.Elem(), seen)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.CanSet() {
				v.Set(reflect.ValueOf(time.Unix(1, 0)))
			}
			return
		}
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				scribble(v.Field(i), seen)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribble(v.Index(i), seen)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			v.SetMapIndex(k, reflect.Zero(v.Type().Elem()))
		}
		if v.Type().Key().Kind() == reflect.String {
			v.SetMapIndex(reflect.ValueOf("scribbled").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
		}
	case reflect.String:
		v.SetString("scribbled")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(v.Int() + 1)
	case reflect.Uint8:
		v.SetUint(v.Uint() + 1)
	}
}
