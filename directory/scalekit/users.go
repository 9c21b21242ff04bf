package scalekit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/usergraph/usergraph/directory"
)

// Page sizes: the largest each Scalekit list accepts (docs/scalekit-api.md), so that one call
// answers the GraphQL page sizes we allow (1–100).
const (
	listPageSize   = 100
	searchPageSize = 30
)

// emailSearchPages bounds the search pages read to find one email.
const emailSearchPages = 5

// Search bounds that Scalekit enforces (docs/scalekit-api.md).
const (
	minSearch = 3
	maxSearch = 100
)

// getUser fetches one user by path; 404 is "no such user".
func (c *Client) getUser(ctx context.Context, path string) (*directory.User, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path})
	if isStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	env, err := decode[userEnvelope](resp, "user")
	if err != nil || env.User == nil || env.User.ID == "" {
		return nil, err
	}
	u := c.domainUser(ctx, env.User)
	c.lists.sawByID(u) // a user's own record holds all of its memberships
	return u, nil
}

func (c *Client) domainUser(ctx context.Context, w *wireUser) *directory.User {
	u := w.user()
	c.fillRoleIDs(ctx, u.Memberships)
	return u
}

// plausibleID tells whether an id can name an object of this kind. Scalekit answers 400,
// not 404, to a malformed id; asking would only cost a call.
func plausibleID(id, prefix string) bool {
	return strings.HasPrefix(id, prefix) && len(id) > len(prefix) && len(id) <= 64 && !strings.ContainsAny(id, "/?#")
}

// UsersByID fetches each distinct user once, concurrently.
func (c *Client) UsersByID(ctx context.Context, ids []string) ([]*directory.User, error) {
	return fanOut(ctx, ids, func(ctx context.Context, id string) (*directory.User, error) {
		if !plausibleID(id, "usr_") {
			return nil, nil
		}
		return c.getUser(ctx, userPath(id))
	})
}

// UsersByExternalID uses Scalekit's lookup by external id.
func (c *Client) UsersByExternalID(ctx context.Context, externalIDs []string) ([]*directory.User, error) {
	return fanOut(ctx, externalIDs, func(ctx context.Context, ext string) (*directory.User, error) {
		if ext == "" {
			return nil, nil
		}
		return c.getUser(ctx, "/api/v1/users:external/"+url.PathEscape(ext))
	})
}

// UsersByEmail searches for each email (Scalekit has no lookup by email) and keeps the
// user whose email matches exactly, ignoring case.
func (c *Client) UsersByEmail(ctx context.Context, emails []string) ([]*directory.User, error) {
	return fanOut(ctx, emails, func(ctx context.Context, email string) (*directory.User, error) {
		n := utf8.RuneCountInString(email)
		if n < minSearch || n > maxSearch {
			return nil, nil // no valid email is that short; none that long is searchable
		}
		// The search matches substrings: the exact address may be on a later page when
		// other addresses contain it. A few pages cover any realistic case.
		token := ""
		for range emailSearchPages {
			page, err := c.userPage(ctx, "/api/v1/users:search", email, token, searchPageSize)
			if err != nil {
				return nil, err
			}
			for i := range page.Users {
				if strings.EqualFold(page.Users[i].Email, email) {
					return c.domainUser(ctx, &page.Users[i]), nil
				}
			}
			if token = page.NextPageToken; token == "" {
				break
			}
		}
		return nil, nil
	})
}

func (c *Client) userPage(ctx context.Context, path, search, token string, size int) (*userPage, error) {
	resp, err := c.do(ctx, userPageRequest(path, search, token, size))
	if err != nil {
		return nil, err
	}
	return decode[userPage](resp, "user list")
}

// userPageRequest is the GET of one page of a user list.
func userPageRequest(path, search, token string, size int) request {
	q := url.Values{"page_size": {strconv.Itoa(size)}}
	if search != "" {
		q.Set("query", search)
	}
	if token != "" {
		q.Set("page_token", token)
	}
	return request{method: http.MethodGet, path: path, query: q}
}

// ListUsers pages through the environment's or an organization's users, or searches them.
// Scalekit's search matches email, user id and external id (not names), and takes 3 to
// 100 characters.
func (c *Client) ListUsers(ctx context.Context, q directory.UsersQuery) (*directory.Page[*directory.User], error) {
	path, size := "/api/v1/users", listPageSize
	if q.OrganizationID != "" {
		if !plausibleID(q.OrganizationID, "org_") {
			if err := checkFirst(q.First); err != nil {
				return nil, err
			}
			return emptyPage[*directory.User](), nil
		}
		path = "/api/v1/organizations/" + url.PathEscape(q.OrganizationID) + "/users"
	}
	if q.Search != "" {
		if n := utf8.RuneCountInString(q.Search); n < minSearch {
			return nil, problem(directory.CodeTooShort, fmt.Sprintf("search needs at least %d characters", minSearch), "search")
		} else if n > maxSearch {
			return nil, problem(directory.CodeTooLong, fmt.Sprintf("search takes at most %d characters", maxSearch), "search")
		}
		path, size = path+":search", searchPageSize
	}
	kind := "users:" + q.OrganizationID + ":" + q.Search
	page, err := pageThrough(ctx, kind, q.First, q.After, func(ctx context.Context, token string) ([]wireUser, string, int, error) {
		p, err := c.userPage(ctx, path, q.Search, token, size)
		if isStatus(err, http.StatusNotFound) && q.OrganizationID != "" {
			return nil, "", 0, nil // an unknown organization has no users
		}
		if err != nil {
			return nil, "", 0, err
		}
		return p.Users, p.NextPageToken, p.TotalSize, nil
	})
	if err != nil {
		return nil, err
	}
	out := &directory.Page[*directory.User]{Items: make([]*directory.User, len(page.items)), Cursors: page.cursors,
		HasNextPage: page.hasNext, TotalCount: max(page.total, len(page.items))}
	for i := range page.items {
		if q.OrganizationID != "" {
			out.Items[i], _ = c.listedUser(ctx, &page.items[i], q.OrganizationID)
		} else {
			out.Items[i] = c.domainUser(ctx, &page.items[i])
		}
	}
	return out, nil
}

func emptyPage[T any]() *directory.Page[T] {
	return &directory.Page[T]{Items: []T{}, Cursors: []string{}}
}

// MembershipsByUser reads the memberships embedded in each user, fetched by id. The loaders
// usually have them already, primed from the users they loaded, and do not ask; they ask
// for the members of a list that is not trusted to hold them all (memberlists.go).
func (c *Client) MembershipsByUser(ctx context.Context, userIDs []string) ([][]*directory.Membership, error) {
	users, err := c.UsersByID(ctx, userIDs)
	out := make([][]*directory.Membership, len(userIDs))
	for i, u := range users {
		out[i] = []*directory.Membership{}
		if u != nil {
			out[i] = u.Memberships
		}
	}
	return out, err
}
