package gateway_test

import (
	"flag"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/graph"
)

var update = flag.Bool("update", false, "rewrite the schema snapshot (schema.graphql) from the schema")

// snapshotPath is the committed, printed schema: what clients code-generate against.
const snapshotPath = "../schema.graphql"

// TestSchemaSnapshot fails when the schema changes without the snapshot being updated, so
// that every change to the API shows up in review as a diff of schema.graphql.
func TestSchemaSnapshot(t *testing.T) {
	printed := gateway.PrintSchema(gateway.NewExecutableSchema(&graph.Resolver{}))
	if *update {
		require.NoError(t, os.WriteFile(snapshotPath, printed, 0o644))
	}
	committed, err := os.ReadFile(snapshotPath)
	require.NoError(t, err, "no snapshot yet: run go test ./gateway -run TestSchemaSnapshot -update")
	if string(committed) != string(printed) {
		t.Fatalf("the schema differs from the committed snapshot %s.\n"+
			"If the change is intended, run: go test ./gateway -run TestSchemaSnapshot -update\n"+
			"and commit schema.graphql with it.", snapshotPath)
	}
}
