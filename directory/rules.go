package directory

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"
)

// Limits from Scalekit's API (../shared/scalekit/API.md), enforced on every backend so that
// the embedded store never accepts what Scalekit would refuse.
const (
	MaxMapPairs        = 20
	MaxOrgMapPairs     = 10
	MaxDisplayNameLen  = 200
	MinMapKeyLen       = 3
	MaxMapKeyLen       = 25
	MinMapValueLen     = 1
	MaxMapValueLen     = 256
	MaxEmailLen        = 254
	MaxExternalIDLen   = 255
	MaxNameLen         = 255
	MaxUsernameLen     = 512
	MaxPictureLen      = 2048
	MaxGenderLen       = 255
	MaxGroups          = 50
	MaxGroupLen        = 250
	MaxRoles           = 50
	MaxRoleNameLen     = 64
	MaxInviterEmailLen = 254
)

var (
	e164     = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	roleName = regexp.MustCompile(`^[a-zA-Z0-9_]{1,64}$`)
)

// checker collects every problem of one input so that a client can fix them all at once.
type checker struct{ problems []FieldError }

func (c *checker) add(code ErrorCode, msg string, field ...string) {
	c.problems = append(c.problems, FieldError{Field: field, Code: code, Message: msg})
}

func (c *checker) err() error {
	if len(c.problems) == 0 {
		return nil
	}
	return &InvalidInputError{Problems: c.problems}
}

func path(prefix []string, more ...string) []string {
	return append(append([]string{}, prefix...), more...)
}

// length checks the rune length of a present string.
func (c *checker) length(v *string, min, max int, field []string) bool {
	if v == nil {
		return true
	}
	n := utf8.RuneCountInString(*v)
	name := field[len(field)-1]
	switch {
	case n < min && min == 1:
		c.add(CodeRequired, name+" must not be empty", field...)
	case n < min:
		c.add(CodeTooShort, fmt.Sprintf("%s must be at least %d characters", name, min), field...)
	case n > max:
		c.add(CodeTooLong, fmt.Sprintf("%s must be at most %d characters", name, max), field...)
	default:
		return true
	}
	return false
}

// email checks an email address and canonicalizes it in place (trimmed, domain in IDNA
// ASCII form), so that uniqueness compares look-alike addresses as equal.
func (c *checker) email(v *string, field ...string) {
	if v == nil {
		return
	}
	*v = strings.TrimSpace(*v)
	if *v == "" {
		c.add(CodeRequired, "email is required", field...)
		return
	}
	if !c.length(v, 1, MaxEmailLen, field) {
		return
	}
	canonical, err := CanonicalEmail(*v)
	if err != nil {
		c.add(CodeInvalidEmail, fmt.Sprintf("%+q %v", *v, err), field...)
		return
	}
	*v = canonical
}

// CheckMap applies Scalekit's limits on string maps (metadata, custom attributes).
// Backends call it on a merged map too, because only they know the stored keys.
func CheckMap(m map[string]string, field ...string) []FieldError {
	return checkMap(m, MaxMapPairs, field)
}

// CheckOrganizationMap is CheckMap with Scalekit's tighter limit on organization metadata.
func CheckOrganizationMap(m map[string]string, field ...string) []FieldError {
	return checkMap(m, MaxOrgMapPairs, field)
}

func checkMap(m map[string]string, max int, field []string) []FieldError {
	var c checker
	c.mapEntries(m, field)
	if len(m) > max {
		c.add(CodeTooMany, fmt.Sprintf("%s may hold at most %d keys", field[len(field)-1], max), field...)
	}
	return c.problems
}

func (c *checker) mapEntries(m map[string]string, field []string) {
	for k, v := range m {
		c.mapEntry(k, &v, field)
	}
}

func (c *checker) mapEntry(k string, v *string, field []string) {
	f := path(field, k)
	if n := utf8.RuneCountInString(k); n < MinMapKeyLen || n > MaxMapKeyLen {
		c.add(CodeInvalid, fmt.Sprintf("key %q must be %d to %d characters", k, MinMapKeyLen, MaxMapKeyLen), f...)
	}
	if v != nil {
		if n := utf8.RuneCountInString(*v); n < MinMapValueLen || n > MaxMapValueLen {
			c.add(CodeInvalid, fmt.Sprintf("value of %q must be %d to %d characters", k, MinMapValueLen, MaxMapValueLen), f...)
		}
	}
}

func (c *checker) mapPatch(p *MapPatch, field []string) {
	c.mapPatchMax(p, MaxMapPairs, field)
}

func (c *checker) mapPatchMax(p *MapPatch, max int, field []string) {
	if p == nil {
		return
	}
	set := 0
	for k, v := range p.Set {
		c.mapEntry(k, v, field)
		if v != nil {
			set++
		}
	}
	if set > max {
		c.add(CodeTooMany, fmt.Sprintf("%s may hold at most %d keys", field[len(field)-1], max), field...)
	}
}

// locale canonicalizes a BCP 47 tag in place (en_us → en-US).
func (c *checker) locale(v *string, field []string) {
	if v == nil {
		return
	}
	tag, err := language.Parse(strings.ReplaceAll(strings.TrimSpace(*v), "_", "-"))
	if err != nil || *v == "" || len(*v) > 35 {
		c.add(CodeInvalidLocale, fmt.Sprintf("%q is not a BCP 47 language tag", *v), field...)
		return
	}
	*v = tag.String()
}

func (c *checker) phone(v *string, field []string) {
	if v != nil && !e164.MatchString(*v) {
		c.add(CodeInvalidPhone, fmt.Sprintf("%q is not an E.164 phone number such as +14155550100", *v), field...)
	}
}

func (c *checker) picture(v *string, field []string) {
	if v == nil || !c.length(v, 1, MaxPictureLen, field) {
		return
	}
	u, err := url.Parse(*v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		c.add(CodeInvalidURL, "picture must be an http or https URL", field...)
	}
}

func (c *checker) groups(groups []string, field []string) {
	if len(groups) > MaxGroups {
		c.add(CodeTooMany, fmt.Sprintf("groups may hold at most %d names", MaxGroups), field...)
	}
	seen := make(map[string]bool, len(groups))
	for i, g := range groups {
		f := path(field, strconv.Itoa(i))
		c.length(&g, 1, MaxGroupLen, f)
		if seen[g] {
			c.add(CodeInvalid, fmt.Sprintf("group %q is listed twice", g), f...)
		}
		seen[g] = true
	}
}

func (c *checker) roles(names []string, field []string) {
	if len(names) > MaxRoles {
		c.add(CodeTooMany, fmt.Sprintf("roles may hold at most %d names", MaxRoles), field...)
	}
	for i, n := range names {
		if !roleName.MatchString(n) {
			c.add(CodeInvalid, fmt.Sprintf("%q is not a role name (letters, digits and _, at most %d)", n, MaxRoleNameLen), path(field, strconv.Itoa(i))...)
		}
	}
}

func (c *checker) id(v string, field string) {
	if strings.TrimSpace(v) == "" {
		c.add(CodeRequired, field+" is required", field)
	}
}

func (c *checker) externalID(v *string) {
	if v != nil {
		*v = strings.TrimSpace(*v)
		c.length(v, 1, MaxExternalIDLen, []string{"externalId"})
	}
}

// profileStrings checks the string attributes shared by creation and update.
func (c *checker) profileStrings(name, given, family, phone, locale, picture, username, gender *string) {
	p := []string{"profile"}
	c.length(name, 0, MaxNameLen, path(p, "name"))
	c.length(given, 0, MaxNameLen, path(p, "givenName"))
	c.length(family, 0, MaxNameLen, path(p, "familyName"))
	c.phone(phone, path(p, "phoneNumber"))
	c.locale(locale, path(p, "locale"))
	c.picture(picture, path(p, "picture"))
	c.length(username, 0, MaxUsernameLen, path(p, "preferredUsername"))
	c.length(gender, 0, MaxGenderLen, path(p, "gender"))
}

// Check validates a new user and canonicalizes it in place (trimmed email, BCP 47 locale).
func (in *NewUser) Check() error {
	var c checker
	c.id(in.OrganizationID, "organizationId")
	c.email(&in.Email, "email")
	c.externalID(in.ExternalID)
	p := &in.Profile
	c.profileStrings(p.Name, p.GivenName, p.FamilyName, p.PhoneNumber, p.Locale, p.Picture, p.PreferredUsername, p.Gender)
	c.groups(p.Groups, []string{"profile", "groups"})
	c.problems = append(c.problems, CheckMap(p.CustomAttributes, "profile", "customAttributes")...)
	c.problems = append(c.problems, CheckMap(p.Metadata, "profile", "metadata")...)
	c.problems = append(c.problems, CheckMap(in.Metadata, "metadata")...)
	c.roles(in.Roles, []string{"roles"})
	c.problems = append(c.problems, CheckMap(in.MembershipMetadata, "membershipMetadata")...)
	return c.err()
}

// Check validates an update and canonicalizes it in place.
func (in *UserUpdate) Check() error {
	var c checker
	c.id(in.ID, "id")
	if in.ExternalID.Set {
		c.externalID(in.ExternalID.Value)
	}
	if p := in.Profile; p != nil {
		c.profileStrings(p.Name.Value, p.GivenName.Value, p.FamilyName.Value, p.PhoneNumber.Value,
			p.Locale.Value, p.Picture.Value, p.PreferredUsername.Value, p.Gender.Value)
		c.groups(p.Groups.Value, []string{"profile", "groups"})
		c.mapPatch(p.CustomAttributes, []string{"profile", "customAttributes"})
		c.mapPatch(p.Metadata, []string{"profile", "metadata"})
	}
	c.mapPatch(in.Metadata, []string{"metadata"})
	return c.err()
}

// Check validates a new membership in place.
func (in *NewMembership) Check() error {
	var c checker
	c.id(in.UserID, "userId")
	c.id(in.OrganizationID, "organizationId")
	c.roles(in.Roles, []string{"roles"})
	c.problems = append(c.problems, CheckMap(in.Metadata, "metadata")...)
	c.email(in.InviterEmail, "inviterEmail")
	return c.err()
}

// Check validates a membership update in place.
func (in *MembershipUpdate) Check() error {
	var c checker
	c.id(in.UserID, "userId")
	c.id(in.OrganizationID, "organizationId")
	if in.Roles.Set {
		c.roles(in.Roles.Value, []string{"roles"})
	}
	c.mapPatch(in.Metadata, []string{"metadata"})
	if in.Status.Set && !in.Status.Value.Valid() {
		c.add(CodeInvalid, fmt.Sprintf("%q is not a membership status", in.Status.Value), "status")
	}
	return c.err()
}

func (c *checker) displayName(v *string) {
	*v = strings.TrimSpace(*v)
	c.length(v, 1, MaxDisplayNameLen, []string{"displayName"})
}

// Check validates a new organization in place.
func (in *NewOrganization) Check() error {
	var c checker
	c.displayName(&in.DisplayName)
	c.externalID(in.ExternalID)
	c.problems = append(c.problems, CheckOrganizationMap(in.Metadata, "metadata")...)
	return c.err()
}

// Check validates an organization update in place.
func (in *OrganizationUpdate) Check() error {
	var c checker
	c.id(in.ID, "id")
	if in.DisplayName.Set {
		c.displayName(&in.DisplayName.Value)
	}
	if in.ExternalID.Set {
		c.externalID(in.ExternalID.Value)
	}
	c.mapPatchMax(in.Metadata, MaxOrgMapPairs, []string{"metadata"})
	return c.err()
}
