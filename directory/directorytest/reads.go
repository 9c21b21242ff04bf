package directorytest

import (
	"fmt"
	"strings"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/demo"
)

// bulkUsers creates n users in org (emails bulk000@…, external ids ext-000…) and returns them.
func (s *Suite) bulkUsers(org string, n int) []*directory.User {
	out := make([]*directory.User, n)
	for i := range out {
		u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: emailOf(i), ExternalID: ptr(fmt.Sprintf("ext-%03d", i))})
		s.Require().NoError(err)
		out[i] = u
	}
	return out
}

func (s *Suite) TestBatchUserReadsAnswerInKeyOrderWithNilsAndDuplicates() {
	users := s.bulkUsers(s.orgs()[0].ID, 3)
	a, b, c := users[0], users[1], users[2]
	for name, tc := range map[string]struct {
		read func([]string) ([]*directory.User, error)
		keys []string
	}{
		"by id":          {s.readUsersByID, []string{c.ID, "usr_missing", a.ID, c.ID, b.ID}},
		"by email":       {s.readUsersByEmail, []string{strings.ToUpper(c.Email), "nobody@x.test", a.Email, c.Email, "Bulk001@Load.Test"}},
		"by external id": {s.readUsersByExternalID, []string{"ext-002", "ext-999", "ext-000", "ext-002", "ext-001"}},
	} {
		got, err := tc.read(tc.keys)
		s.Require().NoError(err, name)
		s.Require().Len(got, 5, name)
		s.Equal(c, got[0], name)
		s.Nil(got[1], name+": a missing key yields nil")
		s.Equal(a, got[2], name)
		s.Equal(c, got[3], name+": a duplicate key gets its own answer")
		s.Equal(b, got[4], name)
	}
	s.Equal("ext-000", *a.ExternalID)
	s.Equal(a.Email, a.Profile.Email)
	s.Regexp(`^usr_\d+$`, a.ID)
	s.Regexp(`^usp_\d+$`, a.Profile.ID)
}

func (s *Suite) readUsersByID(k []string) ([]*directory.User, error) {
	return s.dir.UsersByID(s.ctx, k)
}
func (s *Suite) readUsersByEmail(k []string) ([]*directory.User, error) {
	return s.dir.UsersByEmail(s.ctx, k)
}
func (s *Suite) readUsersByExternalID(k []string) ([]*directory.User, error) {
	return s.dir.UsersByExternalID(s.ctx, k)
}

// TestEveryBatchReadIsOneStatement is the no-N+1 guarantee: 1, 10 or 100 keys, one statement.
func (s *Suite) TestEveryBatchReadIsOneStatement() {
	org := s.orgs()[0]
	users := s.bulkUsers(org.ID, 100)
	roles := s.roleIDs()
	orgs := s.orgs()
	for _, n := range []int{1, 10, 100} {
		userIDs := keys(n, func(i int) string { return users[i].ID })
		reads := map[string]func() (int, error){
			"UsersByID":    func() (int, error) { r, err := s.dir.UsersByID(s.ctx, userIDs); return nonNil(r), err },
			"UsersByEmail": func() (int, error) { r, err := s.dir.UsersByEmail(s.ctx, keys(n, emailOf)); return nonNil(r), err },
			"UsersByExternalID": func() (int, error) {
				r, err := s.dir.UsersByExternalID(s.ctx, keys(n, func(i int) string { return fmt.Sprintf("ext-%03d", i) }))
				return nonNil(r), err
			},
			"OrganizationsByID": func() (int, error) {
				r, err := s.dir.OrganizationsByID(s.ctx, keys(n, func(i int) string { return orgs[i%len(orgs)].ID }))
				return nonNil(r), err
			},
			"OrganizationsByExternalID": func() (int, error) {
				r, err := s.dir.OrganizationsByExternalID(s.ctx, keys(n, func(i int) string { return *orgs[i%len(orgs)].ExternalID }))
				return nonNil(r), err
			},
			"MembershipsByUser": func() (int, error) {
				r, err := s.dir.MembershipsByUser(s.ctx, userIDs)
				found := 0
				for _, ms := range r {
					if len(ms) == 1 {
						found++
					}
				}
				return found, err
			},
			"RolesByID": func() (int, error) {
				ids := []string{roles["admin"], roles["member"], roles["viewer"]}
				r, err := s.dir.RolesByID(s.ctx, keys(n, func(i int) string { return ids[i%3] }))
				return nonNil(r), err
			},
			"Members": func() (int, error) {
				qs := keys(n, func(i int) string { return orgs[i%len(orgs)].ID })
				queries := make([]directory.MembersQuery, n)
				for i, o := range qs {
					queries[i] = directory.MembersQuery{OrganizationID: o, First: 1 + i%5}
				}
				r, err := s.dir.Members(s.ctx, queries)
				return nonNil(r), err
			},
		}
		for name, read := range reads {
			var found int
			var err error
			cost := s.statements(func() { found, err = read() })
			s.Require().NoError(err, name)
			s.Equal(n, found, "%s with %d keys answers every key", name, n)
			s.Equal(uint64(1), cost, "%s with %d keys costs one statement", name, n)
		}
	}
	for name, read := range map[string]func() error{
		"UsersByID":         func() error { _, err := s.dir.UsersByID(s.ctx, nil); return err },
		"MembershipsByUser": func() error { _, err := s.dir.MembershipsByUser(s.ctx, nil); return err },
		"Members":           func() error { _, err := s.dir.Members(s.ctx, nil); return err },
	} {
		s.Zero(s.statements(func() { s.NoError(read()) }), name+": no keys, no statement")
	}
}

func nonNil[T any](items []*T) int {
	n := 0
	for _, it := range items {
		if it != nil {
			n++
		}
	}
	return n
}

func (s *Suite) TestOrganizationsByKey() {
	orgs := s.orgs()
	got, err := s.dir.OrganizationsByID(s.ctx, []string{orgs[2].ID, "org_nope", orgs[0].ID, orgs[2].ID})
	s.Require().NoError(err)
	s.Equal([]*directory.Organization{orgs[2], nil, orgs[0], orgs[2]}, got)
	got, err = s.dir.OrganizationsByExternalID(s.ctx, []string{"initech", "nope", "acme"})
	s.Require().NoError(err)
	s.Equal([]*directory.Organization{orgs[2], nil, orgs[0]}, got)
	s.Regexp(`^org_\d+$`, orgs[0].ID)
}

func (s *Suite) TestListOrganizationsPages() {
	all := s.orgs()
	s.True(all[0].ID < all[1].ID && all[1].ID < all[2].ID, "ordered by id")
	page, err := s.dir.ListOrganizations(s.ctx, directory.PageQuery{First: 2})
	s.Require().NoError(err)
	s.Equal(3, page.TotalCount)
	s.True(page.HasNextPage)
	s.Equal(all[:2], page.Items)
	next, err := s.dir.ListOrganizations(s.ctx, directory.PageQuery{First: 2, After: page.Cursors[1]})
	s.Require().NoError(err)
	s.Equal(all[2:], next.Items)
	s.False(next.HasNextPage)
	s.Equal(3, next.TotalCount)

	_, err = s.dir.ListOrganizations(s.ctx, directory.PageQuery{First: 0})
	s.refused(err, directory.CodeInvalid, "first")
	_, err = s.dir.ListOrganizations(s.ctx, directory.PageQuery{First: 1, After: "garbage"})
	s.refused(err, directory.CodeInvalid, "after")
	_, err = s.dir.ListOrganizations(s.ctx, directory.PageQuery{First: 1, After: s.usersCursor()})
	s.refused(err, directory.CodeInvalid, "after")
}

func (s *Suite) TestListUsersWalksEveryPage() {
	s.bulkUsers(s.orgs()[0].ID, 7)
	var total int
	var seen []string
	after := ""
	for pages := 0; ; pages++ {
		s.Require().Less(pages, 50)
		page, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 4, After: after})
		s.Require().NoError(err)
		s.Require().Len(page.Cursors, len(page.Items))
		total = page.TotalCount
		for _, u := range page.Items {
			seen = append(seen, u.ID)
		}
		if !page.HasNextPage {
			s.LessOrEqual(len(page.Items), 4)
			break
		}
		s.Len(page.Items, 4, "a page that has a next one is full")
		after = page.Cursors[len(page.Cursors)-1]
	}
	s.Equal(len(demo.Emails())+7, total)
	s.Len(seen, total, "every user once")
	for i := 1; i < len(seen); i++ {
		s.Less(seen[i-1], seen[i], "ordered by id")
	}
}

func (s *Suite) TestListUsersFiltersByOrganizationAndSearch() {
	orgs := s.orgs()
	a := s.createUser(orgs[0].ID, "Zed.Search@Find.test")
	b := s.createUser(orgs[1].ID, "other@find.test")
	_, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: b.ID, ExternalID: directory.Some(ptr("EXT_under_100%")),
		Profile: &directory.ProfileUpdate{FamilyName: directory.Some(ptr("Zedson"))}})
	s.Require().NoError(err)

	ids := func(q directory.UsersQuery) ([]string, int) {
		q.First = 100
		page, err := s.dir.ListUsers(s.ctx, q)
		s.Require().NoError(err)
		var out []string
		for _, u := range page.Items {
			out = append(out, u.ID)
		}
		return out, page.TotalCount
	}
	got, n := ids(directory.UsersQuery{Search: "find.TEST"})
	s.Equal([]string{a.ID, b.ID}, got)
	s.Equal(2, n)
	got, _ = ids(directory.UsersQuery{Search: "_under_100%"})
	s.Equal([]string{b.ID}, got, "external id")
	got, n = ids(directory.UsersQuery{Search: "d_r"})
	s.Empty(got, "_ is literal, not a wildcard")
	s.Zero(n)
	got, _ = ids(directory.UsersQuery{Search: "100%_"})
	s.Empty(got, "% is literal")
	got, _ = ids(directory.UsersQuery{Search: a.ID[4:]})
	s.Equal([]string{a.ID}, got, "id")

	got, n = ids(directory.UsersQuery{OrganizationID: orgs[2].ID})
	s.Equal(n, len(got))
	ms := s.memberships(got...)
	for i, list := range ms {
		var in bool
		for _, m := range list {
			in = in || m.OrganizationID == orgs[2].ID
		}
		s.True(in, "user %s is a member of the filtered organization", got[i])
	}
	got, n = ids(directory.UsersQuery{OrganizationID: "org_unknown"})
	s.Empty(got)
	s.Zero(n)

	s.differs(SearchByKeyOnly)
	got, _ = ids(directory.UsersQuery{Search: "zed"})
	s.Equal([]string{a.ID, b.ID}, got, "email and family name, case-insensitively")
	got, _ = ids(directory.UsersQuery{Search: "zed", OrganizationID: orgs[1].ID})
	s.Equal([]string{b.ID}, got)
}

func (s *Suite) TestListUsersChecksItsArguments() {
	for _, first := range []int{0, -1, 101} {
		_, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: first})
		s.refused(err, directory.CodeInvalid, "first")
	}
	_, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 100})
	s.NoError(err)
	_, err = s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 1, After: "!!"})
	s.refused(err, directory.CodeInvalid, "after")
	orgs, err := s.dir.ListOrganizations(s.ctx, directory.PageQuery{First: 1})
	s.Require().NoError(err)
	_, err = s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 1, After: orgs.Cursors[0]})
	s.refused(err, directory.CodeInvalid, "after")
}

func (s *Suite) TestMembersAnswersSeveralQueriesInOneStatement() {
	s.differs(NoStatementCount)
	s.differs(StatusReadOnly)
	orgA := s.newOrg("Members A")
	orgB := s.newOrg("Members B")
	var inA []string
	for i := range 5 {
		inA = append(inA, s.createUser(orgA, fmt.Sprintf("a%d@members.test", i)).ID)
	}
	inB := s.createUser(orgB, "b0@members.test").ID
	_, err := s.dir.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: inA[1], OrganizationID: orgA,
		Status: directory.Some(directory.MembershipInactive)})
	s.Require().NoError(err)
	_, err = s.dir.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: inA[3], OrganizationID: orgA,
		Status: directory.Some(directory.MembershipInactive)})
	s.Require().NoError(err)
	empty := s.newOrg("Members empty")

	afterA := s.membersCursors(orgA, 5) // after inA[0], inA[1], …
	queries := []directory.MembersQuery{
		{OrganizationID: orgA, First: 2},
		{OrganizationID: orgA, First: 2, After: afterA[1]},
		{OrganizationID: orgA, First: 10, Status: directory.MembershipInactive},
		{OrganizationID: orgB, First: 5},
		{OrganizationID: empty, First: 5},
		{OrganizationID: orgA, First: 3, After: afterA[4]},
		{OrganizationID: orgA, First: 2},
	}
	var pages []*directory.Page[*directory.Membership]
	cost := s.statements(func() { pages, err = s.dir.Members(s.ctx, queries) })
	s.Require().NoError(err)
	s.Equal(uint64(1), cost)
	s.Require().Len(pages, len(queries))

	userIDs := func(p *directory.Page[*directory.Membership]) []string {
		out := []string{}
		for _, m := range p.Items {
			out = append(out, m.UserID)
		}
		return out
	}
	s.Equal(inA[:2], userIDs(pages[0]))
	s.True(pages[0].HasNextPage)
	s.Equal(5, pages[0].TotalCount)
	s.Equal(inA[2:4], userIDs(pages[1]))
	s.True(pages[1].HasNextPage)
	s.Equal(5, pages[1].TotalCount, "the total ignores the cursor")
	s.Equal([]string{inA[1], inA[3]}, userIDs(pages[2]))
	s.False(pages[2].HasNextPage)
	s.Equal(2, pages[2].TotalCount, "the status filter applies to the total too")
	for _, m := range pages[2].Items {
		s.Equal(directory.MembershipInactive, m.Status)
	}
	s.Equal([]string{inB}, userIDs(pages[3]))
	s.False(pages[3].HasNextPage)
	s.Equal(1, pages[3].TotalCount)
	s.Empty(pages[4].Items)
	s.Zero(pages[4].TotalCount)
	s.Empty(pages[5].Items, "after the last member")
	s.Equal(5, pages[5].TotalCount)
	s.False(pages[5].HasNextPage)
	s.Equal(pages[0], pages[6], "a repeated query gets the same answer")

	// Cursors continue the page they come from.
	next, err := s.dir.Members(s.ctx, []directory.MembersQuery{{OrganizationID: orgA, First: 2, After: pages[0].Cursors[1]}})
	s.Require().NoError(err)
	s.Equal(userIDs(pages[1]), userIDs(next[0]))

	m := pages[0].Items[0]
	s.Equal(orgA, m.OrganizationID)
	s.Equal(directory.MembershipActive, m.Status)
	s.NotNil(m.JoinTime)
	s.Equal([]string{s.roleIDs()["member"]}, m.RoleIDs, "no roles named: the default roles")
	s.Equal([]string{"org:read", "users:read"}, m.Permissions)
}

func (s *Suite) TestMembersFailsBadQueriesAlone() {
	orgA := s.orgs()[0].ID
	queries := []directory.MembersQuery{
		{OrganizationID: orgA, First: 3},
		{OrganizationID: orgA, First: 500},
		{OrganizationID: orgA, First: 3, After: "junk"},
		{OrganizationID: orgA, First: 3, After: s.membersCursors(s.orgs()[1].ID, 1)[0]},
		{OrganizationID: orgA, First: 3, Status: "SLEEPING"},
	}
	pages, err := s.dir.Members(s.ctx, queries)
	var keyErrs directory.KeyErrors
	s.Require().ErrorAs(err, &keyErrs)
	s.Require().Len(keyErrs, len(queries))
	s.NoError(keyErrs[0])
	s.Require().NotNil(pages[0])
	s.Len(pages[0].Items, 3)
	s.refused(keyErrs[1], directory.CodeInvalid, "first")
	s.refused(keyErrs[2], directory.CodeInvalid, "after")
	s.refused(keyErrs[3], directory.CodeInvalid, "after")
	s.refused(keyErrs[4], directory.CodeInvalid, "status")
}

func (s *Suite) TestMembershipsByUserAreOrderedAndCarryRoles() {
	orgs := s.orgs()
	roles := s.roleIDs()
	u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: orgs[2].ID, Email: "multi@x.test",
		Roles: []string{"viewer", "admin", "member"}})
	s.Require().NoError(err)
	_, err = s.dir.AddMembership(s.ctx, directory.NewMembership{UserID: u.ID, OrganizationID: orgs[0].ID, Roles: []string{"viewer"}})
	s.Require().NoError(err)

	got := s.memberships(u.ID, "usr_nobody", u.ID)
	s.Require().Len(got, 3)
	s.NotNil(got[1])
	s.Empty(got[1], "an unknown user has no memberships")
	s.Equal(got[0], got[2])
	s.Require().Len(got[0], 2)
	s.Equal(orgs[0].ID, got[0][0].OrganizationID, "ordered by organization id")
	s.Equal(orgs[2].ID, got[0][1].OrganizationID)
	s.roleOrder([]string{roles["admin"], roles["member"], roles["viewer"]}, got[0][1].RoleIDs, "role ids by role name")
	s.Equal([]string{"billing:manage", "billing:read", "org:manage", "org:read", "users:read", "users:write"}, got[0][1].Permissions,
		"permissions sorted, each once although two roles grant org:read")
	s.Equal([]string{roles["viewer"]}, got[0][0].RoleIDs)
	s.Equal([]string{"org:read"}, got[0][0].Permissions)
}

func (s *Suite) TestRolesCatalogue() {
	roles, err := s.dir.Roles(s.ctx)
	s.Require().NoError(err)
	s.Require().Len(roles, 3)
	s.Equal("admin", roles[0].Name)
	s.Equal("member", roles[1].Name)
	s.Equal("viewer", roles[2].Name)
	s.Regexp(`^role_\d+$`, roles[0].ID)
	s.Equal("Administrator", *roles[0].DisplayName)
	s.NotEmpty(*roles[0].Description)
	var names []string
	for _, p := range roles[1].Permissions {
		names = append(names, p.Name)
		s.NotNil(p.Description)
	}
	s.Equal([]string{"org:read", "users:read"}, names)

	got, err := s.dir.RolesByID(s.ctx, []string{roles[2].ID, "role_nope", roles[0].ID, roles[2].ID})
	s.Require().NoError(err)
	s.Equal([]*directory.Role{roles[2], nil, roles[0], roles[2]}, got)
}

func (s *Suite) TestEmptyStoreAnswersEmptyLists() {
	empty, _ := s.open(s.T(), false)
	s.dir = empty.Dir
	page, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 10})
	s.Require().NoError(err)
	s.NotNil(page.Items)
	s.Empty(page.Items)
	s.Empty(page.Cursors)
	s.False(page.HasNextPage)
	s.Zero(page.TotalCount)

	s.differs(FixedRoles)
	roles, err := s.dir.Roles(s.ctx)
	s.Require().NoError(err)
	s.NotNil(roles)
	s.Empty(roles)
}

// TestKeysNoColumnCanHoldMatchNothing: a key with NUL or invalid UTF-8 (which PostgreSQL's
// text parameters cannot carry) answers nil instead of failing its whole batch.
func (s *Suite) TestKeysNoColumnCanHoldMatchNothing() {
	users := s.bulkUsers(s.orgs()[0].ID, 2)
	for _, bad := range []string{"usr_\x00", "\xff\xfe"} {
		got, err := s.dir.UsersByID(s.ctx, []string{users[0].ID, bad, users[1].ID})
		s.Require().NoError(err)
		s.Equal([]*directory.User{users[0], nil, users[1]}, got)
		got, err = s.dir.UsersByEmail(s.ctx, []string{bad, users[1].Email})
		s.Require().NoError(err)
		s.Equal([]*directory.User{nil, users[1]}, got)
		orgs, err := s.dir.OrganizationsByExternalID(s.ctx, []string{bad, "acme"})
		s.Require().NoError(err)
		s.Nil(orgs[0])
		s.NotNil(orgs[1])
		ms, err := s.dir.MembershipsByUser(s.ctx, []string{bad, users[0].ID})
		s.Require().NoError(err)
		s.Empty(ms[0])
		s.Len(ms[1], 1)
		roles, err := s.dir.RolesByID(s.ctx, []string{bad})
		s.Require().NoError(err)
		s.Nil(roles[0])
		ids, err := s.dir.IdentitiesByUser(s.ctx, []string{bad})
		s.Require().NoError(err)
		s.Empty(ids[0])
		u, err := s.dir.UserByIdentity(s.ctx, directory.IdentityLookup{Sub: bad})
		s.Require().NoError(err)
		s.Nil(u)
		page, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 10, Search: "bulk" + bad})
		s.Require().NoError(err)
		s.Zero(page.TotalCount)
		page, err = s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 10, OrganizationID: bad})
		s.Require().NoError(err)
		s.Zero(page.TotalCount)
		members, err := s.dir.Members(s.ctx, []directory.MembersQuery{{OrganizationID: bad, First: 5}})
		s.Require().NoError(err)
		s.Zero(members[0].TotalCount)
		_, err = s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: s.orgs()[0].ID, Email: "new@x.test", Roles: []string{bad}})
		s.refused(err, directory.CodeNotFound, "roles", "0")
	}
}

// usersCursor is the cursor of the first user of the users list.
func (s *Suite) usersCursor() string {
	page, err := s.dir.ListUsers(s.ctx, directory.UsersQuery{First: 1})
	s.Require().NoError(err)
	return page.Cursors[0]
}

// membersCursors are the cursors of the first n members of org.
func (s *Suite) membersCursors(org string, n int) []string {
	pages, err := s.dir.Members(s.ctx, []directory.MembersQuery{{OrganizationID: org, First: n}})
	s.Require().NoError(err)
	s.Require().Len(pages[0].Cursors, n)
	return pages[0].Cursors
}
