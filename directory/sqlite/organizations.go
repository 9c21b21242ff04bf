package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

const organizationColumns = `o.id, o.display_name, o.external_id, o.metadata, o.create_time, o.update_time`

func scanOrganization(row scanner, pre ...any) (*directory.Organization, error) {
	var (
		o                          directory.Organization
		externalID                 sql.NullString
		metadata, created, updated string
	)
	if err := row.Scan(append(pre, &o.ID, &o.DisplayName, &externalID, &metadata, &created, &updated)...); err != nil {
		return nil, err
	}
	var err error
	o.ExternalID = strPtr(externalID)
	if o.Metadata, err = decodeMap(metadata); err != nil {
		return nil, err
	}
	if o.CreateTime, err = parseTime(created); err != nil {
		return nil, err
	}
	if o.UpdateTime, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &o, nil
}

// organizationsBy loads organizations matching keys on one column, in one statement (see usersBy).
func organizationsBy(ctx context.Context, c conn, join string, keys []string) ([]*directory.Organization, error) {
	out := make([]*directory.Organization, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, `SELECT k.key, `+organizationColumns+`
		FROM json_each(?) AS k JOIN organizations AS o ON `+join, keysJSON(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		o, err := scanOrganization(rows, &i)
		if err != nil {
			return nil, err
		}
		out[i] = o
	}
	return out, rows.Err()
}

// OrganizationsByID returns the organizations with the given ids, in key order.
func (s *Store) OrganizationsByID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	out, err := organizationsBy(ctx, s.read(), `o.id = k.value`, ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: organizations by id: %w", err)
	}
	return out, nil
}

// OrganizationsByExternalID returns the organizations with the given external ids.
func (s *Store) OrganizationsByExternalID(ctx context.Context, externalIDs []string) ([]*directory.Organization, error) {
	out, err := organizationsBy(ctx, s.read(), `o.external_id = k.value`, externalIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: organizations by external id: %w", err)
	}
	return out, nil
}

const organizationsCursor = "organizations"

// ListOrganizations pages through organizations in id (creation) order.
func (s *Store) ListOrganizations(ctx context.Context, q directory.PageQuery) (*directory.Page[*directory.Organization], error) {
	if err := sqlkit.CheckFirst(q.First); err != nil {
		return nil, err
	}
	after, err := decodeAfter(organizationsCursor, q.After)
	if err != nil {
		return nil, err
	}
	page := &directory.Page[*directory.Organization]{}
	err = s.readTx(ctx, func(c conn) error {
		if err := c.queryRow(ctx, `SELECT count(*) FROM organizations`).Scan(&page.TotalCount); err != nil {
			return err
		}
		rows, err := c.query(ctx, `SELECT `+organizationColumns+` FROM organizations AS o
			WHERE o.id > ? ORDER BY o.id LIMIT ?`, after, q.First+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			o, err := scanOrganization(rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, o)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing organizations: %w", err)
	}
	page.Items, page.HasNextPage = sqlkit.Trim(page.Items, q.First)
	page.Cursors = sqlkit.Cursors(organizationsCursor, page.Items, func(o *directory.Organization) string { return o.ID })
	return page, nil
}
