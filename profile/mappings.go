package profile

import (
	"slices"
	"sort"
)

// field names a normalized profile field that a mapping fills from source attributes.
type field int

const (
	fUserID field = iota
	fEmail
	fEmailVerified
	fEmailVerifiedAt
	fName
	fGivenName
	fFamilyName
	fLocale
	fPicture
	fPhoneNumber
	fPreferredUsername
	fGroups
	numFields
)

// fieldNames are the keys of a mapping's "attributes" object in a mappings file.
var fieldNames = [numFields]string{
	fUserID:            "provider_user_id",
	fEmail:             "email",
	fEmailVerified:     "email_verified",
	fEmailVerifiedAt:   "email_verified_at",
	fName:              "name",
	fGivenName:         "given_name",
	fFamilyName:        "family_name",
	fLocale:            "locale",
	fPicture:           "picture",
	fPhoneNumber:       "phone_number",
	fPreferredUsername: "preferred_username",
	fGroups:            "groups",
}

// sources holds, for each field, the ordered source attribute names or dotted paths to try.
type sources [numFields][]string

// mapping is the declarative table for one provider and one protocol.
type mapping struct {
	// social marks consumer sign-in (Sign in with Google, GitHub…) rather than an enterprise
	// connection administered by the customer's organization.
	social bool
	// emailVerifiedByContract says that the provider only ever asserts verified email addresses,
	// so an email it sends counts as verified unless an email_verified source says false.
	emailVerifiedByContract bool
	src                     sources
}

// Protocol families: how the raw attributes are shaped.
const (
	// protoClaims: OIDC ID token claims or userinfo, or an OAuth provider's user object
	// (connection types OIDC, OAUTH, PASSWORDLESS and any other that is not SAML).
	protoClaims = "OIDC"
	// protoSAML: node-saml's profile: attributes keyed by Name, nameID and nameIDFormat
	// (connection types SAML, SAML2, WSFED, WS_FED, WS_FEDERATION).
	protoSAML = "SAML"
)

// genericProvider names the fallback mapping used for unknown providers (and CUSTOM); a
// mappings file may override it under this name.
const genericProvider = "GENERIC"

type key struct{ provider, protocol string }

// Attribute names shared by several tables.
const (
	claimsNS          = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"
	uriEmail          = claimsNS + "emailaddress"
	uriGivenName      = claimsNS + "givenname"
	uriSurname        = claimsNS + "surname"
	uriName           = claimsNS + "name" // the user principal name at Microsoft, a full name at Auth0
	uriUPN            = claimsNS + "upn"
	uriNameIdentifier = claimsNS + "nameidentifier"
	uriMobilePhone    = claimsNS + "mobilephone"
	uriHomePhone      = claimsNS + "homephone"
	uriOtherPhone     = claimsNS + "otherphone"
	uriObjectID       = "http://schemas.microsoft.com/identity/claims/objectidentifier"
	uriDisplayName    = "http://schemas.microsoft.com/identity/claims/displayname"
	uriGroups         = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
	uriWindowsAccount = "http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname"
	uriADFSGroup      = "http://schemas.xmlsoap.org/claims/Group"
	uriCommonName     = "http://schemas.xmlsoap.org/claims/CommonName"
	auth0NS           = "http://schemas.auth0.com/"

	// X.500 / LDAP and eduPerson attribute OIDs as SAML 2.0 attribute names
	// (urn:oid, per the SAML V2.0 X.500/LDAP Attribute Profile and MACE-Dir).
	oidGivenName     = "urn:oid:2.5.4.42"
	oidSurname       = "urn:oid:2.5.4.4"
	oidCommonName    = "urn:oid:2.5.4.3"
	oidMail          = "urn:oid:0.9.2342.19200300.100.1.3"
	oidEmailAddress  = "urn:oid:1.2.840.113549.1.9.1" // PKCS #9 emailAddress (Keycloak's X500 email)
	oidDisplayName   = "urn:oid:2.16.840.1.113730.3.1.241"
	oidPrefLanguage  = "urn:oid:2.16.840.1.113730.3.1.39"
	oidUID           = "urn:oid:0.9.2342.19200300.100.1.1"
	oidTelephone     = "urn:oid:2.5.4.20"
	oidMobile        = "urn:oid:0.9.2342.19200300.100.1.41"
	oidEPPN          = "urn:oid:1.3.6.1.4.1.5923.1.1.1.6"
	oidTargetedID    = "urn:oid:1.3.6.1.4.1.5923.1.1.1.10"
	oidUniqueID      = "urn:oid:1.3.6.1.4.1.5923.1.1.1.13"
	oidIsMemberOf    = "urn:oid:1.3.6.1.4.1.5923.1.5.1.1"
	samlSubjectID    = "urn:oasis:names:tc:SAML:attribute:subject-id"
	samlPairwiseID   = "urn:oasis:names:tc:SAML:attribute:pairwise-id"
	maceNS           = "urn:mace:dir:attribute-def:" // SAML 1.1 names of the same attributes
	maceEPPN         = maceNS + "eduPersonPrincipalName"
	maceTargetedID   = maceNS + "eduPersonTargetedID"
	maceMail         = maceNS + "mail"
	maceGivenName    = maceNS + "givenName"
	maceSurname      = maceNS + "sn"
	maceDisplayName  = maceNS + "displayName"
	maceUID          = maceNS + "uid"
	maceIsMemberOf   = maceNS + "isMemberOf"
	maceTelephone    = maceNS + "telephoneNumber"
	macePrefLanguage = maceNS + "preferredLanguage"

	// nameID is node-saml's key for the assertion's Subject NameID.
	nameID = "nameID"
)

// OpenID Connect Core 1.0 standard claims (section 5.1).
var oidcStandard = sources{
	fUserID:            {"sub"},
	fEmail:             {"email"},
	fEmailVerified:     {"email_verified"},
	fName:              {"name"},
	fGivenName:         {"given_name"},
	fFamilyName:        {"family_name"},
	fLocale:            {"locale"},
	fPicture:           {"picture"},
	fPhoneNumber:       {"phone_number"},
	fPreferredUsername: {"preferred_username"},
	fGroups:            {"groups"},
}

// with returns a copy of base with the given fields replaced.
func with(base sources, over sources) sources {
	out := base
	for f, l := range over {
		if l != nil {
			out[f] = l
		}
	}
	return out
}

// generic is the fallback for unknown providers and CUSTOM: the common OIDC names, the common
// SAML attribute names (compared case-insensitively), the WS-Federation claim URIs and the X.500
// and eduPerson OIDs, in that order.
var genericFields = sources{
	fEmail: {"email", "mail", "emailAddress", "email_address", "User.email", uriEmail, oidMail, oidEmailAddress, maceMail},
	// Only OIDC's own claim, its camel-case twin and Google's legacy v2 userinfo name.
	fEmailVerified: {"email_verified", "emailVerified", "verified_email"},
	fName: {"name", "displayName", "display_name", "fullName", "full_name", "cn",
		uriDisplayName, uriCommonName, oidDisplayName, maceDisplayName, oidCommonName},
	fGivenName: {"given_name", "givenName", "firstName", "first_name", "User.FirstName",
		uriGivenName, oidGivenName, maceGivenName},
	fFamilyName: {"family_name", "familyName", "lastName", "last_name", "surname", "sn", "User.LastName",
		uriSurname, oidSurname, maceSurname},
	fLocale:  {"locale", "preferredLanguage", "preferred_language", "language", oidPrefLanguage, macePrefLanguage},
	fPicture: {"picture", "avatar_url", "avatarUrl", "avatar", "photo_url", "photoUrl", "photo"},
	fPhoneNumber: {"phone_number", "phoneNumber", "phone", "mobile", "mobilePhone", "mobile_phone",
		"telephoneNumber", uriMobilePhone, uriOtherPhone, uriHomePhone, oidMobile, oidTelephone, maceTelephone},
	fPreferredUsername: {"preferred_username", "username", "userName", "login", "upn", "userPrincipalName",
		uriUPN, uriName, uriWindowsAccount, oidEPPN, maceEPPN, oidUID, maceUID},
	fGroups: {"groups", "memberOf", "member_of", "isMemberOf", uriGroups, uriADFSGroup, oidIsMemberOf, maceIsMemberOf},
}

// Provider user ids for the generic tables. For claims, the OIDC subject, then the user-object
// ids of OAuth APIs. For SAML, the NameID (skipped when transient), then the standard persistent
// identifiers.
var (
	genericClaimsUserID = []string{"sub", "user_id", "id", "uid"}
	genericSAMLUserID   = []string{nameID, samlSubjectID, samlPairwiseID, uriObjectID, uriNameIdentifier,
		oidUniqueID, oidTargetedID, maceTargetedID}
)

// Microsoft identity platform (Entra ID) ID token claims, with the Microsoft Graph user
// resource names for payloads that carry the /me object instead.
// https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
// https://learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference
var entraClaims = sources{
	// oid is the user's immutable id in the tenant, the same in every app and in Entra's SAML
	// objectidentifier claim; sub is pairwise per app. Graph's id is the oid.
	fUserID: {"oid", "sub", "id"},
	// email is optional and admin-editable; Graph's mail likewise.
	fEmail: {"email", "mail"},
	// Entra never sends email_verified. xms_edov (optional claim "email domain owner verified")
	// is Microsoft's mitigation for unverified email claims (nOAuth).
	fEmailVerified:     {"email_verified", "xms_edov"},
	fName:              {"name", "displayName"},
	fGivenName:         {"given_name", "givenName"},
	fFamilyName:        {"family_name", "surname"},
	fLocale:            {"locale", "xms_pl", "preferredLanguage"},
	fPhoneNumber:       {"phone_number", "mobilePhone"},
	fPreferredUsername: {"preferred_username", "upn", "unique_name", "userPrincipalName"},
	fGroups:            {"groups"},
}

// Entra ID SAML token claims.
// https://learn.microsoft.com/en-us/entra/identity-platform/reference-saml-tokens
// https://learn.microsoft.com/en-us/entra/identity/enterprise-apps/customize-saml-token-claims
var entraSAML = sources{
	// objectidentifier is the immutable object id; the default NameID is the user principal
	// name in emailAddress format, which changes on rename.
	fUserID: {uriObjectID, nameID},
	// emailaddress is user.mail (admin-editable, never verified by contract). The UPN is not
	// used as an email: it need not be a mailbox.
	fEmail:             {uriEmail},
	fName:              {uriDisplayName},
	fGivenName:         {uriGivenName},
	fFamilyName:        {uriSurname},
	fPhoneNumber:       {uriMobilePhone, uriOtherPhone, uriHomePhone},
	fPreferredUsername: {uriName, uriUPN},
	fGroups:            {uriGroups},
}

// Google OpenID Connect ID token and userinfo, plus the legacy OAuth2 v2 userinfo names.
// https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload
var googleClaims = with(oidcStandard, sources{
	fUserID:        {"sub", "id"},
	fEmailVerified: {"email_verified", "verified_email"},
	fGroups:        {},
})

// Google Workspace as a SAML IdP. Attribute names are chosen by the Workspace admin in the
// app's attribute mapping; these are the usual ones. The NameID defaults to the primary email.
// https://support.google.com/a/answer/6087519
var googleWorkspaceSAML = sources{
	fUserID: {nameID},
	fEmail:  {nameID, "email", "primaryEmail", "mail"},
	// Google sends no such attribute; one an admin maps under this name is honoured, so an
	// explicit false overrides the contract.
	fEmailVerified:     {"email_verified", "emailVerified"},
	fName:              {"name", "displayName", "fullName"},
	fGivenName:         {"firstName", "givenName", "first_name"},
	fFamilyName:        {"lastName", "familyName", "surname", "last_name"},
	fPhoneNumber:       {"phone", "phoneNumber", "mobilePhone"},
	fPreferredUsername: {"username"},
	fGroups:            {"groups", "memberOf"},
	fLocale:            {"locale", "preferredLanguage"},
}

// Okta ID token / userinfo claims; groups appear when a groups claim is configured.
// https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/#claims
var oktaClaims = oidcStandard

// Okta SAML: the admin names attribute statements; the NameID is the Okta username by default
// (format unspecified, usually the email).
// https://help.okta.com/en-us/content/topics/apps/define-attribute-statements.htm
var oktaSAML = sources{
	fUserID:            {nameID},
	fEmail:             {"email", "mail", uriEmail, nameID},
	fName:              {"displayName", "name", "fullName"},
	fGivenName:         {"firstName", "givenName", "first_name", uriGivenName},
	fFamilyName:        {"lastName", "surname", "sn", "last_name", uriSurname},
	fLocale:            {"locale", "preferredLanguage"},
	fPhoneNumber:       {"mobilePhone", "primaryPhone", "phoneNumber", "phone"},
	fPreferredUsername: {"login", "username", "userName"},
	fGroups:            {"groups", "memberOf"},
}

// Auth0 ID token claims and normalized user profile (user_id when the payload is the user
// object; nickname is not a username and is not used).
// https://auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure
var auth0Claims = with(oidcStandard, sources{
	fUserID:            {"sub", "user_id"},
	fPreferredUsername: {"preferred_username", "username"},
})

// Auth0 as a SAML IdP: the default mappings, and unmapped profile attributes under
// http://schemas.auth0.com/. The nameidentifier claim carries user_id.
// https://auth0.com/docs/authenticate/protocols/saml/saml-configuration/customize-saml-assertions
var auth0SAML = sources{
	fUserID:            {uriNameIdentifier, nameID},
	fEmail:             {uriEmail, auth0NS + "email"},
	fEmailVerified:     {auth0NS + "email_verified"},
	fName:              {uriName, auth0NS + "name"},
	fGivenName:         {uriGivenName, auth0NS + "given_name"},
	fFamilyName:        {uriSurname, auth0NS + "family_name"},
	fPicture:           {auth0NS + "picture"},
	fLocale:            {auth0NS + "locale"},
	fPreferredUsername: {uriUPN, auth0NS + "username"},
	fGroups:            {uriADFSGroup, auth0NS + "groups"},
}

// OneLogin OIDC userinfo.
// https://developers.onelogin.com/openid-connect/api/user-info
var oneLoginClaims = with(oidcStandard, sources{
	fGroups: {"groups", "member_of"},
})

// OneLogin SAML: NameID is the email by default; connector parameters are admin-named, often
// after OneLogin's User.* fields.
// https://onelogin.service-now.com/kb_view_customer.do?sysparm_article=KB0010344
var oneLoginSAML = sources{
	fUserID:            {nameID},
	fEmail:             {"User.email", "email", "Email", nameID},
	fName:              {"name", "displayName"},
	fGivenName:         {"User.FirstName", "firstName", "givenName"},
	fFamilyName:        {"User.LastName", "lastName", "surname"},
	fPhoneNumber:       {"User.PhoneNumber", "phone", "phoneNumber"},
	fPreferredUsername: {"User.Username", "username"},
	fGroups:            {"memberOf", "groups"},
}

// JumpCloud OIDC: standard claims; groups with the "groups" scope.
// https://jumpcloud.com/support/sso-with-oidc
var jumpCloudClaims = oidcStandard

// JumpCloud SAML: NameID is the user's email by default; user attributes are mapped under
// admin-chosen names; the group attribute is named memberOf by default.
// https://jumpcloud.com/support/customize-sso-applications-with-saml-attributes
var jumpCloudSAML = sources{
	fUserID:            {nameID},
	fEmail:             {"email", "mail", nameID},
	fName:              {"displayname", "fullname", "name"},
	fGivenName:         {"firstname", "givenName"},
	fFamilyName:        {"lastname", "surname", "sn"},
	fPhoneNumber:       {"phoneNumber", "mobile", "phone"},
	fPreferredUsername: {"username"},
	fGroups:            {"memberOf", "groups"},
}

// PingOne / PingFederate OIDC: standard claims.
// https://docs.pingidentity.com/pingone/applications/p1_openid_connect_claims.html
var pingClaims = oidcStandard

// PingFederate / PingOne SAML: the subject is the NameID; PingFederate's SP adapters hand
// it over as the attribute SAML_SUBJECT (the attribute contract's name for it) instead.
// Other attributes are named in the contract, typically after LDAP or OIDC names.
// https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_attribute_contract.html
var pingSAML = sources{
	fUserID:            {nameID, "SAML_SUBJECT"},
	fEmail:             {"mail", "email", uriEmail, nameID, "SAML_SUBJECT"},
	fName:              {"displayName", "name", "cn"},
	fGivenName:         {"givenName", "given_name", "firstName", uriGivenName},
	fFamilyName:        {"sn", "family_name", "lastName", "surname", uriSurname},
	fPhoneNumber:       {"telephoneNumber", "mobile", "phone_number"},
	fPreferredUsername: {"uid", "username", "preferred_username", "sAMAccountName"},
	fGroups:            {"memberOf", "groups"},
	fLocale:            {"preferredLanguage", "locale"},
}

// AD FS SAML claims (the claim types of AD FS's claim descriptions).
// https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/technical-reference/the-role-of-claims
var adfsSAML = sources{
	fUserID:            {nameID, uriNameIdentifier},
	fEmail:             {uriEmail},
	fName:              {uriCommonName, uriDisplayName},
	fGivenName:         {uriGivenName},
	fFamilyName:        {uriSurname},
	fPhoneNumber:       {uriMobilePhone, uriOtherPhone, uriHomePhone},
	fPreferredUsername: {uriUPN, uriWindowsAccount, uriName},
	fGroups:            {uriADFSGroup, uriGroups},
}

// AD FS OpenID Connect ID token: short claim names.
// https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/development/ad-fs-openid-connect-oauth-concepts
var adfsClaims = with(oidcStandard, sources{
	fPreferredUsername: {"upn", "unique_name", "preferred_username"},
	fGroups:            {"group", "groups"},
})

// Keycloak OIDC: standard claims plus the groups claim of the group membership mapper.
// https://www.keycloak.org/docs/latest/server_admin/#_protocol-mappers
var keycloakClaims = oidcStandard

// Keycloak SAML: the built-in X500 mappers (urn:oid names), their basic-format names and
// the group list mapper's default name "member".
// https://www.keycloak.org/docs/latest/server_admin/#_saml_client_scopes
var keycloakSAML = sources{
	fUserID:            {nameID},
	fEmail:             {oidEmailAddress, "email", nameID},
	fName:              {"name", "displayName"},
	fGivenName:         {oidGivenName, "givenName", "firstName"},
	fFamilyName:        {oidSurname, "surname", "lastName"},
	fPreferredUsername: {"username", oidUID},
	fGroups:            {"member", "groups"},
}

// Amazon Cognito user pool ID token and userinfo (the latter sends email_verified as a string).
// https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html
var cognitoClaims = with(oidcStandard, sources{
	fPreferredUsername: {"preferred_username", "cognito:username", "username"},
	fGroups:            {"cognito:groups"},
})

// Sign in with Apple: the ID token, and the user object Apple posts on the first login only,
// nested under "user".
// https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple
var appleClaims = sources{
	fUserID:        {"sub"},
	fEmail:         {"email", "user.email"},
	fEmailVerified: {"email_verified"},
	fGivenName:     {"user.name.firstName"},
	fFamilyName:    {"user.name.lastName"},
}

// GitHub's authenticated-user object. id is the stable numeric id; login can be renamed. The
// object says nothing about email verification.
// https://docs.github.com/en/rest/users/users#get-the-authenticated-user
var gitHubClaims = sources{
	fUserID:            {"id"},
	fEmail:             {"email"},
	fName:              {"name"},
	fPicture:           {"avatar_url"},
	fPreferredUsername: {"login"},
}

// GitLab: OIDC ID token / userinfo (sub, groups…) or the REST current-user object (id,
// username, avatar_url, confirmed_at — the time the primary email was confirmed).
// https://docs.gitlab.com/integration/openid_connect_provider/
// https://docs.gitlab.com/api/users/#get-the-current-user
var gitLabClaims = sources{
	fUserID:            {"sub", "id"},
	fEmail:             {"email"},
	fEmailVerified:     {"email_verified"},
	fEmailVerifiedAt:   {"confirmed_at"},
	fName:              {"name"},
	fPicture:           {"picture", "avatar_url"},
	fPreferredUsername: {"preferred_username", "username", "nickname"},
	fGroups:            {"groups"},
}

// Sign In with LinkedIn using OpenID Connect: userinfo; locale is an object
// {"country": "US", "language": "en"}.
// https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
var linkedInClaims = with(oidcStandard, sources{
	fPhoneNumber:       {},
	fPreferredUsername: {},
	fGroups:            {},
})

// Salesforce OpenID Connect userinfo. user_id is the 18-character user record id, unique
// across orgs; sub is the identity URL that embeds it.
// https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm
var salesforceClaims = with(oidcStandard, sources{
	fUserID:      {"user_id", "sub"},
	fPicture:     {"picture", "photos.picture"},
	fPhoneNumber: {"phone_number", "mobile_phone"},
	fGroups:      {},
})

// Salesforce as a SAML IdP: it sends userId, username, email and is_portal_user; the NameID
// is the federation id or username as configured.
// https://help.salesforce.com/s/articleView?id=sf.identity_provider_about.htm
var salesforceSAML = sources{
	fUserID:            {"userId", nameID},
	fEmail:             {"email", nameID},
	fPreferredUsername: {"username"},
}

// Shibboleth IdP and other research and education federations: eduPerson and X.500 OIDs
// (SAML 2.0) and urn:mace names (SAML 1.1). The NameID is usually transient, so the persistent
// identifiers come first; eduPersonPrincipalName may be reassigned and comes after the NameID.
// https://wiki.refeds.org/display/STAN/eduPerson
// https://shibboleth.atlassian.net/wiki/spaces/CONCEPT/pages/928645122/SAMLAttributeNaming
var shibbolethSAML = sources{
	fUserID:            {samlSubjectID, samlPairwiseID, oidUniqueID, oidTargetedID, maceTargetedID, nameID, oidEPPN, maceEPPN},
	fEmail:             {oidMail, maceMail, "mail", "email"},
	fName:              {oidDisplayName, maceDisplayName, "displayName", oidCommonName, "cn"},
	fGivenName:         {oidGivenName, maceGivenName, "givenName"},
	fFamilyName:        {oidSurname, maceSurname, "sn"},
	fLocale:            {oidPrefLanguage, macePrefLanguage, "preferredLanguage"},
	fPhoneNumber:       {oidMobile, oidTelephone, maceTelephone, "mobile", "telephoneNumber"},
	fPreferredUsername: {oidEPPN, maceEPPN, "eduPersonPrincipalName", oidUID, maceUID, "uid"},
	fGroups:            {oidIsMemberOf, maceIsMemberOf, "isMemberOf", "memberOf"},
}

// table is one entry of the built-in tables: the provider names it serves, for one protocol.
type table struct {
	providers []string
	protocol  string
	m         mapping
}

// builtin is every built-in mapping. A known provider without an entry for a protocol uses the
// generic mapping for that protocol.
var builtin = []table{
	// Sign in with Google is consumer sign-in; email_verified is sent explicitly.
	{[]string{"GOOGLE"}, protoClaims, mapping{social: true, src: googleClaims}},
	// Google Workspace OIDC for an enterprise connection: the same claims, not social.
	{[]string{"GOOGLE_WORKSPACE"}, protoClaims, mapping{src: googleClaims}},
	// Google Workspace SAML asserts the user's primary email, which lives in a domain the
	// Workspace admin verified with Google: verified by contract. An explicit email_verified
	// attribute would still win.
	{[]string{"GOOGLE_WORKSPACE", "GOOGLE"}, protoSAML, mapping{emailVerifiedByContract: true, src: googleWorkspaceSAML}},
	// Sign in with Microsoft (MICROSOFT) is social; Entra ID (MICROSOFT_AD) is enterprise.
	// Neither verifies email by contract.
	{[]string{"MICROSOFT"}, protoClaims, mapping{social: true, src: entraClaims}},
	{[]string{"MICROSOFT_AD"}, protoClaims, mapping{src: entraClaims}},
	{[]string{"MICROSOFT_AD", "MICROSOFT"}, protoSAML, mapping{src: entraSAML}},
	{[]string{"OKTA"}, protoClaims, mapping{src: oktaClaims}},
	{[]string{"OKTA"}, protoSAML, mapping{src: oktaSAML}},
	{[]string{"AUTH0"}, protoClaims, mapping{src: auth0Claims}},
	{[]string{"AUTH0"}, protoSAML, mapping{src: auth0SAML}},
	{[]string{"ONELOGIN"}, protoClaims, mapping{src: oneLoginClaims}},
	{[]string{"ONELOGIN"}, protoSAML, mapping{src: oneLoginSAML}},
	{[]string{"JUMPCLOUD"}, protoClaims, mapping{src: jumpCloudClaims}},
	{[]string{"JUMPCLOUD"}, protoSAML, mapping{src: jumpCloudSAML}},
	{[]string{"PING_IDENTITY"}, protoClaims, mapping{src: pingClaims}},
	{[]string{"PING_IDENTITY"}, protoSAML, mapping{src: pingSAML}},
	{[]string{"ADFS"}, protoClaims, mapping{src: adfsClaims}},
	{[]string{"ADFS"}, protoSAML, mapping{src: adfsSAML}},
	{[]string{"KEYCLOAK"}, protoClaims, mapping{src: keycloakClaims}},
	{[]string{"KEYCLOAK"}, protoSAML, mapping{src: keycloakSAML}},
	{[]string{"SHIBBOLETH"}, protoSAML, mapping{src: shibbolethSAML}},
	{[]string{"COGNITO"}, protoClaims, mapping{src: cognitoClaims}},
	// Apple may relay private addresses (is_private_email); they are still deliverable, and
	// verification is read from email_verified only (Apple at Work & School sends false).
	{[]string{"APPLE"}, protoClaims, mapping{social: true, src: appleClaims}},
	{[]string{"GITHUB"}, protoClaims, mapping{social: true, src: gitHubClaims}},
	{[]string{"GITLAB"}, protoClaims, mapping{social: true, src: gitLabClaims}},
	{[]string{"LINKEDIN"}, protoClaims, mapping{social: true, src: linkedInClaims}},
	{[]string{"SALESFORCE"}, protoClaims, mapping{social: true, src: salesforceClaims}},
	{[]string{"SALESFORCE"}, protoSAML, mapping{src: salesforceSAML}},
	// The fallback for unknown providers and CUSTOM.
	{[]string{genericProvider}, protoClaims, mapping{src: with(genericFields, sources{fUserID: genericClaimsUserID})}},
	{[]string{genericProvider}, protoSAML, mapping{src: with(genericFields, sources{fUserID: genericSAMLUserID, fEmail: append(slices.Clip(genericFields[fEmail]), nameID)})}},
}

// knownProviders are the provider names the built-in tables know by name; CUSTOM uses the
// generic mapping on purpose.
var knownProviders = []string{
	"ADFS", "APPLE", "AUTH0", "COGNITO", "CUSTOM", "GITHUB", "GITLAB", "GOOGLE", "GOOGLE_WORKSPACE",
	"JUMPCLOUD", "KEYCLOAK", "LINKEDIN", "MICROSOFT", "MICROSOFT_AD", "OKTA", "ONELOGIN",
	"PING_IDENTITY", "SALESFORCE", "SHIBBOLETH",
}

// Providers returns the provider names the built-in tables know, sorted. Any other name is
// normalized with the generic rules.
func Providers() []string {
	out := slices.Clone(knownProviders)
	sort.Strings(out)
	return out
}

func builtinTables() map[key]*mapping {
	out := make(map[key]*mapping, len(builtin)+4)
	for i := range builtin {
		t := &builtin[i]
		for _, p := range t.providers {
			m := t.m
			out[key{p, t.protocol}] = &m
		}
	}
	return out
}
