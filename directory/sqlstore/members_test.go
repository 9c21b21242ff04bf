package sqlstore

import (
	"encoding/json"
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

// TestMembersReadsIndexesInOrder checks PostgreSQL's plan of the members statement, as it
// runs for a page filtered by status and for an unfiltered one: the page reads its members
// from memberships_by_organization_status (filtered) or memberships_by_organization
// (unfiltered), with the organization, status and cursor as index conditions, in user id
// order and cut at the limit with no sort in between; the total is counted with the
// organization (and status) as index conditions; nothing reads memberships through a filter
// that throws rows away; and the branches for the other kind of page do not run at all.
//
// EXPLAIN ANALYZE runs the statement, so that the plan shows which branches ran. The test
// tables are small enough that PostgreSQL would rather read them whole, so enable_seqscan is
// off for the transaction: the test checks that the indexes can serve the statement, not
// which plan the planner picks for these few rows.
func (s *storeSuite) TestMembersReadsIndexesInOrder() {
	s.only("postgres", "the plan is PostgreSQL's")
	org := s.newOrg("Planned")
	for i := range 3 {
		u := s.createUser(org, fmt.Sprintf("m%d@planned.test", i))
		if i == 1 {
			_, err := s.store.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: org,
				Status: directory.Some(directory.MembershipInactive)})
			s.Require().NoError(err)
		}
	}
	for _, tc := range []struct {
		status, index string
	}{
		{"", "memberships_by_organization"},
		{string(directory.MembershipInactive), "memberships_by_organization_status"},
	} {
		s.Run(fmt.Sprintf("status %q", tc.status), func() {
			reads, plan := s.membersPlan(membersArg{Org: ptr(org), Status: ptr(tc.status), Limit: 2})
			defer func() {
				if s.T().Failed() {
					s.T().Logf("plan:\n%s", plan)
				}
			}()
			var pages, totals []membershipsRead
			for _, r := range reads {
				s.Empty(r.filter, "%s reads memberships and throws rows away", r.alias)
				switch r.alias {
				case "p":
					pages = append(pages, r)
				case "c":
					totals = append(totals, r)
				default:
					s.Failf("an unexpected read of memberships", "%+v", r)
				}
			}
			if s.Len(pages, 1, "one read for the page") {
				p := pages[0]
				s.Equal(tc.index, p.index, "the page's index")
				s.Contains([]string{"Index Scan", "Index Only Scan"}, p.node, "the page reads in index order")
				s.True(p.underLimit, "the page's read stops at its limit, with no sort in between")
				s.Contains(p.cond, "(organization_id = q.org)", "the page's organization is an index condition")
				s.Contains(p.cond, "(user_id > q.after)", "the page's cursor is an index condition")
				s.Equal(tc.status != "", strings.Contains(p.cond, "(status = q.status)"),
					"the status is an index condition of a filtered page: %s", p.cond)
			}
			if s.Len(totals, 1, "one count for the total") {
				c := totals[0]
				s.NotEmpty(c.index, "the total is counted from an index")
				s.Contains(c.cond, "(organization_id = d.org)", "the total's organization is an index condition")
				if tc.status != "" {
					s.Equal(tc.index, c.index, "the total's index")
					s.Contains(c.cond, "(status = d.status)", "the total's status is an index condition")
				}
			}
		})
	}
}

// membershipsRead is a read of the memberships table in a plan, by a node that ran.
type membershipsRead struct {
	alias      string // without the planner's suffix ("p_1" is "p")
	node       string // the node type
	index      string // "" for a sequential scan
	cond       string // the index condition
	filter     string // conditions checked on the rows read
	underLimit bool   // the read is under a Limit, with only Result nodes between
}

// membersPlan runs EXPLAIN ANALYZE of the members statement for the queries, in a
// transaction without sequential scans, and returns the reads of memberships by nodes that
// ran, with the plan (PostgreSQL's JSON) for messages: the statement runs once.
func (s *storeSuite) membersPlan(qs ...membersArg) ([]membershipsRead, string) {
	tx, err := s.store.reader.BeginTx(s.ctx, nil)
	s.Require().NoError(err)
	defer func() { _ = tx.Rollback() }()
	_, err = tx.ExecContext(s.ctx, "SET LOCAL enable_seqscan = off")
	s.Require().NoError(err)
	var plan string
	s.Require().NoError(tx.QueryRowContext(s.ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) "+
		s.store.d.rebind(s.store.d.members), s.store.d.membersArgs(qs)...).Scan(&plan))
	type node struct {
		Type   string  `json:"Node Type"`
		Rel    string  `json:"Relation Name"`
		Alias  string  `json:"Alias"`
		Index  string  `json:"Index Name"`
		Cond   string  `json:"Index Cond"`
		Filter string  `json:"Filter"`
		Loops  float64 `json:"Actual Loops"`
		Plans  []node  `json:"Plans"`
	}
	var root []struct {
		Plan node `json:"Plan"`
	}
	s.Require().NoError(json.Unmarshal([]byte(plan), &root))
	s.Require().Len(root, 1)
	var reads []membershipsRead
	var walk func(n node, underLimit bool)
	walk = func(n node, underLimit bool) {
		if n.Loops == 0 {
			return // never executed
		}
		if n.Rel == "memberships" {
			r := membershipsRead{alias: n.Alias, node: n.Type, index: n.Index, cond: n.Cond, filter: n.Filter,
				underLimit: underLimit}
			if a, _, ok := strings.Cut(r.alias, "_"); ok {
				r.alias = a
			}
			if n.Type == "Bitmap Heap Scan" && len(n.Plans) == 1 && n.Plans[0].Type == "Bitmap Index Scan" {
				r.index, r.cond = n.Plans[0].Index, n.Plans[0].Cond
			}
			reads = append(reads, r)
			return
		}
		for _, c := range n.Plans {
			walk(c, n.Type == "Limit" || (n.Type == "Result" && underLimit))
		}
	}
	walk(root[0].Plan, false)
	return reads, plan
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
