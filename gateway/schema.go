package gateway

import (
	"bytes"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/formatter"
)

// PrintSchema prints the executable schema's SDL with gqlparser's formatter: the same text
// that /schema.graphql serves and that the committed snapshot (schema.graphql) holds. It is
// the clients' schema: the federation @link on the schema is for routers, which read it from
// _service { sdl }, and client compilers such as Relay's cannot read `extend schema`.
func PrintSchema(schema graphql.ExecutableSchema) []byte {
	var buf bytes.Buffer
	client := *schema.Schema()
	client.SchemaDirectives = nil
	formatter.NewFormatter(&buf, formatter.WithComments()).FormatSchema(&client)
	return buf.Bytes()
}

func schemaHandler(schema graphql.ExecutableSchema) http.Handler {
	sdl := PrintSchema(schema)
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write(sdl)
	})
}
