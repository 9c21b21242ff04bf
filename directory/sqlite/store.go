// Package sqlite is usergraph's embedded backend: the directory.Directory port over one
// SQLite file, with the pure-Go driver modernc.org/sqlite (no cgo).
//
// Every batch read is one SQL statement whatever the number of keys (keys travel as one JSON
// array bound to json_each), so the GraphQL layer's statement count is bounded by the depth
// of a query, never by the length of its lists. Statements() exposes that count.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"

	// The driver registers itself as "sqlite".
	_ "modernc.org/sqlite"

	"github.com/usergraph/usergraph/directory"
)

// Options tune Open.
type Options struct {
	// Seed fills a database without organizations with a small demo data set.
	Seed bool
}

// Store is the embedded directory. It is safe for concurrent use.
type Store struct {
	// SQLite allows one writer at a time. Funnelling every write through a pool of one
	// connection makes concurrent writers queue in Go instead of failing with SQLITE_BUSY,
	// while readers use their own pool and, thanks to WAL, never wait for the writer.
	writer *sql.DB
	reader *sql.DB
	stmts  atomic.Uint64
}

var _ directory.Directory = (*Store)(nil)

// Open opens (creating it and its folder if needed) the SQLite file at path, brings its schema
// up to date and, when opts.Seed is set and the file is new, seeds it.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
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

	s := &Store{}
	// The writer opens first: it creates the file and switches it to WAL (which persists in
	// the file) before any reader connection exists.
	if s.writer, err = sql.Open("sqlite", dsn(abs, true)); err != nil {
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetMaxIdleConns(1)
	s.writer.SetConnMaxIdleTime(0) // keep the one connection (and its page cache) for good
	if err := s.writer.PingContext(ctx); err != nil {
		_ = s.writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	if s.reader, err = sql.Open("sqlite", dsn(abs, false)); err != nil {
		_ = s.writer.Close()
		return nil, fmt.Errorf("sqlite: opening %s: %w", path, err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	s.reader.SetMaxOpenConns(readers)
	s.reader.SetMaxIdleConns(readers)

	created, err := s.migrate(ctx)
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	// Only a new file is seeded: a store whose organizations were all deleted is not one to
	// fill with demo users again.
	if opts.Seed && created {
		if err := s.seed(ctx); err != nil {
			_ = s.Close()
			return nil, err
		}
	}
	return s, nil
}

// dsn builds the driver's URI for the file. Pragmas run on every new connection:
// foreign keys are off by default in SQLite; WAL lets readers run beside the writer;
// synchronous FULL syncs the WAL at every commit so that a crash loses nothing committed;
// busy_timeout covers other processes that open the same file.
func dsn(path string, writer bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	if writer {
		// BEGIN IMMEDIATE takes the write lock up front, so that the checks a write
		// transaction makes (is this email taken?) still hold when it inserts.
		q.Set("_txlock", "immediate")
	} else {
		// A reader that tried to write would be a bug; make it fail loudly.
		q.Add("_pragma", "query_only(1)")
	}
	// A file: URI with an escaped path, so that '?' or '#' in a folder name stay part of it.
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}).String()
}

// Close closes both pools; the last connection to close checkpoints the WAL into the file.
func (s *Store) Close() error {
	var errs []error
	if s.reader != nil {
		errs = append(errs, s.reader.Close())
	}
	if s.writer != nil {
		errs = append(errs, s.writer.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sqlite: closing: %w", err)
	}
	return nil
}

// Statements returns how many SQL statements this store has sent to the database since it
// was opened (BEGIN and COMMIT not included). Benchmarks use it to show that the statements
// a GraphQL query costs do not grow with the size of its lists.
func (s *Store) Statements() uint64 { return s.stmts.Load() }

// Ping runs the cheapest query there is on a reader connection.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read().queryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}
