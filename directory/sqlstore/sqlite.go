package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// OpenSQLite opens (creating it and its folder if needed) the SQLite file at path, with the
// pure-Go driver modernc.org/sqlite (no cgo), brings its schema up to date and, when
// opts.Seed is set and the file is new, seeds it.
func OpenSQLite(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: resolving %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("sqlite: creating the folder of %s: %w", path, err)
	}
	// SQLite allows one writer at a time. Funnelling every write through a pool of one
	// connection makes concurrent writers queue in Go instead of failing with SQLITE_BUSY,
	// while readers use their own pool and, thanks to WAL, never wait for the writer. The
	// writer opens first: it creates the file and switches it to WAL (which persists in the
	// file) before any reader connection exists.
	writer, err := sql.Open("sqlite", sqliteDSN(abs, true))
	if err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxIdleTime(0) // keep the one connection (and its page cache) for good
	if err := pingWriter(ctx, writer); err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", sqliteDSN(abs, false))
	if err != nil {
		_ = writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(readers)
	reader.SetMaxIdleConns(readers)
	return open(ctx, sqliteDialect, reader, writer, opts)
}

// pingWriter opens the writer's connection, whose pragmas switch a new file to WAL. That
// switch needs the file to itself, and SQLite answers SQLITE_BUSY at once, without waiting
// in its busy handler, while another process opening the same new file is doing the same.
// So it retries for as long as busy_timeout would have waited.
func pingWriter(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(5 * time.Second)
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := db.PingContext(ctx)
		var se *sqlite.Error
		if err == nil || !errors.As(err, &se) || se.Code()&0xff != sqlite3.SQLITE_BUSY || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// sqliteDSN builds the driver's URI for the file. Pragmas run on every new connection:
// foreign keys are off by default in SQLite; WAL lets readers run beside the writer;
// synchronous FULL syncs the WAL at every commit so that a crash loses nothing committed;
// busy_timeout covers other processes that open the same file.
func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	if writer {
		// BEGIN IMMEDIATE takes the write lock up front, so that the checks a write
		// transaction makes (is this email taken?) still hold when it inserts: with one
		// writer at a time, a versioned update never conflicts.
		q.Set("_txlock", "immediate")
	} else {
		// A reader that tried to write would be a bug; make it fail loudly.
		q.Add("_pragma", "query_only(1)")
	}
	// A file: URI with an escaped path, so that '?' or '#' in a folder name stay part of it.
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}).String()
}

// sqliteTimeLayout is RFC 3339 in UTC with a fixed nine-digit fraction: every stored time has
// the same width, so text order is time order and SQL can compare times as strings.
const sqliteTimeLayout = "2006-01-02T15:04:05.000000000Z"

var sqliteDialect = (&dialect{
	name: "sqlite",
	// json_each's key column is the index in the array.
	keys: `json_each(?)`,
	bindKeys: func(keys []*string) any {
		b, err := json.Marshal(keys)
		if err != nil {
			panic(fmt.Sprintf("sqlite: encoding keys: %v", err)) // strings always encode
		}
		return string(b)
	},
	encodeTime: func(t time.Time) any { return t.UTC().Format(sqliteTimeLayout) },
	// Raw attributes live in a TEXT column of a STRICT table, which refuses blobs.
	encodeBytes: func(b []byte) any { return string(b) },
	jsonArray:   func(inside string) string { return `json_group_array(` + inside + `)` },
	jsonObject:  `json_object`,
	// The email column is COLLATE NOCASE (ASCII folding), as is its UNIQUE index.
	emailEq: func(a, b string) string { return a + ` = ` + b + ` COLLATE NOCASE` },
	// SQLite's lower() folds ASCII letters only.
	fold: func(expr string) string { return `lower(` + expr + `)` },
	// BEGIN IMMEDIATE already holds the database's only write lock.
	lockRows: ``,
	// The message names the columns: "UNIQUE constraint failed: users.email".
	unique: func(err error, key string) bool {
		var e *sqlite.Error
		if !errors.As(err, &e) || (e.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && e.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY) {
			return false
		}
		return strings.Contains(e.Error(), key)
	},
	// One writer at a time: nothing to win by trying again.
	lostRace:       func(error) bool { return false },
	staleReference: func(error) bool { return false },
	readSnapshot:   nil, // a transaction reads one snapshot of a WAL database
	schemaTable: `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL
	) STRICT`,
	// Each query is an object of the JSON array bound to it; its index is "qi". SQLite
	// refuses a LIMIT that refers to the outer row, so a page is walked instead: "page" starts
	// at each query's cursor and steps to the next member's user id by one index seek
	// (memberships_by_organization, or memberships_by_organization_status for a status
	// filter), up to the query's limit; a step finding nothing ends the walk, and the first
	// step's row stays even then (with a NULL user id), so that every query gets a row and its
	// total. A page thus reads its own rows' index entries and nothing after them. The totals
	// are counted once per distinct organization and status of the batch (ten pages of one
	// organization count it once), and each query's first step carries its total along.
	membersSQL: func(membershipColumns string) string {
		next := func(after string) string {
			return `CASE WHEN p.status = '' THEN (SELECT n.user_id FROM memberships AS n
			WHERE n.organization_id = p.org AND n.user_id > ` + after + ` ORDER BY n.user_id LIMIT 1)
		ELSE (SELECT n.user_id FROM memberships AS n
			WHERE n.organization_id = p.org AND n.status = p.status AND n.user_id > ` + after + `
			ORDER BY n.user_id LIMIT 1) END`
		}
		return `WITH RECURSIVE q AS MATERIALIZED (
	SELECT k.key AS qi, k.value ->> 'org' AS org, k.value ->> 'status' AS status,
		k.value ->> 'after' AS after, k.value ->> 'limit' AS lim
	FROM json_each(?) AS k
), totals AS MATERIALIZED (
	SELECT d.org, d.status, CASE WHEN d.status = ''
		THEN (SELECT count(*) FROM memberships AS c WHERE c.organization_id = d.org)
		ELSE (SELECT count(*) FROM memberships AS c WHERE c.organization_id = d.org AND c.status = d.status) END AS total
	FROM (SELECT DISTINCT org, status FROM q) AS d
), page (qi, org, status, lim, total, n, user_id) AS (
	SELECT p.qi, p.org, p.status, p.lim, t.total, 1, ` + next(`p.after`) + `
	FROM q AS p JOIN totals AS t ON t.org IS p.org AND t.status IS p.status
	UNION ALL
	SELECT p.qi, p.org, p.status, p.lim, p.total, p.n + 1, ` + next(`p.user_id`) + `
	FROM page AS p WHERE p.user_id IS NOT NULL AND p.n < p.lim
)
SELECT p.qi, p.total, ` + membershipColumns + `
FROM page AS p
LEFT JOIN memberships AS m ON m.user_id = p.user_id AND m.organization_id = p.org
WHERE p.n = 1 OR p.user_id IS NOT NULL
ORDER BY p.qi, p.n`
	},
	membersArgs: func(qs []membersArg) []any {
		b, err := json.Marshal(qs)
		if err != nil {
			panic(fmt.Sprintf("sqlite: encoding members queries: %v", err)) // strings and ints always encode
		}
		return []any{string(b)}
	},
}).prepare()
