package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

// seedIn fills a database that has no organizations with the demo data set, inside the
// transaction of c (the migration's, see migrate): a failure leaves the database empty, and
// a database that already holds organizations is never touched.
func seedIn(ctx context.Context, c conn) error {
	if has, err := c.exists(ctx, `SELECT 1 FROM organizations LIMIT 1`); err != nil || has {
		return err
	}
	t := now()
	if err := seedCatalogue(ctx, c); err != nil {
		return err
	}
	orgIDs := map[string]string{}
	for _, o := range demo.Organizations {
		id := demo.OrganizationID(o.Key)
		orgIDs[o.Key] = id
		if _, err := c.exec(ctx, `INSERT INTO organizations (id, display_name, external_id, metadata, create_time, update_time)
			VALUES (?, ?, ?, ?, ?, ?)`, id, o.DisplayName, o.ExternalID, jsonText(o.Metadata), t, t); err != nil {
			return fmt.Errorf("organization %s: %w", o.Key, err)
		}
	}
	for _, su := range demo.Users {
		if err := insertSeedUser(ctx, c, su, orgIDs, t); err != nil {
			return fmt.Errorf("user %s: %w", su.Email, err)
		}
	}
	return nil
}

func seedCatalogue(ctx context.Context, c conn) error {
	for _, p := range demo.Permissions {
		if _, err := c.exec(ctx, `INSERT INTO permissions (name, description) VALUES (?, ?) ON CONFLICT DO NOTHING`,
			p.Name, p.Description); err != nil {
			return fmt.Errorf("permission %s: %w", p.Name, err)
		}
	}
	for _, r := range demo.Roles {
		// A catalogue from an earlier seed is kept as it is.
		if has, err := c.exists(ctx, `SELECT 1 FROM roles WHERE name = ?`, r.Name); err != nil || has {
			if err != nil {
				return err
			}
			continue
		}
		id := newID(rolePrefix)
		if _, err := c.exec(ctx, `INSERT INTO roles (id, name, display_name, description, default_member) VALUES (?, ?, ?, ?, ?)`,
			id, r.Name, r.DisplayName, r.Description, r.DefaultMember); err != nil {
			return fmt.Errorf("role %s: %w", r.Name, err)
		}
		if _, err := c.exec(ctx, `INSERT INTO role_permissions (role_id, permission_name)
			SELECT CAST(? AS TEXT), k.value FROM `+c.d.keys+` AS k`, id, keyList(r.Permissions)); err != nil {
			return fmt.Errorf("permissions of role %s: %w", r.Name, err)
		}
	}
	return nil
}

func insertSeedUser(ctx context.Context, c conn, su demo.User, orgIDs map[string]string, t time.Time) error {
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	u := &directory.User{
		ID: su.ID(), Email: su.Email, ExternalID: opt(su.ExternalID),
		CreateTime: t, UpdateTime: t, Metadata: map[string]string{"source": "seed"},
		Profile: directory.UserProfile{
			ID: newID(profilePrefix), GivenName: opt(su.Given), FamilyName: opt(su.Family),
			PreferredUsername: opt(su.Username), Locale: opt(su.Locale), PhoneNumber: opt(su.Phone),
			PhoneNumberVerified: su.Phone != "", Picture: opt(su.Picture), EmailVerified: su.EmailVerified,
			Groups: su.Groups, CustomAttributes: su.Custom,
		},
	}
	u.Profile.Name = opt(su.Name())
	if su.LastLoginHoursAgo > 0 {
		last := t.Add(-time.Duration(su.LastLoginHoursAgo) * time.Hour)
		u.LastLogin = &last
	}
	if err := insertUser(ctx, c, u); err != nil {
		return err
	}
	for _, sm := range su.Memberships {
		roleIDs, problems, err := resolveRoles(ctx, c, sm.Roles, false)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return directory.Invalid(problems...)
		}
		m := newMembership(u.ID, orgIDs[sm.Org], sm.Status == directory.MembershipPendingInvite, t)
		m.Status = sm.Status
		if sm.Status == directory.MembershipPendingInvite {
			m.InviterEmail = opt(demo.Inviter(sm.Org))
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
