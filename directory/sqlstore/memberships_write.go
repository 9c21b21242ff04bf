package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// newMembership starts a membership: ACTIVE from now, or PENDING_INVITE until the
// invitation expires (the store sends no email; see CreateUser).
func newMembership(userID, orgID string, invite bool, t time.Time) *directory.Membership {
	m := &directory.Membership{UserID: userID, OrganizationID: orgID, Status: directory.MembershipActive, JoinTime: &t}
	if invite {
		expires := t.Add(inviteValidity)
		m.Status, m.JoinTime, m.ExpiresAt = directory.MembershipPendingInvite, nil, &expires
	}
	return m
}

func insertMembership(ctx context.Context, c conn, m *directory.Membership, roleIDs []string) error {
	t := now()
	_, err := c.exec(ctx, `INSERT INTO memberships (user_id, organization_id, status, join_time,
		primary_identity_provider, metadata, inviter_email, expires_at, create_time, update_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.UserID, m.OrganizationID, string(m.Status), m.JoinTime,
		m.PrimaryIdentityProvider, jsonText(m.Metadata), m.InviterEmail, m.ExpiresAt, t, t)
	if c.d.unique(err, "memberships.user_id") {
		return directory.Invalid(alreadyMember(m.UserID, m.OrganizationID))
	}
	if err != nil {
		return err
	}
	return setMembershipRoles(ctx, c, m.UserID, m.OrganizationID, roleIDs)
}

// setMembershipRoles replaces the roles of a membership; a role named twice is held once.
func setMembershipRoles(ctx context.Context, c conn, userID, orgID string, roleIDs []string) error {
	if _, err := c.exec(ctx, `DELETE FROM membership_roles WHERE user_id = ? AND organization_id = ?`, userID, orgID); err != nil {
		return err
	}
	if len(roleIDs) == 0 {
		return nil
	}
	// WHERE TRUE: in SQLite, an INSERT … SELECT with an upsert clause needs a WHERE, or ON
	// would be read as a join's.
	_, err := c.exec(ctx, `INSERT INTO membership_roles (user_id, organization_id, role_id)
		SELECT DISTINCT CAST(? AS TEXT), CAST(? AS TEXT), k.value FROM `+c.d.keys+` AS k WHERE 1 = 1
		ON CONFLICT DO NOTHING`, userID, orgID, keyList(roleIDs))
	return err
}

func alreadyMember(userID, orgID string) directory.FieldError {
	return problem(directory.CodeAlreadyExists, fmt.Sprintf("user %q is already a member of %q", userID, orgID), "organizationId")
}

func membershipByKey(ctx context.Context, c conn, userID, orgID string) (*directory.Membership, error) {
	m, err := scanMembership(c.queryRow(ctx, `SELECT `+c.d.membershipColumns+` FROM memberships AS m
		WHERE m.user_id = ? AND m.organization_id = ?`, userID, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return m, err
}

// membershipForUpdate reads a membership with its version, for a read-modify-write.
func membershipForUpdate(ctx context.Context, c conn, userID, orgID string) (*directory.Membership, int64, error) {
	var version int64
	m, err := scanMembership(c.queryRow(ctx, `SELECT m.version, `+c.d.membershipColumns+` FROM memberships AS m
		WHERE m.user_id = ? AND m.organization_id = ?`+c.forUpdate("m"), userID, orgID), &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, nil
	}
	return m, version, err
}

// missingMembership explains why there is no membership: the user is unknown, or it is not
// a member of that organization.
func missingMembership(ctx context.Context, c conn, userID, orgID string) error {
	ok, err := userExists(ctx, c, userID)
	if err != nil {
		return err
	}
	if !ok {
		return directory.Invalid(notFound("user", userID, "userId"))
	}
	return directory.Invalid(problem(directory.CodeNotFound,
		fmt.Sprintf("user %q is not a member of organization %q", userID, orgID), "organizationId"))
}

// AddMembership adds an existing user to an organization with roles by name (none named:
// the default roles).
func (s *Store) AddMembership(ctx context.Context, in directory.NewMembership) (*directory.Membership, error) {
	var out *directory.Membership
	err := s.writeTx(ctx, func(c conn) error {
		var problems []directory.FieldError
		userOK, err := userExists(ctx, c, in.UserID)
		if err != nil {
			return err
		}
		if !userOK {
			problems = append(problems, notFound("user", in.UserID, "userId"))
		}
		orgOK, err := organizationExists(ctx, c, in.OrganizationID)
		if err != nil {
			return err
		}
		if !orgOK {
			problems = append(problems, notFound("organization", in.OrganizationID, "organizationId"))
		}
		if userOK && orgOK {
			if ok, err := c.exists(ctx, `SELECT 1 FROM memberships WHERE user_id = ? AND organization_id = ?`,
				in.UserID, in.OrganizationID); err != nil {
				return err
			} else if ok {
				problems = append(problems, alreadyMember(in.UserID, in.OrganizationID))
			}
		}
		roleIDs, rp, err := resolveRoles(ctx, c, in.Roles, in.Roles != nil)
		if err != nil {
			return err
		}
		if problems = append(problems, rp...); len(problems) > 0 {
			return directory.Invalid(problems...)
		}
		m := newMembership(in.UserID, in.OrganizationID, in.SendInvitationEmail, now())
		m.Metadata, m.InviterEmail = in.Metadata, in.InviterEmail
		if err := insertMembership(ctx, c, m, roleIDs); err != nil {
			return err
		}
		out, err = membershipByKey(ctx, c, in.UserID, in.OrganizationID)
		return err
	})
	if err != nil {
		return nil, s.writeError("adding a membership", err)
	}
	return out, nil
}

// UpdateMembership changes the roles (a set list replaces them; an empty one removes all),
// merges the metadata and sets the status. A membership that becomes ACTIVE without a join
// time (an accepted invitation) gets one now. The membership row is updated (over the
// version it was read at) before its roles are replaced, so that of two concurrent updates
// the second waits for the first and then retries from what it wrote.
func (s *Store) UpdateMembership(ctx context.Context, in directory.MembershipUpdate) (*directory.Membership, error) {
	var out *directory.Membership
	err := s.writeTx(ctx, func(c conn) error {
		m, version, err := membershipForUpdate(ctx, c, in.UserID, in.OrganizationID)
		if err != nil {
			return err
		}
		if m == nil {
			return missingMembership(ctx, c, in.UserID, in.OrganizationID)
		}
		var problems []directory.FieldError
		if in.Status.Set {
			if !in.Status.Value.Valid() {
				problems = append(problems, problem(directory.CodeInvalid,
					fmt.Sprintf("%q is not a membership status", in.Status.Value), "status"))
			}
			m.Status = in.Status.Value
		}
		var roleIDs []string
		if in.Roles.Set {
			var rp []directory.FieldError
			if roleIDs, rp, err = resolveRoles(ctx, c, in.Roles.Value, true); err != nil {
				return err
			}
			problems = append(problems, rp...)
		}
		if in.Metadata != nil {
			m.Metadata = in.Metadata.Apply(m.Metadata)
			problems = append(problems, directory.CheckMap(m.Metadata, "metadata")...)
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}

		t := now()
		if m.Status == directory.MembershipActive {
			// An active membership is an accepted invitation: it joined now if it had not,
			// and nothing about it expires any more.
			if m.JoinTime == nil {
				m.JoinTime = &t
			}
			m.ExpiresAt = nil
		}
		n, err := c.changed(ctx, `UPDATE memberships SET status = ?, join_time = ?, expires_at = ?, metadata = ?,
			update_time = ?, version = version + 1
			WHERE user_id = ? AND organization_id = ? AND version = ?`,
			string(m.Status), m.JoinTime, m.ExpiresAt, jsonText(m.Metadata), t,
			in.UserID, in.OrganizationID, version)
		if err != nil {
			return err
		}
		if n == 0 {
			return errConflict
		}
		if in.Roles.Set {
			if err := setMembershipRoles(ctx, c, in.UserID, in.OrganizationID, roleIDs); err != nil {
				return err
			}
		}
		out, err = membershipByKey(ctx, c, in.UserID, in.OrganizationID)
		return err
	})
	if err != nil {
		return nil, s.writeError("updating a membership",
			s.conflict(err, "membership", in.UserID+" in "+in.OrganizationID, "organizationId"))
	}
	return out, nil
}

// RemoveMembership ends one membership (its roles go by cascade); the user stays, even
// with no membership left.
func (s *Store) RemoveMembership(ctx context.Context, userID, organizationID string) error {
	err := s.writeTx(ctx, func(c conn) error {
		n, err := c.changed(ctx, `DELETE FROM memberships WHERE user_id = ? AND organization_id = ?`, userID, organizationID)
		if err != nil {
			return err
		}
		if n == 0 {
			return missingMembership(ctx, c, userID, organizationID)
		}
		return nil
	})
	if err != nil {
		return s.writeError("removing a membership", err)
	}
	return nil
}
