// Package postgres is usergraph's shared backend: the directory.Directory port over a
// PostgreSQL database (15 or later), with pgx. It behaves as the embedded SQLite store
// (package directory/sqlite) does, answer for answer and refusal for refusal, but several
// gateway processes can share one database.
//
// Every batch read is one SQL statement whatever the number of keys (keys travel as one
// text[] parameter, unnested WITH ORDINALITY), so the GraphQL layer's statement count is
// bounded by the depth of a query, never by the length of its lists. Statements() exposes
// that count.
//
// Concurrent writers of one row lose nothing: users, memberships and organizations carry a
// version that every update increments, and a read-modify-write (a map merge) updates only
// the version it read, retrying its transaction when another writer got there first (see
// Store.writeTx). A write that still conflicts after its retries is refused with an input
// error on "id" saying that the row was changed concurrently.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/usergraph/usergraph/directory"
)

// Options tune Open.
type Options struct {
	// Seed fills a database whose schema this Open creates with a small demo data set.
	Seed bool
}

// Store is the PostgreSQL directory. It is safe for concurrent use, and several stores (in
// several processes) can share one database.
type Store struct {
	pool  *pgxpool.Pool
	stmts atomic.Uint64
	// retries counts write transactions run again after a conflict (see writeTx).
	retries atomic.Uint64
	// The retry budget of writes (see writeTx): attempts in all, the first optimistic of them
	// without row locks.
	attempts, optimistic int
}

var _ directory.Directory = (*Store)(nil)

// Open connects to the database named by dsn (a libpq keyword/value string or a
// postgres:// URL, as pgxpool.ParseConfig reads them), brings its schema up to date and,
// when opts.Seed is set and this call created the schema, seeds it in the same transaction.
// Processes opening one database at the same time are serialized by an advisory lock: one
// migrates (and seeds), the others find it done.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
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
	s := &Store{pool: pool, attempts: defaultAttempts, optimistic: defaultOptimistic}
	if err := s.migrate(ctx, opts.Seed); err != nil {
		pool.Close()
		return nil, err
	}
	return s, nil
}

// Close closes every connection of the pool, waiting for those in use to be released. It
// always returns nil; the error is there so that Store is an io.Closer like the SQLite
// store. Closing twice is harmless.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Statements returns how many SQL statements this store has sent to the database since it
// was opened (BEGIN, COMMIT and ROLLBACK not included). Tests use it to show that the
// statements a GraphQL query costs do not grow with the size of its lists.
func (s *Store) Statements() uint64 { return s.stmts.Load() }

// Ping runs the cheapest query there is.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.read().queryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}
