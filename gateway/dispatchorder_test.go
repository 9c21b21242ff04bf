package gateway_test

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/loaders"
)

// The dispatcher reads which fields gqlgen runs beside their siblings from the generated
// ResolverRoot; the generated code is what decides. Every object field is compared with its
// case in the generated marshaller: concurrent fields are those it runs through
// out.ResolveConcurrently.
func TestDispatcherKnowsWhichFieldsRunBesideTheirSiblings(t *testing.T) {
	d := loaders.NewDispatcher(gateway.NewExecutableSchema(&graph.Resolver{}).Schema(), reflect.TypeFor[graph.ResolverRoot]())
	files, err := filepath.Glob("../graph/*.generated.go")
	require.NoError(t, err)
	marshaller := regexp.MustCompile(`(?s)func \(ec \*executionContext\) _(\w+)\(ctx context\.Context, sel ast\.SelectionSet, obj [^)]*\) graphql\.Marshaler \{(.*?)\n}\n`)
	field := regexp.MustCompile(`(?s)\t\tcase "(\w+)":\n(.*?)(?:\n\t\tcase |\n\t\tdefault:)`)
	checked := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		for _, m := range marshaller.FindAllStringSubmatch(string(src), -1) {
			typ, body := m[1], m[2]
			for i := 0; i < len(body); {
				c := field.FindStringSubmatchIndex(body[i:])
				if c == nil {
					break
				}
				name, code := body[i+c[2]:i+c[3]], body[i+c[4]:i+c[5]]
				if name != "__typename" {
					concurrent := strings.Contains(code, "out.ResolveConcurrently(")
					assert.Equal(t, concurrent, d.RunsBeside(typ, name), "%s.%s", typ, name)
					checked++
				}
				i += c[5]
			}
		}
	}
	assert.Greater(t, checked, 100, "the generated marshallers were read")
}
