package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// orgExternalIDTaken reports whether another organization than self holds the external id.
func orgExternalIDTaken(ctx context.Context, c conn, externalID, self string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM organizations WHERE external_id = ? AND id <> ?`, externalID, self)
}

func orgTaken(externalID string) directory.FieldError {
	return problem(directory.CodeTaken, fmt.Sprintf("externalId %q is taken by another organization", externalID), "externalId")
}

// orgUniqueProblem maps a UNIQUE failure (another writer won a race) to TAKEN.
func orgUniqueProblem(d *dialect, err error, externalID *string) error {
	if err != nil && externalID != nil && d.unique(err, "organizations.external_id") {
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

// organizationForUpdate reads an organization with its version, for a read-modify-write.
func organizationForUpdate(ctx context.Context, c conn, id string) (*directory.Organization, int64, error) {
	var version int64
	o, err := scanOrganization(c.queryRow(ctx, `SELECT o.version, `+organizationColumns+`
		FROM organizations AS o WHERE o.id = ?`+c.forUpdate("o"), id), &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	return o, version, err
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
		t := now()
		id := newID(orgPrefix)
		_, err := c.exec(ctx, `INSERT INTO organizations (id, display_name, external_id, metadata, create_time, update_time)
			VALUES (?, ?, ?, ?, ?, ?)`, id, in.DisplayName, in.ExternalID, jsonText(in.Metadata), t, t)
		if err := orgUniqueProblem(c.d, err, in.ExternalID); err != nil {
			return err
		}
		out, err = organizationByID(ctx, c, id)
		return err
	})
	if err != nil {
		return nil, s.writeError("creating an organization", err)
	}
	return out, nil
}

// UpdateOrganization applies a patch with the same semantics (and the same concurrency
// control) as UpdateUser.
func (s *Store) UpdateOrganization(ctx context.Context, in directory.OrganizationUpdate) (*directory.Organization, error) {
	var out *directory.Organization
	err := s.writeTx(ctx, func(c conn) error {
		o, version, err := organizationForUpdate(ctx, c, in.ID)
		if err != nil {
			return err
		}
		if o == nil {
			return directory.Invalid(notFound("organization", in.ID, "id"))
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
		n, err := c.changed(ctx, `UPDATE organizations SET display_name = ?, external_id = ?, metadata = ?,
			update_time = ?, version = version + 1
			WHERE id = ? AND version = ?`, o.DisplayName, o.ExternalID, jsonText(o.Metadata), now(), o.ID, version)
		if err := orgUniqueProblem(c.d, err, o.ExternalID); err != nil {
			return err
		}
		if n == 0 {
			return errConflict
		}
		out, err = organizationByID(ctx, c, o.ID)
		return err
	})
	if err != nil {
		return nil, s.writeError("updating an organization", s.conflict(err, "organization", in.ID, "id"))
	}
	return out, nil
}

// DeleteOrganization deletes an organization; its memberships go by ON DELETE CASCADE and
// the users stay.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(c conn) error {
		n, err := c.changed(ctx, `DELETE FROM organizations WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return directory.Invalid(notFound("organization", id, "id"))
		}
		return nil
	})
	if err != nil {
		return s.writeError("deleting an organization", err)
	}
	return nil
}
