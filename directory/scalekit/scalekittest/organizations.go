package scalekittest

import (
	"net/http"
	"slices"
)

type inOrganization struct {
	DisplayName *string            `json:"display_name"`
	ExternalID  *string            `json:"external_id"`
	Metadata    *map[string]string `json:"metadata"`
	Slug        *string            `json:"slug"`
	LogoURL     *string            `json:"logo_url"`
}

type organizationResponse struct {
	Organization wireOrganization `json:"organization"`
}

type organizationPage struct {
	Organizations []wireOrganization `json:"organizations"`
	NextPageToken string             `json:"next_page_token"`
	PrevPageToken string             `json:"prev_page_token"`
	TotalSize     int                `json:"total_size"`
}

// check validates CreateOrganization (create) or UpdateOrganization (!create) per docs/scalekit-api.md, "Operations used"
func (in *inOrganization) check(create bool) *apiError {
	var c checker
	if in.DisplayName == nil {
		if create {
			c.add("display_name", "is required")
		}
	} else {
		c.length("display_name", *in.DisplayName, 1, 200)
	}
	if in.Metadata != nil {
		c.metadata("metadata", *in.Metadata, 10)
	}
	if in.Slug != nil && (*in.Slug != "" || create) {
		if runes(*in.Slug) > 253 || !slugRe.MatchString(*in.Slug) {
			c.add("slug", "%q is not a lowercase DNS label or hostname", *in.Slug)
		}
	}
	if in.LogoURL != nil && *in.LogoURL != "" {
		if runes(*in.LogoURL) > 1024 || !httpsURL.MatchString(*in.LogoURL) {
			c.add("logo_url", "must be an https URL of at most 1024 characters")
		}
	}
	return c.err()
}

// unique checks external id and slug against the other organizations; st must be locked.
func (s *Server) uniqueOrg(in *inOrganization, self *organization) *apiError {
	if in.ExternalID != nil && *in.ExternalID != "" {
		if o := s.st.orgByExternalID(*in.ExternalID); o != nil && o != self {
			return conflict("external_id", "an organization with external id %q already exists", *in.ExternalID)
		}
	}
	if in.Slug != nil && *in.Slug != "" {
		for _, o := range s.st.orgs {
			if o != self && o.slug == *in.Slug {
				return conflict("slug", "an organization with slug %q already exists", *in.Slug)
			}
		}
	}
	return nil
}

func (in *inOrganization) apply(o *organization) {
	if in.DisplayName != nil {
		o.displayName = *in.DisplayName
	}
	if in.ExternalID != nil {
		o.externalID = *in.ExternalID
	}
	if in.Metadata != nil {
		o.metadata = cloneMap(*in.Metadata)
	}
	if in.Slug != nil {
		o.slug = *in.Slug
	}
	if in.LogoURL != nil {
		o.logoURL = *in.LogoURL
	}
}

func (s *Server) createOrganization(q *request) (int, any) {
	var in inOrganization
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	if e := in.check(true); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if e := s.uniqueOrg(&in, nil); e != nil {
		return 0, e
	}
	now := s.now()
	o := &organization{id: s.st.newID("org"), created: now, updated: now}
	in.apply(o)
	s.st.addOrg(o)
	return http.StatusCreated, organizationResponse{Organization: s.st.wireOrg(o)}
}

func (st *state) addOrg(o *organization) {
	st.orgs = append(st.orgs, o)
	st.orgByID[o.id] = o
}

// lookupOrgParam resolves {id} or {external_id} of the organization routes; st must be locked.
func (s *Server) lookupOrgParam(q *request) (*organization, *apiError) {
	if ext, ok := q.params["external_id"]; ok {
		if o := s.st.orgByExternalID(ext); o != nil {
			return o, nil
		}
		return nil, notFound("organization with external id %q not found", ext)
	}
	id := q.params["id"]
	if o := s.st.orgByID[id]; o != nil {
		return o, nil
	}
	return nil, notFound("organization %q not found", id)
}

func (s *Server) getOrganization(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.lookupOrgParam(q)
	if e != nil {
		return 0, e
	}
	return http.StatusOK, organizationResponse{Organization: s.st.wireOrg(o)}
}

func (s *Server) updateOrganization(q *request) (int, any) {
	var in inOrganization
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	if e := in.check(false); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.lookupOrgParam(q)
	if e != nil {
		return 0, e
	}
	if e := s.uniqueOrg(&in, o); e != nil {
		return 0, e
	}
	in.apply(o)
	o.updated = s.now()
	return http.StatusOK, organizationResponse{Organization: s.st.wireOrg(o)}
}

// deleteOrganization removes the organization and its memberships; users stay, even those for
// whom it was the last one.
func (s *Server) deleteOrganization(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.lookupOrgParam(q)
	if e != nil {
		return 0, e
	}
	now := s.now()
	for _, u := range s.st.users {
		if u.removeMembership(o.id) {
			u.updated = now
		}
	}
	s.st.domains = slices.DeleteFunc(s.st.domains, func(d *domain) bool { return d.orgID == o.id })
	delete(s.st.orgByID, o.id)
	s.st.orgs = slices.DeleteFunc(s.st.orgs, func(x *organization) bool { return x == o })
	return http.StatusOK, struct{}{}
}

func (s *Server) listOrganizations(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.st.orgs
	if ext := q.query("external_id"); ext != "" {
		all = nil
		if o := s.st.orgByExternalID(ext); o != nil {
			all = []*organization{o}
		}
	}
	p, e := paginate(q, len(all), pageRule{def: 10, max: 100, clamp: true})
	if e != nil {
		return 0, e
	}
	out := organizationPage{
		Organizations: make([]wireOrganization, 0, p.end-p.start),
		NextPageToken: p.next, PrevPageToken: p.prev, TotalSize: len(all),
	}
	for _, o := range all[p.start:p.end] {
		out.Organizations = append(out.Organizations, s.st.wireOrg(o))
	}
	return http.StatusOK, out
}
