package scalekit

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
)

// Scalekit may leave any field out, send it as null or as its zero value (docs/scalekit-api.md); a
// user must decode whatever the mix.
func TestUserDecodesAbsentNullAndZeroFields(t *testing.T) {
	for name, body := range map[string]string{
		"absent": `{"user": {"id": "usr_1", "email": "a@b.test"}}`,
		"null": `{"user": {"id": "usr_1", "email": "a@b.test", "external_id": null, "create_time": null,
			"memberships": null, "user_profile": null, "metadata": null, "last_login_time": null}}`,
		"zero": `{"user": {"id": "usr_1", "email": "a@b.test", "external_id": "", "create_time": "",
			"memberships": [], "user_profile": {"given_name": "", "groups": [], "metadata": {}}, "metadata": {},
			"last_login_time": ""}}`,
	} {
		t.Run(name, func(t *testing.T) {
			var env userEnvelope
			require.NoError(t, json.Unmarshal([]byte(body), &env))
			u := env.User.user()
			assert.Equal(t, "usr_1", u.ID)
			assert.Nil(t, u.ExternalID)
			assert.Nil(t, u.LastLogin)
			assert.Nil(t, u.Profile.GivenName)
			assert.Equal(t, "a@b.test", u.Profile.Email)
			assert.NotNil(t, u.Metadata, "maps are never nil: GraphQL's JSON! needs an object")
			assert.NotNil(t, u.Profile.CustomAttributes)
			assert.NotNil(t, u.Profile.Groups)
			assert.NotNil(t, u.Memberships, "a user's memberships came with it, even when there are none")
			assert.Empty(t, u.Memberships)
		})
	}
}

func TestUserDecodesEveryField(t *testing.T) {
	body := `{"user": {"id": "usr_1", "environment_id": "env_1", "create_time": "2025-10-25T14:46:03.300Z",
		"update_time": "2025-10-31T11:33:31.639425Z", "email": "wile@acme.test", "external_id": "ext-1",
		"metadata": {"k": "v"}, "last_login_time": "2025-11-01T00:00:00Z", "unknown_future_field": {"x": 1},
		"user_profile": {"id": "usp_1", "first_name": "Wile", "last_name": "Coyote", "name": "Wile E. Coyote",
			"locale": "en-US", "email_verified": true, "phone_number": "+14155550101", "phone_number_verified": true,
			"preferred_username": "wile", "picture": "https://x.test/w.png", "gender": "male", "groups": ["eng"],
			"metadata": {"idp": "okta"}, "custom_attributes": {"dept": "R&D"}},
		"memberships": [
			{"organization_id": "org_2", "membership_status": "PENDING_INVITE", "roles": [{"id": "role_1", "name": "admin"}],
				"inviter_email": "boss@acme.test", "expires_at": "2025-11-08T00:00:00Z", "permissions": ["b", "a", "b"]},
			{"organization_id": "org_1", "membership_status": "Membership_Status_UNSPECIFIED", "join_time": "2025-10-25T14:46:03Z",
				"roles": [{"name": "member"}], "metadata": {"seat": "3"}}
		]}}`
	var env userEnvelope
	require.NoError(t, json.Unmarshal([]byte(body), &env))
	u := env.User.user()
	assert.Equal(t, time.Date(2025, 10, 25, 14, 46, 3, 300e6, time.UTC), u.CreateTime)
	assert.Equal(t, time.Date(2025, 10, 31, 11, 33, 31, 639425e3, time.UTC), u.UpdateTime)
	assert.Equal(t, "ext-1", *u.ExternalID)
	assert.Equal(t, "Wile", *u.Profile.GivenName, "the deprecated first_name fills given_name when that is absent")
	assert.Equal(t, "Coyote", *u.Profile.FamilyName)
	assert.Equal(t, "R&D", u.Profile.CustomAttributes["dept"])
	assert.True(t, u.Profile.EmailVerified)
	require.Len(t, u.Memberships, 2)
	first, second := u.Memberships[0], u.Memberships[1]
	assert.Equal(t, "org_1", first.OrganizationID, "memberships are ordered by organization id, as the port says")
	assert.Equal(t, directory.MembershipInactive, first.Status, "an unknown status grants least")
	assert.Equal(t, []string{roleNamePrefix + "member"}, first.RoleIDs, "a role without id keeps its name for the catalogue")
	assert.Equal(t, "usr_1", first.UserID)
	assert.Equal(t, []string{"role_1"}, second.RoleIDs)
	assert.Equal(t, []string{"a", "b"}, second.Permissions)
	assert.Equal(t, directory.MembershipPendingInvite, second.Status)
	assert.Equal(t, "boss@acme.test", *second.InviterEmail)
	assert.Nil(t, second.JoinTime)
}

func TestUpdateBodiesSendOnlyWhatChanges(t *testing.T) {
	given := "Ada"
	body := updateUserBody{UserProfile: &profileBody{
		GivenName:  clearable(directory.Some(&given)),
		FamilyName: clearable(directory.Some[*string](nil)),
		Name:       clearable(directory.Optional[*string]{}),
	}, Metadata: presentMap(nil)}
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	assert.JSONEq(t, `{"user_profile": {"given_name": "Ada", "family_name": ""}, "metadata": {}}`, string(raw),
		"absent stays absent, null becomes the empty string that clears, an emptied map is sent")
}

func TestInputPathsFromWireFieldNames(t *testing.T) {
	assert.Equal(t, []string{"profile", "givenName"}, inputPath("user_profile.given_name", userFields))
	assert.Equal(t, []string{"roles"}, inputPath("membership.roles", userFields))
	assert.Equal(t, []string{"externalId"}, inputPath("external_id", userFields))
	assert.Equal(t, []string{"membershipMetadata", "team"}, inputPath("membership.metadata.team", userFields))
}

func TestCursorPositionsRoundTripAndRefuseForeignCursors(t *testing.T) {
	c := directory.EncodeCursor("users::", tokenPosition("tok|en", 4))
	token, skip, err := parsePosition("users::", c)
	require.NoError(t, err)
	assert.Equal(t, "tok|en", token)
	assert.Equal(t, 5, skip)
	_, _, err = parsePosition("members:org_1", c)
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, []string{"after"}, invalid.Problems[0].Field)
	_, _, err = parsePosition("users::", directory.EncodeCursor("users::", "x|tok"))
	require.ErrorAs(t, err, &invalid)
}
