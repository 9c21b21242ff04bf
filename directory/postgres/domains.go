package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

const domainColumns = `d.id, d.organization_id, d.name, d.type, d.verification, d.create_time`

func scanDomain(row pgx.Row, pre ...any) (*directory.Domain, error) {
	var d directory.Domain
	if err := row.Scan(append(pre, &d.ID, &d.OrganizationID, &d.Name, &d.Type, &d.Verification, &d.CreateTime)...); err != nil {
		return nil, err
	}
	d.CreateTime = d.CreateTime.UTC()
	return &d, nil
}

// DomainsByOrganization returns every organization's domains in one statement.
func (s *Store) DomainsByOrganization(ctx context.Context, organizationIDs []string) ([][]*directory.Domain, error) {
	out := make([][]*directory.Domain, len(organizationIDs))
	for i := range out {
		out[i] = []*directory.Domain{}
	}
	if len(organizationIDs) == 0 {
		return out, nil
	}
	rows, err := s.read().query(ctx, `SELECT k.i, `+domainColumns+`
		FROM unnest($1::text[]) WITH ORDINALITY AS k (value, i) JOIN domains AS d ON d.organization_id = k.value
		ORDER BY k.i, d.name`, keyArray(organizationIDs))
	if err != nil {
		return nil, fmt.Errorf("postgres: domains by organization: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		d, err := scanDomain(rows, &k)
		if err != nil {
			return nil, fmt.Errorf("postgres: domains by organization: %w", err)
		}
		if k < 1 || k > len(out) {
			return nil, fmt.Errorf("postgres: domains by organization: key index %d out of range", k)
		}
		out[k-1] = append(out[k-1], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: domains by organization: %w", err)
	}
	return out, nil
}

// AddDomain claims a domain for an organization. Only services add domains, so the store
// records it as verified by an administrator.
func (s *Store) AddDomain(ctx context.Context, in directory.NewDomain) (*directory.Domain, error) {
	if !storable(in.OrganizationID) {
		return nil, directory.Invalid(sqlkit.NotFound("organization", in.OrganizationID, "organizationId"))
	}
	d := &directory.Domain{ID: sqlkit.NewID(sqlkit.DomainPrefix), OrganizationID: in.OrganizationID, Name: in.Name,
		Type: in.Type, Verification: directory.DomainVerified, CreateTime: now()}
	err := s.writeTx(ctx, func(c conn) error {
		if ok, err := organizationExists(ctx, c, in.OrganizationID); err != nil {
			return err
		} else if !ok {
			return directory.Invalid(sqlkit.NotFound("organization", in.OrganizationID, "organizationId"))
		}
		if taken, err := c.exists(ctx, `SELECT 1 FROM domains WHERE name = $1`, in.Name); err != nil {
			return err
		} else if taken {
			return directory.Invalid(directory.DomainTaken(in.Name))
		}
		_, err := c.exec(ctx, `INSERT INTO domains (id, organization_id, name, type, verification, create_time)
			VALUES ($1, $2, $3, $4, $5, $6)`, d.ID, d.OrganizationID, d.Name, string(d.Type), string(d.Verification), d.CreateTime)
		if uniqueViolation(err, "domains_name_key") {
			return directory.Invalid(directory.DomainTaken(in.Name))
		}
		return err
	})
	if err != nil {
		return nil, writeError("adding a domain", err)
	}
	return d, nil
}

// RemoveDomain removes a domain of the organization.
func (s *Store) RemoveDomain(ctx context.Context, organizationID, domainID string) error {
	if !storable(organizationID) || !storable(domainID) {
		return directory.Invalid(sqlkit.NotFound("domain", domainID, "id"))
	}
	err := s.writeTx(ctx, func(c conn) error {
		tag, err := c.exec(ctx, `DELETE FROM domains WHERE id = $1 AND organization_id = $2`, domainID, organizationID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return directory.Invalid(sqlkit.NotFound("domain", domainID, "id"))
		}
		return nil
	})
	if err != nil {
		return writeError("removing a domain", err)
	}
	return nil
}
