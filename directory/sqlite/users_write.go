package sqlite

import (
	"context"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// CreateUser creates a user, its profile and its first membership in one transaction.
// Every problem (unknown organization or role, taken email or external id) is reported at
// once, and nothing is written when there is one.
//
// With SendInvitationEmail the membership starts as PENDING_INVITE and expires in seven
// days. The embedded store sends no email: there is no mail server in the embedded setup;
// the pending membership is what an invitation flow would act on.
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
// it run under the write lock, but another process may share the file.
func insertUser(ctx context.Context, c conn, u *directory.User) error {
	p := &u.Profile
	_, err := c.exec(ctx, `INSERT INTO users (id, email, external_id, metadata, last_login, create_time, update_time,
		profile_id, name, given_name, family_name, email_verified, phone_number, phone_number_verified,
		locale, picture, preferred_username, gender, "groups", custom_attributes, profile_metadata)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		u.ID, u.Email, u.ExternalID, jsonText(u.Metadata), formatTimePtr(u.LastLogin),
		formatTime(u.CreateTime), formatTime(u.UpdateTime),
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
	case uniqueViolation(err, "users.email"):
		return directory.Invalid(sqlkit.Taken("email", email))
	case uniqueViolation(err, "users.external_id") && externalID != nil:
		return directory.Invalid(sqlkit.Taken("externalId", *externalID))
	}
	return err
}

func userByID(ctx context.Context, c conn, id string) (*directory.User, error) {
	users, err := usersBy(ctx, c, `u.id = k.value`, []string{id})
	if err != nil {
		return nil, err
	}
	return users[0], nil
}

// UpdateUser applies a patch: omitted fields keep their values, explicit nils clear them,
// maps merge by key. The merged maps are checked here, since only the store knows the keys
// they already hold.
func (s *Store) UpdateUser(ctx context.Context, in directory.UserUpdate) (*directory.User, error) {
	var out *directory.User
	err := s.writeTx(ctx, func(c conn) error {
		u, err := userByID(ctx, c, in.ID)
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
		_, err = c.exec(ctx, `UPDATE users SET external_id = ?, metadata = ?, update_time = ?,
			name = ?, given_name = ?, family_name = ?, phone_number = ?, phone_number_verified = ?,
			locale = ?, picture = ?, preferred_username = ?, gender = ?, "groups" = ?,
			custom_attributes = ?, profile_metadata = ?
			WHERE id = ?`,
			u.ExternalID, jsonText(u.Metadata), formatTime(now()),
			p.Name, p.GivenName, p.FamilyName, p.PhoneNumber, p.PhoneNumberVerified,
			p.Locale, p.Picture, p.PreferredUsername, p.Gender, jsonText(p.Groups),
			jsonText(p.CustomAttributes), jsonText(p.Metadata), u.ID)
		if err := uniqueProblem(err, u.Email, u.ExternalID); err != nil {
			return err
		}
		out, err = userByID(ctx, c, u.ID)
		return err
	})
	if err != nil {
		return nil, writeError("updating a user", err)
	}
	return out, nil
}

// DeleteUser deletes a user; its memberships (and their roles) go with it by ON DELETE CASCADE.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	err := s.writeTx(ctx, func(c conn) error {
		res, err := c.exec(ctx, `DELETE FROM users WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return directory.Invalid(sqlkit.NotFound("user", id, "id"))
		}
		return nil
	})
	if err != nil {
		return writeError("deleting a user", err)
	}
	return nil
}
