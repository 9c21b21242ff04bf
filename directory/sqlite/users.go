package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// userColumns selects a user with its profile from "users AS u"; scanUser reads them.
const userColumns = `u.id, u.email, u.external_id, u.metadata, u.last_login, u.create_time, u.update_time,
	u.profile_id, u.name, u.given_name, u.family_name, u.email_verified, u.phone_number,
	u.phone_number_verified, u.locale, u.picture, u.preferred_username, u.gender, u."groups",
	u.custom_attributes, u.profile_metadata`

type scanner interface{ Scan(dest ...any) error }

// scanUser reads userColumns, after any leading columns given in pre.
func scanUser(row scanner, pre ...any) (*directory.User, error) {
	var (
		u                                       directory.User
		p                                       = &u.Profile
		externalID, lastLogin                   sql.NullString
		name, given, family, phone, locale, pic sql.NullString
		username, gender                        sql.NullString
		metadata, created, updated              string
		groups, custom, profileMeta             string
	)
	dest := append(pre, &u.ID, &u.Email, &externalID, &metadata, &lastLogin, &created, &updated,
		&p.ID, &name, &given, &family, &p.EmailVerified, &phone,
		&p.PhoneNumberVerified, &locale, &pic, &username, &gender, &groups,
		&custom, &profileMeta)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	u.ExternalID = strPtr(externalID)
	p.Email = u.Email
	p.Name, p.GivenName, p.FamilyName = strPtr(name), strPtr(given), strPtr(family)
	p.PhoneNumber, p.Locale, p.Picture = strPtr(phone), strPtr(locale), strPtr(pic)
	p.PreferredUsername, p.Gender = strPtr(username), strPtr(gender)
	if u.CreateTime, err = parseTime(created); err != nil {
		return nil, err
	}
	if u.UpdateTime, err = parseTime(updated); err != nil {
		return nil, err
	}
	if u.LastLogin, err = parseTimePtr(lastLogin); err != nil {
		return nil, err
	}
	if u.Metadata, err = decodeMap(metadata); err != nil {
		return nil, err
	}
	if p.Groups, err = decodeList(groups); err != nil {
		return nil, err
	}
	if p.CustomAttributes, err = decodeMap(custom); err != nil {
		return nil, err
	}
	if p.Metadata, err = decodeMap(profileMeta); err != nil {
		return nil, err
	}
	return &u, nil
}

// keysJSON encodes batch keys as one JSON array: the whole batch is one bound parameter,
// read back row by row with json_each, whose "key" column is the index in the array.
func keysJSON(keys []string) string {
	b, err := json.Marshal(keys)
	if err != nil {
		panic(fmt.Sprintf("sqlite: encoding keys: %v", err)) // strings always encode
	}
	return string(b)
}

// usersBy loads users matching keys on one column, in one statement: join is the condition
// between "users AS u" and "json_each(?) AS k". Entry i answers keys[i]; duplicates each get
// their answer because json_each yields one row per array element.
func usersBy(ctx context.Context, c conn, join string, keys []string) ([]*directory.User, error) {
	out := make([]*directory.User, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, `SELECT k.key, `+userColumns+`
		FROM json_each(?) AS k JOIN users AS u ON `+join, keysJSON(keys))
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
		out[i] = u
	}
	return out, rows.Err()
}

// UsersByID returns the users with the given ids, in key order, nil for unknown ids.
func (s *Store) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), `u.id = k.value`, ids)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users by id: %w", err)
	}
	return out, nil
}

// UsersByEmail matches emails case-insensitively, as the NOCASE email column does.
func (s *Store) UsersByEmail(ctx context.Context, emails []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), `u.email = k.value COLLATE NOCASE`, emails)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users by email: %w", err)
	}
	return out, nil
}

// UsersByExternalID returns the users with the given external ids.
func (s *Store) UsersByExternalID(ctx context.Context, externalIDs []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), `u.external_id = k.value`, externalIDs)
	if err != nil {
		return nil, fmt.Errorf("sqlite: users by external id: %w", err)
	}
	return out, nil
}

const usersCursor = "users"

// ListUsers pages through users in id (creation) order. The organization filter keeps users
// with a membership there; Search is a case-insensitive substring match.
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
	if q.OrganizationID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM memberships AS m WHERE m.user_id = u.id AND m.organization_id = ?)`)
		args = append(args, q.OrganizationID)
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		// LIKE is case-insensitive for ASCII letters in SQLite; wildcards in the text are
		// escaped so that "100%" matches those four characters, not "100" and anything.
		var ors []string
		for _, col := range []string{"u.email", "u.name", "u.given_name", "u.family_name", "u.id", "u.external_id"} {
			ors = append(ors, col+` LIKE ? ESCAPE '\'`)
			args = append(args, "%"+escapeLike(search)+"%")
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	filter := "TRUE"
	if len(where) > 0 {
		filter = strings.Join(where, " AND ")
	}

	page := &directory.Page[*directory.User]{}
	err = s.readTx(ctx, func(c conn) error {
		if err := c.queryRow(ctx, `SELECT count(*) FROM users AS u WHERE `+filter, args...).Scan(&page.TotalCount); err != nil {
			return err
		}
		rows, err := c.query(ctx, `SELECT `+userColumns+` FROM users AS u WHERE `+filter+` AND u.id > ?
			ORDER BY u.id LIMIT ?`, append(args, after, q.First+1)...)
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
		return nil, fmt.Errorf("sqlite: listing users: %w", err)
	}
	page.Items, page.HasNextPage = sqlkit.Trim(page.Items, q.First)
	page.Cursors = sqlkit.Cursors(usersCursor, page.Items, func(u *directory.User) string { return u.ID })
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
