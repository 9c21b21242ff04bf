package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// CreateUser creates a user, its profile and its first membership in one transaction.
// Every problem (unknown organization or role, taken email or external id) is reported at
// once, and nothing is written when there is one.
//
// With SendInvitationEmail the membership starts as PENDING_INVITE and expires in seven
// days. The store sends no email, as the embedded one; the pending membership is what an
// invitation flow would act on.
func (s *Store) CreateUser(ctx context.Context, in directory.NewUser) (*directory.User, error) {
	var out *directory.User
	err := s.writeTx(ctx, func(c conn) error {
		var problems []directory.FieldError
		ok, err := organizationExists(ctx, c, in.OrganizationID)
		if err != nil {
			return err
		}
		if !ok {
			problems = append(problems, sqlkit.NotFound("organization", in.OrganizationID, "organizationId"))
		}
		roleIDs, rp, err := resolveRoles(ctx, c, in.Roles, in.Roles != nil)
		if err != nil {
			return err
		}
		problems = append(problems, rp...)
		if ok, err := emailTaken(ctx, c, in.Email); err != nil {
			return err
		} else if ok {
			problems = append(problems, sqlkit.Taken("email", in.Email))
		}
		if in.ExternalID != nil {
			if ok, err := externalIDTaken(ctx, c, *in.ExternalID, ""); err != nil {
				return err
			} else if ok {
				problems = append(problems, sqlkit.Taken("externalId", *in.ExternalID))
			}
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}

		t := now()
		p := in.Profile
		u := &directory.User{
			ID: sqlkit.NewID(sqlkit.UserPrefix), Email: in.Email, ExternalID: in.ExternalID, Metadata: in.Metadata,
			CreateTime: t, UpdateTime: t,
			Profile: directory.UserProfile{
				ID: sqlkit.NewID(sqlkit.ProfilePrefix), Name: p.Name, GivenName: p.GivenName, FamilyName: p.FamilyName,
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
		return nil, writeError("creating a user", err)
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
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)`,
		u.ID, u.Email, u.ExternalID, jsonText(u.Metadata), u.LastLogin, u.CreateTime, u.UpdateTime,
		p.ID, p.Name, p.GivenName, p.FamilyName, p.EmailVerified, p.PhoneNumber, p.PhoneNumberVerified,
		p.Locale, p.Picture, p.PreferredUsername, p.Gender, jsonText(p.Groups),
		jsonText(p.CustomAttributes), jsonText(p.Metadata))
	return uniqueProblem(err, u.Email, u.ExternalID)
}

// uniqueProblem maps a UNIQUE failure on the users table to the field it concerns.
func uniqueProblem(err error, email string, externalID *string) error {
	switch {
	case err == nil:
		return nil
	case uniqueViolation(err, "users_email_key"):
		return directory.Invalid(sqlkit.Taken("email", email))
	case uniqueViolation(err, "users_external_id_key") && externalID != nil:
		return directory.Invalid(sqlkit.Taken("externalId", *externalID))
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
	u, err := scanUser(c.queryRow(ctx, `SELECT u.version, `+userColumns+` FROM users AS u WHERE u.id = $1`+c.forUpdate("u"), id), &version)
	if errors.Is(err, pgx.ErrNoRows) {
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
			return directory.Invalid(sqlkit.NotFound("user", in.ID, "id"))
		}
		var problems []directory.FieldError
		if in.ExternalID.Set {
			u.ExternalID = in.ExternalID.Value
			if u.ExternalID != nil {
				if ok, err := externalIDTaken(ctx, c, *u.ExternalID, u.ID); err != nil {
					return err
				} else if ok {
					problems = append(problems, sqlkit.Taken("externalId", *u.ExternalID))
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
		tag, err := c.exec(ctx, `UPDATE users SET external_id = $1, metadata = $2, update_time = $3,
			name = $4, given_name = $5, family_name = $6, phone_number = $7, phone_number_verified = $8,
			locale = $9, picture = $10, preferred_username = $11, gender = $12, "groups" = $13,
			custom_attributes = $14, profile_metadata = $15, version = version + 1
			WHERE id = $16 AND version = $17`,
			u.ExternalID, jsonText(u.Metadata), now(),
			p.Name, p.GivenName, p.FamilyName, p.PhoneNumber, p.PhoneNumberVerified,
			p.Locale, p.Picture, p.PreferredUsername, p.Gender, jsonText(p.Groups),
			jsonText(p.CustomAttributes), jsonText(p.Metadata), u.ID, version)
		if err := uniqueProblem(err, u.Email, u.ExternalID); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errConflict
		}
		out, err = userByID(ctx, c, u.ID)
		return err
	})
	if err != nil {
		return nil, writeError("updating a user", conflict(err, "user", in.ID, "id"))
	}
	return out, nil
}

// DeleteUser deletes a user; its memberships (and their roles) and its identities go with it
// by ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(c conn) error {
		tag, err := c.exec(ctx, `DELETE FROM users WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return directory.Invalid(sqlkit.NotFound("user", id, "id"))
		}
		return nil
	})
	if err != nil {
		return writeError("deleting a user", err)
	}
	return nil
}
