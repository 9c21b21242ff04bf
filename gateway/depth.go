package gateway

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit refuses operations nested deeper than max before anything is resolved.
// Introspection fields (__schema, __type) are not counted: GraphiQL's own introspection
// query is deep by design and costs no backend call.
type depthLimit struct{ max int }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = depthLimit{}

func (depthLimit) ExtensionName() string                   { return "DepthLimit" }
func (depthLimit) Validate(graphql.ExecutableSchema) error { return nil }
func (d depthLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	if depth := selectionDepth(op.SelectionSet, 0, d.max); depth > d.max {
		err := gqlerror.Errorf("operation is nested more than %d levels deep", d.max)
		setCode(err, CodeDepthLimitExceeded)
		return err
	}
	return nil
}

// selectionDepth returns the depth of a selection set, stopping as soon as it passes limit
// so that a hostile document cannot make the walk itself expensive. Fragment cycles are
// rejected by validation before this runs; the limit bounds the walk regardless.
func selectionDepth(set ast.SelectionSet, depth, limit int) int {
	if depth > limit {
		return depth
	}
	deepest := depth
	for _, sel := range set {
		var d int
		switch sel := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(sel.Name, "__") {
				continue
			}
			d = selectionDepth(sel.SelectionSet, depth+1, limit)
		case *ast.InlineFragment:
			d = selectionDepth(sel.SelectionSet, depth, limit)
		case *ast.FragmentSpread:
			if sel.Definition != nil {
				d = selectionDepth(sel.Definition.SelectionSet, depth, limit)
			}
		}
		if d > deepest {
			deepest = d
		}
		if deepest > limit {
			break
		}
	}
	return deepest
}
