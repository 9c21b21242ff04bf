package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Media types of GraphQL responses (GraphQL over HTTP).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// overHTTP is the GET and POST transport, answering as the GraphQL over HTTP spec says
// where gqlgen's own transports differ (graphql-http's audit checks each rule):
//   - a request that cannot run at all (a document that does not parse or validate,
//     variables that do not coerce) is a request error: its response has errors and no
//     data entry, and its status is 200 for application/json (so that clients of that
//     older media type read the errors) and 400 for application/graphql-response+json
//     (gqlgen answers 422 and "data": null);
//   - a body without a query, or that is not a JSON object, is 400 in both;
//   - the response's media type follows Accept, application/json when there is none.
//
// Everything else is gqlgen's executor: persisted queries, the error presenter, the
// extensions. An operation executes only once it has a turn of slots.
type overHTTP struct{ slots admission }

var _ graphql.Transport = overHTTP{}

func (overHTTP) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" {
		return false
	}
	switch r.Method {
	case http.MethodGet:
		return true
	case http.MethodPost:
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return err == nil && (mt == mediaJSON || mt == mediaGraphQLResponse)
	}
	return false
}

func (t overHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	start := graphql.Now()
	media := responseMediaType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media)
	raw, err := readParams(r)
	if err != nil {
		writeRequestError(w, http.StatusBadRequest, gqlerror.List{{Message: err.Error(), Extensions: map[string]any{"code": CodeBadRequest}}})
		return
	}
	raw.Headers = r.Header
	raw.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	ctx, invalid := withValidationErrors(r.Context())
	opCtx, errs := exec.CreateOperationContext(ctx, raw)
	if errs != nil {
		if len(*invalid) > 0 {
			errs = *invalid // validation refused with the first error; the client gets all
		}
		status := http.StatusOK
		if media == mediaGraphQLResponse && errcode.GetErrorKind(errs) == errcode.KindProtocol {
			status = http.StatusBadRequest
		}
		for _, e := range errs {
			switch e.Extensions["code"] {
			case CodeMethodNotAllowed:
				// A mutation that arrived over GET by its persisted hash
				// (queriesOnlyOverGET) is refused as any GET mutation is: 405, whatever
				// the media type.
				status = http.StatusMethodNotAllowed
				w.Header().Set("Allow", "POST")
			case CodeServerBusy:
				status = http.StatusServiceUnavailable
				w.Header().Set("Retry-After", "1")
			}
		}
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		writeRequestError(w, status, resp.Errors)
		return
	}
	if r.Method == http.MethodGet {
		// checkTransport answers this first, with its code; kept so that a GET can never
		// run a mutation whatever the middleware order.
		if op := opCtx.Doc.Operations.ForName(opCtx.OperationName); op == nil || op.Operation != ast.Query {
			w.Header().Set("Allow", "POST")
			writeRequestError(w, http.StatusMethodNotAllowed, gqlerror.List{{Message: "only queries can be sent with GET; POST mutations",
				Extensions: map[string]any{"code": CodeMethodNotAllowed}}})
			return
		}
	}
	if !t.slots.enter(ctx) {
		w.Header().Set("Retry-After", "1")
		busy := busy(ctx, "the server is busy; retry later")
		writeRequestError(w, http.StatusServiceUnavailable, exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), gqlerror.List{busy}).Errors)
		return
	}
	defer t.slots.leave()
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeBody(w, responses(ctx))
}

// readParams reads a request's query, operation name, variables and extensions: from the
// URL of a GET, from the JSON object of a POST.
func readParams(r *http.Request) (*graphql.RawParams, error) {
	raw := &graphql.RawParams{}
	if r.Method == http.MethodGet {
		q, ok := r.Context().Value(getParamsKey{}).(url.Values)
		if !ok {
			var err error
			if q, err = url.ParseQuery(r.URL.RawQuery); err != nil {
				return nil, errors.New("the URL's query string does not parse")
			}
		}
		raw.Query, raw.OperationName = q.Get("query"), q.Get("operationName")
		for param, into := range map[string]any{"variables": &raw.Variables, "extensions": &raw.Extensions} {
			if v := q.Get(param); v != "" {
				if err := decodeJSON(strings.NewReader(v), into); err != nil {
					return nil, errors.New(param + " is not a JSON object")
				}
			}
		}
	} else if err := decodeBody(r.Body, raw); err != nil {
		return nil, errors.New("the body is not a JSON object of query, operationName, variables and extensions")
	}
	if raw.Query == "" && raw.Extensions["persistedQuery"] == nil {
		return nil, errors.New("the request has no query")
	}
	return raw, nil
}

// getParamsKey holds, in a GET's context, its query string as checkTransport parsed it:
// unescaping a URL of a megabyte costs milliseconds, and is done once.
type getParamsKey struct{}

// postBody is the JSON object of a POST. The document, which may be most of a 1 MiB body,
// is decoded by go-json-experiment/json, the prototype of encoding/json/v2: it checks and
// unquotes a string in one pass, a tenth of encoding/json's time (docs/benchmarks.md),
// which matters because every refusal of an oversized document pays it first. Variables
// and extensions are kept raw and decoded by encoding/json with UseNumber, as gqlgen does.
type postBody struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName"`
	Variables     jsontext.Value `json:"variables"`
	Extensions    jsontext.Value `json:"extensions"`
}

// postBodyOptions keep encoding/json's leniency, which clients may rely on: names match
// case-insensitively, the last of duplicate names wins, invalid UTF-8 becomes U+FFFD.
var postBodyOptions = jsonv2.JoinOptions(jsonv2.MatchCaseInsensitiveNames(true),
	jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))

func decodeBody(r io.Reader, raw *graphql.RawParams) error {
	var body postBody
	if err := jsonv2.UnmarshalRead(r, &body, postBodyOptions); err != nil {
		return err
	}
	raw.Query, raw.OperationName = body.Query, body.OperationName
	for _, part := range []struct {
		value jsontext.Value
		into  any
	}{{body.Variables, &raw.Variables}, {body.Extensions, &raw.Extensions}} {
		if len(part.value) > 0 {
			if err := decodeJSON(bytes.NewReader(part.value), part.into); err != nil {
				return err
			}
		}
	}
	return nil
}

func decodeJSON(r io.Reader, into any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber() // as gqlgen: integers beyond 2^53 stay exact
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// requestError is the response to a request that did not run: errors, and no data entry
// (the GraphQL spec: "If an error was raised before execution begins, the data entry
// should not be present").
type requestError struct {
	Errors gqlerror.List `json:"errors"`
}

func writeRequestError(w http.ResponseWriter, status int, errs gqlerror.List) {
	w.WriteHeader(status)
	writeBody(w, requestError{Errors: errs})
}

func writeBody(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		// Only a value the executor built can get here, and it always marshals; the
		// panic reaches recoverPanics, which answers a masked 500.
		panic(err)
	}
	_, _ = w.Write(b)
}

// responseMediaType picks the response's media type from Accept: the first of the two
// GraphQL media types it names (a wildcard or none: application/json, which every client
// reads), and application/graphql-response+json when it names neither.
func responseMediaType(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "*/*", "application/*", mediaJSON:
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}
