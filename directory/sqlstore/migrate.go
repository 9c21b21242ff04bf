package sqlstore

import (
	"context"
	"embed"
	"fmt"
)

// migrations holds each dialect's schema history, in migrations/<dialect name>: files named
// NNNN_description.sql, applied once each in version order. A released file is never
// edited; a change is a new file (one per dialect).
//
//go:embed migrations
var migrations embed.FS

// migrate applies every migration the database has not seen yet, all in one transaction: a
// failure leaves the schema as it was, and two processes opening one new database cannot
// both apply a version (SQLite's BEGIN IMMEDIATE, PostgreSQL's advisory lock, serialize
// them; the second finds the versions recorded). When seed is set and this call created
// the schema, the demo data set is written in the same transaction, so a database is
// seeded once or not at all. A database whose organizations were all deleted is not one
// to fill with demo users again.
func (s *Store) migrate(ctx context.Context, seed bool) error {
	all, err := loadMigrations(migrations, "migrations/"+s.d.name)
	if err != nil {
		return fmt.Errorf("%s: reading migrations: %w", s.d.name, err)
	}
	// Not writeTx: a migration is not retried, and a failure is reported as it is.
	err = s.writeOnce(ctx, false, func(c conn) error {
		if s.d.migrateLock != "" {
			if _, err := c.exec(ctx, s.d.migrateLock); err != nil {
				return err
			}
		}
		if _, err := c.exec(ctx, s.d.schemaTable); err != nil {
			return err
		}
		var current int
		if err := c.queryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		if latest := all[len(all)-1].Version; current > latest {
			return fmt.Errorf("the database is at schema version %d, newer than this build knows (%d)", current, latest)
		}
		for _, m := range all {
			if m.Version <= current {
				continue
			}
			if _, err := c.exec(ctx, m.SQL); err != nil {
				return fmt.Errorf("applying %s: %w", m.Name, err)
			}
			if _, err := c.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`,
				m.Version, now()); err != nil {
				return fmt.Errorf("recording %s: %w", m.Name, err)
			}
		}
		if seed && current == 0 {
			if err := seedIn(ctx, c); err != nil {
				return fmt.Errorf("seeding: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: migrating: %w", s.d.name, err)
	}
	return nil
}
