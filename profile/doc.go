// Package profile normalizes the user attributes that identity providers send into one
// profile plus an identity.
//
// Every IdP names attributes differently: Google sends given_name, Active Directory givenName
// and sn, SAML providers firstName, WS-Federation claim URIs such as
// http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname, research federations OIDs
// such as urn:oid:2.5.4.42. [Normalizer.Normalize] takes (connection type, provider name, raw
// attributes) and returns a [Profile] whose [Identity] keeps the raw attributes byte-for-byte.
//
// # Mappings
//
// For each provider and protocol there is one declarative mapping: for every normalized field
// an ordered list of source attributes to try, plus the provider's facts (social or not, which
// attribute is the stable user id, whether its emails are verified by contract). The built-in
// tables are in mappings.go, each with the documentation page its names come from and the
// reasons for its choices. [Providers] lists the names they know: ADFS, APPLE, AUTH0, COGNITO,
// CUSTOM, GITHUB, GITLAB, GOOGLE, GOOGLE_WORKSPACE, JUMPCLOUD, KEYCLOAK, LINKEDIN, MICROSOFT,
// MICROSOFT_AD, OKTA, ONELOGIN, PING_IDENTITY, SALESFORCE, SHIBBOLETH. Any other name, and
// CUSTOM, uses the generic mapping, which tries the common OIDC names, the common SAML names,
// the claim URIs and the X.500/eduPerson OIDs. A known provider without a table for the protocol
// at hand (a GitHub "SAML" connection) also uses the generic mapping, as non-social.
//
// Provider names are case-insensitive: they are trimmed, upper-cased, and "-" and " " become
// "_" ("Ping Identity" is PING_IDENTITY); then they must be 1 to 64 of A–Z, 0–9 and "_". The same
// goes for connection types. The connection type picks the protocol: SAML, SAML2, WSFED, WS_FED
// and WS_FEDERATION mean SAML; everything else (OIDC, OAUTH, PASSWORDLESS…) means claims.
// GOOGLE over SAML is Google Workspace; MICROSOFT over SAML is Entra ID.
//
// # Input shapes
//
// Claims payloads are the ID token claims, the userinfo response or the OAuth provider's user
// object itself. SAML payloads are node-saml's profile: attributes keyed by their Name, values
// arrays or single strings, the subject as "nameID" and its format as "nameIDFormat"; attributes
// also found under node-saml's "attributes" object are read from there when absent at the top.
// XML text values that node-saml hands over as objects ({"_": "text"}, or an eduPersonTargetedID
// NameID element {"NameID": [{"_": "id", "$": {...}}]}) are read as their text. Sign in with
// Apple's first-login user object is read under "user".
//
// A source is first looked up as a literal top-level key: exactly, then ignoring case when
// exactly one key matches (so "Email" finds "email"; provider user ids are matched exactly
// only). Otherwise a source with dots is a path of exact keys and array indexes
// ("user.name.firstName", "photos.picture", "emails.0.value").
//
// # Value rules
//
// For every field the sources are tried in order, and the first value that passes the field's
// rule wins; a source that is absent, null, empty or fails the rule is skipped.
//
//   - Text is trimmed; empty text counts as absent. Text holding control characters (including
//     tabs and newlines) is refused.
//   - Arrays are unwrapped: a single-valued field takes the first element that passes its rule;
//     groups keep every value of the first source that yields any.
//   - Numbers are rendered as plain decimals without exponent, read with json.Number so large ids
//     keep every digit (GitHub's id 583231 → "583231"; 1e3 → "1000"; exponents beyond ±100 are
//     refused). Booleans are no text.
//   - provider_user_id: at most 1024 bytes. For SAML the NameID is the id unless the table names a
//     better persistent id first (Entra's objectidentifier, Shibboleth's subject-id, pairwise-id,
//     eduPersonUniqueId and eduPersonTargetedID). A NameID whose format is
//     urn:oasis:names:tc:SAML:2.0:nameid-format:transient (or Shibboleth 1.x's
//     urn:mace:shibboleth:1.0:nameIdentifier) is never used as an id: it changes at every login. No usable id is an error.
//   - email: the domain is lower-cased and the local part kept as is; the result must parse with
//     net/mail as a bare address (no display name, no angle brackets) equal to itself, with a dot
//     in the domain, at most 254 bytes; otherwise it is dropped. The SAML NameID is used as an
//     email only when its format is absent, emailAddress or unspecified.
//   - email_verified is true only when there is an email and: the first email_verified source
//     that holds an explicit boolean (JSON true/false or the strings "true"/"false" in any case)
//     says true; or, with no such statement, an email_verified_at source holds an RFC 3339 time
//     (GitLab's confirmed_at); or, with no statement either way, the mapping says the provider
//     only asserts verified emails (email_verified_by_contract, built in for Google Workspace
//     SAML only). Anything else, such as 1, "yes" or a missing claim, is false.
//   - name, given_name, family_name: at most 255 characters. When name is absent it is composed
//     as given_name + " " + family_name (or whichever exists). A full name is never split into
//     given and family names.
//   - locale: POSIX charset and modifier suffixes are cut ("en_US.UTF-8" → "en_US"), "_" becomes
//     "-", and golang.org/x/text/language must parse it; the canonical BCP 47 form is kept
//     ("en_us" → "en-US"). LinkedIn's {"language": "en", "country": "US"} gives "en-US". "und",
//     unparseable tags and tags longer than 35 bytes are nil.
//   - picture: only an absolute http or https URL with a host, no user info, no whitespace, at
//     most 2048 bytes.
//   - phone_number: E.164 ("+14155550100") when github.com/nyaruka/phonenumbers parses the
//     number and deems it valid. A number without a leading "+" is read only with a region hint,
//     the explicit region of the normalized locale (en-US → US); without one it is nil rather
//     than a guess.
//   - preferred_username: at most 512 characters.
//   - groups: trimmed, without control characters, at most 250 characters each, duplicates
//     removed, order kept, at most 50 (the directory's limits). Never nil.
//
// # Sub and identity
//
// Sub is "<connection_id>:<provider_user_id>", or "<provider name in lower case>:<provider_user_id>"
// when there is no connection id ("github:583231"). Connection ids may not contain ":", so the
// prefix ends at the first ":" and the rest is the provider's id verbatim, colons included.
// Identity.ProviderRawAttributes is a copy of exactly the bytes received.
//
// # Refused input
//
// Errors are *directory.InvalidInputError with field paths of the GraphQL input IdentityInput:
// connectionType and providerName REQUIRED when empty, INVALID when not a name; connectionId and
// organizationId INVALID when longer than 255 bytes or holding spaces or non-ASCII (connectionId
// also ":"); rawAttributes REQUIRED when empty, TOO_LONG beyond Options.MaxRawBytes (64 KiB by
// default), INVALID when it is not exactly one JSON object, nests deeper than [MaxDepth] or holds a
// duplicate key (two JSON parsers could disagree about it), and REQUIRED when no usable provider
// user id is found, with a message naming the attributes looked for.
//
// # Mappings file
//
// Options.MappingsFile names a JSON file, read once by [New], that adds mappings for custom IdPs
// or overrides built-in ones:
//
//	{
//	  "mappings": [
//	    {
//	      "provider": "ACME_SSO",
//	      "protocol": "SAML",
//	      "extends": "GENERIC",
//	      "description": "Acme's in-house IdP",
//	      "social": false,
//	      "email_verified_by_contract": false,
//	      "attributes": {
//	        "provider_user_id": ["employeeNumber", "nameID"],
//	        "email": ["corpMail"],
//	        "groups": ["acmeRoles"]
//	      }
//	    }
//	  ]
//	}
//
// provider (required) is a provider name as above; GENERIC names the fallback mapping. protocol
// (required) is "OIDC" (any claims connection type) or "SAML". The entry starts from the built-in
// mapping named by extends (for the same protocol), else from the built-in mapping for the same
// provider and protocol (an override), else from nothing. Each field listed under attributes
// replaces that field's source list ([] clears it); the others keep the starting point's. social
// and email_verified_by_contract replace the starting point's when present. The field names are
// provider_user_id, email, email_verified, email_verified_at, name, given_name, family_name,
// locale, picture, phone_number, preferred_username and groups; sources are attribute names or
// dotted paths as above, 1 to 256 bytes, no duplicates. Validation is strict: unknown keys at
// any level, unknown field names, wrong types, duplicate keys, an unknown extends, a provider and
// protocol mapped twice, or a mapping left without provider_user_id sources make New fail with an
// error naming the file and the problem.
package profile
