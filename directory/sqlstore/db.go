package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// conn is the only way this package talks to the database: every statement goes through
// one of its methods, which count it and hand it to the driver in its dialect. Reads and
// writes share the query code by taking a conn, whether it wraps a pool or a transaction.
type conn struct {
	q querier
	d *dialect
	n *atomic.Uint64
	// lock makes the reads of a read-modify-write lock the row they read. It is set on the
	// late attempts of a write, after optimistic ones conflicted, so that a hot row still
	// makes progress: see writeTx.
	lock bool
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.q.ExecContext(ctx, c.d.rebind(query), c.d.args(args)...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.q.QueryContext(ctx, c.d.rebind(query), c.d.args(args)...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.q.QueryRowContext(ctx, c.d.rebind(query), c.d.args(args)...)
}

// changed runs a statement and reports how many rows it changed.
func (c conn) changed(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := c.exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// exists runs a query that selects one row or none.
func (c conn) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	switch err := c.queryRow(ctx, query, args...).Scan(&one); {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// forUpdate is the locking clause for a read-modify-write read of the table aliased alias:
// empty on optimistic attempts, and in a dialect whose write transactions lock everything.
func (c conn) forUpdate(alias string) string {
	if c.lock && c.d.lockRows != "" {
		return c.d.lockRows + alias
	}
	return ""
}

// read returns a conn over the reader pool (each statement in its own implicit transaction).
func (s *Store) read() conn { return conn{q: s.reader, d: s.d, n: &s.stmts} }

// readTx runs fn in one read transaction, so that the statements it makes (a count and a
// page) see the same snapshot.
func (s *Store) readTx(ctx context.Context, fn func(conn) error) error {
	tx, err := s.reader.BeginTx(ctx, s.d.readSnapshot)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(conn{q: tx, d: s.d, n: &s.stmts}); err != nil {
		return err
	}
	return tx.Commit()
}

// errConflict is what a read-modify-write returns when the row's version changed between
// its read and its update: another writer got there first. writeTx retries it.
var errConflict = errors.New("changed concurrently")

// Retry budget of writeTx; fields of Store so that tests can change them.
const (
	defaultAttempts   = 10 // attempts in all
	defaultOptimistic = 3  // attempts that read without locking
	backoffBase       = time.Millisecond
	backoffCap        = 50 * time.Millisecond
)

// writeTx runs fn in one write transaction and commits only when fn succeeds, so that a
// refused write writes nothing.
//
// Concurrency is optimistic: a read-modify-write reads the row with its version and updates
// it only WHERE the version is still the one it read, returning errConflict otherwise. A
// conflict, or a driver error the dialect calls retryable, rolls back and retries the whole
// transaction after a short randomized backoff. The first attempts read without locks;
// later ones lock the rows they read, so that a row updated by many writers at once still
// makes progress instead of failing. When the budget is spent, the last error is returned;
// callers turn a conflict into an input error (see conflict). SQLite's single writer holds
// the database's write lock for the whole transaction, so there it never conflicts.
func (s *Store) writeTx(ctx context.Context, fn func(conn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, attempt > s.optimistic, fn)
		if err == nil || !(s.conflicted(err) || s.d.staleReference(err)) || attempt >= s.attempts {
			return err
		}
		s.retries.Add(1)
		wait := min(backoffCap, backoffBase<<min(attempt, 16))
		wait = wait/2 + rand.N(wait/2+1)
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after %v)", ctx.Err(), err)
		case <-time.After(wait):
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, lock bool, fn func(conn) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a write: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(conn{q: tx, d: s.d, n: &s.stmts, lock: lock}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// conflicted reports whether err is a lost race with another writer: a version that
// changed, or what the dialect reports as one.
func (s *Store) conflicted(err error) bool {
	return errors.Is(err, errConflict) || s.d.lostRace(err)
}

// byKeys runs a batch read whose first column is the index of the key (in keys, bound as one
// keyList argument) that a row answers, the rest being what scan reads. Entry i answers
// keys[i], the zero value where nothing matched; no keys, no statement.
func byKeys[T any](ctx context.Context, c conn, query string, keys []string, scan func(scanner, ...any) (T, error)) ([]T, error) {
	lists, err := listsByKeys(ctx, c, query, keys, scan)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(keys))
	for i, l := range lists {
		if len(l) > 0 {
			out[i] = l[0]
		}
	}
	return out, nil
}

// listsByKeys is byKeys for a read in which a key has any number of rows, in the query's
// order: entry i lists what answers keys[i], an empty list where nothing matched.
func listsByKeys[T any](ctx context.Context, c conn, query string, keys []string, scan func(scanner, ...any) (T, error)) ([][]T, error) {
	out := make([][]T, len(keys))
	for i := range out {
		out[i] = []T{}
	}
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := c.query(ctx, query, keyList(keys))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		v, err := scan(rows, &i)
		if err != nil {
			return nil, err
		}
		if i < 0 || i >= len(out) {
			return nil, fmt.Errorf("key index %d out of range", i)
		}
		out[i] = append(out[i], v)
	}
	return out, rows.Err()
}
