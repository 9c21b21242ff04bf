package postgres

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// querier is what *pgxpool.Pool and pgx.Tx have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// conn is the only way this package talks to the database: every statement goes through
// one of its methods, which count it. Reads and writes share the query code by taking a
// conn, whether it wraps the pool or a write transaction.
type conn struct {
	q querier
	n *atomic.Uint64
	// lock makes the reads of a read-modify-write lock the row they read (FOR NO KEY
	// UPDATE). It is set on the late attempts of a write, after optimistic ones conflicted,
	// so that a hot row still makes progress: see writeTx.
	lock bool
}

func (c conn) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	c.n.Add(1)
	return c.q.Exec(ctx, query, args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (pgx.Rows, error) {
	c.n.Add(1)
	return c.q.Query(ctx, query, args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) pgx.Row {
	c.n.Add(1)
	return c.q.QueryRow(ctx, query, args...)
}

// exists runs a query that selects one row or none.
func (c conn) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	switch err := c.queryRow(ctx, query, args...).Scan(&one); {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, err
	}
	return true, nil
}

// forUpdate is the locking clause for a read-modify-write read of the table aliased alias:
// empty on optimistic attempts.
func (c conn) forUpdate(alias string) string {
	if c.lock {
		return " FOR NO KEY UPDATE OF " + alias
	}
	return ""
}

// read returns a conn over the pool (each statement in its own implicit transaction).
func (s *Store) read() conn { return conn{q: s.pool, n: &s.stmts} }

// readTx runs fn in one read-only REPEATABLE READ transaction, so that the statements it
// makes (a count and a page) see the same snapshot.
func (s *Store) readTx(ctx context.Context, fn func(conn) error) error {
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer rollback(ctx, tx)
	if err := fn(conn{q: tx, n: &s.stmts}); err != nil {
		return err
	}
	return tx.Commit(ctx)
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

// writeTx runs fn in one READ COMMITTED transaction and commits only when fn succeeds, so
// that a refused write writes nothing.
//
// Concurrency is optimistic: a read-modify-write reads the row with its version and updates
// it only WHERE the version is still the one it read, returning errConflict otherwise. A
// conflict, a serialization failure (40001), a deadlock (40P01) or a foreign key failure
// (23503: a row this write refers to was deleted meanwhile; the retry's checks then report
// it as NOT_FOUND) rolls back and retries the whole transaction, after a short randomized
// backoff. The first attempts read without locks; later ones lock the rows they read, so
// that a row updated by many writers at once still makes progress instead of failing.
// When the budget is spent, the last error is returned; callers turn a conflict into an
// input error (see conflict).
func (s *Store) writeTx(ctx context.Context, fn func(conn) error) error {
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, attempt > s.optimistic, fn)
		if err == nil || !retryable(err) || attempt >= s.attempts {
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
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning a write: %w", err)
	}
	defer rollback(ctx, tx)
	if err := fn(conn{q: tx, n: &s.stmts, lock: lock}); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// rollback ends a transaction that did not commit (after Commit it does nothing). It runs
// even when ctx was canceled, so that the connection goes back to the pool clean.
func rollback(ctx context.Context, tx pgx.Tx) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	_ = tx.Rollback(ctx)
}

// SQLSTATEs this package reacts to.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

func pgError(err error) *pgconn.PgError {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// conflicted reports whether err is a lost race with another writer.
func conflicted(err error) bool {
	if errors.Is(err, errConflict) {
		return true
	}
	e := pgError(err)
	return e != nil && (e.Code == codeSerializationFailure || e.Code == codeDeadlockDetected)
}

// retryable reports whether a write that failed with err may succeed when run again.
func retryable(err error) bool {
	if conflicted(err) {
		return true
	}
	e := pgError(err)
	return e != nil && e.Code == codeForeignKeyViolation
}

// uniqueViolation reports whether err is a UNIQUE or PRIMARY KEY failure of the named
// constraint (or unique index).
func uniqueViolation(err error, constraint string) bool {
	e := pgError(err)
	return e != nil && e.Code == codeUniqueViolation && e.ConstraintName == constraint
}
