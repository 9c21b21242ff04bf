package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// DefaultMaxRawBytes is the default limit on the size of raw attributes.
const DefaultMaxRawBytes = 64 << 10

// Input is one sign-in's attributes as an identity provider sent them.
type Input struct {
	ConnectionType string          // "OIDC", "SAML", "OAUTH", "PASSWORDLESS"… case-insensitive
	ProviderName   string          // OKTA, GOOGLE, MICROSOFT_AD…, case-insensitive; unknown names use the generic rules
	RawAttributes  json.RawMessage // one JSON object, kept byte-for-byte in the identity
	ConnectionID   string          // optional
	OrganizationID string          // optional
}

// Profile is the normalized profile. Optional text fields are nil when unknown.
type Profile struct {
	Sub               string   `json:"sub"`
	Email             string   `json:"email"` // "" when unknown
	EmailVerified     bool     `json:"email_verified"`
	Name              *string  `json:"name"`
	GivenName         *string  `json:"given_name"`
	FamilyName        *string  `json:"family_name"`
	Locale            *string  `json:"locale"`
	Picture           *string  `json:"picture"`
	PhoneNumber       *string  `json:"phone_number"`
	PreferredUsername *string  `json:"preferred_username"`
	Groups            []string `json:"groups"` // never nil
	// Identity is serialized as the one element of "identities".
	Identity Identity `json:"-"`
}

// Identity is the link between the profile and one provider account.
type Identity struct {
	ConnectionID          *string         `json:"connection_id"`
	OrganizationID        *string         `json:"organization_id"`
	ConnectionType        string          `json:"connection_type"` // upper-case, as given
	ProviderName          string          `json:"provider_name"`   // upper-case, "-" and " " as "_"
	Social                bool            `json:"social"`
	ProviderUserID        string          `json:"provider_user_id"`
	ProviderRawAttributes json.RawMessage `json:"provider_raw_attributes"` // exactly the bytes received
}

// DirectoryIdentity is the profile's identity as the directory stores and the API shows it,
// keyed by the profile's sub; lastLogin is nil for a preview.
func (p *Profile) DirectoryIdentity(lastLogin *time.Time) *directory.Identity {
	id := p.Identity
	return &directory.Identity{
		Sub: p.Sub, ConnectionID: id.ConnectionID, OrganizationID: id.OrganizationID,
		ConnectionType: nonEmpty(id.ConnectionType), ProviderName: nonEmpty(id.ProviderName), Social: id.Social,
		ProviderUserID: nonEmpty(id.ProviderUserID), ProviderRawAttributes: id.ProviderRawAttributes, LastLogin: lastLogin,
	}
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// MarshalJSON writes the profile with its identity as "identities": [identity], the shape of the
// normalized profile.
func (p Profile) MarshalJSON() ([]byte, error) {
	type plain Profile
	return json.Marshal(struct {
		plain
		Identities []Identity `json:"identities"`
	}{plain(p), []Identity{p.Identity}})
}

// Options configures New.
type Options struct {
	// MappingsFile is an optional JSON file of mappings that add providers or override the
	// built-in ones (format in the package documentation).
	MappingsFile string
	// MaxRawBytes limits the size of Input.RawAttributes; 0 means DefaultMaxRawBytes.
	MaxRawBytes int
}

// Normalizer turns provider attributes into profiles. It is immutable and safe for concurrent use.
type Normalizer struct {
	tables      map[key]*mapping
	maxRawBytes int
	custom      []string // providers added by the mappings file
}

// New builds a Normalizer from the built-in tables and, if given, a mappings file.
func New(opts Options) (*Normalizer, error) {
	if opts.MaxRawBytes < 0 {
		return nil, fmt.Errorf("profile: MaxRawBytes must not be negative, got %d", opts.MaxRawBytes)
	}
	n := &Normalizer{tables: builtinTables(), maxRawBytes: opts.MaxRawBytes}
	if n.maxRawBytes == 0 {
		n.maxRawBytes = DefaultMaxRawBytes
	}
	if opts.MappingsFile != "" {
		if err := n.load(opts.MappingsFile); err != nil {
			return nil, err
		}
	}
	return n, nil
}

var (
	defaultOnce sync.Once
	defaultN    *Normalizer
)

// Default returns a shared Normalizer with the built-in tables only.
func Default() *Normalizer {
	defaultOnce.Do(func() {
		defaultN = &Normalizer{tables: builtinTables(), maxRawBytes: DefaultMaxRawBytes}
	})
	return defaultN
}

// Providers returns the provider names this Normalizer knows by name, the built-in ones and those
// its mappings file added, sorted.
func (n *Normalizer) Providers() []string {
	if n == nil {
		return Providers()
	}
	out := append(Providers(), n.custom...)
	sort.Strings(out)
	return slices.Compact(out)
}

// Field paths of the GraphQL input IdentityInput.
var (
	pathConnectionType = []string{"connectionType"}
	pathProviderName   = []string{"providerName"}
	pathRaw            = []string{"rawAttributes"}
	pathConnectionID   = []string{"connectionId"}
	pathOrganizationID = []string{"organizationId"}
)

func problem(path []string, code directory.ErrorCode, msg string) directory.FieldError {
	return directory.FieldError{Field: slices.Clone(path), Code: code, Message: msg}
}

// canonicalName upper-cases a provider or connection type name and turns "-" and " " into "_".
func canonicalName(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', ' ':
			return '_'
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// validName: 1 to 64 of A–Z, 0–9 and "_", starting with a letter or digit.
func validName(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '_' {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// validID: at most 255 bytes of printable ASCII without spaces; a connection id also without ":".
func validID(s string, colon bool) bool {
	if len(s) > 255 {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || (c == ':' && !colon) {
			return false
		}
	}
	return true
}

func protocolOf(connectionType string) string {
	switch connectionType {
	case "SAML", "SAML2", "WSFED", "WS_FED", "WS_FEDERATION":
		return protoSAML
	}
	return protoClaims
}

// Normalize turns one sign-in's raw attributes into a normalized profile. Refused input gives a
// *directory.InvalidInputError with paths relative to IdentityInput; nothing else is returned as
// an error. A nil Normalizer behaves like Default().
func (n *Normalizer) Normalize(in Input) (*Profile, error) {
	if n == nil {
		n = Default()
	}
	var problems []directory.FieldError
	ctype := canonicalName(in.ConnectionType)
	switch {
	case ctype == "":
		problems = append(problems, problem(pathConnectionType, directory.CodeRequired, "connectionType is required"))
	case !validName(ctype):
		problems = append(problems, problem(pathConnectionType, directory.CodeInvalid, "connectionType must be a name such as OIDC or SAML (letters, digits and _, at most 64)"))
	}
	provider := canonicalName(in.ProviderName)
	switch {
	case provider == "":
		problems = append(problems, problem(pathProviderName, directory.CodeRequired, "providerName is required"))
	case !validName(provider):
		problems = append(problems, problem(pathProviderName, directory.CodeInvalid, "providerName must be a name such as OKTA or GOOGLE (letters, digits and _, at most 64)"))
	}
	connID := strings.TrimSpace(in.ConnectionID)
	if !validID(connID, false) {
		problems = append(problems, problem(pathConnectionID, directory.CodeInvalid, "connectionId must be at most 255 printable ASCII characters without spaces or \":\""))
	}
	orgID := strings.TrimSpace(in.OrganizationID)
	if !validID(orgID, true) {
		problems = append(problems, problem(pathOrganizationID, directory.CodeInvalid, "organizationId must be at most 255 printable ASCII characters without spaces"))
	}
	var obj map[string]any
	switch raw := in.RawAttributes; {
	case len(bytes.TrimSpace(raw)) == 0:
		problems = append(problems, problem(pathRaw, directory.CodeRequired, "rawAttributes is required: the provider's attributes as one JSON object"))
	case len(raw) > n.maxRawBytes:
		problems = append(problems, problem(pathRaw, directory.CodeTooLong, fmt.Sprintf("rawAttributes may be at most %d bytes, got %d", n.maxRawBytes, len(raw))))
	default:
		var err error
		obj, err = parseObject(raw, MaxDepth)
		if err != nil {
			problems = append(problems, problem(pathRaw, directory.CodeInvalid, "rawAttributes "+err.Error()))
		}
	}
	if len(problems) > 0 {
		return nil, directory.Invalid(problems...)
	}

	proto := protocolOf(ctype)
	m := n.lookup(provider, proto)
	a := newAttrs(obj, proto == protoSAML)
	r := resolver{a: a, m: m, nameIDFormat: nameIDFormatOf(a)}

	uid, ok := r.userID()
	if !ok {
		msg := "no usable provider user id in rawAttributes; looked for " + quoteList(m.src[fUserID])
		if r.transient {
			msg += " (a transient nameID is not a stable id)"
		}
		return nil, directory.Invalid(problem(pathRaw, directory.CodeRequired, msg))
	}

	p := &Profile{Groups: []string{}}
	p.Locale = r.optional(fLocale, locale, localeValue)
	p.GivenName = r.optional(fGivenName, text(maxNameLen), nil)
	p.FamilyName = r.optional(fFamilyName, text(maxNameLen), nil)
	p.Name = r.optional(fName, text(maxNameLen), nil)
	if p.Name == nil {
		p.Name = directory.ComposeName(p.GivenName, p.FamilyName)
	}
	p.Picture = r.optional(fPicture, picture, nil)
	p.PhoneNumber = r.optional(fPhoneNumber, phone(regionOf(p.Locale)), nil)
	p.PreferredUsername = r.optional(fPreferredUsername, text(maxUsernameLen), nil)
	if e, ok := r.first(fEmail, email, nil); ok {
		p.Email = e
		p.EmailVerified = r.emailVerified()
	}
	p.Groups = r.groups()

	id := Identity{
		ConnectionType:        ctype,
		ProviderName:          provider,
		Social:                m.social,
		ProviderUserID:        uid,
		ProviderRawAttributes: bytes.Clone(in.RawAttributes),
	}
	prefix := strings.ToLower(provider)
	if connID != "" {
		id.ConnectionID = &connID
		prefix = connID
	}
	if orgID != "" {
		id.OrganizationID = &orgID
	}
	p.Sub = prefix + ":" + uid
	p.Identity = id
	return p, nil
}

func (n *Normalizer) lookup(provider, proto string) *mapping {
	if m, ok := n.tables[key{provider, proto}]; ok {
		return m
	}
	return n.tables[key{genericProvider, proto}]
}

func quoteList(l []string) string {
	if len(l) == 0 {
		return "nothing (the mapping names no provider_user_id source)"
	}
	q := make([]string, len(l))
	for i, s := range l {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func nameIDFormatOf(a *attrs) string {
	v, ok := a.get("nameIDFormat", true)
	if !ok {
		return ""
	}
	t := texts(v, nil, 0)
	if len(t) == 0 {
		return ""
	}
	return t[0]
}

// resolver applies one mapping to one attribute object.
type resolver struct {
	a            *attrs
	m            *mapping
	nameIDFormat string
	transient    bool // a transient nameID was skipped
}

// values returns the texts of one source, honouring the NameID rules.
func (r *resolver) values(f field, src string) []string {
	exact := f == fUserID
	v, ok := r.a.get(src, exact)
	if !ok {
		return nil
	}
	if src == nameID {
		switch {
		case f == fUserID && (r.nameIDFormat == nameIDTransient || r.nameIDFormat == nameIDShibTransient):
			r.transient = true
			return nil
		case f == fEmail && r.nameIDFormat != "" && r.nameIDFormat != nameIDEmail && r.nameIDFormat != nameIDUnspecified:
			return nil
		}
	}
	return texts(v, nil, 0)
}

// first returns the first value of the field's sources, in order, that the rule accepts.
// special, when set, is tried first on each source's raw value (LinkedIn's locale object).
func (r *resolver) first(f field, rule func(string) (string, bool), special func(any) (string, bool)) (string, bool) {
	for _, src := range r.m.src[f] {
		if special != nil {
			if v, ok := r.a.get(src, false); ok {
				if s, ok := special(v); ok {
					return s, true
				}
			}
		}
		for _, s := range r.values(f, src) {
			if out, ok := rule(s); ok {
				return out, true
			}
		}
	}
	return "", false
}

func (r *resolver) optional(f field, rule func(string) (string, bool), special func(any) (string, bool)) *string {
	if s, ok := r.first(f, rule, special); ok {
		return &s
	}
	return nil
}

func (r *resolver) userID() (string, bool) {
	return r.first(fUserID, userID, nil)
}

// emailVerified: the first email_verified source holding an explicit boolean decides; else a
// valid email_verified_at timestamp means true; else the mapping's contract.
func (r *resolver) emailVerified() bool {
	for _, src := range r.m.src[fEmailVerified] {
		if v, ok := r.a.get(src, false); ok {
			if b, ok := boolean(v, 0); ok {
				return b
			}
		}
	}
	if _, ok := r.first(fEmailVerifiedAt, timestamp, nil); ok {
		return true
	}
	return r.m.emailVerifiedByContract
}

// groups: every value of the first source that yields any, trimmed, without control
// characters, at most 250 characters each, duplicates removed, at most 50 kept in order.
func (r *resolver) groups() []string {
	for _, src := range r.m.src[fGroups] {
		var out []string
		seen := map[string]bool{}
		for _, s := range r.values(fGroups, src) {
			g, ok := clean(s, maxGroupLen)
			if !ok || seen[g] {
				continue
			}
			seen[g] = true
			out = append(out, g)
			if len(out) == maxGroups {
				break
			}
		}
		if len(out) > 0 {
			return out
		}
	}
	return []string{}
}
