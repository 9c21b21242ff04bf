package profile

import (
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/language"

	"github.com/usergraph/usergraph/directory"
)

// Length limits, the same as the directory's so that a normalized profile always passes its
// checks.
const (
	maxEmailLen    = 254
	maxNameLen     = 255 // characters, for name, given_name and family_name
	maxUsernameLen = 512
	maxPictureLen  = 2048
	maxLocaleLen   = 35
	maxGroups      = 50
	maxGroupLen    = 250
	maxUserIDLen   = 1024 // bytes
)

// SAML NameID formats (SAML 2.0 core, section 8.3).
const (
	nameIDEmail       = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
	nameIDUnspecified = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
	nameIDTransient   = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	// Shibboleth 1.x's transient handle format.
	nameIDShibTransient = "urn:mace:shibboleth:1.0:nameIdentifier"
)

// clean accepts text with no control characters (tabs and newlines included) up to max runes.
func clean(s string, max int) (string, bool) {
	if s == "" || utf8.RuneCountInString(s) > max {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return "", false
		}
	}
	return s, true
}

func text(max int) func(string) (string, bool) {
	return func(s string) (string, bool) { return clean(s, max) }
}

// userID accepts a provider user id: any text without control characters, at most 1024 bytes.
func userID(s string) (string, bool) {
	if len(s) > maxUserIDLen {
		return "", false
	}
	return clean(s, maxUserIDLen)
}

// email accepts a bare address in the directory's canonical form (see
// directory.CanonicalEmail: the domain in IDNA ASCII form, lower-case; no invisible or
// bidirectional-control character), with a dot in the domain.
func email(s string) (string, bool) {
	if len(s) > maxEmailLen {
		return "", false
	}
	s, err := directory.CanonicalEmail(s)
	if err != nil {
		return "", false
	}
	if _, ok := clean(s, maxEmailLen); !ok {
		return "", false
	}
	return s, true
}

// picture accepts an absolute http or https URL with a host, without credentials, whitespace or
// control characters, at most 2048 bytes.
func picture(s string) (string, bool) {
	if len(s) > maxPictureLen || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil || u.Opaque != "" {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return s, true
	}
	return "", false
}

// locale canonicalizes a BCP 47 tag: "_" becomes "-", a POSIX charset or modifier
// (".UTF-8", "@euro") is cut, and golang.org/x/text/language must parse the rest without error;
// "und" counts as unknown.
func locale(s string) (string, bool) {
	if i := strings.IndexAny(s, ".@"); i >= 0 {
		s = s[:i]
	}
	s = strings.ReplaceAll(strings.TrimSpace(s), "_", "-")
	if s == "" || len(s) > maxLocaleLen {
		return "", false
	}
	tag, err := language.Parse(s)
	if err != nil || tag == language.Und {
		return "", false
	}
	out := tag.String()
	if len(out) > maxLocaleLen {
		return "", false
	}
	return out, true
}

// localeValue also reads LinkedIn's locale object {"country": "US", "language": "en"}.
func localeValue(v any) (string, bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		return "", false
	}
	lang, _ := obj["language"].(string)
	country, _ := obj["country"].(string)
	lang, country = strings.TrimSpace(lang), strings.TrimSpace(country)
	if lang == "" {
		return "", false
	}
	if country != "" {
		lang += "-" + country
	}
	return locale(lang)
}

// phone returns E.164 for a number that github.com/nyaruka/phonenumbers parses and deems valid.
// A number without a leading "+" (or "tel:+") is read only with a region hint, the explicit
// region of the profile's locale (en-US → US); without one it is dropped, not guessed.
func phone(region string) func(string) (string, bool) {
	return func(s string) (string, bool) {
		if len(s) > 64 {
			return "", false
		}
		intl := strings.HasPrefix(s, "+") || strings.HasPrefix(strings.ToLower(s), "tel:+")
		hint := ""
		if !intl {
			if region == "" {
				return "", false
			}
			hint = region
		}
		n, err := phonenumbers.Parse(s, hint)
		if err != nil || !phonenumbers.IsValidNumber(n) {
			return "", false
		}
		out := phonenumbers.Format(n, phonenumbers.E164)
		if !e164(out) {
			return "", false
		}
		return out, true
	}
}

func e164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] == '0' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// regionOf is the explicit region subtag of a canonical locale, or "".
func regionOf(loc *string) string {
	if loc == nil {
		return ""
	}
	tag, err := language.Parse(*loc)
	if err != nil {
		return ""
	}
	r, conf := tag.Region()
	if conf != language.Exact || !r.IsCountry() {
		return ""
	}
	return r.String()
}

// timestamp accepts an RFC 3339 time, such as GitLab's confirmed_at.
func timestamp(s string) (string, bool) {
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return "", false
	}
	return s, true
}
