package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// membershipColumns selects a membership from "memberships AS m" with its role ids (ordered
// by role name) and its effective permissions (distinct, sorted), both aggregated into JSON
// arrays by sub-selects so that a page of memberships stays one statement.
const membershipColumns = `m.user_id, m.organization_id, m.status, m.join_time,
	m.primary_identity_provider, m.metadata, m.inviter_email, m.expires_at,
	(SELECT json_group_array(r.id ORDER BY r.name)
		FROM membership_roles AS mr JOIN roles AS r ON r.id = mr.role_id
		WHERE mr.user_id = m.user_id AND mr.organization_id = m.organization_id),
	(SELECT json_group_array(DISTINCT rp.permission_name ORDER BY rp.permission_name)
		FROM membership_roles AS mr JOIN role_permissions AS rp ON rp.role_id = mr.role_id
		WHERE mr.user_id = m.user_id AND mr.organization_id = m.organization_id)`

// scanMembership reads membershipColumns after the leading columns in pre. It returns nil
// without error when the membership columns are NULL (an outer join that matched nothing).
func scanMembership(row scanner, pre ...any) (*directory.Membership, error) {
	var (
		userID, orgID, status, metadata                  sql.NullString
		joinTime, provider, inviter, expires, roles, per sql.NullString
	)
	dest := append(pre, &userID, &orgID, &status, &joinTime, &provider, &metadata, &inviter, &expires, &roles, &per)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if !userID.Valid {
		return nil, nil
	}
	m := &directory.Membership{
		UserID:                  userID.String,
		OrganizationID:          orgID.String,
		Status:                  directory.MembershipStatus(status.String),
		PrimaryIdentityProvider: strPtr(provider),
		InviterEmail:            strPtr(inviter),
	}
	var err error
	if m.JoinTime, err = parseTimePtr(joinTime); err != nil {
		return nil, err
	}
	if m.ExpiresAt, err = parseTimePtr(expires); err != nil {
		return nil, err
	}
	if m.Metadata, err = decodeMap(metadata.String); err != nil {
		return nil, err
	}
	if m.RoleIDs, err = decodeList(roles.String); err != nil {
		return nil, err
	}
	if m.Permissions, err = decodeList(per.String); err != nil {
		return nil, err
	}
	return m, nil
}

// MembershipsByUser returns every membership of each user, ordered by organization id; a
// user without memberships (or unknown) gets an empty list.
func (s *Store) MembershipsByUser(ctx context.Context, userIDs []string) ([][]*directory.Membership, error) {
	out := make([][]*directory.Membership, len(userIDs))
	for i := range out {
		out[i] = []*directory.Membership{}
	}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.read().query(ctx, `SELECT k.key, `+membershipColumns+`
		FROM json_each(?) AS k JOIN memberships AS m ON m.user_id = k.value
		ORDER BY k.key, m.organization_id`, keysJSON(userIDs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: memberships by user: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		m, err := scanMembership(rows, &i)
		if err != nil {
			return nil, fmt.Errorf("sqlite: memberships by user: %w", err)
		}
		out[i] = append(out[i], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: memberships by user: %w", err)
	}
	return out, nil
}

// membersCursor binds a members cursor to its organization, so that a cursor of one
// organization's members is refused by another's.
func membersCursor(orgID string) string { return "members:" + orgID }

// membersSQL answers a batch of members queries in one statement. Each query is an object
// of the JSON array bound to it; its index is "qi". The total of each query is computed
// once (the CTE is MATERIALIZED, so the count does not run again for every row), the page
// rows are numbered per query and cut at the query's limit, and the outer join keeps a row
// for queries whose page is empty so that their total still comes back.
const membersSQL = `WITH q AS MATERIALIZED (
	SELECT k.key AS qi, k.value ->> 'org' AS org, k.value ->> 'status' AS status,
		k.value ->> 'after' AS after, k.value ->> 'limit' AS lim,
		(SELECT count(*) FROM memberships AS c
			WHERE c.organization_id = k.value ->> 'org'
			AND (k.value ->> 'status' = '' OR c.status = k.value ->> 'status')) AS total
	FROM json_each(?) AS k
), ranked AS (
	SELECT q.qi, m.user_id, m.organization_id,
		row_number() OVER (PARTITION BY q.qi ORDER BY m.user_id) AS rn
	FROM q JOIN memberships AS m ON m.organization_id = q.org
		AND (q.status = '' OR m.status = q.status) AND m.user_id > q.after
)
SELECT q.qi, q.total, ` + membershipColumns + `
FROM q
LEFT JOIN ranked AS p ON p.qi = q.qi AND p.rn <= q.lim
LEFT JOIN memberships AS m ON m.user_id = p.user_id AND m.organization_id = p.organization_id
ORDER BY q.qi, p.user_id`

type membersArg struct {
	Org    string `json:"org"`
	Status string `json:"status"`
	After  string `json:"after"`
	Limit  int    `json:"limit"`
}

// Members answers several members queries in one statement, each page ordered by user id.
// A query with a bad page size or cursor fails alone, through directory.KeyErrors; the
// others are still answered.
func (s *Store) Members(ctx context.Context, queries []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
	out := make([]*directory.Page[*directory.Membership], len(queries))
	keyErrs := make(directory.KeyErrors, len(queries))
	failed := false
	var args []membersArg
	var index []int // index[j] is the query that args[j] came from
	for i, q := range queries {
		after, err := decodeAfter(membersCursor(q.OrganizationID), q.After)
		if err == nil {
			err = sqlkit.CheckFirst(q.First)
		}
		if err == nil && q.Status != "" && !q.Status.Valid() {
			err = directory.Invalid(directory.FieldError{Field: []string{"status"}, Code: directory.CodeInvalid,
				Message: fmt.Sprintf("%q is not a membership status", q.Status)})
		}
		if err != nil {
			keyErrs[i], failed = err, true
			continue
		}
		args = append(args, membersArg{Org: q.OrganizationID, Status: string(q.Status), After: after, Limit: q.First + 1})
		index = append(index, i)
	}
	if len(args) > 0 {
		if err := s.members(ctx, args, index, queries, out); err != nil {
			return nil, fmt.Errorf("sqlite: members: %w", err)
		}
	}
	if failed {
		return out, keyErrs
	}
	return out, nil
}

func (s *Store) members(ctx context.Context, args []membersArg, index []int, queries []directory.MembersQuery, out []*directory.Page[*directory.Membership]) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	rows, err := s.read().query(ctx, membersSQL, string(b))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var j, total int
		m, err := scanMembership(rows, &j, &total)
		if err != nil {
			return err
		}
		if j < 0 || j >= len(index) {
			return errors.New("query index out of range")
		}
		page := out[index[j]]
		if page == nil {
			page = &directory.Page[*directory.Membership]{Items: []*directory.Membership{}, TotalCount: total}
			out[index[j]] = page
		}
		if m != nil {
			page.Items = append(page.Items, m)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for j, i := range index {
		page := out[i]
		if page == nil { // cannot happen: the outer join yields a row per query
			return fmt.Errorf("no answer for query %d", j)
		}
		first := queries[i].First
		page.Items, page.HasNextPage = sqlkit.Trim(page.Items, first)
		page.Cursors = sqlkit.Cursors(membersCursor(queries[i].OrganizationID), page.Items,
			func(m *directory.Membership) string { return m.UserID })
	}
	return nil
}
