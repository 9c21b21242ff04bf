package directory

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"

	"golang.org/x/net/idna"
)

// Email and domain canonicalization. Uniqueness compares the canonical forms, so two
// addresses that look alike must canonicalize alike, or be refused: a domain goes through
// IDNA's lookup mapping (case folding, NFKC: the Kelvin sign "K" becomes "k") to its ASCII
// form, and characters a reader cannot see — format and control characters such as U+2060
// WORD JOINER, U+00AD SOFT HYPHEN or U+FEFF, and the bidirectional controls such as U+202E,
// which reorder what is shown — are refused anywhere in the address.

// ErrInvisible reports an invisible or bidirectional-control character.
var ErrInvisible = errors.New("contains an invisible or bidirectional-control character")

var errNotDomain = errors.New("is not a domain name")

// idnaProfile is UTS #46 lookup processing with STD3 rules (letters, digits and hyphens
// only) and the bidi rule, the profile browsers and mail systems resolve names with.
var idnaProfile = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.StrictDomainName(true), idna.Transitional(false))

// invisible reports whether r cannot be seen or changes how its neighbours are shown.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs, unicode.Zl, unicode.Zp,
		unicode.Bidi_Control, unicode.Join_Control, unicode.Variation_Selector,
		unicode.Other_Default_Ignorable_Code_Point) ||
		r == '\u3164' || r == '\uFFA0' || r == '\u115F' || r == '\u1160' // Hangul fillers render blank
}

// HasInvisible reports whether s holds a character that invisible refuses.
func HasInvisible(s string) bool { return strings.ContainsFunc(s, invisible) }

// CanonicalDomain returns the ASCII (A-label) form of a domain name, lower-case, or an
// error when it is not a name of at least two labels or holds an invisible character.
func CanonicalDomain(s string) (string, error) {
	if HasInvisible(s) {
		return "", ErrInvisible
	}
	d, err := idnaProfile.ToASCII(s)
	if err != nil || !strings.Contains(d, ".") || strings.HasSuffix(d, ".") || len(d) > 253 {
		return "", errNotDomain
	}
	return d, nil
}

// CanonicalEmail returns the address with its domain in canonical form and its local part
// as given, or an error when it is not a bare address (net/mail must parse it back to
// itself) or holds an invisible character.
func CanonicalEmail(s string) (string, error) {
	if HasInvisible(s) {
		return "", ErrInvisible
	}
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return "", errors.New("is not an email address")
	}
	domain, err := CanonicalDomain(s[at+1:])
	if err != nil {
		return "", errors.New("is not an email address")
	}
	out := s[:at+1] + domain
	addr, err := mail.ParseAddress(out)
	if err != nil || addr.Name != "" || addr.Address != out {
		return "", errors.New("is not an email address")
	}
	return out, nil
}

// EmailDomain is the canonical domain of a canonical address.
func EmailDomain(email string) string { return email[strings.LastIndexByte(email, '@')+1:] }
