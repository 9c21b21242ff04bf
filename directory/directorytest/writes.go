package directorytest

import (
	"time"

	"github.com/usergraph/usergraph/directory"
)

func (s *Suite) TestCreateUserWritesUserProfileAndMembership() {
	org := s.orgs()[1].ID
	in := directory.NewUser{
		OrganizationID: org, Email: "grace@x.test", ExternalID: ptr("emp-42"),
		Profile: directory.ProfileInput{
			Name: ptr("Grace Hopper"), GivenName: ptr("Grace"), FamilyName: ptr("Hopper"), PhoneNumber: ptr("+14155550199"),
			Locale: ptr("en-US"), Picture: ptr("https://x.test/g.png"), PreferredUsername: ptr("amazing_grace"), Gender: ptr("female"),
			Groups: []string{"navy", "cobol"}, CustomAttributes: map[string]string{"rank": "admiral"}, Metadata: map[string]string{"src": "hr"},
		},
		Metadata:           map[string]string{"tier": "gold"},
		Roles:              []string{"admin"},
		MembershipMetadata: map[string]string{"seat": "A1"},
	}
	before := time.Now().UTC()
	u, err := s.dir.CreateUser(s.ctx, in)
	s.Require().NoError(err)
	s.Equal(u, s.user(u.ID), "the answer is what was stored")
	s.Equal("grace@x.test", u.Email)
	s.Equal("emp-42", *u.ExternalID)
	s.Equal(map[string]string{"tier": "gold"}, u.Metadata)
	p := u.Profile
	s.Equal("Grace Hopper", *p.Name)
	s.Equal("Hopper", *p.FamilyName)
	s.Equal("+14155550199", *p.PhoneNumber)
	s.Equal("amazing_grace", *p.PreferredUsername)
	s.Equal("female", *p.Gender)
	s.Equal([]string{"navy", "cobol"}, p.Groups)
	s.Equal(map[string]string{"rank": "admiral"}, p.CustomAttributes)
	s.Equal(map[string]string{"src": "hr"}, p.Metadata)
	s.False(p.EmailVerified)
	s.Nil(u.LastLogin)
	s.WithinRange(u.CreateTime, before.Add(-time.Second), time.Now().Add(time.Second))

	ms := s.memberships(u.ID)[0]
	s.Require().Len(ms, 1)
	m := ms[0]
	s.Equal(org, m.OrganizationID)
	s.Equal(directory.MembershipActive, m.Status)
	s.Require().NotNil(m.JoinTime)
	s.Nil(m.ExpiresAt)
	s.Equal(map[string]string{"seat": "A1"}, m.Metadata)
	s.Equal([]string{s.roleIDs()["admin"]}, m.RoleIDs)
	s.Contains(m.Permissions, "users:write")
}

func (s *Suite) TestCreateUserDefaultsAreEmptyNotNil() {
	u := s.createUser(s.orgs()[0].ID, "bare@x.test")
	s.NotNil(u.Metadata)
	s.NotNil(u.Profile.Groups)
	s.NotNil(u.Profile.CustomAttributes)
	s.NotNil(u.Profile.Metadata)
	s.Nil(u.ExternalID)
	s.Nil(u.Profile.GivenName)
	m := s.memberships(u.ID)[0][0]
	s.NotNil(m.Metadata)
	s.Equal([]string{s.roleIDs()["member"]}, m.RoleIDs, "the default_member roles")
}

func (s *Suite) TestCreateUserWithInvitation() {
	start := time.Now().UTC()
	u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: s.orgs()[0].ID, Email: "invitee@x.test", SendInvitationEmail: true})
	s.Require().NoError(err)
	m := s.memberships(u.ID)[0][0]
	s.Equal(directory.MembershipPendingInvite, m.Status)
	s.Nil(m.JoinTime)
	s.Require().NotNil(m.ExpiresAt)
	s.WithinRange(*m.ExpiresAt, start.Add(7*24*time.Hour-time.Second), time.Now().Add(7*24*time.Hour+time.Second))
}

func (s *Suite) TestCreateUserRefusals() {
	org := s.orgs()[0].ID
	s.createUser(org, "Taken@X.test")
	_, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "ext@x.test", ExternalID: ptr("ext-taken")})
	s.Require().NoError(err)

	for name, tc := range map[string]struct {
		in    directory.NewUser
		code  directory.ErrorCode
		field []string
	}{
		"unknown organization": {directory.NewUser{OrganizationID: "org_nope", Email: "n1@x.test"}, directory.CodeNotFound, []string{"organizationId"}},
		"unknown role":         {directory.NewUser{OrganizationID: org, Email: "n2@x.test", Roles: []string{"admin", "wizard"}}, directory.CodeNotFound, []string{"roles", "1"}},
		"email taken":          {directory.NewUser{OrganizationID: org, Email: "taken@x.test"}, directory.CodeTaken, []string{"email"}},
		"email taken, upper":   {directory.NewUser{OrganizationID: org, Email: "TAKEN@x.TEST"}, directory.CodeTaken, []string{"email"}},
		"external id taken":    {directory.NewUser{OrganizationID: org, Email: "n3@x.test", ExternalID: ptr("ext-taken")}, directory.CodeTaken, []string{"externalId"}},
	} {
		s.Run(name, func() {
			s.unchanged("", func() {
				_, err := s.dir.CreateUser(s.ctx, tc.in)
				s.refused(err, tc.code, tc.field...)
			})
		})
	}

	// Every problem is reported at once.
	s.differs(FirstProblemOnly)
	_, err = s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: "org_nope", Email: "taken@x.test", Roles: []string{"x1", "member", "x2"}})
	s.refused(err, directory.CodeNotFound, "organizationId")
	s.refused(err, directory.CodeTaken, "email")
	s.refused(err, directory.CodeNotFound, "roles", "0")
	s.refused(err, directory.CodeNotFound, "roles", "2")
	var invalid *directory.InvalidInputError
	s.Require().ErrorAs(err, &invalid)
	s.Len(invalid.Problems, 4)
}

func (s *Suite) TestUpdateUserPatchSemantics() {
	u, err := s.dir.CreateUser(s.ctx, directory.NewUser{
		OrganizationID: s.orgs()[0].ID, Email: "patch@x.test", ExternalID: ptr("p-1"),
		Profile: directory.ProfileInput{
			GivenName: ptr("Pat"), FamilyName: ptr("Smith"), Locale: ptr("en-US"), PhoneNumber: ptr("+14155550100"),
			Groups: []string{"a", "b"}, CustomAttributes: map[string]string{"keep": "1", "drop": "2", "change": "3"},
			Metadata: map[string]string{"pm1": "x"},
		},
		Metadata: map[string]string{"one": "1", "two": "2"},
	})
	s.Require().NoError(err)
	s.exec(`UPDATE users SET phone_number_verified = TRUE WHERE id = '` + u.ID + `'`)
	time.Sleep(2 * time.Millisecond)

	got, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{
		ID: u.ID,
		Profile: &directory.ProfileUpdate{
			GivenName:        directory.Some(ptr("Patricia")), // set
			FamilyName:       directory.Some[*string](nil),    // explicit null clears
			PhoneNumber:      directory.Some(ptr("+14155550111")),
			Groups:           directory.Some([]string{"c"}),
			CustomAttributes: &directory.MapPatch{Set: map[string]*string{"drop": nil, "change": ptr("33"), "new": ptr("4")}},
			Metadata:         &directory.MapPatch{Clear: true, Set: map[string]*string{"pm2": ptr("y")}},
		},
		Metadata: &directory.MapPatch{Set: map[string]*string{"three": ptr("3"), "one": nil}},
	})
	s.Require().NoError(err)
	s.Equal(got, s.user(u.ID))
	p := got.Profile
	s.Equal("Patricia", *p.GivenName)
	s.Nil(p.FamilyName)
	s.Equal("en-US", *p.Locale, "omitted: unchanged")
	s.Equal("p-1", *got.ExternalID, "omitted: unchanged")
	s.Equal("+14155550111", *p.PhoneNumber)
	s.False(p.PhoneNumberVerified, "a new number is not verified")
	s.Equal([]string{"c"}, p.Groups)
	s.Equal(map[string]string{"keep": "1", "change": "33", "new": "4"}, p.CustomAttributes, "merge by key, nil removes")
	s.Equal(map[string]string{"pm2": "y"}, p.Metadata, "clear, then set")
	s.Equal(map[string]string{"two": "2", "three": "3"}, got.Metadata)
	s.True(got.UpdateTime.After(u.UpdateTime), "update time moves")
	s.Equal(u.CreateTime, got.CreateTime)

	// Clear the rest: external id, groups, whole maps.
	got, err = s.dir.UpdateUser(s.ctx, directory.UserUpdate{
		ID: u.ID, ExternalID: directory.Some[*string](nil),
		Profile:  &directory.ProfileUpdate{Groups: directory.Some[[]string](nil), CustomAttributes: &directory.MapPatch{Clear: true}},
		Metadata: &directory.MapPatch{Clear: true},
	})
	s.Require().NoError(err)
	s.Nil(got.ExternalID)
	s.Empty(got.Profile.Groups)
	s.NotNil(got.Profile.Groups)
	s.Empty(got.Profile.CustomAttributes)
	s.Empty(got.Metadata)
	s.Equal(map[string]string{"pm2": "y"}, got.Profile.Metadata, "untouched map stays")
	found, err := s.dir.UsersByExternalID(s.ctx, []string{"p-1"})
	s.Require().NoError(err)
	s.Nil(found[0], "a cleared external id no longer finds the user")

	// An empty update changes nothing but the update time.
	again, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID})
	s.Require().NoError(err)
	again.UpdateTime = got.UpdateTime
	s.Equal(got, again)
}

func (s *Suite) TestUpdateUserRefusals() {
	org := s.orgs()[0].ID
	other, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "other@x.test", ExternalID: ptr("other-ext")})
	s.Require().NoError(err)
	u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "me@x.test", ExternalID: ptr("my-ext"),
		Metadata: fullMap(19)})
	s.Require().NoError(err)

	_, err = s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: "usr_nope", Metadata: &directory.MapPatch{}})
	s.refused(err, directory.CodeNotFound, "id")

	s.unchanged(u.ID, func() {
		_, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID, ExternalID: directory.Some(ptr("other-ext")),
			Profile: &directory.ProfileUpdate{GivenName: directory.Some(ptr("Changed"))}})
		s.refused(err, directory.CodeTaken, "externalId")
	})
	s.unchanged(u.ID, func() {
		// 19 stored keys + 2 new ones: each patch alone is fine, the merge is not.
		_, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID,
			Metadata: &directory.MapPatch{Set: map[string]*string{"extra1": ptr("v"), "extra2": ptr("v")}}})
		s.refused(err, directory.CodeTooMany, "metadata")
	})
	s.unchanged(u.ID, func() {
		_, err := s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID, Profile: &directory.ProfileUpdate{
			CustomAttributes: &directory.MapPatch{Set: fullPatch(21)},
			Metadata:         &directory.MapPatch{Set: map[string]*string{"x": ptr("too short a key")}},
		}})
		s.refused(err, directory.CodeTooMany, "profile", "customAttributes")
		s.refused(err, directory.CodeInvalid, "profile", "metadata", "x")
	})
	// Keeping one's own external id is not a conflict; replacing a key within the limit is fine.
	_, err = s.dir.UpdateUser(s.ctx, directory.UserUpdate{ID: u.ID, ExternalID: directory.Some(ptr("my-ext")),
		Metadata: &directory.MapPatch{Set: map[string]*string{"key00": nil, "extra1": ptr("v"), "extra2": ptr("v")}}})
	s.NoError(err)
	s.NotNil(other)
}

func fullMap(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[keyName(i)] = "v"
	}
	return m
}

func fullPatch(n int) map[string]*string {
	m := map[string]*string{}
	for i := range n {
		m[keyName(i)] = ptr("v")
	}
	return m
}

func keyName(i int) string { return "key" + string(rune('0'+i/10)) + string(rune('0'+i%10)) }

func (s *Suite) TestDeleteUserTakesItsMembershipsAlong() {
	orgs := s.orgs()
	u := s.createUser(orgs[0].ID, "gone@x.test", "admin")
	_, err := s.dir.AddMembership(s.ctx, directory.NewMembership{UserID: u.ID, OrganizationID: orgs[1].ID})
	s.Require().NoError(err)
	counts := s.rowCounts()
	s.Require().NoError(s.dir.DeleteUser(s.ctx, u.ID))
	if after := s.rowCounts(); counts != nil {
		s.Equal(counts["users"]-1, after["users"])
		s.Equal(counts["memberships"]-2, after["memberships"])
		s.Equal(counts["membership_roles"]-2, after["membership_roles"])
	}
	s.Nil(s.user(u.ID))
	s.Empty(s.memberships(u.ID)[0])
	// The email is free again.
	s.createUser(orgs[0].ID, "GONE@x.test")

	s.unchanged("", func() {
		s.refused(s.dir.DeleteUser(s.ctx, u.ID), directory.CodeNotFound, "id")
	})
}

func (s *Suite) TestAddMembership() {
	orgs := s.orgs()
	u := s.createUser(orgs[0].ID, "joiner@x.test")
	m, err := s.dir.AddMembership(s.ctx, directory.NewMembership{UserID: u.ID, OrganizationID: orgs[1].ID,
		Roles: []string{"viewer", "admin", "viewer"}, Metadata: map[string]string{"seat": "12"}, InviterEmail: ptr("boss@x.test")})
	s.Require().NoError(err)
	roles := s.roleIDs()
	s.Equal(directory.MembershipActive, m.Status)
	s.roleOrder([]string{roles["admin"], roles["viewer"]}, m.RoleIDs, "a role named twice is held once")
	s.Equal(map[string]string{"seat": "12"}, m.Metadata)
	s.Equal("boss@x.test", *m.InviterEmail)
	s.Equal(withoutUser(m), s.memberships(u.ID)[0][1])

	invited, err := s.dir.AddMembership(s.ctx, directory.NewMembership{UserID: u.ID, OrganizationID: orgs[2].ID, SendInvitationEmail: true})
	s.Require().NoError(err)
	s.Equal(directory.MembershipPendingInvite, invited.Status)
	s.NotNil(invited.ExpiresAt)
	s.Nil(invited.JoinTime)

	for name, tc := range map[string]struct {
		in    directory.NewMembership
		code  directory.ErrorCode
		field []string
	}{
		"unknown user":         {directory.NewMembership{UserID: "usr_nope", OrganizationID: orgs[1].ID}, directory.CodeNotFound, []string{"userId"}},
		"unknown organization": {directory.NewMembership{UserID: u.ID, OrganizationID: "org_nope"}, directory.CodeNotFound, []string{"organizationId"}},
		"already a member":     {directory.NewMembership{UserID: u.ID, OrganizationID: orgs[0].ID}, directory.CodeAlreadyExists, []string{"organizationId"}},
		"unknown role":         {directory.NewMembership{UserID: u.ID, OrganizationID: s.newOrg("Fresh"), Roles: []string{"nope"}}, directory.CodeNotFound, []string{"roles", "0"}},
	} {
		s.Run(name, func() {
			s.unchanged(u.ID, func() {
				_, err := s.dir.AddMembership(s.ctx, tc.in)
				s.refused(err, tc.code, tc.field...)
			})
		})
	}
}

func (s *Suite) TestUpdateMembership() {
	s.differs(StatusReadOnly)
	orgs := s.orgs()
	roles := s.roleIDs()
	u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: orgs[0].ID, Email: "mover@x.test",
		Roles: []string{"admin"}, MembershipMetadata: map[string]string{"seat": "1", "desk": "d"}, SendInvitationEmail: true})
	s.Require().NoError(err)

	m, err := s.dir.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[0].ID,
		Roles:    directory.Some([]string{"viewer", "member"}),
		Metadata: &directory.MapPatch{Set: map[string]*string{"seat": ptr("2"), "desk": nil}},
		Status:   directory.Some(directory.MembershipActive)})
	s.Require().NoError(err)
	s.Equal([]string{roles["member"], roles["viewer"]}, m.RoleIDs, "roles replaced")
	s.Equal(map[string]string{"seat": "2"}, m.Metadata)
	s.Equal(directory.MembershipActive, m.Status)
	s.NotNil(m.JoinTime, "an accepted invitation gets its join time")
	s.Equal(m, s.memberships(u.ID)[0][0])

	m, err = s.dir.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[0].ID,
		Status: directory.Some(directory.MembershipInactive)})
	s.Require().NoError(err)
	s.Equal([]string{roles["member"], roles["viewer"]}, m.RoleIDs, "omitted roles are kept")
	s.Equal(map[string]string{"seat": "2"}, m.Metadata, "omitted metadata is kept")

	m, err = s.dir.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[0].ID,
		Roles: directory.Some([]string{})})
	s.Require().NoError(err)
	s.Empty(m.RoleIDs, "an empty set means no roles, not the defaults")
	s.Empty(m.Permissions)
	s.Equal(directory.MembershipInactive, m.Status)

	for name, tc := range map[string]struct {
		in    directory.MembershipUpdate
		code  directory.ErrorCode
		field []string
	}{
		"unknown user":  {directory.MembershipUpdate{UserID: "usr_nope", OrganizationID: orgs[0].ID}, directory.CodeNotFound, []string{"userId"}},
		"not a member":  {directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[1].ID}, directory.CodeNotFound, []string{"organizationId"}},
		"unknown org":   {directory.MembershipUpdate{UserID: u.ID, OrganizationID: "org_nope"}, directory.CodeNotFound, []string{"organizationId"}},
		"unknown role":  {directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[0].ID, Roles: directory.Some([]string{"admin", "nope"})}, directory.CodeNotFound, []string{"roles", "1"}},
		"bad status":    {directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[0].ID, Status: directory.Some(directory.MembershipStatus("GONE"))}, directory.CodeInvalid, []string{"status"}},
		"too much meta": {directory.MembershipUpdate{UserID: u.ID, OrganizationID: orgs[0].ID, Metadata: &directory.MapPatch{Set: fullPatch(20)}}, directory.CodeTooMany, []string{"metadata"}},
	} {
		s.Run(name, func() {
			s.unchanged(u.ID, func() {
				_, err := s.dir.UpdateMembership(s.ctx, tc.in)
				s.refused(err, tc.code, tc.field...)
			})
		})
	}
}

func (s *Suite) TestRemoveMembershipKeepsTheUser() {
	orgs := s.orgs()
	u := s.createUser(orgs[0].ID, "leaver@x.test", "admin")
	s.Require().NoError(s.dir.RemoveMembership(s.ctx, u.ID, orgs[0].ID))
	s.NotNil(s.user(u.ID), "the user stays without memberships")
	s.Empty(s.memberships(u.ID)[0])

	s.unchanged(u.ID, func() {
		s.refused(s.dir.RemoveMembership(s.ctx, u.ID, orgs[0].ID), directory.CodeNotFound, "organizationId")
		s.refused(s.dir.RemoveMembership(s.ctx, "usr_nope", orgs[0].ID), directory.CodeNotFound, "userId")
	})
	// It can join again.
	_, err := s.dir.AddMembership(s.ctx, directory.NewMembership{UserID: u.ID, OrganizationID: orgs[0].ID})
	s.NoError(err)
}

func (s *Suite) TestEmailsAreUniqueCaseInsensitively() {
	org := s.orgs()[0].ID
	u := s.createUser(org, "Mixed.Case@Example.test")
	s.Equal("Mixed.Case@Example.test", u.Email, "stored as given")
	_, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "mixed.case@example.TEST"})
	s.refused(err, directory.CodeTaken, "email")
	found, err := s.dir.UsersByEmail(s.ctx, []string{"MIXED.CASE@EXAMPLE.TEST"})
	s.Require().NoError(err)
	s.Equal(u, found[0])
}

func (s *Suite) TestAcceptingAnInvitationClearsItsExpiry() {
	s.differs(StatusReadOnly)
	org := s.orgs()[0].ID
	u, err := s.dir.CreateUser(s.ctx, directory.NewUser{OrganizationID: org, Email: "invitee@x.test", SendInvitationEmail: true})
	s.Require().NoError(err)
	ms := s.memberships(u.ID)
	s.Equal(directory.MembershipPendingInvite, ms[0][0].Status)
	s.NotNil(ms[0][0].ExpiresAt, "a pending invitation expires")
	m, err := s.dir.UpdateMembership(s.ctx, directory.MembershipUpdate{UserID: u.ID, OrganizationID: org,
		Status: directory.Some(directory.MembershipActive)})
	s.Require().NoError(err)
	s.Nil(m.ExpiresAt, "an accepted invitation no longer expires")
	s.NotNil(m.JoinTime)
}
