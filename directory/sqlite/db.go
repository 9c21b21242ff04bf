package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// conn is the only way this package talks to the database: every statement goes through
// one of its three methods, which count it. Reads and writes share the query code by taking
// a conn, whether it wraps the reader pool or a write transaction.
type conn struct {
	q querier
	n *atomic.Uint64
}

func (c conn) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	c.n.Add(1)
	return c.q.ExecContext(ctx, query, args...)
}

func (c conn) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	c.n.Add(1)
	return c.q.QueryContext(ctx, query, args...)
}

func (c conn) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	c.n.Add(1)
	return c.q.QueryRowContext(ctx, query, args...)
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

// read returns a conn over the reader pool.
func (s *Store) read() conn { return conn{q: s.reader, n: &s.stmts} }

// readTx runs fn in one read transaction, so that the statements it makes (a count and a
// page) see the same snapshot.
func (s *Store) readTx(ctx context.Context, fn func(conn) error) error {
	tx, err := s.reader.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(conn{q: tx, n: &s.stmts}); err != nil {
		return err
	}
	return tx.Commit()
}

// writeTx runs fn in one write transaction (BEGIN IMMEDIATE on the single writer
// connection) and commits only when fn succeeds, so that a refused write writes nothing.
func (s *Store) writeTx(ctx context.Context, fn func(conn) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("beginning a write: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(conn{q: tx, n: &s.stmts}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing: %w", err)
	}
	return nil
}

// uniqueViolation reports whether err is a UNIQUE or PRIMARY KEY constraint failure on the
// given "table.column" (as SQLite names it in the message, e.g. "users.email").
func uniqueViolation(err error, column string) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Code() != sqlite3.SQLITE_CONSTRAINT_UNIQUE && e.Code() != sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return false
	}
	return strings.Contains(e.Error(), column)
}
