package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// UserByIdentity returns the user linked to the account named by in.Sub, or nil.
func (s *Store) UserByIdentity(ctx context.Context, in directory.IdentityLookup) (*directory.User, error) {
	row := s.read().queryRow(ctx, `SELECT `+userColumns+` FROM identities AS i JOIN users AS u ON u.id = i.user_id
		WHERE i.sub = ?`, keyParam(in.Sub))
	u, err := scanUser(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, s.fail("user by identity", err)
	}
	return u, nil
}

// IdentitiesByUser returns every user's identities in one statement, latest login first
// (never-logged-in links last, then by sub); a user without any gets an empty list.
func (s *Store) IdentitiesByUser(ctx context.Context, userIDs []string) ([][]*directory.Identity, error) {
	out, err := listsByKeys(ctx, s.read(), `SELECT k.key, d.sub, d.connection_id, d.organization_id, d.connection_type,
		d.provider_name, d.social, d.provider_user_id, d.raw_attributes, d.last_login
		FROM `+s.d.keys+` AS k JOIN identities AS d ON d.user_id = k.value
		ORDER BY k.key, d.last_login DESC NULLS LAST, d.sub`, userIDs, scanIdentity)
	if err != nil {
		return nil, s.fail("identities by user", err)
	}
	return out, nil
}

func scanIdentity(row scanner, pre ...any) (*directory.Identity, error) {
	var (
		id  directory.Identity
		raw []byte
	)
	if err := row.Scan(append(pre, &id.Sub, &id.ConnectionID, &id.OrganizationID, &id.ConnectionType,
		&id.ProviderName, &id.Social, &id.ProviderUserID, &raw, maybe(&id.LastLogin))...); err != nil {
		return nil, err
	}
	if raw == nil {
		raw = []byte{} // no attributes come back empty, not nil
	}
	id.ProviderRawAttributes = raw
	return &id, nil
}

// LinkIdentity links an account to a user, or refreshes an existing link of that user (its
// attributes and last login). An account linked to another user is refused (TAKEN on
// "identity") and keeps its owner. A later login than the user's last one moves it.
func (s *Store) LinkIdentity(ctx context.Context, userID string, id directory.Identity) error {
	if id.Sub == "" {
		return directory.Invalid(problem(directory.CodeRequired, "an identity needs a sub", "identity"))
	}
	if len(id.ProviderRawAttributes) > directory.MaxRawAttributesBytes {
		return directory.Invalid(problem(directory.CodeTooLong, "raw attributes are too large", "rawAttributes"))
	}
	raw := []byte(id.ProviderRawAttributes)
	if raw == nil {
		raw = []byte{} // the column is NOT NULL; no attributes are stored as none
	}
	// At the microsecond, as the store keeps times, so that "is this login later" compares
	// what is stored.
	var last *time.Time
	if id.LastLogin != nil {
		t := id.LastLogin.UTC().Truncate(time.Microsecond)
		last = &t
	}
	err := s.writeTx(ctx, func(c conn) error {
		ok, err := userExists(ctx, c, userID)
		if err != nil {
			return err
		}
		if !ok {
			return directory.Invalid(notFound("user", userID, "userId"))
		}
		t := now()
		// The ON CONFLICT branch only fires for this user's own link: an account linked to
		// another user keeps its owner and the statement changes nothing. Concurrent links
		// of one sub are settled by the primary key, atomically.
		n, err := c.changed(ctx, `INSERT INTO identities (sub, user_id, connection_id, organization_id, connection_type,
			provider_name, social, provider_user_id, raw_attributes, last_login, create_time, update_time)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
		if n == 0 {
			return directory.Invalid(problem(directory.CodeTaken,
				fmt.Sprintf("the account %q is linked to another user", id.Sub), "identity"))
		}
		if last != nil {
			// A blind, monotonic write (no read-modify-write): it needs no version check,
			// but bumps the version like every update of the row.
			_, err = c.exec(ctx, `UPDATE users SET last_login = ?, version = version + 1
				WHERE id = ? AND (last_login IS NULL OR last_login < ?)`, last, userID, last)
		}
		return err
	})
	if err != nil {
		return s.writeError("linking an identity", err)
	}
	return nil
}
