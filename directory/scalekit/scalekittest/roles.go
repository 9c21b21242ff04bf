package scalekittest

import (
	"net/http"
	"time"

	"github.com/usergraph/usergraph/directory/demo"
)

type rolesResponse struct {
	Roles []wireEnvRole `json:"roles"`
}

type roleResponse struct {
	Role wireEnvRole `json:"role"`
}

// loadRoles loads the demo permission and role catalogue. A Scalekit environment always has
// its roles, so this happens whether or not Options.Seed is set.
func (s *Server) loadRoles() {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().Add(-48 * time.Hour)
	for _, p := range demo.Permissions {
		s.st.permissions[p.Name] = &permission{id: s.st.newID("perm"), name: p.Name, description: p.Description, created: now}
	}
	for _, r := range demo.Roles {
		ro := &role{
			id: s.st.newID("role"), name: r.Name, displayName: r.DisplayName, description: r.Description,
			defaultMember: r.DefaultMember, permissions: append([]string(nil), r.Permissions...), created: now,
		}
		s.st.roles = append(s.st.roles, ro)
		s.st.roleByName[ro.name] = ro
	}
}

// include reads the include query parameter: "permissions" (direct) or "permissions:all" (with
// inherited ones; the demo roles inherit nothing, so both give the same).
func include(q *request) (bool, *apiError) {
	switch v := q.query("include"); v {
	case "":
		return false, nil
	case "permissions", "permissions:all":
		return true, nil
	default:
		return false, invalid([]fieldViolation{{Field: "include", Description: "must be permissions or permissions:all, got " + v}})
	}
}

func (s *Server) listRoles(q *request) (int, any) {
	withPerms, e := include(q)
	if e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := rolesResponse{Roles: make([]wireEnvRole, 0, len(s.st.roles))}
	for _, r := range s.st.roles {
		out.Roles = append(out.Roles, s.st.wireEnvRole(r, withPerms))
	}
	return http.StatusOK, out
}

func (s *Server) getRole(q *request) (int, any) {
	withPerms, e := include(q)
	if e != nil {
		return 0, e
	}
	if name := q.params["role_name"]; !roleRe.MatchString(name) {
		return 0, invalid([]fieldViolation{{Field: "role_name", Description: "must match ^[a-zA-Z0-9_]{1,64}$"}})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.st.roleByName[q.params["role_name"]]
	if r == nil {
		return 0, notFound("role %q not found", q.params["role_name"])
	}
	return http.StatusOK, roleResponse{Role: s.st.wireEnvRole(r, withPerms)}
}
