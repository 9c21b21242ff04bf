package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/usergraph/usergraph/directory"
)

// CreateUser creates a user, its profile and its first membership in one transaction.
// Every problem (unknown organization or role, taken email or external id) is reported at
// once, and nothing is written when there is one.
//
// With SendInvitationEmail the membership starts as PENDING_INVITE and expires in seven
// days. The store sends no email; the pending membership is what an invitation flow would
// act on.
func (s *Store) CreateUser(ctx context.Context, in directory.NewUser) (*directory.User, error) {
	var out *directory.User
	err := s.writeTx(ctx, func(c conn) error {
		var problems []directory.FieldError
		ok, err := organizationExists(ctx, c, in.OrganizationID)
		if err != nil {
			return err
		}
		if !ok {
			problems = append(problems, notFound("organization", in.OrganizationID, "organizationId"))
		}
		roleIDs, rp, err := resolveRoles(ctx, c, in.Roles, in.Roles != nil)
		if err != nil {
			return err
		}
		problems = append(problems, rp...)
		if ok, err := emailTaken(ctx, c, in.Email); err != nil {
			return err
		} else if ok {
			problems = append(problems, taken("email", in.Email))
		}
		if in.ExternalID != nil {
			if ok, err := externalIDTaken(ctx, c, *in.ExternalID, ""); err != nil {
				return err
			} else if ok {
				problems = append(problems, taken("externalId", *in.ExternalID))
			}
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}

		t := now()
		p := in.Profile
		u := &directory.User{
			ID: newID(userPrefix), Email: in.Email, ExternalID: in.ExternalID, Metadata: in.Metadata,
			CreateTime: t, UpdateTime: t,
			Profile: directory.UserProfile{
				ID: newID(profilePrefix), Name: p.Name, GivenName: p.GivenName, FamilyName: p.FamilyName,
				PhoneNumber: p.PhoneNumber, Locale: p.Locale, Picture: p.Picture,
				PreferredUsername: p.PreferredUsername, Gender: p.Gender, Groups: p.Groups,
				CustomAttributes: p.CustomAttributes, Metadata: p.Metadata,
			},
		}
		if err := insertUser(ctx, c, u); err != nil {
			return err
		}
		m := newMembership(u.ID, in.OrganizationID, in.SendInvitationEmail, t)
		m.Metadata = in.MembershipMetadata
		if err := insertMembership(ctx, c, m, roleIDs); err != nil {
			return err
		}
		out, err = userByID(ctx, c, u.ID)
		return err
	})
	if err != nil {
		return nil, s.writeError("creating a user", err)
	}
	return out, nil
}

// insertUser writes a new user row. A UNIQUE failure still becomes TAKEN: the checks before
// it take no lock, so a concurrent writer (in this process or another) may win the race.
func insertUser(ctx context.Context, c conn, u *directory.User) error {
	p := &u.Profile
	_, err := c.exec(ctx, `INSERT INTO users (id, email, external_id, metadata, last_login, create_time, update_time,
		profile_id, name, given_name, family_name, email_verified, phone_number, phone_number_verified,
		locale, picture, preferred_username, gender, "groups", custom_attributes, profile_metadata)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.ExternalID, jsonText(u.Metadata), u.LastLogin, u.CreateTime, u.UpdateTime,
		p.ID, p.Name, p.GivenName, p.FamilyName, p.EmailVerified, p.PhoneNumber, p.PhoneNumberVerified,
		p.Locale, p.Picture, p.PreferredUsername, p.Gender, jsonText(p.Groups),
		jsonText(p.CustomAttributes), jsonText(p.Metadata))
	return uniqueProblem(c.d, err, u.Email, u.ExternalID)
}

// uniqueProblem maps a UNIQUE failure on the users table to the field it concerns.
func uniqueProblem(d *dialect, err error, email string, externalID *string) error {
	switch {
	case err == nil:
		return nil
	case d.unique(err, "users.email"):
		return directory.Invalid(taken("email", email))
	case d.unique(err, "users.external_id") && externalID != nil:
		return directory.Invalid(taken("externalId", *externalID))
	}
	return err
}

func userByID(ctx context.Context, c conn, id string) (*directory.User, error) {
	users, err := usersBy(ctx, c, userByIDJoin, []string{id})
	if err != nil {
		return nil, err
	}
	return users[0], nil
}

// userForUpdate reads a user with its version, for a read-modify-write (locking the row on
// the late attempts of writeTx). It returns nil for an unknown id.
func userForUpdate(ctx context.Context, c conn, id string) (*directory.User, int64, error) {
	var version int64
	u, err := scanUser(c.queryRow(ctx, `SELECT u.version, `+userColumns+` FROM users AS u WHERE u.id = ?`+c.forUpdate("u"), id), &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	return u, version, err
}

// UpdateUser applies a patch: omitted fields keep their values, explicit nils clear them,
// maps merge by key. The merged maps are checked here, since only the store knows the keys
// they already hold. The merge is written only over the version it was made from; see
// writeTx for what happens when another writer changed the user meanwhile.
func (s *Store) UpdateUser(ctx context.Context, in directory.UserUpdate) (*directory.User, error) {
	var out *directory.User
	err := s.writeTx(ctx, func(c conn) error {
		u, version, err := userForUpdate(ctx, c, in.ID)
		if err != nil {
			return err
		}
		if u == nil {
			return directory.Invalid(notFound("user", in.ID, "id"))
		}
		var problems []directory.FieldError
		if in.ExternalID.Set {
			u.ExternalID = in.ExternalID.Value
			if u.ExternalID != nil {
				if ok, err := externalIDTaken(ctx, c, *u.ExternalID, u.ID); err != nil {
					return err
				} else if ok {
					problems = append(problems, taken("externalId", *u.ExternalID))
				}
			}
		}
		if in.Metadata != nil {
			u.Metadata = in.Metadata.Apply(u.Metadata)
			problems = append(problems, directory.CheckMap(u.Metadata, "metadata")...)
		}
		if pu := in.Profile; pu != nil {
			u.Profile = pu.Apply(u.Profile)
			if pu.CustomAttributes != nil {
				problems = append(problems, directory.CheckMap(u.Profile.CustomAttributes, "profile", "customAttributes")...)
			}
			if pu.Metadata != nil {
				problems = append(problems, directory.CheckMap(u.Profile.Metadata, "profile", "metadata")...)
			}
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}

		p := &u.Profile
		n, err := c.changed(ctx, `UPDATE users SET external_id = ?, metadata = ?, update_time = ?,
			name = ?, given_name = ?, family_name = ?, phone_number = ?, phone_number_verified = ?,
			locale = ?, picture = ?, preferred_username = ?, gender = ?, "groups" = ?,
			custom_attributes = ?, profile_metadata = ?, version = version + 1
			WHERE id = ? AND version = ?`,
			u.ExternalID, jsonText(u.Metadata), now(),
			p.Name, p.GivenName, p.FamilyName, p.PhoneNumber, p.PhoneNumberVerified,
			p.Locale, p.Picture, p.PreferredUsername, p.Gender, jsonText(p.Groups),
			jsonText(p.CustomAttributes), jsonText(p.Metadata), u.ID, version)
		if err := uniqueProblem(c.d, err, u.Email, u.ExternalID); err != nil {
			return err
		}
		if n == 0 {
			return errConflict
		}
		out, err = userByID(ctx, c, u.ID)
		return err
	})
	if err != nil {
		return nil, s.writeError("updating a user", s.conflict(err, "user", in.ID, "id"))
	}
	return out, nil
}

// DeleteUser deletes a user; its memberships (and their roles) and its identities go with it
// by ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(c conn) error {
		n, err := c.changed(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n == 0 {
			return directory.Invalid(notFound("user", id, "id"))
		}
		return nil
	})
	if err != nil {
		return s.writeError("deleting a user", err)
	}
	return nil
}
