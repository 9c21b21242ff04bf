package sqlstore

import (
	"context"

	"github.com/usergraph/usergraph/directory"
)

const organizationColumns = `o.id, o.display_name, o.external_id, o.metadata, o.create_time, o.update_time`

func scanOrganization(row scanner, pre ...any) (*directory.Organization, error) {
	var (
		o        directory.Organization
		metadata []byte
	)
	if err := row.Scan(append(pre, &o.ID, &o.DisplayName, &o.ExternalID, &metadata, at(&o.CreateTime), at(&o.UpdateTime))...); err != nil {
		return nil, err
	}
	var err error
	if o.Metadata, err = decodeMap(metadata); err != nil {
		return nil, err
	}
	return &o, nil
}

// organizationsBy loads organizations matching keys on one column, in one statement (see usersBy).
func organizationsBy(ctx context.Context, c conn, join string, keys []string) ([]*directory.Organization, error) {
	return byKeys(ctx, c, `SELECT k.key, `+organizationColumns+`
		FROM `+c.d.keys+` AS k JOIN organizations AS o ON `+join, keys, scanOrganization)
}

// OrganizationsByID returns the organizations with the given ids, in key order.
func (s *Store) OrganizationsByID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	out, err := organizationsBy(ctx, s.read(), `o.id = k.value`, ids)
	if err != nil {
		return nil, s.fail("organizations by id", err)
	}
	return out, nil
}

// OrganizationsByExternalID returns the organizations with the given external ids.
func (s *Store) OrganizationsByExternalID(ctx context.Context, externalIDs []string) ([]*directory.Organization, error) {
	out, err := organizationsBy(ctx, s.read(), `o.external_id = k.value`, externalIDs)
	if err != nil {
		return nil, s.fail("organizations by external id", err)
	}
	return out, nil
}

const organizationsCursor = "organizations"

// ListOrganizations pages through organizations in id (creation) order.
func (s *Store) ListOrganizations(ctx context.Context, q directory.PageQuery) (*directory.Page[*directory.Organization], error) {
	if err := checkFirst(q.First); err != nil {
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
		return nil, s.fail("listing organizations", err)
	}
	page.Items, page.HasNextPage = trim(page.Items, q.First)
	page.Cursors = cursors(organizationsCursor, page.Items, func(o *directory.Organization) string { return o.ID })
	return page, nil
}
