package gateway

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits of the pre-check, modelled on graphql-armor's max-tokens, max-directives and
// max-aliases. gqlparser's validator costs the square of a selection set's size (its
// overlapping-fields rule compares every pair: 2,000 fields took 0.33 s, 8,000 took 6.5 s)
// and cannot be interrupted, so a document must be known small before it is validated.
const (
	// maxTokens bounds the lexer's work; GraphiQL's introspection query has about 1,000.
	maxTokens = 15000
	// maxSelections bounds fields (__typename included), fragment spreads and inline
	// fragments written in the document, where validation's cost comes from; at 1,000 one
	// selection set validates in tens of milliseconds.
	maxSelections = 1000
	// maxDirectives bounds directives written in the document.
	maxDirectives = 50
	// maxErrors bounds the errors of one answer.
	maxErrors = 50
)

// precheck refuses an oversized document before gqlgen parses and validates it: it counts
// the document's tokens with gqlparser's lexer, which builds nothing, and refuses at the
// limit; under it, it parses the document (linear in its size) and counts what it holds,
// without expanding fragments (shapeLimit does that, after validation), and then validates
// it within the request's deadline (validation.go). A document found in gqlgen's query
// cache passed all this before and is not looked at again.
type precheck struct {
	maxAliases int
	validation *validation // its cache is gqlgen's query cache: documents validated before
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = precheck{}

func (precheck) ExtensionName() string                   { return "PreCheck" }
func (precheck) Validate(graphql.ExecutableSchema) error { return nil }

func (p precheck) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	if raw.Query == "" {
		return nil // a persisted query's hash alone: its extension reports what is missing
	}
	if _, ok := p.validation.cache.Get(ctx, raw.Query); ok {
		return nil
	}
	doc, err := p.check(raw.Query)
	if err != nil || doc == nil {
		return err
	}
	return p.validation.run(ctx, raw.Query, doc)
}

// check refuses a document over the limits; under them it returns its parse, or nil for
// a document that does not parse: gqlgen's own parse reports that with its position.
func (p precheck) check(query string) (*ast.QueryDocument, *gqlerror.Error) {
	if tooManyTokens(query) {
		return nil, refusal("the document has more than %d tokens", maxTokens)
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, maxTokens)
	if err != nil {
		if strings.Contains(err.Error(), "exceeded token limit") {
			return nil, refusal("the document has more than %d tokens", maxTokens)
		}
		return nil, nil
	}
	var c counts
	for _, op := range doc.Operations {
		c.directives(op.Directives)
		c.selections(op.SelectionSet)
	}
	for _, f := range doc.Fragments {
		c.directives(f.Directives)
		c.selections(f.SelectionSet)
	}
	switch {
	case c.selected > maxSelections:
		return nil, refusal("the document selects more than %d fields and fragments", maxSelections)
	case c.directive > maxDirectives:
		return nil, refusal("the document uses more than %d directives", maxDirectives)
	case p.maxAliases > 0 && c.aliases > p.maxAliases:
		return nil, refusal("the document uses more than %d aliases", p.maxAliases)
	}
	return doc, nil
}

// tooManyTokens reports whether query has more than maxTokens tokens, reading no further
// than that. The lexer allocates nothing, so refusing a 1 MiB document costs a tenth of
// what parsing it up to the limit did (docs/benchmarks.md). A lexical error ends the count:
// gqlgen's parse reports it.
func tooManyTokens(query string) bool {
	if len(query) <= maxTokens {
		return false // a token is at least one byte: the common case costs nothing
	}
	lex := lexer.New(&ast.Source{Input: query})
	for range maxTokens + 1 {
		tok, err := lex.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return false
		}
	}
	return true
}

func refusal(format string, args ...any) *gqlerror.Error {
	err := gqlerror.Errorf(format, args...)
	setCode(err, CodeComplexityLimitExceeded)
	return err
}

type counts struct{ selected, directive, aliases int }

func (c *counts) directives(ds ast.DirectiveList) { c.directive += len(ds) }

// selections counts iteratively, so that a deeply nested document cannot exhaust the stack
// (the parser already bounds nesting by the token limit).
func (c *counts) selections(set ast.SelectionSet) {
	stack := []ast.SelectionSet{set}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, sel := range s {
			c.selected++
			switch sel := sel.(type) {
			case *ast.Field:
				if sel.Alias != "" && sel.Alias != sel.Name {
					c.aliases++
				}
				c.directives(sel.Directives)
				stack = append(stack, sel.SelectionSet)
			case *ast.InlineFragment:
				c.directives(sel.Directives)
				stack = append(stack, sel.SelectionSet)
			case *ast.FragmentSpread:
				c.directives(sel.Directives)
			}
		}
	}
}

// capErrors keeps at most maxErrors errors in an answer, the last one saying how many
// were left out: 5,000 repeated directives used to return 854 KB of errors.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > maxErrors {
		more := len(resp.Errors) - (maxErrors - 1)
		last := gqlerror.Errorf("%d more errors left out", more)
		setCode(last, code(resp.Errors[0]))
		resp.Errors = append(resp.Errors[:maxErrors-1:maxErrors-1], last)
	}
	return resp
}

func code(err *gqlerror.Error) string {
	if c, ok := err.Extensions["code"].(string); ok {
		return c
	}
	return CodeBadRequest
}
