package scalekittest

import (
	"slices"
	"time"

	"github.com/usergraph/usergraph/directory/demo"
)

// seed loads the demo organizations and users.
func (s *Server) seed() { s.load(demo.Organizations, demo.Users) }

// load stores organizations and users in creation order. Creation times are spaced a minute
// apart, ending an hour ago, so that create_time order is id order.
func (s *Server) load(orgs []demo.Organization, users []demo.User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	n := len(orgs) + len(users)
	at := func(i int) time.Time { return now.Add(-time.Hour - time.Duration(n-i)*time.Minute) }

	orgIDs := map[string]string{}
	for i, d := range orgs {
		o := &organization{
			id: s.st.seededID("org", demo.OrganizationID(d.Key)), created: at(i), updated: at(i),
			displayName: d.DisplayName, externalID: d.ExternalID, metadata: cloneMap(d.Metadata),
		}
		s.st.addOrg(o)
		orgIDs[d.Key] = o.id
	}
	for j, d := range users {
		t := at(len(orgs) + j)
		u := &user{
			id: s.st.seededID("usr", d.ID()), created: t, updated: t,
			email: d.Email, externalID: d.ExternalID,
			metadata: map[string]string{"source": "seed"},
			profile: profile{
				id:                  s.st.newID("usp"),
				givenName:           d.Given,
				familyName:          d.Family,
				name:                d.Name(),
				locale:              d.Locale,
				phoneNumber:         d.Phone,
				phoneNumberVerified: d.Phone != "",
				preferredUsername:   d.Username,
				picture:             d.Picture,
				emailVerified:       d.EmailVerified,
				groups:              slices.Clone(d.Groups),
				customAttributes:    cloneMap(d.Custom),
			},
		}
		if d.LastLoginHoursAgo > 0 {
			u.lastLogin = now.Add(-time.Duration(d.LastLoginHoursAgo) * time.Hour)
		}
		for _, dm := range d.Memberships {
			m := &membership{orgID: orgIDs[dm.Org], status: string(dm.Status), roles: slices.Clone(dm.Roles)}
			if m.status == "PENDING_INVITE" {
				m.inviterEmail = demo.Inviter(dm.Org)
				m.createdAt = t
				m.expiresAt = t.Add(inviteTTL)
			} else {
				m.joinTime = t
			}
			u.memberships = append(u.memberships, m)
		}
		s.st.users = append(s.st.users, u)
		s.st.userByID[u.id] = u
	}
}

// seededID is the demo data's fixed id (the same in every backend) when the object has one,
// else a new one: generated data sets have none.
func (s *state) seededID(prefix, fixed string) string {
	if fixed != "" {
		return fixed
	}
	return s.newID(prefix)
}
