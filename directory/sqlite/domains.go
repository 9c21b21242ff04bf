package sqlite

import (
	"context"
	"fmt"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

const domainColumns = `d.id, d.organization_id, d.name, d.type, d.verification, d.create_time`

func scanDomain(row scanner, pre ...any) (*directory.Domain, error) {
	var (
		d       directory.Domain
		created string
	)
	if err := row.Scan(append(pre, &d.ID, &d.OrganizationID, &d.Name, &d.Type, &d.Verification, &created)...); err != nil {
		return nil, err
	}
	var err error
	if d.CreateTime, err = parseTime(created); err != nil {
		return nil, err
	}
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
	rows, err := s.read().query(ctx, `SELECT k.key, `+domainColumns+`
		FROM json_each(?) AS k JOIN domains AS d ON d.organization_id = k.value
		ORDER BY k.key, d.name`, keysJSON(organizationIDs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: domains by organization: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k int
		d, err := scanDomain(rows, &k)
		if err != nil {
			return nil, fmt.Errorf("sqlite: domains by organization: %w", err)
		}
		out[k] = append(out[k], d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: domains by organization: %w", err)
	}
	return out, nil
}

// AddDomain claims a domain for an organization. Only services add domains, so the store
// records it as verified by an administrator.
func (s *Store) AddDomain(ctx context.Context, in directory.NewDomain) (*directory.Domain, error) {
	d := &directory.Domain{ID: sqlkit.NewID(sqlkit.DomainPrefix), OrganizationID: in.OrganizationID, Name: in.Name,
		Type: in.Type, Verification: directory.DomainVerified, CreateTime: now()}
	err := s.writeTx(ctx, func(c conn) error {
		if ok, err := organizationExists(ctx, c, in.OrganizationID); err != nil {
			return err
		} else if !ok {
			return directory.Invalid(sqlkit.NotFound("organization", in.OrganizationID, "organizationId"))
		}
		if taken, err := c.exists(ctx, `SELECT 1 FROM domains WHERE name = ?`, in.Name); err != nil {
			return err
		} else if taken {
			return directory.Invalid(directory.DomainTaken(in.Name))
		}
		_, err := c.exec(ctx, `INSERT INTO domains (id, organization_id, name, type, verification, create_time)
			VALUES (?, ?, ?, ?, ?, ?)`, d.ID, d.OrganizationID, d.Name, d.Type, d.Verification, formatTime(d.CreateTime))
		if uniqueViolation(err, "domains.name") {
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
	err := s.writeTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `DELETE FROM domains WHERE id = ? AND organization_id = ?`, domainID, organizationID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return directory.Invalid(sqlkit.NotFound("domain", domainID, "id"))
		}
		return nil
	})
	if err != nil {
		return writeError("removing a domain", err)
	}
	return nil
}
