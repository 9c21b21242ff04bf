package scalekit

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/usergraph/usergraph/directory"
)

// Writes are sent once: a write that timed out may have been applied, so retrying it
// blindly could apply it twice. Input has passed directory.WithRules before it gets here;
// what only Scalekit can know (taken emails, unknown organizations) comes back from it and
// is turned into the same field errors the embedded store gives.

func userPath(id string) string { return "/api/v1/users/" + url.PathEscape(id) }

func membershipPath(orgID, userID string) string {
	return "/api/v1/memberships/organizations/" + url.PathEscape(orgID) + "/users/" + url.PathEscape(userID)
}

func invitation(send bool) url.Values {
	return url.Values{"send_invitation_email": {strconv.FormatBool(send)}}
}

func (c *Client) userFrom(ctx context.Context, resp *response) (*directory.User, error) {
	env, err := decode[userEnvelope](resp, "user")
	if err != nil {
		return nil, err
	}
	if env.User == nil || env.User.ID == "" {
		return nil, fmt.Errorf("%w: scalekit: answer without a user", directory.ErrUnavailable)
	}
	return c.domainUser(ctx, env.User), nil
}

// CreateUser creates a user with its first membership in one call. Roles left nil get the
// environment's default roles; an empty list is refused, as Scalekit cannot hold a
// membership without a role (it would silently give the default one).
func (c *Client) CreateUser(ctx context.Context, in directory.NewUser) (*directory.User, error) {
	if in.Roles != nil && len(in.Roles) == 0 {
		return nil, noRoles()
	}
	if err := c.checkRoleNames(ctx, in.Roles); err != nil {
		return nil, err
	}
	if !plausibleID(in.OrganizationID, "org_") {
		return nil, noOrganization(in.OrganizationID, "organizationId")
	}
	p := in.Profile
	body := createUserBody{
		Email:      in.Email,
		ExternalID: in.ExternalID,
		Metadata:   in.Metadata,
		UserProfile: &profileBody{
			GivenName: p.GivenName, FamilyName: p.FamilyName, Name: p.Name, Locale: p.Locale,
			PhoneNumber: p.PhoneNumber, PreferredUsername: p.PreferredUsername, Picture: p.Picture,
			Gender: p.Gender, Metadata: givenMap(p.Metadata), CustomAttributes: givenMap(p.CustomAttributes),
		},
	}
	if len(p.Groups) > 0 {
		body.UserProfile.Groups = &p.Groups
	}
	if len(in.Roles) > 0 || len(in.MembershipMetadata) > 0 {
		body.Membership = &createMembershipBody{Roles: roleRefs(in.Roles), Metadata: in.MembershipMetadata}
	}
	resp, err := c.do(ctx, request{method: http.MethodPost, query: invitation(in.SendInvitationEmail),
		path: "/api/v1/organizations/" + url.PathEscape(in.OrganizationID) + "/users", body: body})
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil, noOrganization(in.OrganizationID, "organizationId")
	case isStatus(err, http.StatusConflict):
		return nil, c.whichTaken(ctx, "", in.Email, in.ExternalID)
	case err != nil:
		return nil, invalidFrom(err, userFields)
	}
	return c.userFrom(ctx, resp)
}

func noRoles() error {
	return problem(directory.CodeTooShort, "a Scalekit membership holds at least one role", "roles")
}

func noOrganization(id string, field ...string) error {
	return problem(directory.CodeNotFound, fmt.Sprintf("there is no organization %q", id), field...)
}

func noUser(id string, field ...string) error {
	return problem(directory.CodeNotFound, fmt.Sprintf("there is no user %q", id), field...)
}

// whichTaken explains a 409: Scalekit says that something is taken, not what, so the
// client looks the email and external id up (only on this failure path) and names the
// field that another user holds.
func (c *Client) whichTaken(ctx context.Context, self, email string, externalID *string) error {
	var problems []directory.FieldError
	if email != "" {
		if users, err := c.UsersByEmail(ctx, []string{email}); err == nil && users[0] != nil && users[0].ID != self {
			problems = append(problems, directory.FieldError{Field: []string{"email"}, Code: directory.CodeTaken,
				Message: fmt.Sprintf("email %q is taken by another user", email)})
		}
	}
	if externalID != nil && *externalID != "" {
		if users, err := c.UsersByExternalID(ctx, []string{*externalID}); err == nil && users[0] != nil && users[0].ID != self {
			problems = append(problems, directory.FieldError{Field: []string{"externalId"}, Code: directory.CodeTaken,
				Message: fmt.Sprintf("externalId %q is taken by another user", *externalID)})
		}
	}
	if len(problems) == 0 {
		// Taken, but by whom is gone (deleted meanwhile): still say what Scalekit said.
		field := "email"
		if email == "" {
			field = "externalId"
		}
		problems = append(problems, directory.FieldError{Field: []string{field}, Code: directory.CodeTaken,
			Message: "Scalekit reports a conflict with another user"})
	}
	return directory.Invalid(problems...)
}

// UpdateUser sends only the fields that change. Scalekit replaces a map that it is sent,
// while our contract merges maps by key, so a map change reads the user first and sends
// the merged map: a concurrent change of the same map between the read and the write is
// lost (last writer wins). README documents the race.
func (c *Client) UpdateUser(ctx context.Context, in directory.UserUpdate) (*directory.User, error) {
	ctx = freshReads(ctx) // the read of a read-modify-write must see Scalekit's current value
	if !plausibleID(in.ID, "usr_") {
		return nil, noUser(in.ID, "id")
	}
	body := updateUserBody{}
	if in.ExternalID.Set {
		body.ExternalID = clearable(in.ExternalID)
	}
	var current *directory.User
	// The name rule (directory.ComposeName) needs the stored names when the given or family
	// name changes, or the name is cleared, as do merged maps.
	needsRead := in.Metadata != nil || (in.Profile != nil && (in.Profile.CustomAttributes != nil || in.Profile.Metadata != nil ||
		nameMayFollow(in.Profile)))
	if needsRead {
		var err error
		if current, err = c.getUser(ctx, userPath(in.ID)); err != nil {
			return nil, err
		}
		if current == nil {
			return nil, noUser(in.ID, "id")
		}
		if in.Metadata != nil {
			body.Metadata = presentMap(in.Metadata.Apply(current.Metadata))
		}
	}
	var problems []directory.FieldError
	merged := func(m wireMap, field ...string) wireMap {
		if m != nil {
			problems = append(problems, directory.CheckMap(*m, field...)...)
		}
		return m
	}
	if pu := in.Profile; pu != nil {
		pb := &profileBody{
			GivenName: clearable(pu.GivenName), FamilyName: clearable(pu.FamilyName), Name: clearable(pu.Name),
			Locale: clearable(pu.Locale), PhoneNumber: clearable(pu.PhoneNumber),
			PreferredUsername: clearable(pu.PreferredUsername), Picture: clearable(pu.Picture), Gender: clearable(pu.Gender),
		}
		if nameMayFollow(pu) {
			pb.Name = clearable(directory.Some(pu.Apply(current.Profile).Name))
		}
		if pu.Groups.Set {
			groups := append([]string{}, pu.Groups.Value...)
			pb.Groups = &groups
		}
		if pu.CustomAttributes != nil {
			pb.CustomAttributes = merged(presentMap(pu.CustomAttributes.Apply(current.Profile.CustomAttributes)), "profile", "customAttributes")
		}
		if pu.Metadata != nil {
			pb.Metadata = merged(presentMap(pu.Metadata.Apply(current.Profile.Metadata)), "profile", "metadata")
		}
		body.UserProfile = pb
	}
	merged(body.Metadata, "metadata")
	if len(problems) > 0 {
		// The merged maps break Scalekit's limits: say so as the embedded store does.
		return nil, directory.Invalid(problems...)
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: userPath(in.ID), body: body})
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil, noUser(in.ID, "id")
	case isStatus(err, http.StatusConflict):
		var ext *string
		if in.ExternalID.Set {
			ext = in.ExternalID.Value
		}
		return nil, c.whichTaken(ctx, in.ID, "", ext)
	case err != nil:
		return nil, invalidFrom(err, userFields)
	}
	return c.userFrom(ctx, resp)
}

// nameMayFollow: the update may change the name through the name rule, which then needs
// the stored profile.
func nameMayFollow(pu *directory.ProfileUpdate) bool {
	return !(pu.Name.Set && pu.Name.Value != nil) && (pu.Name.Set || pu.GivenName.Set || pu.FamilyName.Set)
}

// DeleteUser deletes a user and all of its memberships.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	defer c.lists.forget(id) // what was seen of its memberships is stale now (memberlists.go)
	if !plausibleID(id, "usr_") {
		return noUser(id, "id")
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: userPath(id)})
	if isStatus(err, http.StatusNotFound) {
		return noUser(id, "id")
	}
	return err
}

// membershipIn picks the membership of one organization out of a user.
func membershipIn(u *directory.User, orgID string) *directory.Membership {
	for _, m := range u.Memberships {
		if m.OrganizationID == orgID {
			m.User = u
			return m
		}
	}
	return nil
}

// membershipFrom reads the membership of one organization out of a membership route's
// answer, which is the whole user.
func (c *Client) membershipFrom(ctx context.Context, resp *response, orgID string) (*directory.Membership, error) {
	u, err := c.userFrom(ctx, resp)
	if err != nil {
		return nil, err
	}
	if m := membershipIn(u, orgID); m != nil {
		return m, nil
	}
	return nil, fmt.Errorf("%w: scalekit: the membership is missing from its answer", directory.ErrUnavailable)
}

// missingMembership explains a 404 on a membership route: the user is unknown, or it is
// not a member of (or there is no) such organization.
func (c *Client) missingMembership(ctx context.Context, userID, orgID string, notMember error) error {
	u, err := c.getUser(ctx, userPath(userID))
	if err != nil {
		return err
	}
	if u == nil {
		return noUser(userID, "userId")
	}
	return notMember
}

func notAMember(userID, orgID string) error {
	return problem(directory.CodeNotFound, fmt.Sprintf("user %q is not a member of organization %q", userID, orgID), "organizationId")
}

// AddMembership adds an existing user to an organization.
func (c *Client) AddMembership(ctx context.Context, in directory.NewMembership) (*directory.Membership, error) {
	defer c.lists.forget(in.UserID) // what was seen of its memberships is stale now (memberlists.go)
	if !plausibleID(in.UserID, "usr_") {
		return nil, noUser(in.UserID, "userId")
	}
	if !plausibleID(in.OrganizationID, "org_") {
		return nil, noOrganization(in.OrganizationID, "organizationId")
	}
	if in.Roles != nil && len(in.Roles) == 0 {
		return nil, noRoles()
	}
	if err := c.checkRoleNames(ctx, in.Roles); err != nil {
		return nil, err
	}
	body := createMembershipBody{Roles: roleRefs(in.Roles), Metadata: in.Metadata, InviterEmail: in.InviterEmail}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: membershipPath(in.OrganizationID, in.UserID),
		query: invitation(in.SendInvitationEmail), body: body})
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil, c.missingMembership(ctx, in.UserID, in.OrganizationID, noOrganization(in.OrganizationID, "organizationId"))
	case isStatus(err, http.StatusConflict):
		return nil, problem(directory.CodeAlreadyExists,
			fmt.Sprintf("user %q is already a member of %q", in.UserID, in.OrganizationID), "organizationId")
	case err != nil:
		return nil, invalidFrom(err, nil)
	}
	return c.membershipFrom(ctx, resp, in.OrganizationID)
}

// UpdateMembership changes roles and metadata. Scalekit cannot change a membership's
// status (invitations and deactivation happen in Scalekit itself), nor leave a membership
// without roles; both are refused as input errors. A metadata change is a read-modify-write,
// like UpdateUser's maps.
func (c *Client) UpdateMembership(ctx context.Context, in directory.MembershipUpdate) (*directory.Membership, error) {
	ctx = freshReads(ctx) // the read of a read-modify-write must see Scalekit's current value
	if !plausibleID(in.UserID, "usr_") {
		return nil, noUser(in.UserID, "userId")
	}
	current, err := c.getUser(ctx, userPath(in.UserID))
	if err != nil {
		return nil, err
	}
	if current == nil {
		return nil, noUser(in.UserID, "userId")
	}
	m := membershipIn(current, in.OrganizationID)
	if m == nil {
		return nil, notAMember(in.UserID, in.OrganizationID)
	}
	if in.Status.Set {
		return nil, problem(directory.CodeInvalid, "Scalekit does not let a membership's status be changed through its API", "status")
	}
	if in.Roles.Set && len(in.Roles.Value) == 0 {
		return nil, noRoles()
	}
	if in.Roles.Set {
		if err := c.checkRoleNames(ctx, in.Roles.Value); err != nil {
			return nil, err
		}
	}
	if !in.Roles.Set && in.Metadata == nil {
		return m, nil
	}
	body := updateMembershipBody{}
	if in.Roles.Set {
		body.Roles = roleRefs(in.Roles.Value)
	}
	if in.Metadata != nil {
		merged := in.Metadata.Apply(m.Metadata)
		if problems := directory.CheckMap(merged, "metadata"); len(problems) > 0 {
			return nil, directory.Invalid(problems...)
		}
		body.Metadata = presentMap(merged)
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: membershipPath(in.OrganizationID, in.UserID), body: body})
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil, c.missingMembership(ctx, in.UserID, in.OrganizationID, notAMember(in.UserID, in.OrganizationID))
	case err != nil:
		return nil, invalidFrom(err, nil)
	}
	return c.membershipFrom(ctx, resp, in.OrganizationID)
}

// RemoveMembership ends one membership and keeps the user. Scalekit's default (cascade)
// deletes a user together with its last membership; cascade=false turns that off.
func (c *Client) RemoveMembership(ctx context.Context, userID, orgID string) error {
	defer c.lists.forget(userID) // what was seen of its memberships is stale now (memberlists.go)
	if !plausibleID(userID, "usr_") {
		return noUser(userID, "userId")
	}
	if !plausibleID(orgID, "org_") {
		return notAMember(userID, orgID)
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: membershipPath(orgID, userID),
		query: url.Values{"cascade": {"false"}}})
	if isStatus(err, http.StatusNotFound) {
		return c.missingMembership(ctx, userID, orgID, notAMember(userID, orgID))
	}
	return err
}

func organizationPath(id string) string { return "/api/v1/organizations/" + url.PathEscape(id) }

func (c *Client) organizationFrom(resp *response) (*directory.Organization, error) {
	env, err := decode[organizationEnvelope](resp, "organization")
	if err != nil {
		return nil, err
	}
	if env.Organization == nil || env.Organization.ID == "" {
		return nil, fmt.Errorf("%w: scalekit: answer without an organization", directory.ErrUnavailable)
	}
	return env.Organization.organization(), nil
}

func externalIDTaken(ext *string) error {
	v := ""
	if ext != nil {
		v = *ext
	}
	return problem(directory.CodeTaken, fmt.Sprintf("externalId %q is taken by another organization", v), "externalId")
}

// CreateOrganization creates an organization.
func (c *Client) CreateOrganization(ctx context.Context, in directory.NewOrganization) (*directory.Organization, error) {
	body := organizationBody{DisplayName: &in.DisplayName, ExternalID: in.ExternalID, Metadata: givenMap(in.Metadata)}
	resp, err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/organizations", body: body})
	switch {
	case isStatus(err, http.StatusConflict):
		return nil, externalIDTaken(in.ExternalID)
	case err != nil:
		return nil, invalidFrom(err, nil)
	}
	return c.organizationFrom(resp)
}

// UpdateOrganization sends only what changes; a metadata change is a read-modify-write.
func (c *Client) UpdateOrganization(ctx context.Context, in directory.OrganizationUpdate) (*directory.Organization, error) {
	ctx = freshReads(ctx) // the read of a read-modify-write must see Scalekit's current value
	if !plausibleID(in.ID, "org_") {
		return nil, noOrganization(in.ID, "id")
	}
	body := organizationBody{}
	if in.DisplayName.Set {
		body.DisplayName = &in.DisplayName.Value
	}
	if in.ExternalID.Set {
		body.ExternalID = clearable(in.ExternalID)
	}
	if in.Metadata != nil {
		current, err := c.getOrganization(ctx, organizationPath(in.ID))
		if err != nil {
			return nil, err
		}
		if current == nil {
			return nil, noOrganization(in.ID, "id")
		}
		merged := in.Metadata.Apply(current.Metadata)
		if problems := directory.CheckOrganizationMap(merged, "metadata"); len(problems) > 0 {
			return nil, directory.Invalid(problems...)
		}
		body.Metadata = presentMap(merged)
	}
	resp, err := c.do(ctx, request{method: http.MethodPatch, path: organizationPath(in.ID), body: body})
	switch {
	case isStatus(err, http.StatusNotFound):
		return nil, noOrganization(in.ID, "id")
	case isStatus(err, http.StatusConflict):
		return nil, externalIDTaken(in.ExternalID.Value)
	case err != nil:
		return nil, invalidFrom(err, nil)
	}
	return c.organizationFrom(resp)
}

// DeleteOrganization deletes an organization and its memberships.
func (c *Client) DeleteOrganization(ctx context.Context, id string) error {
	defer c.lists.forgetAll() // its members' memberships changed (memberlists.go)
	if !plausibleID(id, "org_") {
		return noOrganization(id, "id")
	}
	_, err := c.do(ctx, request{method: http.MethodDelete, path: organizationPath(id)})
	if isStatus(err, http.StatusNotFound) {
		return noOrganization(id, "id")
	}
	return err
}

// String names the environment for log lines; it never shows the secret.
func (c *Client) String() string {
	return "scalekit(" + strings.TrimPrefix(strings.TrimPrefix(c.cfg.EnvironmentURL, "https://"), "http://") + ")"
}
