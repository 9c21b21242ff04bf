package scalekittest

import (
	"net/http"
	"strconv"
)

type inUpdateMembership struct {
	Roles    []inRole           `json:"roles"`
	Metadata *map[string]string `json:"metadata"`
}

// createMembership adds an existing user to an organization (docs/scalekit-api.md, "Semantics the client depends on").
func (s *Server) createMembership(q *request) (int, any) {
	invite, e := sendInvitation(q)
	if e != nil {
		return 0, e
	}
	var in inMembership
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.lookupOrg(q.params["organization_id"])
	if e != nil {
		return 0, e
	}
	u, e := s.lookupUser(q)
	if e != nil {
		return 0, e
	}
	var c checker
	in.check(&c, "")
	roles := s.checkRoles(&c, "roles", in.Roles)
	if e := c.err(); e != nil {
		return 0, e
	}
	if u.membership(org.id) != nil {
		return 0, newAPIError(http.StatusConflict, "", "user %s is already a member of organization %s", u.id, org.id)
	}
	now := s.now()
	u.memberships = append(u.memberships, s.newMembership(org.id, roles, &in, invite, now))
	u.updated = now
	return http.StatusCreated, userResponse{User: s.st.wireUser(u)}
}

// updateMembership replaces the roles (when a non-empty list is sent) and the metadata (when
// sent) of a membership.
func (s *Server) updateMembership(q *request) (int, any) {
	var in inUpdateMembership
	if e := q.decode(&in); e != nil {
		return 0, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.lookupOrg(q.params["organization_id"])
	if e != nil {
		return 0, e
	}
	u, e := s.lookupUser(q)
	if e != nil {
		return 0, e
	}
	m := u.membership(org.id)
	if m == nil {
		return 0, notFound("user %s is not a member of organization %s", u.id, org.id)
	}
	var c checker
	roles := s.checkRoles(&c, "roles", in.Roles)
	if in.Metadata != nil {
		c.metadata("metadata", *in.Metadata, 20)
	}
	if e := c.err(); e != nil {
		return 0, e
	}
	if len(roles) > 0 {
		m.roles = roles
	}
	if in.Metadata != nil {
		m.metadata = cloneMap(*in.Metadata)
	}
	u.updated = s.now()
	return http.StatusOK, userResponse{User: s.st.wireUser(u)}
}

// deleteMembership removes a user from an organization. The PREVIEW query parameter cascade
// (docs/scalekit-api.md, "Semantics the client depends on", absent from the spec) defaults to true: removing the user's last membership
// deletes the user too; cascade=false keeps the user without memberships.
func (s *Server) deleteMembership(q *request) (int, any) {
	cascade := true
	if v := q.query("cascade"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return 0, invalid([]fieldViolation{{Field: "cascade", Description: "must be true or false"}})
		}
		cascade = b
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	org, e := s.lookupOrg(q.params["organization_id"])
	if e != nil {
		return 0, e
	}
	u, e := s.lookupUser(q)
	if e != nil {
		return 0, e
	}
	if !u.removeMembership(org.id) {
		return 0, notFound("user %s is not a member of organization %s", u.id, org.id)
	}
	u.updated = s.now()
	if cascade && len(u.memberships) == 0 {
		s.st.deleteUser(u)
	}
	return http.StatusOK, struct{}{}
}
