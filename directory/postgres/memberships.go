package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// membershipColumns selects a membership from "memberships AS m" (or a sub-select of its
// columns named m) with its role ids (ordered by role name) and its effective permissions
// (distinct, sorted), both as text[] sub-selects so that a page of memberships stays one
// statement.
const membershipColumns = `m.user_id, m.organization_id, m.status, m.join_time,
	m.primary_identity_provider, m.metadata, m.inviter_email, m.expires_at,
	ARRAY(SELECT r.id
		FROM membership_roles AS mr JOIN roles AS r ON r.id = mr.role_id
		WHERE mr.user_id = m.user_id AND mr.organization_id = m.organization_id
		ORDER BY r.name),
	ARRAY(SELECT DISTINCT rp.permission_name
		FROM membership_roles AS mr JOIN role_permissions AS rp ON rp.role_id = mr.role_id
		WHERE mr.user_id = m.user_id AND mr.organization_id = m.organization_id
		ORDER BY rp.permission_name)`

// scanMembership reads membershipColumns after the leading columns in pre. It returns nil
// without error when the membership columns are NULL (an outer join that matched nothing).
func scanMembership(row pgx.Row, pre ...any) (*directory.Membership, error) {
	var (
		userID, orgID, status *string
		joinTime, expires     *time.Time
		provider, inviter     *string
		metadata              []byte
		roles, permissions    []string
	)
	dest := append(pre, &userID, &orgID, &status, &joinTime, &provider, &metadata, &inviter, &expires, &roles, &permissions)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	if userID == nil {
		return nil, nil
	}
	m := &directory.Membership{
		UserID:                  *userID,
		OrganizationID:          *orgID,
		Status:                  directory.MembershipStatus(*status),
		JoinTime:                utcPtr(joinTime),
		ExpiresAt:               utcPtr(expires),
		PrimaryIdentityProvider: provider,
		InviterEmail:            inviter,
		RoleIDs:                 orEmpty(roles),
		Permissions:             orEmpty(permissions),
	}
	var err error
	if m.Metadata, err = decodeMap(metadata); err != nil {
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
	rows, err := s.read().query(ctx, `SELECT k.i, `+membershipColumns+`
		FROM unnest($1::text[]) WITH ORDINALITY AS k (value, i) JOIN memberships AS m ON m.user_id = k.value
		ORDER BY k.i, m.organization_id`, keyArray(userIDs))
	if err != nil {
		return nil, fmt.Errorf("postgres: memberships by user: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		m, err := scanMembership(rows, &i)
		if err != nil {
			return nil, fmt.Errorf("postgres: memberships by user: %w", err)
		}
		if i < 1 || i > len(out) || m == nil {
			return nil, fmt.Errorf("postgres: memberships by user: bad row for key %d", i)
		}
		out[i-1] = append(out[i-1], m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: memberships by user: %w", err)
	}
	return out, nil
}

// membersCursor binds a members cursor to its organization, so that a cursor of one
// organization's members is refused by another's.
func membersCursor(orgID string) string { return "members:" + orgID }

// membersSQL answers a batch of members queries in one statement. The queries come as four
// parallel arrays (organization, status or ”, position after which the page starts,
// limit), unnested together; qi numbers them from 1. The total of each query is computed
// once (the CTE is MATERIALIZED), each page is a LATERAL sub-select cut at its own limit,
// and the outer join keeps a row for queries whose page is empty so that their total still
// comes back.
const membersSQL = `WITH q AS MATERIALIZED (
	SELECT k.qi, k.org, k.status, k.after, k.lim,
		(SELECT count(*) FROM memberships AS c
			WHERE c.organization_id = k.org AND (k.status = '' OR c.status = k.status)) AS total
	FROM unnest($1::text[], $2::text[], $3::text[], $4::int[]) WITH ORDINALITY AS k (org, status, after, lim, qi)
)
SELECT q.qi, q.total, ` + membershipColumns + `
FROM q LEFT JOIN LATERAL (
	SELECT p.* FROM memberships AS p
	WHERE p.organization_id = q.org AND (q.status = '' OR p.status = q.status) AND p.user_id > q.after
	ORDER BY p.user_id
	LIMIT q.lim
) AS m ON TRUE
ORDER BY q.qi, m.user_id`

// Members answers several members queries in one statement, each page ordered by user id.
// A query with a bad page size or cursor fails alone, through directory.KeyErrors; the
// others are still answered.
func (s *Store) Members(ctx context.Context, queries []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
	out := make([]*directory.Page[*directory.Membership], len(queries))
	keyErrs := make(directory.KeyErrors, len(queries))
	failed := false
	var orgs, statuses []*string
	var afters []string
	var limits []int32
	var index []int // index[j] is the query that the j-th array element came from
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
		orgs = append(orgs, keyParam(q.OrganizationID))
		statuses = append(statuses, keyParam(string(q.Status)))
		afters = append(afters, after)
		limits = append(limits, int32(q.First+1))
		index = append(index, i)
	}
	if len(index) > 0 {
		if err := s.members(ctx, [4]any{orgs, statuses, afters, limits}, index, queries, out); err != nil {
			return nil, fmt.Errorf("postgres: members: %w", err)
		}
	}
	if failed {
		return out, keyErrs
	}
	return out, nil
}

func (s *Store) members(ctx context.Context, args [4]any, index []int, queries []directory.MembersQuery, out []*directory.Page[*directory.Membership]) error {
	rows, err := s.read().query(ctx, membersSQL, args[:]...)
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
		if j < 1 || j > len(index) {
			return errors.New("query index out of range")
		}
		page := out[index[j-1]]
		if page == nil {
			page = &directory.Page[*directory.Membership]{Items: []*directory.Membership{}, TotalCount: total}
			out[index[j-1]] = page
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
