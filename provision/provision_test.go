package provision_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/profile"
	"github.com/usergraph/usergraph/provision"
)

// store is an in-memory backend with what provisioning calls; it records every write.
type store struct {
	directory.Directory
	byIdentity map[string]*directory.User // by Sub
	byEmail    map[string]*directory.User
	created    []directory.NewUser
	updated    []directory.UserUpdate
	linked     []directory.Identity
	linkErr    error
}

func newStore() *store {
	return &store{byIdentity: map[string]*directory.User{}, byEmail: map[string]*directory.User{}}
}

func (s *store) UserByIdentity(_ context.Context, in directory.IdentityLookup) (*directory.User, error) {
	return s.byIdentity[in.Sub], nil
}

func (s *store) UsersByEmail(_ context.Context, emails []string) ([]*directory.User, error) {
	out := make([]*directory.User, len(emails))
	for i, e := range emails {
		out[i] = s.byEmail[e]
	}
	return out, nil
}

func (s *store) MembershipsByUser(_ context.Context, ids []string) ([][]*directory.Membership, error) {
	out := make([][]*directory.Membership, len(ids))
	for i, id := range ids {
		for _, u := range s.byEmail {
			if u.ID == id {
				out[i] = u.Memberships
			}
		}
	}
	return out, nil
}

// OrganizationsByID knows one organization, org_a, the one the sign-ins name.
func (s *store) OrganizationsByID(_ context.Context, ids []string) ([]*directory.Organization, error) {
	out := make([]*directory.Organization, len(ids))
	for i, id := range ids {
		if id == "org_a" {
			out[i] = &directory.Organization{ID: id, DisplayName: "A"}
		}
	}
	return out, nil
}

// DomainsByOrganization: no organization owns a domain here.
func (s *store) DomainsByOrganization(_ context.Context, ids []string) ([][]*directory.Domain, error) {
	return make([][]*directory.Domain, len(ids)), nil
}

func (s *store) CreateUser(_ context.Context, in directory.NewUser) (*directory.User, error) {
	s.created = append(s.created, in)
	return &directory.User{ID: "usr_new", Email: in.Email}, nil
}

func (s *store) UpdateUser(_ context.Context, in directory.UserUpdate) (*directory.User, error) {
	s.updated = append(s.updated, in)
	return &directory.User{ID: in.ID}, nil
}

func (s *store) LinkIdentity(_ context.Context, _ string, id directory.Identity) error {
	s.linked = append(s.linked, id)
	return s.linkErr
}

var signIn = time.Date(2026, 12, 3, 11, 0, 0, 0, time.FixedZone("CET", 3600))

func oidc(t *testing.T, attrs map[string]any) provision.Request {
	t.Helper()
	raw, err := json.Marshal(attrs)
	require.NoError(t, err)
	return provision.Request{Identity: profile.Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: raw,
		ConnectionID: "conn_1", OrganizationID: "org_a"}}
}

func TestANewAccountCreatesAUserAndLinksTheIdentity(t *testing.T) {
	s := newStore()
	req := oidc(t, map[string]any{"sub": "00u1", "email": "Ada@Example.test", "email_verified": true,
		"given_name": "Ada", "family_name": "Lovelace"})
	req.Roles, req.SendInvitationEmail = []string{"member"}, true
	res, err := provision.Provision(context.Background(), s, nil, req, signIn)
	require.NoError(t, err)
	assert.True(t, res.Created)
	assert.Equal(t, "usr_new", res.User.ID)
	require.Len(t, s.created, 1)
	c := s.created[0]
	assert.Equal(t, "org_a", c.OrganizationID)
	assert.Equal(t, []string{"member"}, c.Roles)
	assert.True(t, c.SendInvitationEmail)
	assert.Equal(t, "Ada", *c.Profile.GivenName)
	assert.Empty(t, s.updated, "a new user's profile is written by the create")
	require.Len(t, s.linked, 1)
	require.NotNil(t, s.linked[0].LastLogin)
	assert.Equal(t, signIn.UTC(), *s.linked[0].LastLogin)
	assert.Equal(t, time.UTC, s.linked[0].LastLogin.Location(), "login times are stored in UTC")
	assert.JSONEq(t, string(req.Identity.RawAttributes), string(s.linked[0].ProviderRawAttributes), "the raw attributes are kept")
}

func TestALinkedAccountRefreshesOnlyWhatTheProviderSent(t *testing.T) {
	s := newStore()
	req := oidc(t, map[string]any{"sub": "00u1", "email": "ada@example.test", "given_name": "Augusta"})
	p, err := profile.Default().Normalize(req.Identity)
	require.NoError(t, err)
	s.byIdentity[p.Sub] = &directory.User{ID: "usr_ada", Email: "ada@example.test"}

	res, err := provision.Provision(context.Background(), s, nil, req, signIn)
	require.NoError(t, err)
	assert.False(t, res.Created)
	assert.Empty(t, s.created)
	require.Len(t, s.updated, 1)
	u := s.updated[0]
	assert.Equal(t, "usr_ada", u.ID)
	require.NotNil(t, u.Profile)
	assert.True(t, u.Profile.GivenName.Set)
	assert.Equal(t, "Augusta", *u.Profile.GivenName.Value)
	assert.False(t, u.Profile.FamilyName.Set, "an attribute the provider did not send is not cleared")
	assert.False(t, u.Profile.Locale.Set)
	assert.Len(t, s.linked, 1, "the link is refreshed with this login")
}

func TestAnAccountWithNoProfileAttributesWritesNoUpdate(t *testing.T) {
	s := newStore()
	req := oidc(t, map[string]any{"sub": "00u1"})
	p, err := profile.Default().Normalize(req.Identity)
	require.NoError(t, err)
	s.byIdentity[p.Sub] = &directory.User{ID: "usr_ada"}
	res, err := provision.Provision(context.Background(), s, nil, req, signIn)
	require.NoError(t, err)
	assert.Equal(t, "usr_ada", res.User.ID)
	assert.Empty(t, s.updated)
	assert.Len(t, s.linked, 1)
}

func TestAnUnverifiedEmailNeverLinksToAnExistingUser(t *testing.T) {
	s := newStore()
	s.byEmail["ada@example.test"] = &directory.User{ID: "usr_ada", Email: "ada@example.test",
		Memberships: []*directory.Membership{{UserID: "usr_ada", OrganizationID: "org_a", Status: directory.MembershipActive}}}
	req := oidc(t, map[string]any{"sub": "00u9", "email": "ada@example.test", "email_verified": false, "name": "Mallory"})
	_, err := provision.Provision(context.Background(), s, nil, req, signIn)
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	assert.Equal(t, directory.CodeTaken, invalid.Problems[0].Code)
	assert.Empty(t, s.created)
	assert.Empty(t, s.updated)
	assert.Empty(t, s.linked, "nothing is written")
}

func TestAVerifiedEmailOfAMemberLinksToThatUser(t *testing.T) {
	s := newStore()
	s.byEmail["ada@example.test"] = &directory.User{ID: "usr_ada", Email: "ada@example.test",
		Memberships: []*directory.Membership{{UserID: "usr_ada", OrganizationID: "org_a", Status: directory.MembershipActive}}}
	req := oidc(t, map[string]any{"sub": "00u2", "email": "ada@example.test", "email_verified": true})
	res, err := provision.Provision(context.Background(), s, nil, req, signIn)
	require.NoError(t, err)
	assert.False(t, res.Created)
	assert.Equal(t, "usr_ada", res.User.ID)
	assert.Empty(t, s.created)
	assert.Len(t, s.linked, 1)
}

func TestCreatingNeedsAnEmailAndAnOrganization(t *testing.T) {
	s := newStore()
	req := oidc(t, map[string]any{"sub": "00u3"})
	req.Identity.OrganizationID = ""
	_, err := provision.Provision(context.Background(), s, nil, req, signIn)
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid)
	fields := map[string]directory.ErrorCode{}
	for _, p := range invalid.Problems {
		fields[p.Field[0]] = p.Code
	}
	assert.Equal(t, map[string]directory.ErrorCode{"rawAttributes": directory.CodeRequired, "organizationId": directory.CodeRequired}, fields,
		"both problems at once, with the GraphQL input's paths")
	assert.Empty(t, s.created)
	assert.Empty(t, s.linked)
}

func TestBadAttributesAreRefusedBeforeAnyCall(t *testing.T) {
	req := provision.Request{Identity: profile.Input{ConnectionType: "OIDC", ProviderName: "OKTA", RawAttributes: json.RawMessage(`[1,2]`)}}
	// A nil backend: any call would panic.
	_, err := provision.Provision(context.Background(), nil, nil, req, signIn)
	var invalid *directory.InvalidInputError
	require.ErrorAs(t, err, &invalid)
}

func TestALinkFailureAfterCreateKeepsTheUserAndReportsTheError(t *testing.T) {
	s := newStore()
	s.linkErr = directory.Invalid(directory.FieldError{Field: []string{"identity"}, Code: directory.CodeTaken, Message: "linked meanwhile"})
	_, err := provision.Provision(context.Background(), s, nil, oidc(t, map[string]any{"sub": "00u4", "email": "new@example.test"}), signIn)
	var invalid *directory.InvalidInputError
	require.True(t, errors.As(err, &invalid))
	assert.Equal(t, directory.CodeTaken, invalid.Problems[0].Code)
	assert.Len(t, s.created, 1, "the steps are separate writes")
}
