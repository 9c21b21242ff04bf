package sqlite

import (
	"context"
	"embed"
	"fmt"

	"github.com/usergraph/usergraph/directory/internal/sqlkit"
)

// migrations holds the schema history: files named NNNN_description.sql, applied once each
// in version order. A released file is never edited; a change is a new file.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrate applies every migration the file has not seen yet, all in one write transaction:
// a failure leaves the schema as it was, and two processes opening the same new file cannot
// both apply a version (BEGIN IMMEDIATE serializes them; the second finds it recorded).
//
// created reports whether this call created the schema, i.e. the file was new.
func (s *Store) migrate(ctx context.Context) (created bool, err error) {
	all, err := sqlkit.LoadMigrations(migrations, "migrations")
	if err != nil {
		return false, fmt.Errorf("sqlite: reading migrations: %w", err)
	}
	err = s.writeTx(ctx, func(c conn) error {
		if _, err := c.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER PRIMARY KEY,
			applied_at TEXT NOT NULL
		) STRICT`); err != nil {
			return err
		}
		var current int
		if err := c.queryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
			return err
		}
		created = current == 0
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
				m.Version, formatTime(now())); err != nil {
				return fmt.Errorf("recording %s: %w", m.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: migrating: %w", err)
	}
	return created, nil
}
