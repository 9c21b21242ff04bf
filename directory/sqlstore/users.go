package sqlstore

import (
	"context"
	"strings"

	"github.com/usergraph/usergraph/directory"
)

// userColumns selects a user with its profile from "users AS u"; scanUser reads them.
const userColumns = `u.id, u.email, u.external_id, u.metadata, u.last_login, u.create_time, u.update_time,
	u.profile_id, u.name, u.given_name, u.family_name, u.email_verified, u.phone_number,
	u.phone_number_verified, u.locale, u.picture, u.preferred_username, u.gender, u."groups",
	u.custom_attributes, u.profile_metadata`

// scanUser reads userColumns, after any leading columns given in pre.
func scanUser(row scanner, pre ...any) (*directory.User, error) {
	var (
		u                                  directory.User
		p                                  = &u.Profile
		metadata, groups, custom, profMeta []byte
	)
	dest := append(pre, &u.ID, &u.Email, &u.ExternalID, &metadata, maybe(&u.LastLogin), at(&u.CreateTime), at(&u.UpdateTime),
		&p.ID, &p.Name, &p.GivenName, &p.FamilyName, &p.EmailVerified, &p.PhoneNumber,
		&p.PhoneNumberVerified, &p.Locale, &p.Picture, &p.PreferredUsername, &p.Gender, &groups,
		&custom, &profMeta)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	p.Email = u.Email
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
// between "users AS u" and the keys "k" (k.value, and k.key its index). Entry i answers
// keys[i]; duplicates each get their answer because the keys relation yields one row per
// element.
func usersBy(ctx context.Context, c conn, join string, keys []string) ([]*directory.User, error) {
	return byKeys(ctx, c, `SELECT k.key, `+userColumns+`
		FROM `+c.d.keys+` AS k JOIN users AS u ON `+join, keys, scanUser)
}

// Join conditions of usersBy.
const (
	userByIDJoin         = `u.id = k.value`
	userByExternalIDJoin = `u.external_id = k.value`
)

// UsersByID returns the users with the given ids, in key order, nil for unknown ids.
func (s *Store) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), userByIDJoin, ids)
	if err != nil {
		return nil, s.fail("users by id", err)
	}
	return out, nil
}

// UsersByEmail matches emails with ASCII case folding, as the unique index on emails does
// (which this lookup uses).
func (s *Store) UsersByEmail(ctx context.Context, emails []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), s.d.emailEq("u.email", "k.value"), emails)
	if err != nil {
		return nil, s.fail("users by email", err)
	}
	return out, nil
}

// UsersByExternalID returns the users with the given external ids.
func (s *Store) UsersByExternalID(ctx context.Context, externalIDs []string) ([]*directory.User, error) {
	out, err := usersBy(ctx, s.read(), userByExternalIDJoin, externalIDs)
	if err != nil {
		return nil, s.fail("users by external id", err)
	}
	return out, nil
}

const usersCursor = "users"

// searchColumns are the columns ListUsers' Search looks into.
var searchColumns = []string{"u.email", "u.name", "u.given_name", "u.family_name", "u.id", "u.external_id"}

// ListUsers pages through users in id (creation) order. The organization filter keeps users
// with a membership there; Search is a substring match with ASCII case folding, in which
// % and _ are literal characters.
func (s *Store) ListUsers(ctx context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	if err := checkFirst(q.First); err != nil {
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
		return "?"
	}
	if q.OrganizationID != "" {
		where = append(where, `EXISTS (SELECT 1 FROM memberships AS m WHERE m.user_id = u.id AND m.organization_id = `+
			arg(keyParam(q.OrganizationID))+`)`)
	}
	if search := strings.TrimSpace(q.Search); search != "" {
		// Wildcards in the text are escaped, so that "100%" matches those four characters,
		// not "100" and anything.
		var ors []string
		for _, col := range searchColumns {
			ors = append(ors, s.d.fold(col)+` LIKE `+s.d.fold(arg(keyParam("%"+escapeLike(search)+"%")))+` ESCAPE '\'`)
		}
		where = append(where, "("+strings.Join(ors, " OR ")+")")
	}
	filter := "1 = 1"
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
		return nil, s.fail("listing users", err)
	}
	page.Items, page.HasNextPage = trim(page.Items, q.First)
	page.Cursors = cursors(usersCursor, page.Items, func(u *directory.User) string { return u.ID })
	return page, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
