package scalekit

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/usergraph/usergraph/directory"
)

func (c *Client) getOrganization(ctx context.Context, path string) (*directory.Organization, error) {
	resp, err := c.do(ctx, request{method: http.MethodGet, path: path})
	if isStatus(err, http.StatusNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	env, err := decode[organizationEnvelope](resp, "organization")
	if err != nil || env.Organization == nil || env.Organization.ID == "" {
		return nil, err
	}
	return env.Organization.organization(), nil
}

// OrganizationsByID fetches each distinct organization once, concurrently.
func (c *Client) OrganizationsByID(ctx context.Context, ids []string) ([]*directory.Organization, error) {
	return fanOut(ctx, ids, func(ctx context.Context, id string) (*directory.Organization, error) {
		if !plausibleID(id, "org_") {
			return nil, nil
		}
		c.aheadOfOrganization(ctx, id)
		return c.getOrganization(ctx, organizationPath(id))
	})
}

// OrganizationsByExternalID uses Scalekit's lookup by external id.
func (c *Client) OrganizationsByExternalID(ctx context.Context, externalIDs []string) ([]*directory.Organization, error) {
	return fanOut(ctx, externalIDs, func(ctx context.Context, ext string) (*directory.Organization, error) {
		if ext == "" {
			return nil, nil
		}
		return c.getOrganization(ctx, "/api/v1/organizations:external/"+url.PathEscape(ext))
	})
}

// ListOrganizations pages through the environment's organizations.
func (c *Client) ListOrganizations(ctx context.Context, q directory.PageQuery) (*directory.Page[*directory.Organization], error) {
	page, err := pageThrough(ctx, "organizations", q.First, q.After, func(ctx context.Context, token string) ([]wireOrganization, string, int, error) {
		query := url.Values{"page_size": {strconv.Itoa(listPageSize)}}
		if token != "" {
			query.Set("page_token", token)
		}
		resp, err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/organizations", query: query})
		if err != nil {
			return nil, "", 0, err
		}
		p, err := decode[organizationPage](resp, "organization list")
		if err != nil {
			return nil, "", 0, err
		}
		return p.Organizations, p.NextPageToken, p.TotalSize, nil
	})
	if err != nil {
		return nil, err
	}
	out := &directory.Page[*directory.Organization]{Items: make([]*directory.Organization, len(page.items)),
		Cursors: page.cursors, HasNextPage: page.hasNext, TotalCount: max(page.total, len(page.items))}
	for i := range page.items {
		out.Items[i] = page.items[i].organization()
	}
	return out, nil
}

// Members answers each query from the organization's user list, whose users carry their
// membership there; the users go along with the memberships for the loaders to keep (with
// their other memberships only when lists are trusted to hold them, memberlists.go). Queries
// run concurrently; one that fails does so alone.
func (c *Client) Members(ctx context.Context, queries []directory.MembersQuery) ([]*directory.Page[*directory.Membership], error) {
	out := make([]*directory.Page[*directory.Membership], len(queries))
	errs := make(directory.KeyErrors, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i], errs[i] = c.members(ctx, q)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return out, errs
		}
	}
	return out, nil
}

func (c *Client) members(ctx context.Context, q directory.MembersQuery) (*directory.Page[*directory.Membership], error) {
	if err := checkFirst(q.First); err != nil {
		return nil, err
	}
	if q.Status != "" && !q.Status.Valid() {
		return nil, problem(directory.CodeInvalid, "not a membership status", "status")
	}
	if !plausibleID(q.OrganizationID, "org_") {
		return emptyPage[*directory.Membership](), nil
	}
	kind := "members:" + q.OrganizationID
	fetch := func(ctx context.Context, token string) ([]wireUser, string, int, error) {
		p, err := c.userPage(ctx, memberListPath(q.OrganizationID), "", token, listPageSize)
		if isStatus(err, http.StatusNotFound) {
			return nil, "", 0, nil
		}
		if err != nil {
			return nil, "", 0, err
		}
		return p.Users, p.NextPageToken, p.TotalSize, nil
	}
	if q.Status != "" {
		return c.membersWithStatus(ctx, q, kind+":"+string(q.Status), fetch)
	}
	page, err := pageThrough(ctx, kind, q.First, q.After, fetch)
	if err != nil {
		return nil, err
	}
	out := &directory.Page[*directory.Membership]{Items: make([]*directory.Membership, 0, len(page.items)),
		HasNextPage: page.hasNext, TotalCount: max(page.total, len(page.items))}
	for i := range page.items {
		if m := c.membershipOf(ctx, &page.items[i], q.OrganizationID); m != nil {
			out.Items = append(out.Items, m)
			out.Cursors = append(out.Cursors, page.cursors[i])
		}
	}
	if out.Cursors == nil {
		out.Cursors = []string{}
	}
	return out, nil
}

// membershipOf returns the user's membership in the organization, carrying the user.
func (c *Client) membershipOf(ctx context.Context, w *wireUser, orgID string) *directory.Membership {
	_, m := c.listedUser(ctx, w, orgID)
	return m
}

// membersWithStatus answers a status filter, which Scalekit's list does not have: it reads
// the whole organization (up to maxPagesPerRequest pages) and pages the matches itself, ordered
// by user id, with the user id as the cursor. The cost grows with the organization, not
// with the page; README documents it.
func (c *Client) membersWithStatus(ctx context.Context, q directory.MembersQuery, kind string,
	fetch pageFetch[wireUser]) (*directory.Page[*directory.Membership], error) {
	after := ""
	if q.After != "" {
		var err error
		if after, err = directory.DecodeCursor(kind, q.After); err != nil {
			return nil, err
		}
	}
	items, err := readAll(ctx, fetch)
	if err != nil {
		return nil, err
	}
	var matches []*directory.Membership
	for i := range items {
		if m := c.membershipOf(ctx, &items[i], q.OrganizationID); m != nil && m.Status == q.Status {
			matches = append(matches, m)
		}
	}
	slices.SortFunc(matches, func(a, b *directory.Membership) int { return strings.Compare(a.UserID, b.UserID) })
	start := 0
	if after != "" {
		start, _ = slices.BinarySearchFunc(matches, after, func(m *directory.Membership, id string) int {
			if m.UserID <= id {
				return -1
			}
			return 1
		})
	}
	end := min(start+q.First, len(matches))
	out := &directory.Page[*directory.Membership]{Items: matches[start:end], HasNextPage: end < len(matches), TotalCount: len(matches)}
	out.Cursors = make([]string, len(out.Items))
	for i, m := range out.Items {
		out.Cursors[i] = directory.EncodeCursor(kind, m.UserID)
	}
	return out, nil
}
