package gateway

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/usergraph/usergraph/directory"
)

// readAhead tells the backend, through the request's context, what a query will read after
// what it reads first (directory.ReadAhead): the Scalekit client then starts those reads
// as soon as it knows their keys, so that a cold deep query's levels overlap instead of
// waiting on one another. It only hints: answers, and the policy that filters them, are
// the same with or without it.
type readAhead struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = readAhead{}

func (readAhead) ExtensionName() string                   { return "ReadAhead" }
func (readAhead) Validate(graphql.ExecutableSchema) error { return nil }

func (readAhead) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if oc == nil || oc.Operation == nil || oc.Operation.Operation != ast.Query {
		return next(ctx)
	}
	return next(directory.WithReadAhead(ctx, readAheadOf(oc.Operation.SelectionSet, oc.Variables)))
}

// readAheadOf walks a validated operation once, each fragment at most twice (inside a
// member list and outside), so its cost is linear in the document (shapeLimit bounds it).
func readAheadOf(set ast.SelectionSet, vars map[string]any) directory.ReadAhead {
	var r directory.ReadAhead
	type visit struct {
		fragment     string
		inMemberList bool
	}
	visited := map[visit]bool{}
	var walk func(set ast.SelectionSet, inMemberList bool)
	walk = func(set ast.SelectionSet, inMemberList bool) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				field := fieldName(s)
				switch field {
				case "Membership.organization":
					r.MembershipOrganizations = true
				case "Membership.roles":
					r.MembershipRoles = true
				case "User.memberships", "User.membership":
					r.MemberMemberships = r.MemberMemberships || inMemberList
				case "Query.organization":
					if id, ok := s.ArgumentMap(vars)["id"].(string); ok && readsFirstMembers(s.SelectionSet, vars) {
						r.MembersOf = append(r.MembersOf, id)
					}
				}
				walk(s.SelectionSet, inMemberList || field == "Organization.members")
			case *ast.InlineFragment:
				walk(s.SelectionSet, inMemberList)
			case *ast.FragmentSpread:
				if v := (visit{s.Name, inMemberList}); s.Definition != nil && !visited[v] {
					visited[v] = true
					walk(s.Definition.SelectionSet, inMemberList)
				}
			}
		}
	}
	walk(set, false)
	return r
}

// readsFirstMembers tells whether an organization's selection asks for its members from
// the start (no after:), which is the member list's first page.
func readsFirstMembers(set ast.SelectionSet, vars map[string]any) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if after, _ := s.ArgumentMap(vars)["after"].(string); fieldName(s) == "Organization.members" && after == "" {
				return true
			}
		case *ast.InlineFragment:
			if readsFirstMembers(s.SelectionSet, vars) {
				return true
			}
		case *ast.FragmentSpread:
			if s.Definition != nil && readsFirstMembers(s.Definition.SelectionSet, vars) {
				return true
			}
		}
	}
	return false
}

// fieldName is Type.field of a validated field selection.
func fieldName(f *ast.Field) string {
	if f.ObjectDefinition == nil {
		return f.Name
	}
	return f.ObjectDefinition.Name + "." + f.Name
}
