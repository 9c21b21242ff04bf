// Package sqlstore is usergraph's SQL backend: the directory.Directory port over an embedded
// SQLite file (OpenSQLite, the pure-Go driver modernc.org/sqlite) or a PostgreSQL database
// shared by several gateway processes (OpenPostgres, pgx). The queries and every rule are
// written once; a small dialect (dialect.go, sqlite.go, postgres.go) holds what differs:
// placeholders, how a batch of keys is bound, time encoding, JSON aggregation, which unique
// constraint a failure names, and row locking. Each dialect keeps its own migrations.
//
// Every batch read is one SQL statement whatever the number of keys (keys travel as one
// parameter: a JSON array read with json_each, or a text[] unnested WITH ORDINALITY), so the
// GraphQL layer's statement count is bounded by the depth of a query, never by the length
// of its lists. Statements() exposes that count.
//
// Concurrent writers of one row lose nothing: users, memberships and organizations carry a
// version that every update increments, and a read-modify-write (a map merge) updates only
// the version it read, retrying its transaction when another writer got there first (see
// Store.writeTx). A write that still conflicts after its retries is refused with an input
// error on its key saying that the row was changed concurrently. SQLite has one writer at a
// time, so there the versions never conflict.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/usergraph/usergraph/directory"
)

// Options tune the Open functions.
type Options struct {
	// Seed fills a database whose schema this Open creates with a small demo data set.
	Seed bool
}

// Store is a SQL directory. It is safe for concurrent use.
type Store struct {
	d *dialect
	// reader and writer are one pool for PostgreSQL; SQLite writes through a pool of one
	// connection (see OpenSQLite).
	reader, writer *sql.DB
	closers        []func() error
	stmts          atomic.Uint64
	// retries counts write transactions run again after a conflict (see writeTx).
	retries atomic.Uint64
	// The retry budget of writes (see writeTx): attempts in all, the first optimistic of them
	// without row locks.
	attempts, optimistic int
}

var _ directory.Directory = (*Store)(nil)

// open finishes both Open functions: the schema, then the seed.
func open(ctx context.Context, d *dialect, reader, writer *sql.DB, opts Options) (*Store, error) {
	s := &Store{d: d, reader: reader, writer: writer, attempts: defaultAttempts, optimistic: defaultOptimistic}
	s.closers = append(s.closers, reader.Close)
	if writer != reader {
		s.closers = append(s.closers, writer.Close)
	}
	if err := s.migrate(ctx, opts.Seed); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the store's connections, waiting for those in use to be released. For
// SQLite, the last connection to close checkpoints the WAL into the file.
func (s *Store) Close() error {
	var errs []error
	for _, c := range s.closers {
		errs = append(errs, c())
	}
	s.closers = nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("%s: closing: %w", s.d.name, err)
	}
	return nil
}

// Statements returns how many SQL statements this store has sent to the database since it
// was opened (BEGIN, COMMIT and ROLLBACK not included). Benchmarks and tests use it to show
// that the statements a GraphQL query costs do not grow with the size of its lists.
func (s *Store) Statements() uint64 { return s.stmts.Load() }

// Ping runs the cheapest query there is on a reader connection.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read().queryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("%s: ping: %w", s.d.name, err)
	}
	return nil
}

// fail wraps a read's error with the dialect and the operation.
func (s *Store) fail(op string, err error) error {
	return fmt.Errorf("%s: %s: %w", s.d.name, op, err)
}
