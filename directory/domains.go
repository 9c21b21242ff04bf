package directory

import (
	"fmt"
	"strings"
	"time"
)

// DomainType says what an organization's domain is for, as Scalekit's domains do.
type DomainType string

const (
	// DomainOrganization is a domain the organization owns (Scalekit's SSO discovery
	// domain): once verified, the organization vouches for every address in it.
	DomainOrganization DomainType = "ORGANIZATION_DOMAIN"
	// DomainAllowedEmail only suggests the organization to users of that domain; it is
	// not verified and vouches for nobody.
	DomainAllowedEmail DomainType = "ALLOWED_EMAIL_DOMAIN"
)

// Valid reports whether t is one of the known types.
func (t DomainType) Valid() bool { return t == DomainOrganization || t == DomainAllowedEmail }

// DomainVerification is the state of a domain's ownership check.
type DomainVerification string

// The verification states, spelled as Scalekit spells them.
const (
	DomainPending      DomainVerification = "PENDING"
	DomainVerified     DomainVerification = "VERIFIED"
	DomainFailed       DomainVerification = "FAILED"
	DomainAutoVerified DomainVerification = "AUTO_VERIFIED"
)

// Domain is an internet domain claimed by an organization.
type Domain struct {
	ID             string
	OrganizationID string
	// Name is canonical: lower-case IDNA ASCII form (see CanonicalDomain).
	Name         string
	Type         DomainType
	Verification DomainVerification
	CreateTime   time.Time
}

// Vouches reports whether the organization owns the domain for certain: a verified
// organization domain. Allowed-email domains and pending checks vouch for nobody.
func (d *Domain) Vouches() bool {
	return d.Type == DomainOrganization && (d.Verification == DomainVerified || d.Verification == DomainAutoVerified)
}

// VouchedBy reports whether one of domains vouches for the canonical address email.
func VouchedBy(domains []*Domain, email string) bool {
	want := EmailDomain(email)
	for _, d := range domains {
		if d != nil && d.Name == want && d.Vouches() {
			return true
		}
	}
	return false
}

// NewDomain claims a domain for an organization. A domain belongs to at most one
// organization in the environment. The stores record a domain added through the API as
// verified by an administrator (only services may add one); Scalekit decides for itself.
type NewDomain struct {
	OrganizationID string
	Name           string
	Type           DomainType
}

// Check validates a new domain and canonicalizes its name in place.
func (in *NewDomain) Check() error {
	var c checker
	c.id(in.OrganizationID, "organizationId")
	name := strings.TrimSpace(in.Name)
	if name == "" {
		c.add(CodeRequired, "domain is required", "domain")
	} else if d, err := CanonicalDomain(name); err != nil {
		c.add(CodeInvalid, fmt.Sprintf("%+q %v", name, err), "domain")
	} else {
		in.Name = d
	}
	if !in.Type.Valid() {
		c.add(CodeInvalid, fmt.Sprintf("%q is not a domain type", in.Type), "type")
	}
	return c.err()
}

// DomainTaken names a domain another organization holds.
func DomainTaken(name string) FieldError {
	return FieldError{Field: []string{"domain"}, Code: CodeTaken, Message: fmt.Sprintf("domain %q belongs to an organization already", name)}
}
