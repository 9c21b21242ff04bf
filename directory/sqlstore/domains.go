package sqlstore

import (
	"context"

	"github.com/usergraph/usergraph/directory"
)

const domainColumns = `d.id, d.organization_id, d.name, d.type, d.verification, d.create_time`

func scanDomain(row scanner, pre ...any) (*directory.Domain, error) {
	var d directory.Domain
	if err := row.Scan(append(pre, &d.ID, &d.OrganizationID, &d.Name, &d.Type, &d.Verification, at(&d.CreateTime))...); err != nil {
		return nil, err
	}
	return &d, nil
}

// DomainsByOrganization returns every organization's domains in one statement, ordered by
// name; an organization without any (or unknown) gets an empty list.
func (s *Store) DomainsByOrganization(ctx context.Context, organizationIDs []string) ([][]*directory.Domain, error) {
	out, err := listsByKeys(ctx, s.read(), `SELECT k.key, `+domainColumns+`
		FROM `+s.d.keys+` AS k JOIN domains AS d ON d.organization_id = k.value
		ORDER BY k.key, d.name`, organizationIDs, scanDomain)
	if err != nil {
		return nil, s.fail("domains by organization", err)
	}
	return out, nil
}

// AddDomain claims a domain for an organization. Only services add domains, so the store
// records it as verified by an administrator.
func (s *Store) AddDomain(ctx context.Context, in directory.NewDomain) (*directory.Domain, error) {
	if !storable(in.OrganizationID) {
		return nil, directory.Invalid(notFound("organization", in.OrganizationID, "organizationId"))
	}
	d := &directory.Domain{ID: newID(domainPrefix), OrganizationID: in.OrganizationID, Name: in.Name,
		Type: in.Type, Verification: directory.DomainVerified, CreateTime: now()}
	err := s.writeTx(ctx, func(c conn) error {
		if ok, err := organizationExists(ctx, c, in.OrganizationID); err != nil {
			return err
		} else if !ok {
			return directory.Invalid(notFound("organization", in.OrganizationID, "organizationId"))
		}
		if taken, err := c.exists(ctx, `SELECT 1 FROM domains WHERE name = ?`, in.Name); err != nil {
			return err
		} else if taken {
			return directory.Invalid(directory.DomainTaken(in.Name))
		}
		_, err := c.exec(ctx, `INSERT INTO domains (id, organization_id, name, type, verification, create_time)
			VALUES (?, ?, ?, ?, ?, ?)`, d.ID, d.OrganizationID, d.Name, string(d.Type), string(d.Verification), d.CreateTime)
		if c.d.unique(err, "domains.name") {
			return directory.Invalid(directory.DomainTaken(in.Name))
		}
		return err
	})
	if err != nil {
		return nil, s.writeError("adding a domain", err)
	}
	return d, nil
}

// RemoveDomain removes a domain of the organization.
func (s *Store) RemoveDomain(ctx context.Context, organizationID, domainID string) error {
	if !storable(organizationID) || !storable(domainID) {
		return directory.Invalid(notFound("domain", domainID, "id"))
	}
	err := s.writeTx(ctx, func(c conn) error {
		n, err := c.changed(ctx, `DELETE FROM domains WHERE id = ? AND organization_id = ?`, domainID, organizationID)
		if err != nil {
			return err
		}
		if n == 0 {
			return directory.Invalid(notFound("domain", domainID, "id"))
		}
		return nil
	})
	if err != nil {
		return s.writeError("removing a domain", err)
	}
	return nil
}
