package graph

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/graph/model"
)

func ptr[T any](v T) *T { return &v }

// problems returns the field paths and codes of an input error; it fails on any other.
func problems(t *testing.T, err error) map[string]directory.ErrorCode {
	t.Helper()
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	out := map[string]directory.ErrorCode{}
	for _, p := range invalid.Problems {
		key := ""
		for i, f := range p.Field {
			if i > 0 {
				key += "."
			}
			key += f
		}
		out[key] = p.Code
	}
	return out
}

func TestNewUserConvertsMapsAndCollectsEveryProblem(t *testing.T) {
	in := model.CreateUserInput{
		OrganizationID: "org_1", Email: "a@example.test",
		Metadata: graphql.OmittableOf[any](map[string]any{"tier": "gold"}),
		Profile: graphql.OmittableOf(&model.UserProfileInput{
			GivenName:        graphql.OmittableOf(ptr("Ada")),
			CustomAttributes: graphql.OmittableOf[any](map[string]any{"ok": "yes", "n": 3.0}),
		}),
		MembershipMetadata:  graphql.OmittableOf[any]("not an object"),
		SendInvitationEmail: graphql.OmittableOf(ptr(true)),
	}
	out, err := newUser(in)
	assert.Equal(t, map[string]directory.ErrorCode{
		"profile.customAttributes.n": directory.CodeInvalid,
		"membershipMetadata":         directory.CodeInvalid,
	}, problems(t, err), "every problem at once, each at its own path")
	assert.Equal(t, map[string]string{"tier": "gold"}, out.Metadata)
	assert.Equal(t, "Ada", *out.Profile.GivenName)
	assert.True(t, out.SendInvitationEmail)
	assert.Nil(t, out.Roles, "omitted roles mean the default roles")

	out, err = newUser(model.CreateUserInput{OrganizationID: "org_1", Email: "a@example.test",
		Roles: graphql.OmittableOf([]string{})})
	require.NoError(t, err)
	assert.NotNil(t, out.Roles, "an empty list means no role, not the defaults")
	assert.Empty(t, out.Roles)
	assert.False(t, out.SendInvitationEmail)
}

func TestUserUpdateKeepsAbsentClearsNullAndPatchesMaps(t *testing.T) {
	out, err := userUpdate(model.UpdateUserInput{
		ID:         "usr_1",
		ExternalID: graphql.OmittableOf[*string](nil),
		Metadata:   graphql.OmittableOf[any](map[string]any{"keep": "v", "drop": nil}),
		Profile: graphql.OmittableOf(&model.UserProfileInput{
			Locale:           graphql.OmittableOf[*string](nil),
			CustomAttributes: graphql.OmittableOf[any](nil),
		}),
	})
	require.NoError(t, err)
	assert.True(t, out.ExternalID.Set)
	assert.Nil(t, out.ExternalID.Value, "null clears")
	require.NotNil(t, out.Metadata)
	assert.False(t, out.Metadata.Clear)
	assert.Equal(t, "v", *out.Metadata.Set["keep"])
	assert.Contains(t, out.Metadata.Set, "drop")
	assert.Nil(t, out.Metadata.Set["drop"], "a key set to null is removed")
	require.NotNil(t, out.Profile)
	assert.True(t, out.Profile.Locale.Set)
	assert.False(t, out.Profile.Name.Set, "absent keeps")
	require.NotNil(t, out.Profile.CustomAttributes)
	assert.True(t, out.Profile.CustomAttributes.Clear, "the whole map set to null empties it")
	assert.Nil(t, out.Profile.Metadata, "an absent map is no change")

	_, err = userUpdate(model.UpdateUserInput{ID: "usr_1", Profile: graphql.OmittableOf[*model.UserProfileInput](nil)})
	assert.Equal(t, map[string]directory.ErrorCode{"profile": directory.CodeRequired}, problems(t, err))

	_, err = userUpdate(model.UpdateUserInput{ID: "usr_1", Metadata: graphql.OmittableOf[any](map[string]any{"n": true})})
	assert.Equal(t, map[string]directory.ErrorCode{"metadata.n": directory.CodeInvalid}, problems(t, err))
}

func TestDeprecatedNameAliases(t *testing.T) {
	for _, tc := range []struct {
		name       string
		in         model.UserProfileInput
		wantGiven  *string
		wantFamily *string
		problem    string
	}{
		{"alias alone", model.UserProfileInput{FirstName: graphql.OmittableOf(ptr("Ada"))}, ptr("Ada"), nil, ""},
		{"both, equal", model.UserProfileInput{GivenName: graphql.OmittableOf(ptr("Ada")), FirstName: graphql.OmittableOf(ptr("Ada"))}, ptr("Ada"), nil, ""},
		{"both, different", model.UserProfileInput{GivenName: graphql.OmittableOf(ptr("Ada")), FirstName: graphql.OmittableOf(ptr("Eve"))}, ptr("Ada"), nil, "profile.firstName"},
		{"lastName null clears", model.UserProfileInput{LastName: graphql.OmittableOf[*string](nil)}, nil, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, err := userUpdate(model.UpdateUserInput{ID: "usr_1", Profile: graphql.OmittableOf(&tc.in)})
			if tc.problem != "" {
				assert.Equal(t, map[string]directory.ErrorCode{tc.problem: directory.CodeInvalid}, problems(t, err))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantGiven, out.Profile.GivenName.Value)
			assert.Equal(t, tc.wantFamily, out.Profile.FamilyName.Value)
			if tc.name == "lastName null clears" {
				assert.True(t, out.Profile.FamilyName.Set)
			}
		})
	}
}

func TestMembershipUpdateRolesAndStatus(t *testing.T) {
	out, err := membershipUpdate(model.UpdateMembershipInput{UserID: "usr_1", OrganizationID: "org_1",
		Roles: graphql.OmittableOf[[]string](nil)})
	require.NoError(t, err)
	assert.True(t, out.Roles.Set)
	assert.NotNil(t, out.Roles.Value, "roles: null holds no role, like []")
	assert.Empty(t, out.Roles.Value)
	assert.False(t, out.Status.Set)

	inactive := directory.MembershipInactive
	out, err = membershipUpdate(model.UpdateMembershipInput{Status: graphql.OmittableOf(&inactive)})
	require.NoError(t, err)
	assert.Equal(t, directory.Some(directory.MembershipInactive), out.Status)
	assert.False(t, out.Roles.Set, "omitted roles are kept")

	_, err = membershipUpdate(model.UpdateMembershipInput{Status: graphql.OmittableOf[*directory.MembershipStatus](nil)})
	assert.Equal(t, map[string]directory.ErrorCode{"status": directory.CodeRequired}, problems(t, err))
}

func TestOrganizationInputs(t *testing.T) {
	out, err := organizationUpdate(model.UpdateOrganizationInput{ID: "org_1", DisplayName: graphql.OmittableOf(ptr("Acme"))})
	require.NoError(t, err)
	assert.Equal(t, directory.Some("Acme"), out.DisplayName)

	out, err = organizationUpdate(model.UpdateOrganizationInput{ID: "org_1"})
	require.NoError(t, err)
	assert.False(t, out.DisplayName.Set)

	_, err = organizationUpdate(model.UpdateOrganizationInput{ID: "org_1", DisplayName: graphql.OmittableOf[*string](nil)})
	assert.Equal(t, map[string]directory.ErrorCode{"displayName": directory.CodeRequired}, problems(t, err))

	_, err = newOrganization(model.CreateOrganizationInput{DisplayName: "Acme", Metadata: graphql.OmittableOf[any]([]any{"x"})})
	assert.Equal(t, map[string]directory.ErrorCode{"metadata": directory.CodeInvalid}, problems(t, err))
}

func TestIdentityAndProvisionInputs(t *testing.T) {
	req, err := provisionRequest(model.ProvisionInput{ConnectionType: "OIDC", ProviderName: "okta",
		RawAttributes:  map[string]any{"sub": "1", "b": 2.5, "a": []any{"x"}},
		OrganizationID: graphql.OmittableOf(ptr("org_1")),
		Roles:          graphql.OmittableOf[[]string](nil),
	})
	require.NoError(t, err)
	assert.Equal(t, `{"a":["x"],"b":2.5,"sub":"1"}`, string(req.Identity.RawAttributes), "one JSON object, keys sorted")
	assert.Equal(t, "org_1", req.Identity.OrganizationID)
	assert.Empty(t, req.Identity.ConnectionID)
	assert.NotNil(t, req.Roles, "roles: null is no role")
	assert.Empty(t, req.Roles)

	req, err = provisionRequest(model.ProvisionInput{ConnectionType: "OIDC", ProviderName: "okta", RawAttributes: map[string]any{}})
	require.NoError(t, err)
	assert.Nil(t, req.Roles, "omitted roles are the defaults")

	for _, raw := range []any{"a string", []any{1}, nil, 3.0} {
		_, err := identityInput("OIDC", "okta", raw, graphql.Omittable[*string]{}, graphql.Omittable[*string]{})
		assert.Equal(t, map[string]directory.ErrorCode{"rawAttributes": directory.CodeInvalid}, problems(t, err), "%v", raw)
	}
}
