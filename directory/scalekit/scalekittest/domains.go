package scalekittest

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// domain is an organization's domain (docs/scalekit-api.md).
type domain struct {
	id, orgID, name, kind string
	verification, method  string
	created, updated      time.Time
}

type inDomain struct {
	Domain     *string `json:"domain"`
	DomainType *string `json:"domain_type"`
}

type wireDomain struct {
	ID                 string `json:"id"`
	Domain             string `json:"domain"`
	DomainType         string `json:"domain_type"`
	EnvironmentID      string `json:"environment_id"`
	OrganizationID     string `json:"organization_id"`
	CreateTime         string `json:"create_time"`
	UpdateTime         string `json:"update_time"`
	VerificationMethod string `json:"verification_method"`
	VerificationStatus string `json:"verification_status"`
}

type domainResponse struct {
	Domain wireDomain `json:"domain"`
}

type domainPage struct {
	Domains    []wireDomain `json:"domains"`
	PageNumber int32        `json:"page_number"`
	PageSize   int32        `json:"page_size"`
}

var hostname = regexp.MustCompile(`^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)

// publicDomains are mail providers' domains, which Scalekit refuses to give an organization.
var publicDomains = []string{"gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com"}

func (s *state) wireDomain(d *domain) wireDomain {
	return wireDomain{ID: d.id, Domain: d.name, DomainType: d.kind, EnvironmentID: "env_000000000000000001",
		OrganizationID: d.orgID, CreateTime: ts(d.created), UpdateTime: ts(d.updated),
		VerificationMethod: d.method, VerificationStatus: d.verification}
}

func (s *Server) domainOrg(q *request) (*organization, *apiError) {
	id := q.params["organization_id"]
	if o := s.st.orgByID[id]; o != nil {
		return o, nil
	}
	return nil, notFound("organization %q not found", id)
}

func (s *Server) listDomains(q *request) (int, any) {
	size, number := 30, 0
	if v := q.query("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			return 0, invalid([]fieldViolation{{Field: "page_size", Description: "must be between 0 and 100"}})
		}
		if n > 0 {
			size = n
		}
	}
	if v := q.query("page_number"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, invalid([]fieldViolation{{Field: "page_number", Description: "must be a non-negative integer"}})
		}
		number = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.domainOrg(q)
	if e != nil {
		return 0, e
	}
	var all []*domain
	for _, d := range s.st.domains {
		if d.orgID == o.id && (q.query("domain_type") == "" || d.kind == q.query("domain_type")) {
			all = append(all, d)
		}
	}
	start := min(number*size, len(all))
	end := min(start+size, len(all))
	out := domainPage{Domains: []wireDomain{}, PageNumber: int32(number), PageSize: int32(end - start)}
	for _, d := range all[start:end] {
		out.Domains = append(out.Domains, s.st.wireDomain(d))
	}
	return http.StatusOK, out
}

func (s *Server) createDomain(q *request) (int, any) {
	var in inDomain
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	var c checker
	switch {
	case in.Domain == nil || *in.Domain == "":
		c.add("domain", "is required")
	case len(*in.Domain) > 253 || !hostname.MatchString(*in.Domain):
		c.add("domain", "%q is not a valid domain", *in.Domain)
	case slices.Contains(publicDomains, *in.Domain):
		c.add("domain", "%q is a public or disposable domain", *in.Domain)
	}
	if in.DomainType == nil || (*in.DomainType != "ORGANIZATION_DOMAIN" && *in.DomainType != "ALLOWED_EMAIL_DOMAIN") {
		c.add("domain_type", "must be ORGANIZATION_DOMAIN or ALLOWED_EMAIL_DOMAIN")
	}
	if e := c.err(); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, e := s.domainOrg(q)
	if e != nil {
		return 0, e
	}
	for _, d := range s.st.domains {
		if d.name == *in.Domain {
			return 0, invalid([]fieldViolation{{Field: "domain", Description: "domain already exists"}})
		}
	}
	now := s.now()
	d := &domain{id: s.st.newID("dom"), orgID: o.id, name: *in.Domain, kind: *in.DomainType, created: now, updated: now,
		// An organization domain created through the API is verified by the admin who made
		// the call; an allowed email domain has nothing to verify.
		verification: "VERIFIED", method: "ADMIN"}
	if d.kind == "ALLOWED_EMAIL_DOMAIN" {
		d.verification, d.method = "AUTO_VERIFIED", "NOT_APPLICABLE"
	}
	s.st.domains = append(s.st.domains, d)
	return http.StatusOK, domainResponse{Domain: s.st.wireDomain(d)}
}

func (s *Server) getDomain(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.lookupDomain(q)
	if e != nil {
		return 0, e
	}
	return http.StatusOK, domainResponse{Domain: s.st.wireDomain(d)}
}

func (s *Server) deleteDomain(q *request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, e := s.lookupDomain(q)
	if e != nil {
		return 0, e
	}
	s.st.domains = slices.DeleteFunc(s.st.domains, func(x *domain) bool { return x == d })
	return http.StatusOK, struct{}{}
}

// lookupDomain resolves {organization_id} and {id}; st must be locked.
func (s *Server) lookupDomain(q *request) (*domain, *apiError) {
	o, e := s.domainOrg(q)
	if e != nil {
		return nil, e
	}
	for _, d := range s.st.domains {
		if d.orgID == o.id && d.id == q.params["id"] {
			return d, nil
		}
	}
	return nil, notFound("domain %q not found", q.params["id"])
}

// SetDomainVerification sets the verification status of an organization's domain, as
// Scalekit's DNS check would; it reports whether there was such a domain.
func (s *Server) SetDomainVerification(orgID, name, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.st.domains {
		if d.orgID == orgID && d.name == name {
			d.verification, d.method, d.updated = status, "DNS", s.now()
			return true
		}
	}
	return false
}
