package scalekittest

import (
	"net/http"
	"net/url"
	"strings"
)

type handler func(*request) (int, any)

// route is one method + path template. Templates are split on "/"; a segment "{name}" is a
// parameter, any other segment (including "users:search", whose colon is literal) must match.
type route struct {
	method string
	key    string // "GET /api/v1/users/{id}"
	segs   []string
	h      handler
}

func newRoute(method, template string, h handler) *route {
	return &route{method: method, key: method + " " + template, segs: strings.Split(template, "/"), h: h}
}

func splitPath(r *http.Request) []string {
	raw := strings.Split(r.URL.EscapedPath(), "/")
	out := make([]string, len(raw))
	for i, s := range raw {
		if u, err := url.PathUnescape(s); err == nil {
			out[i] = u
		} else {
			out[i] = s
		}
	}
	return out
}

func (rt *route) matchPath(segs []string) (map[string]string, bool) {
	if len(segs) != len(rt.segs) {
		return nil, false
	}
	var params map[string]string
	for i, t := range rt.segs {
		if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
			if segs[i] == "" {
				return nil, false
			}
			if params == nil {
				params = map[string]string{}
			}
			params[t[1:len(t)-1]] = segs[i]
			continue
		}
		if segs[i] != t {
			return nil, false
		}
	}
	return params, true
}

// match finds the route of a request. Literal templates win over parameterised ones.
func (s *Server) match(r *http.Request) (*route, map[string]string) {
	segs := splitPath(r)
	for _, rt := range s.route {
		if rt.method != r.Method {
			continue
		}
		if p, ok := rt.matchPath(segs); ok {
			return rt, p
		}
	}
	return nil, nil
}

// pathKnown reports whether some route has the request's path under another method.
func pathKnown(routes []*route, r *http.Request) bool {
	segs := splitPath(r)
	for _, rt := range routes {
		if _, ok := rt.matchPath(segs); ok {
			return true
		}
	}
	return false
}

func (s *Server) routeTable() []*route {
	const (
		get, post, patch, del = http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete
	)
	return []*route{
		// Users.
		newRoute(get, "/api/v1/users:search", s.searchUsers),
		newRoute(get, "/api/v1/users:external/{external_id}", s.getUser),
		newRoute(patch, "/api/v1/users:external/{external_id}", s.updateUser),
		newRoute(del, "/api/v1/users:external/{external_id}", s.deleteUser),
		newRoute(get, "/api/v1/users/{id}", s.getUser),
		newRoute(patch, "/api/v1/users/{id}", s.updateUser),
		newRoute(del, "/api/v1/users/{id}", s.deleteUser),
		newRoute(get, "/api/v1/users", s.listUsers),
		newRoute(get, "/api/v1/organizations/{organization_id}/users:search", s.searchOrganizationUsers),
		newRoute(get, "/api/v1/organizations/{organization_id}/users", s.listOrganizationUsers),
		newRoute(post, "/api/v1/organizations/{organization_id}/users", s.createUser),

		// Memberships.
		newRoute(post, "/api/v1/memberships/organizations/{organization_id}/users:external/{external_id}", s.createMembership),
		newRoute(patch, "/api/v1/memberships/organizations/{organization_id}/users:external/{external_id}", s.updateMembership),
		newRoute(del, "/api/v1/memberships/organizations/{organization_id}/users:external/{external_id}", s.deleteMembership),
		newRoute(post, "/api/v1/memberships/organizations/{organization_id}/users/{id}", s.createMembership),
		newRoute(patch, "/api/v1/memberships/organizations/{organization_id}/users/{id}", s.updateMembership),
		newRoute(del, "/api/v1/memberships/organizations/{organization_id}/users/{id}", s.deleteMembership),

		// Organizations.
		newRoute(get, "/api/v1/organizations/{organization_id}/domains/{id}", s.getDomain),
		newRoute(del, "/api/v1/organizations/{organization_id}/domains/{id}", s.deleteDomain),
		newRoute(get, "/api/v1/organizations/{organization_id}/domains", s.listDomains),
		newRoute(post, "/api/v1/organizations/{organization_id}/domains", s.createDomain),
		newRoute(get, "/api/v1/organizations:external/{external_id}", s.getOrganization),
		newRoute(get, "/api/v1/organizations/{id}", s.getOrganization),
		newRoute(patch, "/api/v1/organizations/{id}", s.updateOrganization),
		newRoute(del, "/api/v1/organizations/{id}", s.deleteOrganization),
		newRoute(get, "/api/v1/organizations", s.listOrganizations),
		newRoute(post, "/api/v1/organizations", s.createOrganization),

		// Roles.
		newRoute(get, "/api/v1/roles", s.listRoles),
		newRoute(get, "/api/v1/roles/{role_name}", s.getRole),
	}
}
