package sqlite

import (
	"context"
	"fmt"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// orgExternalIDTaken reports whether another organization than self holds the external id.
func orgExternalIDTaken(ctx context.Context, c conn, externalID, self string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM organizations WHERE external_id = ? AND id <> ?`, externalID, self)
}

func orgTaken(externalID string) directory.FieldError {
	return sqlkit.Problem(directory.CodeTaken, fmt.Sprintf("externalId %q is taken by another organization", externalID), "externalId")
}

// orgUniqueProblem maps a UNIQUE failure (another process won a race) to TAKEN.
func orgUniqueProblem(err error, externalID *string) error {
	if err != nil && externalID != nil && uniqueViolation(err, "organizations.external_id") {
		return directory.Invalid(orgTaken(*externalID))
	}
	return err
}

func organizationByID(ctx context.Context, c conn, id string) (*directory.Organization, error) {
	orgs, err := organizationsBy(ctx, c, `o.id = k.value`, []string{id})
	if err != nil {
		return nil, err
	}
	return orgs[0], nil
}

// CreateOrganization creates an organization with no members.
func (s *Store) CreateOrganization(ctx context.Context, in directory.NewOrganization) (*directory.Organization, error) {
	var out *directory.Organization
	err := s.writeTx(ctx, func(c conn) error {
		if in.ExternalID != nil {
			if ok, err := orgExternalIDTaken(ctx, c, *in.ExternalID, ""); err != nil {
				return err
			} else if ok {
				return directory.Invalid(orgTaken(*in.ExternalID))
			}
		}
		t := formatTime(now())
		id := sqlkit.NewID(sqlkit.OrgPrefix)
		_, err := c.exec(ctx, `INSERT INTO organizations (id, display_name, external_id, metadata, create_time, update_time)
			VALUES (?, ?, ?, ?, ?, ?)`, id, in.DisplayName, in.ExternalID, jsonText(in.Metadata), t, t)
		if err := orgUniqueProblem(err, in.ExternalID); err != nil {
			return err
		}
		out, err = organizationByID(ctx, c, id)
		return err
	})
	if err != nil {
		return nil, writeError("creating an organization", err)
	}
	return out, nil
}

// UpdateOrganization applies a patch with the same semantics as UpdateUser.
func (s *Store) UpdateOrganization(ctx context.Context, in directory.OrganizationUpdate) (*directory.Organization, error) {
	var out *directory.Organization
	err := s.writeTx(ctx, func(c conn) error {
		o, err := organizationByID(ctx, c, in.ID)
		if err != nil {
			return err
		}
		if o == nil {
			return directory.Invalid(sqlkit.NotFound("organization", in.ID, "id"))
		}
		var problems []directory.FieldError
		if in.DisplayName.Set {
			o.DisplayName = in.DisplayName.Value
		}
		if in.ExternalID.Set {
			o.ExternalID = in.ExternalID.Value
			if o.ExternalID != nil {
				if ok, err := orgExternalIDTaken(ctx, c, *o.ExternalID, o.ID); err != nil {
					return err
				} else if ok {
					problems = append(problems, orgTaken(*o.ExternalID))
				}
			}
		}
		if in.Metadata != nil {
			o.Metadata = in.Metadata.Apply(o.Metadata)
			problems = append(problems, directory.CheckOrganizationMap(o.Metadata, "metadata")...)
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}
		_, err = c.exec(ctx, `UPDATE organizations SET display_name = ?, external_id = ?, metadata = ?, update_time = ?
			WHERE id = ?`, o.DisplayName, o.ExternalID, jsonText(o.Metadata), formatTime(now()), o.ID)
		if err := orgUniqueProblem(err, o.ExternalID); err != nil {
			return err
		}
		out, err = organizationByID(ctx, c, o.ID)
		return err
	})
	if err != nil {
		return nil, writeError("updating an organization", err)
	}
	return out, nil
}

// DeleteOrganization deletes an organization; its memberships go by ON DELETE CASCADE and
// the users stay.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `DELETE FROM organizations WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return directory.Invalid(sqlkit.NotFound("organization", id, "id"))
		}
		return nil
	})
	if err != nil {
		return writeError("deleting an organization", err)
	}
	return nil
}
