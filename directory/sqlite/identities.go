package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// UserByIdentity returns the user linked to the account named by in.Sub.
func (s *Store) UserByIdentity(ctx context.Context, in directory.IdentityLookup) (*directory.User, error) {
	row := s.read().queryRow(ctx, `SELECT `+userColumns+` FROM identities AS i JOIN users AS u ON u.id = i.user_id
		WHERE i.sub = ?`, in.Sub)
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: user by identity: %w", err)
	}
	return u, nil
}

// IdentitiesByUser returns every user's identities in one statement, latest login first.
func (s *Store) IdentitiesByUser(ctx context.Context, userIDs []string) ([][]*directory.Identity, error) {
	out := make([][]*directory.Identity, len(userIDs))
	for i := range out {
		out[i] = []*directory.Identity{}
	}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.read().query(ctx, `SELECT k.key, i.sub, i.connection_id, i.organization_id, i.connection_type,
		i.provider_name, i.social, i.provider_user_id, i.raw_attributes, i.last_login
		FROM json_each(?) AS k JOIN identities AS i ON i.user_id = k.value
		ORDER BY k.key, i.last_login DESC, i.sub`, keysJSON(userIDs))
	if err != nil {
		return nil, fmt.Errorf("sqlite: identities by user: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k                                int
			id                               directory.Identity
			conn, org, ctype, provider, puid sql.NullString
			raw                              string
			last                             sql.NullString
		)
		if err := rows.Scan(&k, &id.Sub, &conn, &org, &ctype, &provider, &id.Social, &puid, &raw, &last); err != nil {
			return nil, fmt.Errorf("sqlite: identities by user: %w", err)
		}
		id.ConnectionID, id.OrganizationID, id.ConnectionType = strPtr(conn), strPtr(org), strPtr(ctype)
		id.ProviderName, id.ProviderUserID = strPtr(provider), strPtr(puid)
		id.ProviderRawAttributes = []byte(raw)
		if id.LastLogin, err = parseTimePtr(last); err != nil {
			return nil, fmt.Errorf("sqlite: identities by user: %w", err)
		}
		out[k] = append(out[k], &id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: identities by user: %w", err)
	}
	return out, nil
}

// LinkIdentity links an account to a user, or refreshes an existing link of that user.
func (s *Store) LinkIdentity(ctx context.Context, userID string, id directory.Identity) error {
	if id.Sub == "" {
		return directory.Invalid(sqlkit.Problem(directory.CodeRequired, "an identity needs a sub", "identity"))
	}
	if len(id.ProviderRawAttributes) > directory.MaxRawAttributesBytes {
		return directory.Invalid(sqlkit.Problem(directory.CodeTooLong, "raw attributes are too large", "rawAttributes"))
	}
	return s.writeTx(ctx, func(c conn) error {
		ok, err := userExists(ctx, c, userID)
		if err != nil {
			return err
		}
		if !ok {
			return directory.Invalid(sqlkit.NotFound("user", userID, "userId"))
		}
		t := formatTime(now())
		// The ON CONFLICT branch only fires for this user's own link: an account linked to
		// another user keeps its owner and the statement changes nothing.
		res, err := c.exec(ctx, `INSERT INTO identities (sub, user_id, connection_id, organization_id, connection_type,
			provider_name, social, provider_user_id, raw_attributes, last_login, create_time, update_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (sub) DO UPDATE SET connection_id = excluded.connection_id,
				organization_id = excluded.organization_id, connection_type = excluded.connection_type,
				provider_name = excluded.provider_name, social = excluded.social,
				provider_user_id = excluded.provider_user_id, raw_attributes = excluded.raw_attributes,
				last_login = excluded.last_login, update_time = excluded.update_time
			WHERE identities.user_id = excluded.user_id`,
			id.Sub, userID, id.ConnectionID, id.OrganizationID, id.ConnectionType, id.ProviderName, id.Social,
			id.ProviderUserID, string(id.ProviderRawAttributes), formatTimePtr(id.LastLogin), t, t)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			if err != nil {
				return err
			}
			return directory.Invalid(sqlkit.Problem(directory.CodeTaken,
				fmt.Sprintf("the account %q is linked to another user", id.Sub), "identity"))
		}
		if id.LastLogin != nil {
			_, err = c.exec(ctx, `UPDATE users SET last_login = ? WHERE id = ? AND (last_login IS NULL OR last_login < ?)`,
				formatTimePtr(id.LastLogin), userID, formatTimePtr(id.LastLogin))
		}
		return err
	})
}
