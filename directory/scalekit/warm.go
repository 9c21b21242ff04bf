package scalekit

import (
	"context"

	"github.com/usergraph/usergraph/directory"
)

// Warm reads, at start, what the first queries after it would otherwise wait for, so that
// the first request after a deploy does not pay for everything at once:
//
//   - the first page of the environment's organizations (up to 100), which keeps each
//     organization's record (prime.go): a member page's users name many organizations;
//   - while the member lists are still being learned (SCALEKIT_MEMBER_LISTS=auto, nothing
//     known yet), the first organization's first member page and those members' own records,
//     which is what the learning compares (memberlists.go); until a verdict, every member's
//     record is fetched with its page.
//
// It goes through the cache and the concurrency limit like any read, and changes nothing
// but what is cached and learned. An error is the caller's to log: the reads are an
// optimisation, and the requests that need them fetch them anyway.
func (c *Client) Warm(ctx context.Context) error {
	orgs, err := c.ListOrganizations(ctx, directory.PageQuery{First: listPageSize})
	// Only auto mode starts unknown (memberlists.go).
	if err != nil || len(orgs.Items) == 0 || c.lists.current() != ListsUnknown {
		return err
	}
	pages, err := c.Members(ctx, []directory.MembersQuery{{OrganizationID: orgs.Items[0].ID, First: listPageSize}})
	if err != nil || pages[0] == nil {
		return err
	}
	ids := make([]string, 0, len(pages[0].Items))
	for _, m := range pages[0].Items {
		ids = append(ids, m.UserID)
	}
	_, err = c.UsersByID(ctx, ids)
	return err
}
