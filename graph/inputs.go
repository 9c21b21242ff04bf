package graph

import (
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/graph/model"
)

// This file turns GraphQL inputs into the directory's input types. Shape problems that only
// GraphQL can have (a JSON value that is not an object of strings, firstName and givenName
// that disagree) are collected as field problems, like the directory's own rules.

type inputProblems []directory.FieldError

func (p *inputProblems) add(code directory.ErrorCode, msg string, field ...string) {
	*p = append(*p, directory.FieldError{Field: field, Code: code, Message: msg})
}

func (p inputProblems) err() error {
	if len(p) == 0 {
		return nil
	}
	return directory.Invalid(p...)
}

func optional[T any](o graphql.Omittable[T]) directory.Optional[T] {
	v, set := o.ValueOK()
	return directory.Optional[T]{Set: set, Value: v}
}

// stringMap reads a JSON object of strings given on create; null or absent is an empty map.
func (p *inputProblems) stringMap(o graphql.Omittable[any], field ...string) map[string]string {
	v := o.Value()
	if v == nil {
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		p.add(directory.CodeInvalid, field[len(field)-1]+" must be a JSON object of strings", field...)
		return nil
	}
	out := make(map[string]string, len(obj))
	for k, val := range obj {
		s, ok := val.(string)
		if !ok {
			p.add(directory.CodeInvalid, fmt.Sprintf("value of %q must be a string", k), append(field, k)...)
			continue
		}
		out[k] = s
	}
	return out
}

// mapPatch reads a JSON object given on update: absent is no change, null empties the map,
// and a key set to null is removed.
func (p *inputProblems) mapPatch(o graphql.Omittable[any], field ...string) *directory.MapPatch {
	v, set := o.ValueOK()
	if !set {
		return nil
	}
	if v == nil {
		return &directory.MapPatch{Clear: true}
	}
	obj, ok := v.(map[string]any)
	if !ok {
		p.add(directory.CodeInvalid, field[len(field)-1]+" must be a JSON object of strings or nulls", field...)
		return nil
	}
	patch := &directory.MapPatch{Set: make(map[string]*string, len(obj))}
	for k, val := range obj {
		switch val := val.(type) {
		case nil:
			patch.Set[k] = nil
		case string:
			patch.Set[k] = &val
		default:
			p.add(directory.CodeInvalid, fmt.Sprintf("value of %q must be a string or null", k), append(field, k)...)
		}
	}
	return patch
}

// alias merges a deprecated alias (firstName) into its field (givenName).
func (p *inputProblems) alias(field, deprecated graphql.Omittable[*string], fieldName, deprecatedName string) graphql.Omittable[*string] {
	dv, dset := deprecated.ValueOK()
	if !dset {
		return field
	}
	if fv, fset := field.ValueOK(); fset && !equalPtr(fv, dv) {
		p.add(directory.CodeInvalid, fmt.Sprintf("%s is a deprecated alias of %s; give one, or the same value", deprecatedName, fieldName), "profile", deprecatedName)
		return field
	}
	return deprecated
}

func equalPtr(a, b *string) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

func (p *inputProblems) names(in *model.UserProfileInput) (given, family graphql.Omittable[*string]) {
	return p.alias(in.GivenName, in.FirstName, "givenName", "firstName"),
		p.alias(in.FamilyName, in.LastName, "familyName", "lastName")
}

func (p *inputProblems) newProfile(in *model.UserProfileInput) directory.ProfileInput {
	if in == nil {
		return directory.ProfileInput{}
	}
	given, family := p.names(in)
	return directory.ProfileInput{
		Name:              in.Name.Value(),
		GivenName:         given.Value(),
		FamilyName:        family.Value(),
		PhoneNumber:       in.PhoneNumber.Value(),
		Locale:            in.Locale.Value(),
		Picture:           in.Picture.Value(),
		PreferredUsername: in.PreferredUsername.Value(),
		Gender:            in.Gender.Value(),
		Groups:            in.Groups.Value(),
		CustomAttributes:  p.stringMap(in.CustomAttributes, "profile", "customAttributes"),
		Metadata:          p.stringMap(in.Metadata, "profile", "metadata"),
	}
}

func (p *inputProblems) profileUpdate(o graphql.Omittable[*model.UserProfileInput]) *directory.ProfileUpdate {
	in, set := o.ValueOK()
	if in == nil {
		if set {
			// Clearing every attribute at once is not something to do by accident: clear
			// the fields one by one.
			p.add(directory.CodeRequired, "profile cannot be null; set the fields to clear to null", "profile")
		}
		return nil
	}
	given, family := p.names(in)
	return &directory.ProfileUpdate{
		Name:              optional(in.Name),
		GivenName:         optional(given),
		FamilyName:        optional(family),
		PhoneNumber:       optional(in.PhoneNumber),
		Locale:            optional(in.Locale),
		Picture:           optional(in.Picture),
		PreferredUsername: optional(in.PreferredUsername),
		Gender:            optional(in.Gender),
		Groups:            optional(in.Groups),
		CustomAttributes:  p.mapPatch(in.CustomAttributes, "profile", "customAttributes"),
		Metadata:          p.mapPatch(in.Metadata, "profile", "metadata"),
	}
}

func newUser(in model.CreateUserInput) (directory.NewUser, error) {
	var p inputProblems
	out := directory.NewUser{
		OrganizationID:      in.OrganizationID,
		Email:               in.Email,
		ExternalID:          in.ExternalID.Value(),
		Profile:             p.newProfile(in.Profile.Value()),
		Metadata:            p.stringMap(in.Metadata, "metadata"),
		Roles:               in.Roles.Value(),
		MembershipMetadata:  p.stringMap(in.MembershipMetadata, "membershipMetadata"),
		SendInvitationEmail: boolValue(in.SendInvitationEmail),
	}
	return out, p.err()
}

func userUpdate(in model.UpdateUserInput) (directory.UserUpdate, error) {
	var p inputProblems
	out := directory.UserUpdate{
		ID:         in.ID,
		ExternalID: optional(in.ExternalID),
		Profile:    p.profileUpdate(in.Profile),
		Metadata:   p.mapPatch(in.Metadata, "metadata"),
	}
	return out, p.err()
}

func newMembership(in model.AddMembershipInput) (directory.NewMembership, error) {
	var p inputProblems
	out := directory.NewMembership{
		UserID:              in.UserID,
		OrganizationID:      in.OrganizationID,
		Roles:               in.Roles.Value(),
		Metadata:            p.stringMap(in.Metadata, "metadata"),
		InviterEmail:        in.InviterEmail.Value(),
		SendInvitationEmail: boolValue(in.SendInvitationEmail),
	}
	return out, p.err()
}

func membershipUpdate(in model.UpdateMembershipInput) (directory.MembershipUpdate, error) {
	var p inputProblems
	out := directory.MembershipUpdate{
		UserID:         in.UserID,
		OrganizationID: in.OrganizationID,
		Roles:          optional(in.Roles),
		Metadata:       p.mapPatch(in.Metadata, "metadata"),
	}
	if roles, set := in.Roles.ValueOK(); set && roles == nil {
		// roles: null means "hold no role", the same as an empty list.
		out.Roles = directory.Some([]string{})
	}
	if status := in.Status.Value(); status != nil {
		out.Status = directory.Some(*status)
	} else if in.Status.IsSet() {
		p.add(directory.CodeRequired, "status cannot be null; omit it to keep the status", "status")
	}
	return out, p.err()
}

func boolValue(o graphql.Omittable[*bool]) bool {
	v := o.Value()
	return v != nil && *v
}

func newOrganization(in model.CreateOrganizationInput) (directory.NewOrganization, error) {
	var p inputProblems
	out := directory.NewOrganization{
		DisplayName: in.DisplayName,
		ExternalID:  in.ExternalID.Value(),
		Metadata:    p.stringMap(in.Metadata, "metadata"),
	}
	return out, p.err()
}

func organizationUpdate(in model.UpdateOrganizationInput) (directory.OrganizationUpdate, error) {
	var p inputProblems
	out := directory.OrganizationUpdate{
		ID:         in.ID,
		ExternalID: optional(in.ExternalID),
		Metadata:   p.mapPatch(in.Metadata, "metadata"),
	}
	if name, set := in.DisplayName.ValueOK(); set && name == nil {
		p.add(directory.CodeRequired, "displayName cannot be null; omit it to keep the name", "displayName")
	} else if set {
		out.DisplayName = directory.Some(*name)
	}
	return out, p.err()
}
