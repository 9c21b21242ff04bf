package gateway

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// shapeLimit refuses, before anything is resolved, operations nested deeper than maxDepth
// or expanding to more than maxFields field selections once every fragment spread is
// inlined. It runs before gqlgen's complexity limit on purpose: that walker expands
// fragments without memory, so a 736-byte document of fragments spreading fragments costs
// it seconds of CPU; here each fragment is measured once, so the walk is linear in the
// document's size. Introspection fields (__schema, __type) are not counted: GraphiQL's own
// introspection query is deep by design and costs no backend call.
type shapeLimit struct {
	maxDepth      int
	maxFields     int
	maxAliases    int // aliased field selections, fragments expanded (alias bombs)
	maxRootFields int // top-level fields, each of which may start its own fetches
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = shapeLimit{}

func (shapeLimit) ExtensionName() string                   { return "ShapeLimit" }
func (shapeLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l shapeLimit) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	op := oc.Doc.Operations.ForName(oc.OperationName)
	if op == nil {
		return nil
	}
	m := measurer{cap: l.maxFields + 1, fragments: map[string]shape{}}
	s := m.measure(op.SelectionSet)
	switch {
	case s.depth > l.maxDepth:
		err := gqlerror.Errorf("operation is nested %d levels deep; the limit is %d", s.depth, l.maxDepth)
		setCode(err, CodeDepthLimitExceeded)
		return err
	case s.fields > l.maxFields:
		err := gqlerror.Errorf("operation selects more than %d fields once its fragments are expanded", l.maxFields)
		setCode(err, CodeComplexityLimitExceeded)
		return err
	case l.maxRootFields > 0 && rootFields(op.SelectionSet, 0) > l.maxRootFields:
		err := gqlerror.Errorf("operation has more than %d top-level fields", l.maxRootFields)
		setCode(err, CodeComplexityLimitExceeded)
		return err
	case l.maxAliases > 0 && s.aliases > l.maxAliases:
		err := gqlerror.Errorf("operation uses more than %d aliases once its fragments are expanded", l.maxAliases)
		setCode(err, CodeComplexityLimitExceeded)
		return err
	}
	return nil
}

// shape is what a selection set expands to: its depth, its number of field selections and
// how many of those are aliased.
type shape struct{ depth, fields, aliases int }

// rootFields counts the fields at the top of an operation, through fragments (whose own
// nesting, validated acyclic, is bounded by the document's size).
func rootFields(set ast.SelectionSet, nesting int) int {
	n := 0
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			n++
		case *ast.InlineFragment:
			n += rootFields(sel.SelectionSet, nesting+1)
		case *ast.FragmentSpread:
			if sel.Definition != nil && nesting < 32 {
				n += rootFields(sel.Definition.SelectionSet, nesting+1)
			}
		}
	}
	return n
}

type measurer struct {
	cap       int // field counts saturate here, so that exponential expansion cannot overflow
	fragments map[string]shape
}

func (m *measurer) measure(set ast.SelectionSet) shape {
	var out shape
	for _, sel := range set {
		var s shape
		switch sel := sel.(type) {
		case *ast.Field:
			if strings.HasPrefix(sel.Name, "__") {
				continue
			}
			s = m.measure(sel.SelectionSet)
			s.depth++
			s.fields++
			if sel.Alias != "" && sel.Alias != sel.Name {
				s.aliases++
			}
		case *ast.InlineFragment:
			s = m.measure(sel.SelectionSet)
		case *ast.FragmentSpread:
			s = m.fragment(sel)
		}
		out.depth = max(out.depth, s.depth)
		out.fields = min(out.fields+s.fields, m.cap)
		out.aliases = min(out.aliases+s.aliases, m.cap)
	}
	return out
}

// fragment measures a named fragment once. Validation has already refused fragment cycles;
// the placeholder stored first keeps a cycle from recursing forever all the same.
func (m *measurer) fragment(spread *ast.FragmentSpread) shape {
	if spread.Definition == nil {
		return shape{}
	}
	if s, ok := m.fragments[spread.Name]; ok {
		return s
	}
	m.fragments[spread.Name] = shape{}
	s := m.measure(spread.Definition.SelectionSet)
	m.fragments[spread.Name] = s
	return s
}
