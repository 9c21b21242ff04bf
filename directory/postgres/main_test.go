package postgres

import (
	"os"
	"testing"

	"github.com/usergraph/usergraph/directory/postgres/postgrestest"
)

// TestMain stops this process's PostgreSQL server (see postgrestest) once every test ran.
func TestMain(m *testing.M) {
	code := m.Run()
	postgrestest.Stop()
	os.Exit(code)
}
