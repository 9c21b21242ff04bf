package scalekit

import (
	"context"
	"net/http"
	"net/url"
	"time"

	json "github.com/segmentio/encoding/json"

	"github.com/usergraph/usergraph/directory"
)

// Reading ahead. A cold deep query (an organization, its members, their memberships'
// organizations and roles) is a chain of levels, each waiting on the one before: the
// loaders ask for the members when the organization has arrived, for the members' own
// records when the member list has, for the organizations when the records have. When the
// request says what it will read next (directory.ReadAhead, from its GraphQL document), the
// client starts those reads as soon as it knows their keys, in the background, through the
// same cache and coalescing as every read: the organization's first member page together
// with the organization; the members' records, the organizations their memberships name
// and the role catalogue as soon as the page arrives; a record's organizations as soon as
// it arrives. The loaders' own reads then find the answers cached or in flight.
//
// It changes no answer: what is read ahead is only kept in the cache, under the versions
// read when it started, exactly as if a request had read it then, and reaches a caller only
// through an ordinary read, below the authorization policy. Only kinds the cache keeps are
// read ahead (otherwise nothing would keep the answer), only what is not cached already,
// and never for a read-modify-write. A member's own record is read ahead only while member
// lists are not trusted to hold every membership: that is exactly when the loaders ask
// for it (memberlists.go).

// aheadTimeout bounds a read ahead, which no request waits on directly.
const aheadTimeout = 10 * time.Second

// readsAhead returns what ctx's request will read next, if it is worth reading ahead.
func (c *Client) readsAhead(ctx context.Context) (directory.ReadAhead, bool) {
	if ctx.Value(noCacheKey{}) != nil {
		return directory.ReadAhead{}, false
	}
	r := directory.ReadAheadFrom(ctx)
	return r, r.Any()
}

// ahead starts a GET in the background unless its answer is cached and current (or its
// kind is not cached), then hands the answer to then (if not nil).
func (c *Client) ahead(r request, then func(*response)) {
	if !c.cache.worthFetching(r) {
		return
	}
	go func() {
		// Nobody's read: no request's read set, no request's deadline.
		ctx, cancel := context.WithTimeout(context.Background(), aheadTimeout)
		defer cancel()
		if resp, err := c.do(ctx, r); err == nil && then != nil {
			then(resp)
		}
	}()
}

// aheadOfOrganization starts reading orgID's first member page when the request reads it,
// and what the request reads of its members.
func (c *Client) aheadOfOrganization(ctx context.Context, orgID string) {
	want, ok := c.readsAhead(ctx)
	if !ok || !want.ReadsMembersOf(orgID) {
		return
	}
	r := userPageRequest(memberListPath(orgID), "", "", listPageSize) // members' first page
	c.ahead(r, func(resp *response) {
		var page struct {
			Users []userRefs `json:"users"`
		}
		if json.Unmarshal(resp.body, &page) == nil {
			c.aheadOfMembers(want, page.Users)
		}
	})
}

// aheadOfMembers starts reading what the request reads of a member list's users: their
// records (while lists are not trusted), their memberships' organizations and the roles.
func (c *Client) aheadOfMembers(want directory.ReadAhead, users []userRefs) {
	if want.MemberMemberships && !c.lists.trusted() {
		for i := range users {
			if plausibleID(users[i].ID, "usr_") {
				c.ahead(get(userPath(users[i].ID)), func(resp *response) {
					var env struct {
						User userRefs `json:"user"`
					}
					if json.Unmarshal(resp.body, &env) == nil {
						c.aheadOfUser(want, &env.User)
					}
				})
			}
		}
	}
	for i := range users {
		c.aheadOfUser(want, &users[i])
	}
	if want.MembershipRoles && len(users) > 0 && !c.catalogueFresh() {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), aheadTimeout)
			defer cancel()
			_, _ = c.fetchCatalogue(ctx)
		}()
	}
}

// aheadOfUser starts reading the organizations of a user's memberships, if the request
// reads them.
func (c *Client) aheadOfUser(want directory.ReadAhead, u *userRefs) {
	if !want.MembershipOrganizations {
		return
	}
	for _, m := range u.Memberships {
		if plausibleID(m.OrganizationID, "org_") && want.Reaches(m.OrganizationID) {
			c.ahead(get(organizationPath(m.OrganizationID)), nil)
		}
	}
}

// userRefs is what reading ahead needs of a user's record: its id and the organizations
// of its memberships (decoding only these costs less than the whole record).
type userRefs struct {
	ID          string `json:"id"`
	Memberships []struct {
		OrganizationID string `json:"organization_id"`
	} `json:"memberships"`
}

// catalogueFresh tells whether the role catalogue is kept and young enough to be used.
func (c *Client) catalogueFresh() bool {
	c.rolesMu.Lock()
	defer c.rolesMu.Unlock()
	return c.rolesCache != nil && time.Since(c.rolesCache.fetched) < c.cfg.RoleCacheTTL
}

func get(path string) request { return request{method: http.MethodGet, path: path} }

func memberListPath(orgID string) string {
	return "/api/v1/organizations/" + url.PathEscape(orgID) + "/users"
}
