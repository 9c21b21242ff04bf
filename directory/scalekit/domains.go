package scalekit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/usergraph/usergraph/directory"
)

// Organization domains are Scalekit's /organizations/{id}/domains resource. Its list is
// paged by page number, without a total: pages are read until a short one.

const (
	domainPageSize = 100
	// maxDomainPages bounds the pages read for one organization (10,000 domains).
	maxDomainPages = 100
)

type wireDomain struct {
	ID                 string   `json:"id"`
	Domain             string   `json:"domain"`
	DomainType         string   `json:"domain_type"`
	OrganizationID     string   `json:"organization_id"`
	CreateTime         wireTime `json:"create_time"`
	VerificationStatus string   `json:"verification_status"`
}

func (w *wireDomain) domain(orgID string) *directory.Domain {
	if w.OrganizationID != "" {
		orgID = w.OrganizationID
	}
	return &directory.Domain{ID: w.ID, OrganizationID: orgID, Name: strings.ToLower(w.Domain),
		Type: directory.DomainType(w.DomainType), Verification: directory.DomainVerification(w.VerificationStatus),
		CreateTime: w.CreateTime.value()}
}

func domainsPath(orgID string) string { return organizationPath(orgID) + "/domains" }

// DomainsByOrganization reads each distinct organization's domains, concurrently; an
// organization that does not exist has none.
func (c *Client) DomainsByOrganization(ctx context.Context, organizationIDs []string) ([][]*directory.Domain, error) {
	lists, err := fanOut(ctx, organizationIDs, func(ctx context.Context, id string) (*[]*directory.Domain, error) {
		if !plausibleID(id, "org_") {
			return nil, nil
		}
		ds, err := c.domains(ctx, id)
		return &ds, err
	})
	out := make([][]*directory.Domain, len(organizationIDs))
	for i := range out {
		out[i] = []*directory.Domain{}
		if i < len(lists) && lists[i] != nil && *lists[i] != nil {
			out[i] = *lists[i]
		}
	}
	return out, err
}

func (c *Client) domains(ctx context.Context, orgID string) ([]*directory.Domain, error) {
	var out []*directory.Domain
	for n := 0; n < maxDomainPages; n++ {
		resp, err := c.do(ctx, request{method: http.MethodGet, path: domainsPath(orgID),
			query: url.Values{"page_size": {strconv.Itoa(domainPageSize)}, "page_number": {strconv.Itoa(n)}}})
		if isStatus(err, http.StatusNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		page, err := decode[struct {
			Domains []wireDomain `json:"domains"`
		}](resp, "domain list")
		if err != nil {
			return nil, err
		}
		for i := range page.Domains {
			out = append(out, page.Domains[i].domain(orgID))
		}
		if len(page.Domains) < domainPageSize {
			break
		}
	}
	slices.SortFunc(out, func(a, b *directory.Domain) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// AddDomain creates the domain. Scalekit answers every refusal (a malformed, public or
// already claimed domain) with a 400; a domain this organization holds already is told
// apart as TAKEN, as the stores answer.
func (c *Client) AddDomain(ctx context.Context, in directory.NewDomain) (*directory.Domain, error) {
	if !plausibleID(in.OrganizationID, "org_") {
		return nil, noOrganization(in.OrganizationID, "organizationId")
	}
	body := map[string]string{"domain": in.Name, "domain_type": string(in.Type)}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: domainsPath(in.OrganizationID), body: body})
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil, noOrganization(in.OrganizationID, "organizationId")
	case isStatus(err, http.StatusBadRequest):
		own, lerr := c.domains(ctx, in.OrganizationID)
		if lerr == nil && slices.ContainsFunc(own, func(d *directory.Domain) bool { return d.Name == in.Name }) {
			return nil, directory.Invalid(directory.DomainTaken(in.Name))
		}
		return nil, invalidFrom(err, map[string][]string{"domain_type": {"type"}})
	case err != nil:
		return nil, err
	}
	env, err := decode[struct {
		Domain *wireDomain `json:"domain"`
	}](resp, "domain")
	if err != nil {
		return nil, err
	}
	if env.Domain == nil || env.Domain.ID == "" {
		return nil, fmt.Errorf("%w: scalekit: answer without a domain", directory.ErrUnavailable)
	}
	return env.Domain.domain(in.OrganizationID), nil
}

// RemoveDomain deletes the domain.
func (c *Client) RemoveDomain(ctx context.Context, organizationID, domainID string) error {
	notFound := problem(directory.CodeNotFound, fmt.Sprintf("there is no domain %q", domainID), "id")
	if !plausibleID(organizationID, "org_") || !plausibleID(domainID, "dom_") {
		return notFound
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: domainsPath(organizationID) + "/" + url.PathEscape(domainID)})
	if isStatus(err, http.StatusNotFound) {
		return notFound
	}
	return err
}
