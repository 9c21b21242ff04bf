package playground_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/playground"
	"github.com/usergraph/usergraph/playground/playgroundtest"
)

// stubIntrospection is the smallest introspection result GraphiQL accepts
// (buildClientSchema needs every referenced type, including the scalars):
//
//	type Query { greeting(name: String): String }
const stubIntrospection = `{"data":{"__schema":{
  "description":null,
  "queryType":{"name":"Query","kind":"OBJECT"},"mutationType":null,"subscriptionType":null,
  "types":[
    {"kind":"OBJECT","name":"Query","description":null,"specifiedByURL":null,"isOneOf":null,
     "fields":[{"name":"greeting","description":"Says hello.","isDeprecated":false,"deprecationReason":null,
       "args":[{"name":"name","description":null,"defaultValue":null,"isDeprecated":false,"deprecationReason":null,
         "type":{"kind":"SCALAR","name":"String","ofType":null}}],
       "type":{"kind":"SCALAR","name":"String","ofType":null}}],
     "inputFields":null,"interfaces":[],"enumValues":null,"possibleTypes":null},
    {"kind":"SCALAR","name":"String","description":null,"specifiedByURL":null,"isOneOf":null,
     "fields":null,"inputFields":null,"interfaces":null,"enumValues":null,"possibleTypes":null}
  ],
  "directives":[]}}}`

// stubGraphQL answers GraphiQL's introspection query with stubIntrospection
// and any other query with a greeting that echoes the "name" variable and the
// X-Playground-Test header, so the browser test proves that both the
// ?variables= parameter and Options.Headers reach the endpoint.
func stubGraphQL(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var req struct {
			Query     string         `json:"query"`
			Variables map[string]any `json:"variables"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if strings.Contains(req.Query, "__schema") {
			_, _ = w.Write([]byte(stubIntrospection))
			return
		}
		name, _ := req.Variables["name"].(string)
		greeting := "hello " + name + " via header " + r.Header.Get("X-Playground-Test")
		t.Logf("stub GraphQL endpoint: %q -> %q", req.Query, greeting)
		_ = json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"greeting": greeting}})
	})
}

func TestPlaygroundInBrowser(t *testing.T) {
	pg := playground.Handler(playground.Options{
		Endpoint: "/graphql",
		Title:    "usergraph playground (test)",
		Headers:  map[string]string{"X-Playground-Test": "from-options"},
	})
	mux := http.NewServeMux()
	mux.Handle("/{$}", pg)
	mux.Handle(playground.AssetPrefix, pg)
	mux.Handle("/graphql", stubGraphQL(t))
	srv := httptest.NewServer(mux) // listens on 127.0.0.1
	defer srv.Close()

	q := url.Values{
		"query":     {"query Greet($name: String) {\n  greeting(name: $name)\n}\n"},
		"variables": {`{"name": "browser"}`},
	}
	playgroundtest.RunQueryInBrowser(t, srv.URL+"/?"+q.Encode(), "hello browser via header from-options")
}
