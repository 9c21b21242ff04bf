package graph

import (
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/graph/model"
)

// defaultPageSize applies when a client sends first: null.
const defaultPageSize = 20

// pageSize checks a connection's first argument: 1–100, the most one backend page holds.
func pageSize(first *int) (int, error) {
	if first == nil {
		return defaultPageSize, nil
	}
	if *first < 1 || *first > directory.MaxPageSize {
		return 0, badArgument("first must be between 1 and 100", "first")
	}
	return *first, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func pageInfo[T any](p *directory.Page[T]) *model.PageInfo {
	info := &model.PageInfo{HasNextPage: p.HasNextPage}
	if n := len(p.Cursors); n > 0 {
		info.StartCursor, info.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return info
}

// edges pairs every item of a page with its cursor.
func edges[T, E any](p *directory.Page[T], edge func(cursor string, node T) E) []E {
	out := make([]E, len(p.Items))
	for i, item := range p.Items {
		out[i] = edge(p.Cursors[i], item)
	}
	return out
}

func userConnection(p *directory.Page[*directory.User]) *model.UserConnection {
	return &model.UserConnection{
		Edges: edges(p, func(c string, n *directory.User) *model.UserEdge {
			return &model.UserEdge{Cursor: c, Node: n}
		}),
		Nodes:      p.Items,
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func organizationConnection(p *directory.Page[*directory.Organization]) *model.OrganizationConnection {
	return &model.OrganizationConnection{
		Edges: edges(p, func(c string, n *directory.Organization) *model.OrganizationEdge {
			return &model.OrganizationEdge{Cursor: c, Node: n}
		}),
		Nodes:      p.Items,
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func membershipConnection(p *directory.Page[*directory.Membership]) *model.MembershipConnection {
	return &model.MembershipConnection{
		Edges: edges(p, func(c string, n *directory.Membership) *model.MembershipEdge {
			return &model.MembershipEdge{Cursor: c, Node: n}
		}),
		Nodes:      p.Items,
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}
