// Package sqlstoretest gives tests a new, migrated database for the SQL store, empty or
// seeded with the demo data, in a fraction of the time that migrating and seeding take.
//
// Migrating and seeding run a few hundred SQL statements; SQLite (a C library translated to
// Go) parses and runs them under the race detector about ten times slower than without it,
// so a test that opened a seeded store spent most of its time there. Here the first request
// of a test process for each kind of database (SQLite or PostgreSQL, empty or seeded) opens
// one through the store as `go run .` does, and every test then gets a copy of it: a copy of
// the file for SQLite, CREATE DATABASE … TEMPLATE for PostgreSQL. Opening a copy with
// sqlstore finds every migration applied (and the seed there), as on a server's restart.
// The store's own tests of migrating and seeding (package sqlstore) open new databases
// directly.
package sqlstoretest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"
)

// SQLiteFile returns the path of a new SQLite file, in t's temporary folder, holding a
// migrated database, seeded when seed is set.
func SQLiteFile(t testing.TB, seed bool) string {
	t.Helper()
	img := &sqliteImages[boolIndex(seed)]
	img.once.Do(func() { img.bytes, img.err = sqliteImage(seed) })
	if img.err != nil {
		t.Fatalf("sqlstoretest: preparing a SQLite database (seed %v): %v", seed, img.err)
	}
	path := filepath.Join(t.TempDir(), "usergraph.db")
	if err := os.WriteFile(path, img.bytes, 0o600); err != nil {
		t.Fatalf("sqlstoretest: %v", err)
	}
	return path
}

// PostgresDSN returns the DSN of a new PostgreSQL database on the test process's server
// (postgrestest, which skips or fails t without PostgreSQL), migrated, seeded when seed is
// set, and dropped when t ends.
func PostgresDSN(t testing.TB, seed bool) string {
	t.Helper()
	return postgrestest.StartFrom(t, fmt.Sprintf("sqlstore seed=%v", seed), func(dsn string) error {
		st, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.Options{Seed: seed})
		if err != nil {
			return err
		}
		return st.Close()
	})
}

// sqliteImages holds the bytes of a prepared SQLite file, [0] empty and [1] seeded.
var sqliteImages [2]struct {
	once  sync.Once
	bytes []byte
	err   error
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sqliteImage opens a new file through the store and returns its bytes once closed: the last
// connection to close checkpoints the write-ahead log into the file, so the file alone holds
// the database (in WAL mode, which the file records and a copy keeps).
func sqliteImage(seed bool) ([]byte, error) {
	dir, err := os.MkdirTemp("", "usergraph-sqlstoretest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "usergraph.db")
	st, err := sqlstore.OpenSQLite(context.Background(), path, sqlstore.Options{Seed: seed})
	if err != nil {
		return nil, err
	}
	if err := st.Close(); err != nil {
		return nil, err
	}
	if fi, err := os.Stat(path + "-wal"); err == nil && fi.Size() > 0 {
		return nil, fmt.Errorf("the write-ahead log of %s was not checkpointed at close (%d bytes)", path, fi.Size())
	}
	return os.ReadFile(path)
}
