package directorytest_test

import (
	"context"
	"database/sql"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/directorytest"
	"github.com/usergraph/usergraph/directory/scalekit"
	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
	"github.com/usergraph/usergraph/directory/sqlstore"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"
	"github.com/usergraph/usergraph/directory/sqlstore/sqlstoretest"
)

// TestMain stops the PostgreSQL server the tests started, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	postgrestest.Stop()
	os.Exit(code)
}

func TestSQLite(t *testing.T) {
	directorytest.Run(t, func(t *testing.T, seed bool) (directorytest.Backend, func() directory.Directory) {
		path := sqlstoretest.SQLiteFile(t, seed)
		open := func() *sqlstore.Store {
			st, err := sqlstore.OpenSQLite(context.Background(), path, sqlstore.Options{Seed: seed})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		}
		st := open()
		raw, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)")
		require.NoError(t, err)
		t.Cleanup(func() { _ = raw.Close() })
		return sqlBackend(t, st, raw), func() directory.Directory { return open() }
	})
}

func TestPostgreSQL(t *testing.T) {
	directorytest.Run(t, func(t *testing.T, seed bool) (directorytest.Backend, func() directory.Directory) {
		dsn := sqlstoretest.PostgresDSN(t, seed)
		open := func() *sqlstore.Store {
			st, err := sqlstore.OpenPostgres(context.Background(), dsn, sqlstore.Options{Seed: seed})
			require.NoError(t, err)
			t.Cleanup(func() { _ = st.Close() })
			return st
		}
		st := open()
		raw, err := sql.Open("pgx", dsn)
		require.NoError(t, err)
		t.Cleanup(func() { _ = raw.Close() })
		return sqlBackend(t, st, raw), func() directory.Directory { return open() }
	})
}

// sqlBackend is a SQL store with its own connection (raw) to count rows and set up states.
func sqlBackend(t *testing.T, st *sqlstore.Store, raw *sql.DB) directorytest.Backend {
	return directorytest.Backend{
		Dir:   st,
		Calls: st.Statements,
		Rows: func() map[string]int {
			out := map[string]int{}
			for _, table := range []string{"organizations", "roles", "permissions", "role_permissions", "users",
				"memberships", "membership_roles", "identities", "domains"} {
				var n int
				require.NoError(t, raw.QueryRow("SELECT count(*) FROM "+table).Scan(&n))
				out[table] = n
			}
			return out
		},
		Exec: func(statement string) error { _, err := raw.Exec(statement); return err },
	}
}

// TestScalekit runs the suite on the Scalekit client against the fake Scalekit.
func TestScalekit(t *testing.T) {
	directorytest.Run(t, func(t *testing.T, seed bool) (directorytest.Backend, func() directory.Directory) {
		fake := scalekittest.New(t, scalekittest.Options{Seed: seed})
		client := func() directory.Directory {
			c, err := scalekit.New(scalekit.Config{EnvironmentURL: fake.URL(), ClientID: fake.ClientID(), ClientSecret: fake.ClientSecret()})
			require.NoError(t, err)
			return c
		}
		return directorytest.Backend{
			Dir: client(),
			Differs: map[directorytest.Difference]string{
				directorytest.NoStatementCount:                "Scalekit is an HTTP API; the client's calls per batch are proved in directory/scalekit",
				directorytest.NoRowCount:                      "Scalekit's data is behind its API",
				directorytest.IdentitiesReadOnly:              "Scalekit records identities at sign-in; its API cannot link one",
				directorytest.StatusReadOnly:                  "Scalekit's API does not change a membership's status",
				directorytest.RolesInBackendOrder:             "Scalekit lists a membership's roles in its own order",
				directorytest.FirstProblemOnly:                "the client stops at the first refusal Scalekit returns",
				directorytest.FixedRoles:                      "a Scalekit environment always has its roles",
				directorytest.SearchByKeyOnly:                 "Scalekit's search matches email, user id and external id, not names",
				directorytest.OtherOrganizationsDomainInvalid: "Scalekit answers 400 without saying the domain is another organization's",
			},
		}, client
	})
}

var _ = stdlib.GetDefaultDriver // registers the "pgx" driver
