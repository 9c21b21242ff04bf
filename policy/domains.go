package policy

import (
	"context"

	"github.com/usergraph/usergraph/directory"
)

// DomainsByOrganization shows an organization's domains to its ACTIVE members; an
// invitation shows the organization's name only.
func (g guard) DomainsByOrganization(ctx context.Context, organizationIDs []string) ([][]*directory.Domain, error) {
	s, err := g.scope(ctx)
	if err != nil {
		return nil, err
	}
	if s.all {
		return g.inner.DomainsByOrganization(ctx, organizationIDs)
	}
	out := make([][]*directory.Domain, len(organizationIDs))
	var ask []string
	for i, id := range organizationIDs {
		out[i] = []*directory.Domain{}
		if s.member(id) {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 {
		return out, nil
	}
	lists, err := g.inner.DomainsByOrganization(ctx, ask)
	if err != nil {
		return nil, err
	}
	byOrg := make(map[string][]*directory.Domain, len(ask))
	for i, id := range ask {
		byOrg[id] = lists[i]
	}
	for i, id := range organizationIDs {
		if l, ok := byOrg[id]; ok {
			out[i] = l
		}
	}
	return out, nil
}

// AddDomain and RemoveDomain are for services: a domain makes its organization vouch for
// every address in it when users are provisioned, so no tenant admin may claim one.
func (g guard) AddDomain(ctx context.Context, in directory.NewDomain) (*directory.Domain, error) {
	if err := g.service(ctx); err != nil {
		return nil, err
	}
	return g.inner.AddDomain(ctx, in)
}

func (g guard) RemoveDomain(ctx context.Context, organizationID, domainID string) error {
	if err := g.service(ctx); err != nil {
		return err
	}
	return g.inner.RemoveDomain(ctx, organizationID, domainID)
}
