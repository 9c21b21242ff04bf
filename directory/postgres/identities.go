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

// UserByIdentity returns the user linked to the account named by in.Sub, or nil.
func (s *Store) UserByIdentity(ctx context.Context, in directory.IdentityLookup) (*directory.User, error) {
	row := s.read().queryRow(ctx, `SELECT `+userColumns+` FROM identities AS i JOIN users AS u ON u.id = i.user_id
		WHERE i.sub = $1`, keyParam(in.Sub))
	u, err := scanUser(row)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: user by identity: %w", err)
	}
	return u, nil
}

// IdentitiesByUser returns every user's identities in one statement, latest login first
// (never-logged-in links last, then by sub); a user without any gets an empty list.
func (s *Store) IdentitiesByUser(ctx context.Context, userIDs []string) ([][]*directory.Identity, error) {
	out := make([][]*directory.Identity, len(userIDs))
	for i := range out {
		out[i] = []*directory.Identity{}
	}
	if len(userIDs) == 0 {
		return out, nil
	}
	rows, err := s.read().query(ctx, `SELECT k.i, d.sub, d.connection_id, d.organization_id, d.connection_type,
		d.provider_name, d.social, d.provider_user_id, d.raw_attributes, d.last_login
		FROM unnest($1::text[]) WITH ORDINALITY AS k (value, i) JOIN identities AS d ON d.user_id = k.value
		ORDER BY k.i, d.last_login DESC NULLS LAST, d.sub`, keyArray(userIDs))
	if err != nil {
		return nil, fmt.Errorf("postgres: identities by user: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k    int
			id   directory.Identity
			raw  []byte
			last *time.Time
		)
		if err := rows.Scan(&k, &id.Sub, &id.ConnectionID, &id.OrganizationID, &id.ConnectionType,
			&id.ProviderName, &id.Social, &id.ProviderUserID, &raw, &last); err != nil {
			return nil, fmt.Errorf("postgres: identities by user: %w", err)
		}
		if k < 1 || k > len(out) {
			return nil, fmt.Errorf("postgres: identities by user: key index %d out of range", k)
		}
		if raw == nil {
			raw = []byte{}
		}
		id.ProviderRawAttributes, id.LastLogin = raw, utcPtr(last)
		out[k-1] = append(out[k-1], &id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: identities by user: %w", err)
	}
	return out, nil
}

// LinkIdentity links an account to a user, or refreshes an existing link of that user (its
// attributes and last login). An account linked to another user is refused (TAKEN on
// "identity") and keeps its owner. A later login than the user's last one moves it.
func (s *Store) LinkIdentity(ctx context.Context, userID string, id directory.Identity) error {
	if id.Sub == "" {
		return directory.Invalid(sqlkit.Problem(directory.CodeRequired, "an identity needs a sub", "identity"))
	}
	if len(id.ProviderRawAttributes) > directory.MaxRawAttributesBytes {
		return directory.Invalid(sqlkit.Problem(directory.CodeTooLong, "raw attributes are too large", "rawAttributes"))
	}
	raw := []byte(id.ProviderRawAttributes)
	if raw == nil {
		raw = []byte{} // the column is NOT NULL; no attributes are stored as none
	}
	last := utcPtr(id.LastLogin)
	if last != nil {
		*last = last.Truncate(time.Microsecond)
	}
	err := s.writeTx(ctx, func(c conn) error {
		ok, err := userExists(ctx, c, userID)
		if err != nil {
			return err
		}
		if !ok {
			return directory.Invalid(sqlkit.NotFound("user", userID, "userId"))
		}
		t := now()
		// The ON CONFLICT branch only fires for this user's own link: an account linked to
		// another user keeps its owner and the statement changes nothing. Concurrent links
		// of one sub are settled by the primary key, atomically.
		tag, err := c.exec(ctx, `INSERT INTO identities (sub, user_id, connection_id, organization_id, connection_type,
			provider_name, social, provider_user_id, raw_attributes, last_login, create_time, update_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
			ON CONFLICT (sub) DO UPDATE SET connection_id = excluded.connection_id,
				organization_id = excluded.organization_id, connection_type = excluded.connection_type,
				provider_name = excluded.provider_name, social = excluded.social,
				provider_user_id = excluded.provider_user_id, raw_attributes = excluded.raw_attributes,
				last_login = excluded.last_login, update_time = excluded.update_time
			WHERE identities.user_id = excluded.user_id`,
			id.Sub, userID, id.ConnectionID, id.OrganizationID, id.ConnectionType, id.ProviderName, id.Social,
			id.ProviderUserID, raw, last, t, t)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return directory.Invalid(sqlkit.Problem(directory.CodeTaken,
				fmt.Sprintf("the account %q is linked to another user", id.Sub), "identity"))
		}
		if last != nil {
			// A blind, monotonic write (no read-modify-write): it needs no version check,
			// but bumps the version like every update of the row.
			_, err = c.exec(ctx, `UPDATE users SET last_login = $1, version = version + 1
				WHERE id = $2 AND (last_login IS NULL OR last_login < $1)`, last, userID)
		}
		return err
	})
	if err != nil {
		return writeError("linking an identity", err)
	}
	return nil
}
