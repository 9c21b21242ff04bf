package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/usergraph/usergraph/auth"
)

// Safelist is the set of documents a locked-down gateway runs, by the SHA-256 (hex) of
// their text, as automatic persisted queries name them.
type Safelist map[string]string

// LoadSafelist reads a JSON object of document texts keyed by anything (an operation name,
// a file name); the keys that count are the documents' hashes, computed here, so a list
// cannot name one document and hold another.
func LoadSafelist(path string) (Safelist, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var docs map[string]string
	if err := json.Unmarshal(raw, &docs); err != nil {
		return nil, fmt.Errorf("safelist %s: want a JSON object of name → document: %v", path, err)
	}
	out := Safelist{}
	for _, doc := range docs {
		out[hashDocument(doc)] = doc
	}
	return out, nil
}

func hashDocument(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// safelistExtension runs only safelisted documents. A client may send the document or, as
// with automatic persisted queries, only its hash; nothing else reaches the parser.
type safelistExtension struct{ list Safelist }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = safelistExtension{}

func (safelistExtension) ExtensionName() string                   { return "Safelist" }
func (safelistExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (s safelistExtension) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query != "" {
		if _, ok := s.list[hashDocument(p.Query)]; ok {
			return nil
		}
		return notAllowed()
	}
	pq, _ := p.Extensions["persistedQuery"].(map[string]any)
	hash, _ := pq["sha256Hash"].(string)
	if doc, ok := s.list[hash]; ok {
		p.Query = doc
		return nil
	}
	return notAllowed()
}

func notAllowed() *gqlerror.Error {
	err := gqlerror.Errorf("this gateway runs only safelisted operations; this one is not on the list")
	setCode(err, CodeOperationNotAllowed)
	return err
}

// callerScopedCache keeps each caller's automatic persisted queries apart: with one shared
// cache, a caller sending a bare hash would learn from the answer (a result rather than
// PersistedQueryNotFound) that someone else, perhaps another tenant, ran that document.
type callerScopedCache struct{ docs graphql.Cache[string] }

func (c callerScopedCache) key(ctx context.Context, hash string) string {
	return callerKey(auth.CallerFrom(ctx)) + "\x00" + hash
}

func (c callerScopedCache) Get(ctx context.Context, hash string) (string, bool) {
	return c.docs.Get(ctx, c.key(ctx, hash))
}

func (c callerScopedCache) Add(ctx context.Context, hash, doc string) {
	c.docs.Add(ctx, c.key(ctx, hash), doc)
}

// overGETKey marks, in a request's context, a request that came over GET.
type overGETKey struct{}

// queriesOnlyOverGET refuses, with a coded error, a mutation or subscription that arrived
// over GET as a persisted query's hash: checkTransport sees only a hash, and gqlgen's own
// refusal (406) carries no code.
type queriesOnlyOverGET struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = queriesOnlyOverGET{}

func init() {
	// A request error, answered 422 (400 for application/graphql-response+json) like the
	// other refusals before execution.
	errcode.RegisterErrorType(CodeMethodNotAllowed, errcode.KindProtocol)
}

func (queriesOnlyOverGET) ExtensionName() string                   { return "QueriesOnlyOverGET" }
func (queriesOnlyOverGET) Validate(graphql.ExecutableSchema) error { return nil }

func (queriesOnlyOverGET) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if get, _ := ctx.Value(overGETKey{}).(bool); !get || oc.Operation == nil || oc.Operation.Operation == ast.Query {
		return nil
	}
	err := gqlerror.Errorf("only queries can be sent with GET; POST mutations")
	setCode(err, CodeMethodNotAllowed)
	return err
}
