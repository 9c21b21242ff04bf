package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// OpenPostgres connects to the PostgreSQL database (15 or later) named by dsn (a libpq
// keyword/value string or a postgres:// URL, as pgxpool.ParseConfig reads them) with pgx,
// brings its schema up to date and, when opts.Seed is set and this call created the schema,
// seeds it in the same transaction. Processes opening one database at the same time are
// serialized by an advisory lock: one migrates (and seeds), the others find it done. Several
// stores, in several processes, can share one database.
func OpenPostgres(ctx context.Context, dsn string, opts Options) (*Store, error) {
	if dsn == "" {
		return nil, errors.New("postgres: empty DSN")
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: reading the DSN: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connecting: %w", err)
	}
	// database/sql over the pgx pool: pgx still speaks the protocol (and caches prepared
	// statements); database/sql gives both dialects one API.
	db := stdlib.OpenDBFromPool(pool)
	db.SetMaxOpenConns(int(cfg.MaxConns))
	s, err := open(ctx, postgresDialect, db, db, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.closers = append(s.closers, func() error { pool.Close(); return nil })
	return s, nil
}

// SQLSTATEs this store reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// pgConstraints names the unique constraint of each key the store maps to a field.
var pgConstraints = map[string]string{
	"users.email":               "users_email_key",
	"users.external_id":         "users_external_id_key",
	"memberships.user_id":       "memberships_pkey",
	"organizations.external_id": "organizations_external_id_key",
	"domains.name":              "domains_name_key",
}

func pgError(err error) *pgconn.PgError {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

var postgresDialect = (&dialect{
	name:     "postgres",
	numbered: true,
	// Keys travel as one text[] parameter; ORDINALITY counts from 1.
	keys:        `(SELECT u.value, u.n - 1 AS key FROM unnest(?::text[]) WITH ORDINALITY AS u (value, n))`,
	bindKeys:    func(keys []*string) any { return keys },
	encodeTime:  func(t time.Time) any { return t },
	encodeBytes: func(b []byte) any { return b },
	jsonArray:   func(inside string) string { return `coalesce(json_agg(` + inside + `), '[]')` },
	jsonObject:  `json_build_object`,
	// lower() under the "C" collation folds ASCII only, like SQLite's NOCASE; the unique
	// index users_email_key is on lower(email COLLATE "C").
	emailEq: func(a, b string) string {
		return `lower(` + a + ` COLLATE "C") = lower(` + b + `::text COLLATE "C")`
	},
	fold: func(expr string) string { return `lower(` + expr + `::text COLLATE "C")` },
	// Not FOR UPDATE: the key is not changed, so inserts referring to the row do not wait.
	lockRows: ` FOR NO KEY UPDATE OF `,
	unique: func(err error, key string) bool {
		e := pgError(err)
		return e != nil && e.Code == codeUniqueViolation && e.ConstraintName == pgConstraints[key]
	},
	lostRace: func(err error) bool {
		e := pgError(err)
		return e != nil && (e.Code == codeSerializationFailure || e.Code == codeDeadlockDetected)
	},
	staleReference: func(err error) bool {
		e := pgError(err)
		return e != nil && e.Code == codeForeignKeyViolation
	},
	readSnapshot: &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true},
	schemaTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL
	)`,
	// migrateLock's key is any constant, as long as every build uses the same one.
	migrateLock: `SELECT pg_advisory_xact_lock(8463219666795520368)`, // 0x75736572_67726170, "usergrap"
	// The queries come as four parallel arrays (organization, status or '', position after
	// which the page starts, limit), unnested together. The totals are counted once per
	// distinct organization and status of the batch (the CTE is MATERIALIZED: ten pages of
	// one organization count it once), each page is a LATERAL sub-select cut at its own
	// limit, and the outer join keeps a row for queries whose page is empty so that their
	// total still comes back.
	//
	// A page and a total each come in two forms, one without a status filter and one with,
	// and only the one that applies runs. One form for both, filtering with
	// "q.status = '' OR p.status = q.status", cannot use the status as an index condition:
	// a filtered page would read the members of every status and throw most away. The
	// page's two branches are gated by a condition on the query alone, which PostgreSQL
	// checks once per query before reading anything; the branch that runs reads
	// memberships_by_organization (no filter) or memberships_by_organization_status (a
	// filter) from the cursor on, in user id order, and stops at the limit. The totals pick
	// their count with a CASE, which evaluates only the branch it chooses. A NULL
	// organization or status (one no column can hold) finds no members and counts 0.
	membersSQL: func(membershipColumns string) string {
		return `WITH q AS MATERIALIZED (
	SELECT k.n - 1 AS qi, k.org, k.status, k.after, k.lim
	FROM unnest(?::text[], ?::text[], ?::text[], ?::int[]) WITH ORDINALITY AS k (org, status, after, lim, n)
), totals AS MATERIALIZED (
	SELECT d.org, d.status, CASE WHEN d.status = ''
		THEN (SELECT count(*) FROM memberships AS c WHERE c.organization_id = d.org)
		ELSE (SELECT count(*) FROM memberships AS c WHERE c.organization_id = d.org AND c.status = d.status) END AS total
	FROM (SELECT DISTINCT org, status FROM q) AS d
)
SELECT q.qi, t.total, ` + membershipColumns + `
FROM q JOIN totals AS t ON t.org IS NOT DISTINCT FROM q.org AND t.status IS NOT DISTINCT FROM q.status
LEFT JOIN LATERAL (
	(SELECT p.* FROM memberships AS p
		WHERE q.status = '' AND p.organization_id = q.org AND p.user_id > q.after
		ORDER BY p.user_id
		LIMIT q.lim)
	UNION ALL
	(SELECT p.* FROM memberships AS p
		WHERE q.status <> '' AND p.organization_id = q.org AND p.status = q.status AND p.user_id > q.after
		ORDER BY p.user_id
		LIMIT q.lim)
) AS m ON TRUE
ORDER BY q.qi, m.user_id`
	},
	membersArgs: func(qs []membersArg) []any {
		orgs, statuses := make([]*string, len(qs)), make([]*string, len(qs))
		afters, limits := make([]string, len(qs)), make([]int32, len(qs))
		for i, q := range qs {
			orgs[i], statuses[i], afters[i], limits[i] = q.Org, q.Status, q.After, int32(q.Limit)
		}
		return []any{orgs, statuses, afters, limits}
	},
}).prepare()
