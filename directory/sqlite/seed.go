package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// seed fills a database that has no organizations with the demo data set, in one write
// transaction: a failure leaves the database empty, and a database that already holds
// organizations (seeded before, or real data) is never touched.
func (s *Store) seed(ctx context.Context) error {
	err := s.writeTx(ctx, func(c conn) error {
		if has, err := c.exists(ctx, `SELECT 1 FROM organizations LIMIT 1`); err != nil || has {
			return err
		}
		t := now()
		if err := seedCatalogue(ctx, c); err != nil {
			return err
		}
		orgIDs := map[string]string{}
		for _, o := range seedOrganizations {
			id := newID(orgPrefix)
			orgIDs[o.key] = id
			if _, err := c.exec(ctx, `INSERT INTO organizations (id, display_name, external_id, metadata, create_time, update_time)
				VALUES (?, ?, ?, ?, ?, ?)`, id, o.displayName, o.externalID, jsonText(o.metadata), formatTime(t), formatTime(t)); err != nil {
				return fmt.Errorf("organization %s: %w", o.key, err)
			}
		}
		for _, su := range seedUsers {
			if err := insertSeedUser(ctx, c, su, orgIDs, t); err != nil {
				return fmt.Errorf("user %s: %w", su.email, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: seeding: %w", err)
	}
	return nil
}

func seedCatalogue(ctx context.Context, c conn) error {
	for _, p := range seedPermissions {
		if _, err := c.exec(ctx, `INSERT OR IGNORE INTO permissions (name, description) VALUES (?, ?)`, p.name, p.description); err != nil {
			return fmt.Errorf("permission %s: %w", p.name, err)
		}
	}
	for _, r := range seedRoles {
		// A catalogue from an earlier seed (organizations since deleted) is kept as it is.
		if has, err := c.exists(ctx, `SELECT 1 FROM roles WHERE name = ?`, r.name); err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		id := newID(rolePrefix)
		if _, err := c.exec(ctx, `INSERT INTO roles (id, name, display_name, description, default_member) VALUES (?, ?, ?, ?, ?)`,
			id, r.name, r.displayName, r.description, r.defaultMember); err != nil {
			return fmt.Errorf("role %s: %w", r.name, err)
		}
		if _, err := c.exec(ctx, `INSERT INTO role_permissions (role_id, permission_name) SELECT ?, value FROM json_each(?)`,
			id, keysJSON(r.permissions)); err != nil {
			return fmt.Errorf("permissions of role %s: %w", r.name, err)
		}
	}
	return nil
}

func insertSeedUser(ctx context.Context, c conn, su seedUser, orgIDs map[string]string, t time.Time) error {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	u := &directory.User{
		ID: newID(userPrefix), Email: su.email, ExternalID: opt(su.externalID),
		CreateTime: t, UpdateTime: t, Metadata: map[string]string{"source": "seed"},
		Profile: directory.UserProfile{
			ID: newID(profilePrefix), GivenName: opt(su.given), FamilyName: opt(su.family),
			PreferredUsername: opt(su.username), Locale: opt(su.locale), PhoneNumber: opt(su.phone),
			PhoneNumberVerified: su.phone != "", Picture: opt(su.picture), EmailVerified: su.emailVerified,
			Groups: su.groups, CustomAttributes: su.custom,
		},
	}
	if name := su.given + " " + su.family; su.family != "" {
		u.Profile.Name = &name
	} else {
		u.Profile.Name = opt(su.given)
	}
	if su.lastLoginHoursAgo > 0 {
		last := t.Add(-time.Duration(su.lastLoginHoursAgo) * time.Hour)
		u.LastLogin = &last
	}
	if err := insertUser(ctx, c, u); err != nil {
		return err
	}
	for _, sm := range su.memberships {
		roleIDs, problems, err := resolveRoles(ctx, c, sm.roles, false)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}
		m := newMembership(u.ID, orgIDs[sm.org], sm.status == directory.MembershipPendingInvite, t)
		m.Status = sm.status
		if sm.status == directory.MembershipPendingInvite {
			m.InviterEmail = opt(seedInviter(sm.org))
		} else {
			provider := "OKTA"
			m.PrimaryIdentityProvider = &provider
		}
		if err := insertMembership(ctx, c, m, roleIDs); err != nil {
			return err
		}
	}
	return nil
}

// seedInviter is the first seeded admin of an organization, who sends its invitations.
func seedInviter(org string) string {
	for _, u := range seedUsers {
		for _, m := range u.memberships {
			if m.org == org && len(m.roles) > 0 && m.roles[0] == "admin" {
				return u.email
			}
		}
	}
	return ""
}
