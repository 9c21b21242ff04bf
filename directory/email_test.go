package directory

import "testing"

func TestCanonicalEmailFoldsLookAlikesAndRefusesInvisibles(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"kate@kayak.test", "kate@kayak.test"},
		{"kate@\u212Aayak.test", "kate@kayak.test"}, // KELVIN SIGN folds to k
		{"Kate@KAYAK.Test", "Kate@kayak.test"},      // the local part is kept as given
		{"ada@b\u00FCcher.test", "ada@xn--bcher-kva.test"},
		{"ada@B\u00DCCHER.test", "ada@xn--bcher-kva.test"},
		{"ada@xn--bcher-kva.test", "ada@xn--bcher-kva.test"},
		{"wile.coyote\u2060@acme.test", ""}, // WORD JOINER
		{"wile.co\u00adyote@acme.test", ""}, // SOFT HYPHEN
		{"wile.coyote@\u202Eacme.test", ""}, // RIGHT-TO-LEFT OVERRIDE
		{"\uFEFFwile.coyote@acme.test", ""}, // BYTE ORDER MARK
		{"wile\u200D.coyote@acme.test", ""}, // ZERO WIDTH JOINER
		{"wile\u061C.coyote@acme.test", ""}, // ARABIC LETTER MARK
		{"wile\u3164@acme.test", ""},        // HANGUL FILLER
		{"wile\uFE0F@acme.test", ""},        // VARIATION SELECTOR-16
		{"ada@localhost", ""},
		{"ada@exa_mple.test", ""},
		{"Ada <ada@example.test>", ""},
		{"ada@example.test.", ""},
	} {
		got, err := CanonicalEmail(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%+q: accepted as %q", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%+q: got %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestNewDomainIsCanonicalAndVouchesOnlyWhenVerified(t *testing.T) {
	in := NewDomain{OrganizationID: "org_1", Name: " \u212AAYAK.test ", Type: DomainOrganization}
	if err := in.Check(); err != nil || in.Name != "kayak.test" {
		t.Fatalf("got %q, %v", in.Name, err)
	}
	for _, bad := range []NewDomain{
		{OrganizationID: "org_1", Name: "kayak\u200B.test", Type: DomainOrganization},
		{OrganizationID: "org_1", Name: "localhost", Type: DomainOrganization},
		{OrganizationID: "org_1", Name: "kayak.test", Type: "OWNED"},
		{OrganizationID: " ", Name: "kayak.test", Type: DomainOrganization},
	} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	domains := []*Domain{
		{Name: "acme.test", Type: DomainOrganization, Verification: DomainVerified},
		{Name: "pending.test", Type: DomainOrganization, Verification: DomainPending},
		{Name: "allowed.test", Type: DomainAllowedEmail, Verification: DomainAutoVerified},
	}
	for email, want := range map[string]bool{
		"wile@acme.test": true, "wile@pending.test": false, "wile@allowed.test": false,
		"wile@sub.acme.test": false, "wile@other.test": false,
	} {
		if got := VouchedBy(domains, email); got != want {
			t.Errorf("%s: vouched %v, want %v", email, got, want)
		}
	}
}
