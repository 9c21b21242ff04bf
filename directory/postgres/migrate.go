package postgres

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

// migrateLock is the key of the transaction-level advisory lock that serializes migrations:
// two processes opening one new database cannot both apply a version (the second waits for
// the first to commit, then finds the versions recorded). Any constant works, as long as
// every build uses the same one.
const migrateLock int64 = 0x75736572_67726170 // "usergrap"

// migrate applies every migration the database has not seen yet, all in one transaction: a
// failure leaves the schema as it was. When seed is set and this call created the schema,
// the demo data set is written in the same transaction, so a database is seeded once or
// not at all.
func (s *Store) migrate(ctx context.Context, seed bool) error {
	all, err := sqlkit.LoadMigrations(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("postgres: reading migrations: %w", err)
	}
	// Not writeTx: a migration is not retried, and a failure is reported as it is.
	err = s.writeOnce(ctx, false, func(c conn) error {
		if _, err := c.exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		if _, err := c.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    integer PRIMARY KEY,
			applied_at timestamptz NOT NULL
		)`); err != nil {
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
			if _, err := c.exec(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)`,
				m.Version, now()); err != nil {
				return fmt.Errorf("recording %s: %w", m.Name, err)
			}
		}
		// Only a new database is seeded: a store whose organizations were all deleted is not
		// one to fill with demo users again.
		if seed && current == 0 {
			if err := seedIn(ctx, c); err != nil {
				return fmt.Errorf("seeding: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrating: %w", err)
	}
	return nil
}
