// Package provision is just-in-time provisioning: it turns what an identity provider sent
// at sign-in into a user of the directory, created or found, with a fresh profile and the
// identity linked. It works on any backend, through the directory port only.
package provision

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/profile"
)

// Request is one sign-in to provision.
type Request struct {
	Identity profile.Input
	// Roles and SendInvitationEmail apply when the user is created, in
	// Identity.OrganizationID. Nil roles mean the catalogue's default roles.
	Roles               []string
	SendInvitationEmail bool
}

// Result is the provisioned user, and whether this sign-in created it.
type Result struct {
	User    *directory.User
	Created bool
}

// Provision finds the user linked to the identity, or else the user with the identity's
// email — only when the provider verified that email, so that nobody takes over an account
// by claiming its address at a lax provider, and only when the connection's organization
// may vouch for the address (see vouched) — or else creates one. It then refreshes the
// profile attributes the provider sent (never clearing those it did not send) and links the
// identity with its raw attributes and this login's time.
//
// Input problems come back as a *directory.InvalidInputError with paths of the GraphQL
// input (rawAttributes, organizationId, roles…). The steps are separate writes: if linking
// fails after a create (another sign-in linked the account meanwhile), the user stays.
func Provision(ctx context.Context, dir directory.Directory, n *profile.Normalizer, req Request, now time.Time) (*Result, error) {
	p, err := n.Normalize(req.Identity)
	if err != nil {
		return nil, err
	}
	id := p.Identity
	u, err := dir.UserByIdentity(ctx, directory.IdentityLookup{
		Sub: p.Sub, ConnectionID: deref(id.ConnectionID), ProviderUserID: id.ProviderUserID, Email: p.Email,
	})
	if err != nil {
		return nil, err
	}
	created := false
	if u == nil && p.Email != "" {
		users, err := dir.UsersByEmail(ctx, []string{p.Email})
		if err != nil {
			return nil, err
		}
		if users[0] != nil {
			if !p.EmailVerified {
				return nil, directory.Invalid(directory.FieldError{Field: []string{"rawAttributes"}, Code: directory.CodeTaken,
					Message: "a user with this email exists, and the identity provider did not verify the email, so it is not linked to that user"})
			}
			if err := vouched(ctx, dir, users[0], p); err != nil {
				return nil, err
			}
			u = users[0]
		}
	}
	if u == nil {
		if u, err = create(ctx, dir, p, req); err != nil {
			return nil, err
		}
		created = true
	} else if update := profileUpdate(p); update != nil {
		if u, err = dir.UpdateUser(ctx, directory.UserUpdate{ID: u.ID, Profile: update}); err != nil {
			return nil, err
		}
	}
	login := now.UTC()
	if err := dir.LinkIdentity(ctx, u.ID, *p.DirectoryIdentity(&login)); err != nil {
		return nil, err
	}
	return &Result{User: u, Created: created}, nil
}

// vouched accepts linking a sign-in to the existing user u by email only when the
// connection's organization may vouch for the address: u is an ACTIVE member of it, or the
// address's domain is one of its verified organization domains. Any tenant that runs its
// own SAML or OIDC provider can assert email_verified for any address; without this, a
// sign-in through its connection would take over another tenant's user. An invitation does
// not vouch: the organization's admin sends it, to any address.
func vouched(ctx context.Context, dir directory.Directory, u *directory.User, p *profile.Profile) error {
	refused := directory.Invalid(directory.FieldError{Field: []string{"rawAttributes"}, Code: directory.CodeTaken,
		Message: "a user with this email exists, and the connection's organization cannot vouch for the address " +
			"(the user is not an active member of it, and the domain is not one the organization owns), so it is not linked to that user"})
	org := deref(p.Identity.OrganizationID)
	if org == "" {
		return refused
	}
	memberships, err := dir.MembershipsByUser(ctx, []string{u.ID})
	if err != nil {
		return err
	}
	for _, m := range memberships[0] {
		if m.OrganizationID == org && m.Status == directory.MembershipActive {
			return nil
		}
	}
	domains, err := dir.DomainsByOrganization(ctx, []string{org})
	if err != nil {
		return err
	}
	if directory.VouchedBy(domains[0], p.Email) {
		return nil
	}
	return refused
}

func create(ctx context.Context, dir directory.Directory, p *profile.Profile, req Request) (*directory.User, error) {
	var problems []directory.FieldError
	if p.Email == "" {
		problems = append(problems, directory.FieldError{Field: []string{"rawAttributes"}, Code: directory.CodeRequired,
			Message: "the identity provider sent no usable email, and a new user needs one"})
	}
	if req.Identity.OrganizationID == "" {
		problems = append(problems, directory.FieldError{Field: []string{"organizationId"}, Code: directory.CodeRequired,
			Message: "a new user needs an organization to join"})
	}
	if len(problems) > 0 {
		return nil, directory.Invalid(problems...)
	}
	u, err := dir.CreateUser(ctx, directory.NewUser{
		OrganizationID: req.Identity.OrganizationID,
		Email:          p.Email,
		Profile: directory.ProfileInput{
			Name: p.Name, GivenName: p.GivenName, FamilyName: p.FamilyName, PhoneNumber: p.PhoneNumber,
			Locale: p.Locale, Picture: p.Picture, PreferredUsername: p.PreferredUsername, Groups: p.Groups,
		},
		Roles:               req.Roles,
		SendInvitationEmail: req.SendInvitationEmail,
	})
	if err != nil {
		return nil, fmt.Errorf("provisioning: %w", err)
	}
	return u, nil
}

// profileUpdate sets the attributes the provider sent; nil when it sent none.
func profileUpdate(p *profile.Profile) *directory.ProfileUpdate {
	u := &directory.ProfileUpdate{}
	changed := false
	for _, f := range []struct {
		value *string
		into  *directory.Optional[*string]
	}{
		{p.Name, &u.Name}, {p.GivenName, &u.GivenName}, {p.FamilyName, &u.FamilyName}, {p.PhoneNumber, &u.PhoneNumber},
		{p.Locale, &u.Locale}, {p.Picture, &u.Picture}, {p.PreferredUsername, &u.PreferredUsername},
	} {
		if f.value != nil {
			*f.into, changed = directory.Some(f.value), true
		}
	}
	if len(p.Groups) > 0 {
		u.Groups, changed = directory.Some(p.Groups), true
	}
	if !changed {
		return nil
	}
	return u
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
