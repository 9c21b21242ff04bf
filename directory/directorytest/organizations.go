package directorytest

import (
	"time"

	"github.com/usergraph/usergraph/directory"
)

func (s *Suite) TestOrganizationWrites() {
	o, err := s.dir.CreateOrganization(s.ctx, directory.NewOrganization{DisplayName: "Umbrella", ExternalID: ptr("umbrella"),
		Metadata: map[string]string{"plan": "free", "tier": "t1"}})
	s.Require().NoError(err)
	s.Regexp(`^org_\d+$`, o.ID)
	got, err := s.dir.OrganizationsByID(s.ctx, []string{o.ID})
	s.Require().NoError(err)
	s.Equal(o, got[0], "the answer is what was stored")
	s.Equal(time.UTC, o.CreateTime.Location())
	s.Equal(o.CreateTime, o.UpdateTime)

	bare, err := s.dir.CreateOrganization(s.ctx, directory.NewOrganization{DisplayName: "Bare"})
	s.Require().NoError(err)
	s.NotNil(bare.Metadata)
	s.Empty(bare.Metadata)
	s.Nil(bare.ExternalID)

	s.unchanged("", func() {
		_, err := s.dir.CreateOrganization(s.ctx, directory.NewOrganization{DisplayName: "Again", ExternalID: ptr("umbrella")})
		s.refused(err, directory.CodeTaken, "externalId")
	})

	time.Sleep(2 * time.Millisecond)
	up, err := s.dir.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: o.ID, DisplayName: directory.Some("Umbrella Corp"),
		Metadata: &directory.MapPatch{Set: map[string]*string{"plan": ptr("paid"), "tier": nil, "new": ptr("yes")}}})
	s.Require().NoError(err)
	s.Equal("Umbrella Corp", up.DisplayName)
	s.Equal("umbrella", *up.ExternalID, "omitted: unchanged")
	s.Equal(map[string]string{"plan": "paid", "new": "yes"}, up.Metadata)
	s.True(up.UpdateTime.After(o.UpdateTime))
	s.Equal(o.CreateTime, up.CreateTime)

	s.unchanged("", func() {
		_, err := s.dir.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: o.ID, ExternalID: directory.Some(ptr("acme"))})
		s.refused(err, directory.CodeTaken, "externalId")
		_, err = s.dir.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: o.ID, Metadata: &directory.MapPatch{Set: fullPatch(9)}})
		s.refused(err, directory.CodeTooMany, "metadata")
		_, err = s.dir.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: "org_nope", DisplayName: directory.Some("x")})
		s.refused(err, directory.CodeNotFound, "id")
	})
	up, err = s.dir.UpdateOrganization(s.ctx, directory.OrganizationUpdate{ID: o.ID, ExternalID: directory.Some[*string](nil),
		Metadata: &directory.MapPatch{Clear: true}})
	s.Require().NoError(err)
	s.Nil(up.ExternalID)
	s.Empty(up.Metadata)

	// Deleting an organization takes its memberships, not its users.
	u := s.createUser(o.ID, "umbrella@x.test", "admin")
	s.Require().NoError(s.dir.DeleteOrganization(s.ctx, o.ID))
	s.NotNil(s.user(u.ID))
	s.Empty(s.memberships(u.ID)[0])
	got, err = s.dir.OrganizationsByID(s.ctx, []string{o.ID})
	s.Require().NoError(err)
	s.Nil(got[0])
	s.unchanged("", func() {
		s.refused(s.dir.DeleteOrganization(s.ctx, o.ID), directory.CodeNotFound, "id")
	})
}
