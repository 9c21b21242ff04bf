package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// userColumns selects a user with its profile from "users AS u"; scanUser reads them.
const userColumns = `u.id, u.email, u.external_id, u.metadata, u.last_login, u.create_time, u.update_time,
	u.profile_id, u.name, u.given_name, u.family_name, u.email_verified, u.phone_number,
	u.phone_number_verified, u.locale, u.picture, u.preferred_username, u.gender, u."groups",
	u.custom_attributes, u.profile_metadata`

// scanUser reads userColumns, after any leading columns given in pre.
func scanUser(row pgx.Row, pre ...any) (*directory.User, error) {
	var (
		u                                  directory.User
		p                                  = &u.Profile
		lastLogin                          *time.Time
		metadata, groups, custom, profMeta []byte
	)
	dest := append(pre, &u.ID, &u.Email, &u.ExternalID, &metadata, &lastLogin, &u.CreateTime, &u.UpdateTime,
		&p.ID, &p.Name, &p.GivenName, &p.FamilyName, &p.EmailVerified, &p.PhoneNumber,
		&p.PhoneNumberVerified, &p.Locale, &p.Picture, &p.PreferredUsername, &p.Gender, &groups,
		&custom, &profMeta)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	p.Email = u.Email
	u.CreateTime, u.UpdateTime, u.LastLogin = u.CreateTime.UTC(), u.UpdateTime.UTC(), utcPtr(lastLogin)
	if u.Metadata, err = decodeMap(metadata); err != nil {
		return nil, err
	}
	if p.Groups, err = decodeList(groups); err != nil {
		return nil, err
	}
	if p.CustomAttributes, err = decodeMap(custom); err != nil {
		return nil, err
	}
	if p.Metadata, err = decodeMap(profMeta); err != nil {
		return nil, err
	}
	return &u, nil
}

// usersBy loads users matching keys on one column, in one statement: join is the condition
// between "users AS u" and the keys "k" (k.value, and k.i its index, counting from 1).
// Entry i answers keys[i]; duplicates each get their answer because unnest yields one row
// per array element.
func usersBy(ctx context.Context, c conn, join string, keys []string) ([]*directory.User, error) {
	out := make([]*directory.User, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, `SELECT k.i, `+userColumns+`
		FROM unnest($1::text[]) WITH ORDINALITY AS k (value, i) JOIN users AS u ON `+join, keyArray(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		u, err := scanUser(rows, &i)
		if err != nil {
			return nil, err
		}
		if i < 1 || i > len(out) {
			return nil, fmt.Errorf("key index %d out of range", i)
		}
		out[i-1] = u
	}
	return out, rows.Err()
}

// Join conditions of usersBy.
const (
	userByIDJoin         = `u.id = k.value`
	userByEmailJoin      = `lower(u.email COLLATE "C") = lower(k.value COLLATE "C")`
	userByExternalIDJoin = `u.external_id = k.value`
)

// UsersByID returns the users with the given ids, in key order, nil for unknown ids.
func (s *Store) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), userByIDJoin, ids)
	if err != nil {
		return nil, fmt.Errorf("postgres: users by id: %w", err)
	}
	return out, nil
}

// UsersByEmail matches emails with ASCII case folding, as SQLite's NOCASE does (and the
// unique index on lower(email COLLATE "C"), which this lookup uses).
func (s *Store) UsersByEmail(ctx context.Context, emails []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), userByEmailJoin, emails)
	if err != nil {
		return nil, fmt.Errorf("postgres: users by email: %w", err)
	}
	return out, nil
}

// UsersByExternalID returns the users with the given external ids.
func (s *Store) UsersByExternalID(ctx context.Context, externalIDs []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), userByExternalIDJoin, externalIDs)
	if err != nil {
		return nil, fmt.Errorf("postgres: users by external id: %w", err)
	}
	return out, nil
}

const usersCursor = "users"

// searchColumns are the columns ListUsers' Search looks into.
var searchColumns = []string{"u.email", "u.name", "u.given_name", "u.family_name", "u.id", "u.external_id"}

// ListUsers pages through users in id (creation) order. The organization filter keeps users
// with a membership there; Search is a substring match with ASCII case folding (as SQLite's
// LIKE), in which % and _ are literal characters.
func (s *Store) ListUsers(ctx context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	if err := sqlkit.CheckFirst(q.First); err != nil {
		return nil, err
	}
	after, err := decodeAfter(usersCursor, q.After)
	if err != nil {
		return nil, err
	}
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if q.OrganizationID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM memberships AS m WHERE m.user_id = u.id AND m.organization_id = `+
			arg(keyParam(q.OrganizationID))+`)`)
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		// strpos, not LIKE: no wildcard in the text to escape. lower() under the "C"
		// collation folds ASCII letters only, as SQLite's LIKE does.
		p := arg(keyParam(search))
		var ors []string
		for _, col := range searchColumns {
			ors = append(ors, `strpos(lower(`+col+` COLLATE "C"), lower(`+p+`::text COLLATE "C")) > 0`)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	filter := "TRUE"
	if len(where) > 0 {
		filter = strings.Join(where, " AND ")
	}
	countArgs := append([]any(nil), args...)
	pageSQL := `SELECT ` + userColumns + ` FROM users AS u WHERE ` + filter + ` AND u.id > ` + arg(after) +
		` ORDER BY u.id LIMIT ` + arg(q.First+1)

	page := &directory.Page[*directory.User]{}
	err = s.readTx(ctx, func(c conn) error {
		if err := c.queryRow(ctx, `SELECT count(*) FROM users AS u WHERE `+filter, countArgs...).Scan(&page.TotalCount); err != nil {
			return err
		}
		rows, err := c.query(ctx, pageSQL, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: listing users: %w", err)
	}
	page.Items, page.HasNextPage = sqlkit.Trim(page.Items, q.First)
	page.Cursors = sqlkit.Cursors(usersCursor, page.Items, func(u *directory.User) string { return u.ID })
	return page, nil
}
