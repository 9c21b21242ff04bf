package sqlstore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/usergraph/usergraph/directory"
)

// TestMembersPagesWalkOneBatch pages through an organization whose members have mixed
// statuses with many pages of one batch, as the gateway asks for a long members list (aliased
// pages of one organization, each after the previous one's last cursor), and checks every
// page against a model: its members in order, whether another page follows, its total, and
// empty pages. The pages cut the members at every position, with and without a status
// filter (whose cursor may sit on a member of another status), so that a page starting or
// stopping one member early or late shows.
func (s *storeSuite) TestMembersPagesWalkOneBatch() {
	org := s.newOrg("Paged")
	var ids []string
	for i := range 14 {
		ids = append(ids, s.createUser(org, fmt.Sprintf("p%02d@paged.test", i)).ID)
	}
	slices.Sort(ids) // the members' order: user ids in byte order
	status := map[string]directory.MembershipStatus{}
	for i, id := range ids {
		status[id] = directory.MembershipActive
		switch i {
		case 1, 2, 5, 9, 10, 13:
			status[id] = directory.MembershipInactive
		case 6:
			status[id] = directory.MembershipPendingInvite
		}
		if status[id] != directory.MembershipActive {
			_, err := s.store.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: id, OrganizationID: org,
				Status: directory.Some(status[id])})
			s.Require().NoError(err)
		}
	}
	// Another organization sharing some of the members, all inactive: no page of org may
	// step into it.
	other := s.newOrg("Paged neighbour")
	for _, id := range ids[3:8] {
		_, err := s.store.AddMembership(s.ctx, directory.NewMembership{UserID: id, OrganizationID: other})
		s.Require().NoError(err)
		_, err = s.store.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: id, OrganizationID: other,
			Status: directory.Some(directory.MembershipInactive)})
		s.Require().NoError(err)
	}
	empty := s.newOrg("Paged empty")

	// The cursor after each member, from one page of them all.
	all, err := s.store.Members(s.ctx, []directory.MembersQuery{{OrganizationID: org, First: len(ids)}})
	s.Require().NoError(err)
	s.Require().Equal(ids, userIDs(all[0]))
	cursor := map[string]string{"": ""}
	for i, id := range ids {
		cursor[id] = all[0].Cursors[i]
	}

	// want is the model: the members of org with the status (every status for ""), after the
	// member named (the start for ""), at most first of them.
	type page struct {
		items   []string
		hasNext bool
		total   int
	}
	want := func(st directory.MembershipStatus, after string, first int) page {
		var match []string
		for _, id := range ids {
			if st == "" || status[id] == st {
				match = append(match, id)
			}
		}
		rest := []string{}
		for _, id := range match {
			if id > after {
				rest = append(rest, id)
			}
		}
		if len(rest) > first {
			return page{rest[:first], true, len(match)}
		}
		return page{rest, false, len(match)}
	}

	type query struct {
		status directory.MembershipStatus
		after  string // a member's id, or "" for the first page
		first  int
	}
	var queries []query
	// Pages of 1 to 5 members from every position, the last of each walk past the end.
	for _, first := range []int{1, 2, 3, 4, 5} {
		for i := -1; i < len(ids); i += first {
			after := ""
			if i >= 0 {
				after = ids[i]
			}
			queries = append(queries, query{"", after, first})
		}
	}
	// Filtered pages, after members of the status and of others.
	for _, st := range []directory.MembershipStatus{directory.MembershipInactive, directory.MembershipActive,
		directory.MembershipPendingInvite, directory.MembershipInviteExpired} {
		for _, first := range []int{1, 2, 4} {
			for _, after := range append([]string{""}, ids...) {
				queries = append(queries, query{st, after, first})
			}
		}
	}
	batch := []directory.MembersQuery{
		{OrganizationID: empty, First: 3},
		{OrganizationID: empty, First: 3, Status: directory.MembershipInactive},
	}
	for _, q := range queries {
		batch = append(batch, directory.MembersQuery{OrganizationID: org, First: q.first, After: cursor[q.after], Status: q.status})
	}

	before := s.store.Statements()
	pages, err := s.store.Members(s.ctx, batch)
	s.Require().NoError(err)
	s.Equal(uint64(1), s.store.Statements()-before, "%d pages, one statement", len(batch))
	s.Require().Len(pages, len(batch))

	for i := range 2 {
		s.Empty(pages[i].Items, "an organization without members")
		s.False(pages[i].HasNextPage)
		s.Zero(pages[i].TotalCount)
	}
	for i, q := range queries {
		got, w := pages[i+2], want(q.status, q.after, q.first)
		name := fmt.Sprintf("status %q, first %d after %q", q.status, q.first, q.after)
		s.Equal(w.items, userIDs(got), name)
		s.Equal(w.hasNext, got.HasNextPage, name)
		s.Equal(w.total, got.TotalCount, name)
		for j, m := range got.Items {
			s.Equal(org, m.OrganizationID, name)
			s.Equal(status[m.UserID], m.Status, name)
			s.Equal(cursor[m.UserID], got.Cursors[j], name)
		}
	}
}

// userIDs are the user ids of a page's members, in order.
func userIDs(p *directory.Page[*directory.Membership]) []string {
	out := []string{}
	for _, m := range p.Items {
		out = append(out, m.UserID)
	}
	return out
}

// TestMembersStepsByIndexSeeks checks SQLite's plan of the members statement: each step of
// a page finds the next member with one seek of an index in user id order (with the status
// for a filtered page), so that a page reads its own members and nothing after them, and the
// totals are counted from an index alone.
func (s *storeSuite) TestMembersStepsByIndexSeeks() {
	s.only("sqlite", "the plan is SQLite's")
	rows, err := s.store.reader.QueryContext(s.ctx, "EXPLAIN QUERY PLAN "+s.store.d.members,
		s.store.d.membersArgs([]membersArg{{Org: ptr("org"), Status: ptr(""), Limit: 101}})...)
	s.Require().NoError(err)
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		s.Require().NoError(rows.Scan(&id, &parent, &unused, &detail))
		plan = append(plan, detail)
	}
	s.Require().NoError(rows.Err())
	steps := []string{
		"SEARCH n USING COVERING INDEX memberships_by_organization (organization_id=? AND user_id>?)",
		"SEARCH n USING COVERING INDEX memberships_by_organization_status (organization_id=? AND status=? AND user_id>?)",
	}
	for _, step := range steps {
		s.Equal(2, count(plan, step), "once for a page's first step, once for the next ones: %s\nplan:\n%s",
			step, strings.Join(plan, "\n"))
	}
	for _, line := range plan {
		if strings.HasPrefix(line, "SEARCH n ") || strings.HasPrefix(line, "SEARCH c ") {
			s.Contains(line, "USING COVERING INDEX", "steps and totals read an index, not the table")
		}
	}
}

func count(lines []string, line string) int {
	n := 0
	for _, l := range lines {
		if l == line {
			n++
		}
	}
	return n
}
