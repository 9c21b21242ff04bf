package gateway

import (
	"context"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/usergraph/usergraph/auth"
)

// CodeIntrospectionDisabled refuses an introspection query from a caller that may not
// introspect. It is a refusal of the document, like a validation failure: counted under its
// own code, answered with the same HTTP status, and never an internal error.
const CodeIntrospectionDisabled = "INTROSPECTION_DISABLED"

func init() { errcode.RegisterErrorType(CodeIntrospectionDisabled, errcode.KindProtocol) }

// introspectionMessage says what was refused and who may introspect.
const introspectionMessage = "GraphQL introspection (__schema, __type) is not allowed for this caller: it is on for " +
	"services (API keys, service tokens), and for users only when the server sets USERGRAPH_INTROSPECTION=true"

// mayIntrospect decides introspection per caller: services (the team's own tools, the
// playground with an API key) always may; end users only when forUsers.
func mayIntrospect(ctx context.Context, forUsers bool) bool {
	return forUsers || auth.CallerFrom(ctx).IsService()
}

// introspectionPolicy turns introspection on or off for each operation, before it executes:
// a refused document is answered INTROSPECTION_DISABLED with an explanation, where gqlgen
// alone would fail inside execution with an internal error.
type introspectionPolicy struct{ forUsers bool }

var (
	_ graphql.HandlerExtension        = introspectionPolicy{}
	_ graphql.OperationContextMutator = introspectionPolicy{}
)

func (introspectionPolicy) ExtensionName() string                   { return "IntrospectionPolicy" }
func (introspectionPolicy) Validate(graphql.ExecutableSchema) error { return nil }

func (p introspectionPolicy) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if mayIntrospect(ctx, p.forUsers) {
		oc.DisableIntrospection = false
		return nil
	}
	oc.DisableIntrospection = true
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil || !introspects(op.SelectionSet, oc.Doc.Fragments, map[string]bool{}) {
		return nil
	}
	err := gqlerror.Errorf("%s", introspectionMessage)
	setCode(err, CodeIntrospectionDisabled)
	return err
}

// introspects reports whether a selection set reaches __schema or __type, through fragments
// (each visited once). __typename is not introspection: clients send it everywhere.
func introspects(set ast.SelectionSet, fragments ast.FragmentDefinitionList, seen map[string]bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" || introspects(sel.SelectionSet, fragments, seen) {
				return true
			}
		case *ast.InlineFragment:
			if introspects(sel.SelectionSet, fragments, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[sel.Name] {
				continue
			}
			seen[sel.Name] = true
			if def := fragments.ForName(sel.Name); def != nil && introspects(def.SelectionSet, fragments, seen) {
				return true
			}
		}
	}
	return false
}

// schemaForCallers serves the SDL to the callers that may introspect, and answers the others
// as a refused introspection query is answered.
func schemaForCallers(schema http.Handler, forUsers bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !mayIntrospect(r.Context(), forUsers) {
			writeGraphQLError(w, http.StatusForbidden, introspectionMessage, CodeIntrospectionDisabled, RequestID(r.Context()))
			return
		}
		schema.ServeHTTP(w, r)
	})
}
