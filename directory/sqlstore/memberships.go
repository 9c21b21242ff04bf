package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// membershipColumns selects a membership from "memberships AS m" (or a sub-select of its
// columns named m) with its role ids (ordered by role name) and its effective permissions
// (distinct, sorted), both aggregated into JSON arrays by sub-selects so that a page of
// memberships stays one statement.
func membershipColumns(d *dialect) string {
	return `m.user_id, m.organization_id, m.status, m.join_time,
	m.primary_identity_provider, m.metadata, m.inviter_email, m.expires_at,
	(SELECT ` + d.jsonArray(`r.id ORDER BY r.name`) + `
		FROM membership_roles AS mr JOIN roles AS r ON r.id = mr.role_id
		WHERE mr.user_id = m.user_id AND mr.organization_id = m.organization_id),
	(SELECT ` + d.jsonArray(`DISTINCT rp.permission_name ORDER BY rp.permission_name`) + `
		FROM membership_roles AS mr JOIN role_permissions AS rp ON rp.role_id = mr.role_id
		WHERE mr.user_id = m.user_id AND mr.organization_id = m.organization_id)`
}

// scanMembership reads membershipColumns after the leading columns in pre. It returns nil
// without error when the membership columns are NULL (an outer join that matched nothing).
func scanMembership(row scanner, pre ...any) (*directory.Membership, error) {
	var (
		userID, orgID, status        *string
		m                            directory.Membership
		metadata, roles, permissions []byte
	)
	dest := append(pre, &userID, &orgID, &status, maybe(&m.JoinTime), &m.PrimaryIdentityProvider, &metadata,
		&m.InviterEmail, maybe(&m.ExpiresAt), &roles, &permissions)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if userID == nil {
		return nil, nil
	}
	m.UserID, m.OrganizationID, m.Status = *userID, *orgID, directory.MembershipStatus(*status)
	var err error
	if m.Metadata, err = decodeMap(metadata); err != nil {
		return nil, err
	}
	if m.RoleIDs, err = decodeList(roles); err != nil {
		return nil, err
	}
	if m.Permissions, err = decodeList(permissions); err != nil {
		return nil, err
	}
	return &m, nil
}

// MembershipsByUser returns every membership of each user, ordered by organization id; a
// user without memberships (or unknown) gets an empty list.
func (s *Store) MembershipsByUser(ctx context.Context, userIDs []string) ([][]*directory.Membership, error) {
	out, err := listsByKeys(ctx, s.read(), `SELECT k.key, `+s.d.membershipColumns+`
		FROM `+s.d.keys+` AS k JOIN memberships AS m ON m.user_id = k.value
		ORDER BY k.key, m.organization_id`, userIDs, scanMembership)
	if err != nil {
		return nil, s.fail("memberships by user", err)
	}
	return out, nil
}

// membersCursor binds a members cursor to its organization, so that a cursor of one
// organization's members is refused by another's.
func membersCursor(orgID string) string { return "members:" + orgID }

// membersArg is one members query as the dialect's membersSQL takes it; a nil organization
// or status (one no column can hold) matches nothing.
type membersArg struct {
	Org    *string `json:"org"`
	Status *string `json:"status"`
	After  string  `json:"after"`
	Limit  int     `json:"limit"`
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
			err = checkFirst(q.First)
		}
		if err == nil && q.Status != "" && !q.Status.Valid() {
			err = directory.Invalid(directory.FieldError{Field: []string{"status"}, Code: directory.CodeInvalid,
				Message: fmt.Sprintf("%q is not a membership status", q.Status)})
		}
		if err != nil {
			keyErrs[i], failed = err, true
			continue
		}
		args = append(args, membersArg{Org: keyParam(q.OrganizationID), Status: keyParam(string(q.Status)),
			After: after, Limit: q.First + 1})
		index = append(index, i)
	}
	if len(index) > 0 {
		if err := s.members(ctx, args, index, queries, out); err != nil {
			return nil, s.fail("members", err)
		}
	}
	if failed {
		return out, keyErrs
	}
	return out, nil
}

// members answers the valid queries in one statement (the dialect's membersSQL): qi is the
// index of a query in args, and each query has at least one row, so that its total comes
// back even when its page is empty.
func (s *Store) members(ctx context.Context, args []membersArg, index []int, queries []directory.MembersQuery, out []*directory.Page[*directory.Membership]) error {
	rows, err := s.read().query(ctx, s.d.members, s.d.membersArgs(args)...)
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
		page.Items, page.HasNextPage = trim(page.Items, first)
		page.Cursors = cursors(membersCursor(queries[i].OrganizationID), page.Items,
			func(m *directory.Membership) string { return m.UserID })
	}
	return nil
}
