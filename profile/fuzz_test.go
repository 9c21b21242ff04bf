package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"testing"

	"github.com/usergraph/usergraph/directory"
	"golang.org/x/text/language"
)

func FuzzNormalize(f *testing.F) {
	for _, c := range claimCases {
		f.Add(c.ctype, c.provider, []byte(c.raw), c.connID)
	}
	f.Add("SAML", "SHIBBOLETH", []byte(`{"nameID":{"_":"x"},"urn:oid:1.3.6.1.4.1.5923.1.1.1.10":[{"NameID":[{"_":"id"}]}]}`), "")
	f.Add("OIDC", "OKTA", []byte(`{"sub":1e400,"email":"A@B.C","locale":{"language":"en","country":"US"},"groups":[[["x"]]]}`), "c")
	f.Add("OIDC", "LINKEDIN", []byte(`{"sub":"1","locale":{"language":"x-private"},"phone_number":"tel:+1-201-555-0123"}`), "")

	n := Default()
	f.Fuzz(func(t *testing.T, ctype, provider string, raw []byte, connID string) {
		in := Input{ConnectionType: ctype, ProviderName: provider, RawAttributes: json.RawMessage(raw), ConnectionID: connID}
		orig := bytes.Clone(raw)
		p, err := n.Normalize(in)
		if !bytes.Equal(raw, orig) {
			t.Fatal("input modified")
		}
		if err != nil {
			var iie *directory.InvalidInputError
			if !errors.As(err, &iie) || len(iie.Problems) == 0 {
				t.Fatalf("error %v is not an InvalidInputError with problems", err)
			}
			if p != nil {
				t.Fatal("profile and error both returned")
			}
			return
		}
		if !bytes.Equal(p.Identity.ProviderRawAttributes, raw) {
			t.Fatal("raw attributes not kept byte-for-byte")
		}
		if p.Sub == "" || p.Identity.ProviderUserID == "" || !strings.HasSuffix(p.Sub, ":"+p.Identity.ProviderUserID) {
			t.Fatalf("bad sub %q for user id %q", p.Sub, p.Identity.ProviderUserID)
		}
		if prefix, _, _ := strings.Cut(p.Sub, ":"); prefix == "" {
			t.Fatalf("sub %q has no prefix", p.Sub)
		}
		if p.Email != "" {
			if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email {
				t.Fatalf("email %q does not parse as a bare address", p.Email)
			}
		} else if p.EmailVerified {
			t.Fatal("email_verified without email")
		}
		if p.Locale != nil {
			if _, err := language.Parse(*p.Locale); err != nil {
				t.Fatalf("locale %q does not parse: %v", *p.Locale, err)
			}
		}
		if p.Picture != nil {
			u, err := url.Parse(*p.Picture)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Fatalf("picture %q is not an http(s) URL", *p.Picture)
			}
		}
		if p.PhoneNumber != nil && !e164(*p.PhoneNumber) {
			t.Fatalf("phone %q is not E.164", *p.PhoneNumber)
		}
		if p.Groups == nil || len(p.Groups) > maxGroups {
			t.Fatalf("groups %v", p.Groups)
		}
		for _, s := range []*string{p.Name, p.GivenName, p.FamilyName, p.PreferredUsername} {
			if s != nil && (*s == "" || strings.TrimSpace(*s) != *s) {
				t.Fatalf("untrimmed or empty text %q", *s)
			}
		}
	})
}
