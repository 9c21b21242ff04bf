package directorytest

import "github.com/usergraph/usergraph/directory"

func (s *Suite) TestDomainsBelongToOneOrganizationAndGoWithIt() {
	a, b := s.newOrg("Domains A"), s.newOrg("Domains B")
	d, err := s.dir.AddDomain(s.ctx, directory.NewDomain{OrganizationID: a, Name: "a.test", Type: directory.DomainOrganization})
	s.Require().NoError(err)
	s.Equal(directory.DomainVerified, d.Verification, "a service added it: verified by an administrator")
	_, err = s.dir.AddDomain(s.ctx, directory.NewDomain{OrganizationID: a, Name: "mail.a.test", Type: directory.DomainAllowedEmail})
	s.Require().NoError(err)

	_, err = s.dir.AddDomain(s.ctx, directory.NewDomain{OrganizationID: b, Name: "a.test", Type: directory.DomainOrganization})
	if _, ok := s.b.Differs[OtherOrganizationsDomainInvalid]; ok {
		s.refused(err, directory.CodeInvalid, "domain")
	} else {
		s.refused(err, directory.CodeTaken, "domain")
	}
	_, err = s.dir.AddDomain(s.ctx, directory.NewDomain{OrganizationID: "org_0000000000000000000", Name: "x.test", Type: directory.DomainOrganization})
	s.refused(err, directory.CodeNotFound, "organizationId")

	lists, err := s.dir.DomainsByOrganization(s.ctx, []string{b, a, "org_missing"})
	s.Require().NoError(err)
	s.Empty(lists[0])
	s.Require().Len(lists[1], 2)
	s.Equal("a.test", lists[1][0].Name, "ordered by name")
	s.Equal(d.ID, lists[1][0].ID)
	s.Equal(directory.DomainAllowedEmail, lists[1][1].Type)
	s.Empty(lists[2])

	s.refused(s.dir.RemoveDomain(s.ctx, b, d.ID), directory.CodeNotFound, "id")
	s.Require().NoError(s.dir.RemoveDomain(s.ctx, a, d.ID))
	_, err = s.dir.AddDomain(s.ctx, directory.NewDomain{OrganizationID: b, Name: "a.test", Type: directory.DomainOrganization})
	s.Require().NoError(err, "a removed domain is free again")

	s.Require().NoError(s.dir.DeleteOrganization(s.ctx, b))
	lists, err = s.dir.DomainsByOrganization(s.ctx, []string{b})
	s.Require().NoError(err)
	s.Empty(lists[0], "an organization's domains go with it")
}
