package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func chain(h http.Handler, middleware ...func(http.Handler) http.Handler) http.Handler {
	for i := len(middleware) - 1; i >= 0; i-- {
		h = middleware[i](h)
	}
	return h
}

type requestIDKey struct{}

// A caller's X-Request-Id is kept only when it is a plain token, so that it cannot inject
// anything into logs or headers.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// requestID tags every request with an id, echoed in X-Request-Id, logged with every error
// and returned in masked errors so that a user's report can be found in the logs.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestID returns the id of the request in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// recoverPanics is the last net under the resolvers' own recovery: a panic anywhere in the
// HTTP path becomes a masked 500 with the request id, never a dropped connection.
func recoverPanics(log *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				if v := recover(); v != nil {
					if v == http.ErrAbortHandler {
						panic(v)
					}
					log.ErrorContext(r.Context(), "panic serving request", "requestId", RequestID(r.Context()),
						"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
					writeGraphQLError(w, http.StatusInternalServerError, "internal server error", CodeInternal, RequestID(r.Context()))
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// limitBody reads at most max bytes of body. A larger body is refused with 413 before any
// parsing, so a huge document costs no more than max bytes of memory.
func limitBody(max int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > max {
				writeTooLarge(w, r, max)
				discardRemainder(w, r.Body, max)
				return
			}
			raw := r.Body
			body, err := io.ReadAll(http.MaxBytesReader(w, raw, max))
			var tooLarge *http.MaxBytesError
			switch {
			case errors.As(err, &tooLarge):
				writeTooLarge(w, r, max)
				discardRemainder(w, raw, max)
				return
			case err != nil:
				writeGraphQLError(w, http.StatusBadRequest, "could not read the request body", CodeBadRequest, RequestID(r.Context()))
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
		})
	}
}

func writeTooLarge(w http.ResponseWriter, r *http.Request, max int64) {
	w.Header().Set("Connection", "close")
	writeGraphQLError(w, http.StatusRequestEntityTooLarge,
		fmt.Sprintf("request body is larger than %d bytes", max), CodePayloadTooLarge, RequestID(r.Context()))
}

// discardRemainder reads and drops what is left of a refused body, up to a bound in size
// and time, after the 413 is sent. Closing the connection while the client is still
// writing would reset it, and many clients then report the reset instead of the 413.
// Beyond the bound the connection is closed regardless: a refused body costs bounded time.
func discardRemainder(w http.ResponseWriter, body io.Reader, max int64) {
	rc := http.NewResponseController(w)
	_ = rc.Flush()
	_ = rc.SetReadDeadline(time.Now().Add(discardTime))
	_, _ = io.CopyN(io.Discard, body, discardFactor*max)
}

// A refused body is drained up to discardFactor times the limit, for at most discardTime.
const (
	discardFactor = 8
	discardTime   = 5 * time.Second
)

// timeout bounds the time the resolvers and the backend may spend on one request.
func timeout(d time.Duration) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// writeGraphQLError answers with a GraphQL-shaped error for failures outside the executor.
func writeGraphQLError(w http.ResponseWriter, status int, message, code, requestID string) {
	writeJSON(w, status, map[string]any{
		"errors": []map[string]any{{
			"message":    message,
			"extensions": map[string]any{"code": code, "requestId": requestID},
		}},
	})
}

// MaxGETQueryBytes bounds a GET's query string. GET carries queries for caches and
// prefetchers, which are small; anything larger is a POST's. (usergraph's own server reads
// at most 64 KiB of request line and headers; this holds wherever the handler is mounted.)
const MaxGETQueryBytes = 32 << 10

// checkTransport answers, with a coded GraphQL error, the requests that gqlgen's transports
// would refuse with an uncoded one: other methods than GET and POST, POST bodies that are
// not JSON, GET requests with undecodable variables, and mutations over GET (a GET must
// never change anything; caches and prefetchers replay them).
func checkTransport(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := RequestID(r.Context())
		switch r.Method {
		case http.MethodPost:
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			// application/graphql-response+json names a response format (for Accept), and
			// gqlgen's POST transport reads application/json bodies only.
			if err != nil || mt != "application/json" {
				writeGraphQLError(w, http.StatusUnsupportedMediaType, "POST a JSON body with Content-Type: application/json", CodeUnsupportedMediaType, id)
				return
			}
		case http.MethodGet:
			if len(r.URL.RawQuery) > MaxGETQueryBytes {
				// Unescaping a 1 MiB URL alone costs 13 ms: refused unread.
				writeGraphQLError(w, http.StatusRequestURITooLong, fmt.Sprintf("a GET's query string may hold at most %d KiB; POST the document", MaxGETQueryBytes>>10), CodePayloadTooLarge, id)
				return
			}
			ctx := context.WithValue(r.Context(), overGETKey{}, true)
			q, err := url.ParseQuery(r.URL.RawQuery)
			if err == nil { // else the transport refuses it with its message
				ctx = context.WithValue(ctx, getParamsKey{}, q)
			}
			r = r.WithContext(ctx)
			for _, param := range []string{"variables", "extensions"} {
				if v := q.Get(param); v != "" && !json.Valid([]byte(v)) {
					writeGraphQLError(w, http.StatusBadRequest, param+" is not valid JSON", CodeBadRequest, id)
					return
				}
			}
			if mutationOverGET(q) {
				w.Header().Set("Allow", "POST")
				writeGraphQLError(w, http.StatusMethodNotAllowed, "only queries can be sent with GET; POST mutations", CodeMethodNotAllowed, id)
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST")
			writeGraphQLError(w, http.StatusMethodNotAllowed, "use GET for queries or POST", CodeMethodNotAllowed, id)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// mutationOverGET reports whether the operation a GET names is not a query. A document
// over the pre-check's token limit is left to the pre-check, which refuses it after only
// counting its tokens: parsing it here would cost ten times that.
func mutationOverGET(q url.Values) bool {
	query := q.Get("query")
	if tooManyTokens(query) {
		return false
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return false
	}
	op := doc.Operations.ForName(q.Get("operationName"))
	if op == nil && len(doc.Operations) == 1 {
		op = doc.Operations[0]
	}
	return op != nil && op.Operation != ast.Query
}

// loopbackHostsOnly refuses requests addressed to any other host name than a loopback one.
func loopbackHostsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			writeGraphQLError(w, http.StatusMisdirectedRequest,
				"this server only answers requests addressed to localhost", CodeMisdirectedRequest, RequestID(r.Context()))
			return
		}
		next.ServeHTTP(w, r)
	})
}
