package directory

import (
	"errors"
	"strings"
	"testing"
)

func ptr(s string) *string { return &s }

// problems returns field path → code for a Check result.
func problems(t *testing.T, err error) map[string]ErrorCode {
	t.Helper()
	out := map[string]ErrorCode{}
	if err == nil {
		return out
	}
	var inv *InvalidInputError
	if !errors.As(err, &inv) {
		t.Fatalf("want *InvalidInputError, got %T: %v", err, err)
	}
	for _, p := range inv.Problems {
		out[strings.Join(p.Field, ".")] = p.Code
		if p.Message == "" {
			t.Errorf("problem on %v has no message", p.Field)
		}
	}
	return out
}

func TestNewUserCheck(t *testing.T) {
	long := strings.Repeat("x", 256)
	for _, tc := range []struct {
		name string
		edit func(*NewUser)
		want map[string]ErrorCode
	}{
		{"valid", func(*NewUser) {}, map[string]ErrorCode{}},
		{"missing organization", func(u *NewUser) { u.OrganizationID = " " }, map[string]ErrorCode{"organizationId": CodeRequired}},
		{"display-name email", func(u *NewUser) { u.Email = "Ada <ada@example.com>" }, map[string]ErrorCode{"email": CodeInvalidEmail}},
		{"email without a dot in the domain", func(u *NewUser) { u.Email = "ada@localhost" }, map[string]ErrorCode{"email": CodeInvalidEmail}},
		{"email too long", func(u *NewUser) { u.Email = strings.Repeat("a", 250) + "@x.io" }, map[string]ErrorCode{"email": CodeTooLong}},
		{"empty external id", func(u *NewUser) { u.ExternalID = ptr(" ") }, map[string]ErrorCode{"externalId": CodeRequired}},
		{"name too long", func(u *NewUser) { u.Profile.Name = &long }, map[string]ErrorCode{"profile.name": CodeTooLong}},
		{"username may be 512", func(u *NewUser) { u.Profile.PreferredUsername = ptr(strings.Repeat("u", 512)) }, map[string]ErrorCode{}},
		{"phone without plus", func(u *NewUser) { u.Profile.PhoneNumber = ptr("14155550100") }, map[string]ErrorCode{"profile.phoneNumber": CodeInvalidPhone}},
		{"ftp picture", func(u *NewUser) { u.Profile.Picture = ptr("ftp://x.io/a.png") }, map[string]ErrorCode{"profile.picture": CodeInvalidURL}},
		{"relative picture", func(u *NewUser) { u.Profile.Picture = ptr("/a.png") }, map[string]ErrorCode{"profile.picture": CodeInvalidURL}},
		{"bad locale", func(u *NewUser) { u.Profile.Locale = ptr("english please") }, map[string]ErrorCode{"profile.locale": CodeInvalidLocale}},
		{"duplicate group", func(u *NewUser) { u.Profile.Groups = []string{"a", "a"} }, map[string]ErrorCode{"profile.groups.1": CodeInvalid}},
		{"empty group", func(u *NewUser) { u.Profile.Groups = []string{""} }, map[string]ErrorCode{"profile.groups.0": CodeRequired}},
		{"key too short", func(u *NewUser) { u.Metadata = map[string]string{"ab": "v"} }, map[string]ErrorCode{"metadata.ab": CodeInvalid}},
		{"key too long", func(u *NewUser) { u.Profile.CustomAttributes = map[string]string{strings.Repeat("k", 26): "v"} },
			map[string]ErrorCode{"profile.customAttributes." + strings.Repeat("k", 26): CodeInvalid}},
		{"value too long", func(u *NewUser) { u.MembershipMetadata = map[string]string{"key": strings.Repeat("v", 257)} },
			map[string]ErrorCode{"membershipMetadata.key": CodeInvalid}},
		{"bad role name", func(u *NewUser) { u.Roles = []string{"ok", "not ok"} }, map[string]ErrorCode{"roles.1": CodeInvalid}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := NewUser{OrganizationID: "org_1", Email: "ada@example.com"}
			tc.edit(&u)
			got := problems(t, u.Check())
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for f, c := range tc.want {
				if got[f] != c {
					t.Errorf("%s: got %q, want %q (all: %v)", f, got[f], c, got)
				}
			}
		})
	}
}

func TestCheckCanonicalizes(t *testing.T) {
	u := NewUser{OrganizationID: "org_1", Email: "  ada@example.com\t", ExternalID: ptr(" crm-1 "),
		Profile: ProfileInput{Locale: ptr("en_us")}}
	if err := u.Check(); err != nil {
		t.Fatal(err)
	}
	if u.Email != "ada@example.com" || *u.ExternalID != "crm-1" || *u.Profile.Locale != "en-US" {
		t.Fatalf("not canonical: %q %q %q", u.Email, *u.ExternalID, *u.Profile.Locale)
	}
}

func TestCheckMapLimits(t *testing.T) {
	m := map[string]string{}
	for i := 0; i < MaxMapPairs; i++ {
		m["key"+string(rune('a'+i))] = "v"
	}
	if p := CheckMap(m, "metadata"); len(p) != 0 {
		t.Fatalf("20 pairs are allowed: %v", p)
	}
	m["one_more"] = "v"
	p := CheckMap(m, "metadata")
	if len(p) != 1 || p[0].Code != CodeTooMany {
		t.Fatalf("21 pairs must be refused: %v", p)
	}
}

func TestUpdateCheck(t *testing.T) {
	u := UserUpdate{ID: "usr_1", ExternalID: Some[*string](nil), Profile: &ProfileUpdate{
		Locale:      Some[*string](nil), // clearing is always allowed
		PhoneNumber: Some(ptr("0800")),
		Metadata:    &MapPatch{Set: map[string]*string{"ab": nil}},
	}, Metadata: &MapPatch{Clear: true}}
	got := problems(t, u.Check())
	want := map[string]ErrorCode{"profile.phoneNumber": CodeInvalidPhone, "profile.metadata.ab": CodeInvalid}
	if len(got) != len(want) || got["profile.phoneNumber"] != CodeInvalidPhone || got["profile.metadata.ab"] != CodeInvalid {
		t.Fatalf("got %v, want %v", got, want)
	}
}

func TestMembershipChecks(t *testing.T) {
	m := NewMembership{UserID: "usr_1", OrganizationID: "", InviterEmail: ptr("nope"), Roles: []string{"a-b"}}
	got := problems(t, m.Check())
	if got["organizationId"] != CodeRequired || got["inviterEmail"] != CodeInvalidEmail || got["roles.0"] != CodeInvalid {
		t.Fatalf("got %v", got)
	}
	u := MembershipUpdate{UserID: "usr_1", OrganizationID: "org_1", Status: Some(MembershipStatus("GONE"))}
	if problems(t, u.Check())["status"] != CodeInvalid {
		t.Fatal("an unknown status must be refused")
	}
}

func TestMapPatchApply(t *testing.T) {
	stored := map[string]string{"keep": "1", "drop": "2", "change": "3"}
	got := (&MapPatch{Set: map[string]*string{"drop": nil, "change": ptr("33"), "add": ptr("4")}}).Apply(stored)
	want := map[string]string{"keep": "1", "change": "33", "add": "4"}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if stored["drop"] != "2" {
		t.Fatal("Apply must not modify the stored map")
	}
	cleared := (&MapPatch{Clear: true, Set: map[string]*string{"new": ptr("x")}}).Apply(stored)
	if len(cleared) != 1 || cleared["new"] != "x" {
		t.Fatalf("Clear empties the map before setting: %v", cleared)
	}
}

func TestProfileUpdateApply(t *testing.T) {
	p := UserProfile{GivenName: ptr("Ada"), FamilyName: ptr("Lovelace"), PhoneNumber: ptr("+441"), PhoneNumberVerified: true, Groups: []string{"a"}}
	got := (&ProfileUpdate{FamilyName: Some[*string](nil), PhoneNumber: Some(ptr("+442")), Groups: Some([]string{"b", "c"})}).Apply(p)
	if got.GivenName == nil || *got.GivenName != "Ada" {
		t.Error("an omitted field must be kept")
	}
	if got.FamilyName != nil {
		t.Error("an explicit nil must clear")
	}
	if *got.PhoneNumber != "+442" || got.PhoneNumberVerified {
		t.Error("a new phone number is set and no longer verified")
	}
	if len(got.Groups) != 2 || len(p.Groups) != 1 {
		t.Error("groups are replaced on the copy only")
	}
}

func TestCursorRoundTripAndKinds(t *testing.T) {
	c := EncodeCursor("user", "usr_123")
	if got, err := DecodeCursor("user", c); err != nil || got != "usr_123" {
		t.Fatalf("round trip: %q %v", got, err)
	}
	for _, bad := range []string{c + "!", "", EncodeCursor("org", "usr_123"), EncodeCursor("user", "")} {
		if _, err := DecodeCursor("user", bad); problems(t, err)["after"] != CodeInvalid {
			t.Errorf("cursor %q must be refused on after, got %v", bad, err)
		}
	}
}
