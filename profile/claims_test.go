package profile

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func sp(s string) *string { return &s }

// claimCase is one documented claim set: raw attributes as the provider sends them (values
// realistic, attribute names as documented at doc) and the whole normalized profile expected.
type claimCase struct {
	name     string
	doc      string // the provider documentation page the names and value formats come from
	ctype    string
	provider string
	connID   string
	orgID    string
	raw      string
	want     Profile // Identity.ProviderRawAttributes is filled in from raw
}

var claimCases = []claimCase{
	{
		// Google ID token payload.
		name:     "google id token",
		doc:      "https://developers.google.com/identity/openid-connect/openid-connect#an-id-tokens-payload",
		ctype:    "OIDC",
		provider: "GOOGLE",
		connID:   "conn_24834495392923",
		raw: `{"iss":"https://accounts.google.com","azp":"1234987819200.apps.googleusercontent.com","aud":"1234987819200.apps.googleusercontent.com",
"sub":"10769150350006150715113082367","at_hash":"HK6E_P6Dh8Y93mRNtsDB1Q","hd":"example.com","email":"jsmith@example.com","email_verified":true,
"iat":1353601026,"exp":1353604926,"nonce":"0394852-3190485-2490358","name":"John Smith","given_name":"John","family_name":"Smith",
"picture":"https://lh3.googleusercontent.com/a/ACg8ocIvLq7m2Y9pQ3bE=s96-c","locale":"en"}`,
		want: Profile{
			Sub: "conn_24834495392923:10769150350006150715113082367", Email: "jsmith@example.com", EmailVerified: true,
			Name: sp("John Smith"), GivenName: sp("John"), FamilyName: sp("Smith"), Locale: sp("en"),
			Picture: sp("https://lh3.googleusercontent.com/a/ACg8ocIvLq7m2Y9pQ3bE=s96-c"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_24834495392923"), ConnectionType: "OIDC", ProviderName: "GOOGLE", Social: true,
				ProviderUserID: "10769150350006150715113082367"},
		},
	},
	{
		// Google OAuth2 v2 userinfo (the Userinfo schema: id, verified_email…), lower-case
		// connection type and provider, no connection id, mixed-case email domain.
		name:     "google v2 userinfo",
		doc:      "https://www.googleapis.com/discovery/v1/apis/oauth2/v2/rest",
		ctype:    "oauth",
		provider: "google",
		raw: `{"id":"110248495921238986420","email":"Ada.Lovelace@GMail.com","verified_email":true,"name":"Ada Lovelace","given_name":"Ada",
"family_name":"Lovelace","picture":"https://lh3.googleusercontent.com/a-/AOh14GhRbbJ9XQz6kWZ","locale":"en-GB"}`,
		want: Profile{
			Sub: "google:110248495921238986420", Email: "Ada.Lovelace@gmail.com", EmailVerified: true,
			Name: sp("Ada Lovelace"), GivenName: sp("Ada"), FamilyName: sp("Lovelace"), Locale: sp("en-GB"),
			Picture: sp("https://lh3.googleusercontent.com/a-/AOh14GhRbbJ9XQz6kWZ"), Groups: []string{},
			Identity: Identity{ConnectionType: "OAUTH", ProviderName: "GOOGLE", Social: true, ProviderUserID: "110248495921238986420"},
		},
	},
	{
		// Google Workspace SAML app: NameID Basic Information > Primary email, app attributes
		// firstName/lastName and Group membership as "groups". Verified by contract.
		name:     "google workspace saml",
		doc:      "https://support.google.com/a/answer/6087519",
		ctype:    "SAML",
		provider: "GOOGLE_WORKSPACE",
		connID:   "conn_gws_8812",
		orgID:    "org_59615193906282635",
		raw: `{"issuer":"https://accounts.google.com/o/saml2?idpid=C01abcd2e","sessionIndex":"_d7b0c5e2a0f3e1b9c6a8","nameID":"alex.doe@example.com",
"nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress","firstName":"Alex","lastName":"Doe",
"groups":["engineering@example.com","all-staff@example.com"]}`,
		want: Profile{
			Sub: "conn_gws_8812:alex.doe@example.com", Email: "alex.doe@example.com", EmailVerified: true,
			Name: sp("Alex Doe"), GivenName: sp("Alex"), FamilyName: sp("Doe"),
			Groups: []string{"engineering@example.com", "all-staff@example.com"},
			Identity: Identity{ConnectionID: sp("conn_gws_8812"), OrganizationID: sp("org_59615193906282635"), ConnectionType: "SAML",
				ProviderName: "GOOGLE_WORKSPACE", ProviderUserID: "alex.doe@example.com"},
		},
	},
	{
		// GOOGLE over SAML is Google Workspace. A persistent NameID format is not read as an email,
		// so the email comes from the mapped "email" attribute (arrays as node-saml sends them).
		name:     "google saml persistent nameid",
		doc:      "https://support.google.com/a/answer/6087519",
		ctype:    "saml",
		provider: "Google",
		connID:   "conn_gws_9001",
		raw: `{"issuer":"https://accounts.google.com/o/saml2?idpid=C03xyz9kq","nameID":"priya.patel@example.org",
"nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent","email":["Priya.Patel@Example.org"],"firstName":["Priya"],"lastName":["Patel"]}`,
		want: Profile{
			Sub: "conn_gws_9001:priya.patel@example.org", Email: "Priya.Patel@example.org", EmailVerified: true,
			Name: sp("Priya Patel"), GivenName: sp("Priya"), FamilyName: sp("Patel"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_gws_9001"), ConnectionType: "SAML", ProviderName: "GOOGLE", ProviderUserID: "priya.patel@example.org"},
		},
	},
	{
		// Entra ID v2.0 ID token (the reference's sample claims) plus the groups claim.
		name:     "entra id token v2",
		doc:      "https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference",
		ctype:    "OIDC",
		provider: "MICROSOFT_AD",
		connID:   "conn_entra_1",
		raw: `{"aud":"6cb04018-a3f5-46a7-b995-940c78f5aef3","iss":"https://login.microsoftonline.com/b9419818-09af-49c2-b0c3-653adc1f376e/v2.0",
"iat":1536361411,"nbf":1536361411,"exp":1536365311,"name":"Abe Lincoln","oid":"00000000-0000-0000-66f3-3332eca7ea81",
"preferred_username":"AbeLi@microsoft.com","rh":"I","sub":"HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ",
"tid":"b9419818-09af-49c2-b0c3-653adc1f376e","uti":"fqiBqXLPj0eQa82S-IYFAA","ver":"2.0",
"groups":["4bd57e56-4ba9-4a2b-9a39-0c6bc6cb0d5a","a2a6c1e0-7f9e-4c56-9a0c-ec7c6d5d4e3f"]}`,
		want: Profile{
			Sub: "conn_entra_1:00000000-0000-0000-66f3-3332eca7ea81", Name: sp("Abe Lincoln"), PreferredUsername: sp("AbeLi@microsoft.com"),
			Groups: []string{"4bd57e56-4ba9-4a2b-9a39-0c6bc6cb0d5a", "a2a6c1e0-7f9e-4c56-9a0c-ec7c6d5d4e3f"},
			Identity: Identity{ConnectionID: sp("conn_entra_1"), ConnectionType: "OIDC", ProviderName: "MICROSOFT_AD",
				ProviderUserID: "00000000-0000-0000-66f3-3332eca7ea81"},
		},
	},
	{
		// Entra ID with the optional claims email, given_name, family_name, xms_pl (preferred
		// language) and xms_edov (email domain owner verified).
		name:     "entra optional claims xms_edov",
		doc:      "https://learn.microsoft.com/en-us/entra/identity-platform/optional-claims-reference",
		ctype:    "OIDC",
		provider: "MICROSOFT_AD",
		connID:   "conn_entra_2",
		raw: `{"aud":"6cb04018-a3f5-46a7-b995-940c78f5aef3","iss":"https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0",
"oid":"d3c2a1b0-9f8e-4d7c-8b6a-5f4e3d2c1b0a","sub":"4fD2kNOq-bcY4xL8R7QeYtbUJ6eL6zG0m1xHq5cN0PA","tid":"72f988bf-86f1-41af-91ab-2d7cd011db47",
"name":"Megan Bowen","given_name":"Megan","family_name":"Bowen","email":"Megan.Bowen@Contoso.com","xms_edov":true,
"preferred_username":"MeganB@contoso.onmicrosoft.com","xms_pl":"en-us","ver":"2.0"}`,
		want: Profile{
			Sub: "conn_entra_2:d3c2a1b0-9f8e-4d7c-8b6a-5f4e3d2c1b0a", Email: "Megan.Bowen@contoso.com", EmailVerified: true,
			Name: sp("Megan Bowen"), GivenName: sp("Megan"), FamilyName: sp("Bowen"), Locale: sp("en-US"),
			PreferredUsername: sp("MeganB@contoso.onmicrosoft.com"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_entra_2"), ConnectionType: "OIDC", ProviderName: "MICROSOFT_AD",
				ProviderUserID: "d3c2a1b0-9f8e-4d7c-8b6a-5f4e3d2c1b0a"},
		},
	},
	{
		// Sign in with Microsoft, personal account (the consumer tenant id 9188040d-…): an email
		// claim without any verification statement is not verified.
		name:     "microsoft personal account",
		doc:      "https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference",
		ctype:    "OAUTH",
		provider: "MICROSOFT",
		raw: `{"ver":"2.0","iss":"https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0","sub":"AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
"aud":"6cb04018-a3f5-46a7-b995-940c78f5aef3","exp":1536361411,"iat":1536274711,"nbf":1536274711,"name":"Sam Rivera",
"preferred_username":"sam.rivera@outlook.com","oid":"00000000-0000-0000-a1b2-c3d4e5f6a7b8","email":"sam.rivera@outlook.com",
"tid":"9188040d-6c67-4c5b-b112-36a304b66dad"}`,
		want: Profile{
			Sub: "microsoft:00000000-0000-0000-a1b2-c3d4e5f6a7b8", Email: "sam.rivera@outlook.com",
			Name: sp("Sam Rivera"), PreferredUsername: sp("sam.rivera@outlook.com"), Groups: []string{},
			Identity: Identity{ConnectionType: "OAUTH", ProviderName: "MICROSOFT", Social: true, ProviderUserID: "00000000-0000-0000-a1b2-c3d4e5f6a7b8"},
		},
	},
	{
		// Entra ID SAML token: the claim URIs of the reference, objectidentifier as the id.
		name:     "entra saml",
		doc:      "https://learn.microsoft.com/en-us/entra/identity-platform/reference-saml-tokens",
		ctype:    "SAML",
		provider: "MICROSOFT_AD",
		connID:   "conn_entra_saml",
		raw: `{"issuer":"https://sts.windows.net/b9419818-09af-49c2-b0c3-653adc1f376e/","sessionIndex":"_4c4c3a0e-2b19-4f8e-9a0c-1d2e3f405100",
"nameID":"AbeLi@contoso.com","nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
"http://schemas.microsoft.com/identity/claims/tenantid":"b9419818-09af-49c2-b0c3-653adc1f376e",
"http://schemas.microsoft.com/identity/claims/objectidentifier":"00000000-0000-0000-66f3-3332eca7ea81",
"http://schemas.microsoft.com/identity/claims/displayname":"Abe Lincoln",
"http://schemas.microsoft.com/identity/claims/identityprovider":"https://sts.windows.net/b9419818-09af-49c2-b0c3-653adc1f376e/",
"http://schemas.microsoft.com/claims/authnmethodsreferences":["http://schemas.microsoft.com/ws/2008/06/identity/authenticationmethod/password"],
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":"Abe",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":"Lincoln",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress":"AbeLi@contoso.com",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":"AbeLi@contoso.com"}`,
		want: Profile{
			Sub: "conn_entra_saml:00000000-0000-0000-66f3-3332eca7ea81", Email: "AbeLi@contoso.com",
			Name: sp("Abe Lincoln"), GivenName: sp("Abe"), FamilyName: sp("Lincoln"), PreferredUsername: sp("AbeLi@contoso.com"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_entra_saml"), ConnectionType: "SAML", ProviderName: "MICROSOFT_AD",
				ProviderUserID: "00000000-0000-0000-66f3-3332eca7ea81"},
		},
	},
	{
		// Entra SAML group claims (security group object ids) for a user without user.mail: the
		// UPN NameID is not taken as an email. MICROSOFT over SAML is Entra ID.
		name:     "entra saml groups no mail",
		doc:      "https://learn.microsoft.com/en-us/entra/identity/hybrid/connect/how-to-connect-fed-group-claims",
		ctype:    "SAML",
		provider: "MICROSOFT",
		connID:   "conn_entra_saml2",
		raw: `{"issuer":"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/","nameID":"svc-build@contoso.onmicrosoft.com",
"nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
"http://schemas.microsoft.com/identity/claims/objectidentifier":"5e8f2d8a-0c3b-4b8e-a6f1-9d2c7b3e4f50",
"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups":["0e6f4f4c-1b2a-4c3d-8e9f-a0b1c2d3e4f5","7d9a3c1e-5b4f-4e2d-9c8b-a7f6e5d4c3b2"],
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":"svc-build@contoso.onmicrosoft.com"}`,
		want: Profile{
			Sub: "conn_entra_saml2:5e8f2d8a-0c3b-4b8e-a6f1-9d2c7b3e4f50", PreferredUsername: sp("svc-build@contoso.onmicrosoft.com"),
			Groups: []string{"0e6f4f4c-1b2a-4c3d-8e9f-a0b1c2d3e4f5", "7d9a3c1e-5b4f-4e2d-9c8b-a7f6e5d4c3b2"},
			Identity: Identity{ConnectionID: sp("conn_entra_saml2"), ConnectionType: "SAML", ProviderName: "MICROSOFT",
				ProviderUserID: "5e8f2d8a-0c3b-4b8e-a6f1-9d2c7b3e4f50"},
		},
	},
	{
		// Okta ID token (the claims reference sample) with a groups claim; no email_verified.
		name:     "okta id token",
		doc:      "https://developer.okta.com/docs/api/openapi/okta-oauth/guides/overview/#id-token-payload",
		ctype:    "OIDC",
		provider: "OKTA",
		connID:   "conn_okta_oidc",
		raw: `{"sub":"00uid4BxXw6I6TV4m0g3","name":"John Doe","email":"john.doe@example.com","ver":1,"iss":"https://dev-123456.okta.com",
"aud":"uAaunofWkaDJxukCFeBx","iat":1449624026,"exp":1449627626,"jti":"ID.4eAWJOCMB3SX8XewDfVR","amr":["pwd"],"idp":"00ouytlEUJf8LBoDI0g3",
"nonce":"n-0S6_WzA2Mj","preferred_username":"john.doe@example.com","auth_time":1449624026,"at_hash":"preview_at_hash","groups":["Everyone","Admins"]}`,
		want: Profile{
			Sub: "conn_okta_oidc:00uid4BxXw6I6TV4m0g3", Email: "john.doe@example.com", Name: sp("John Doe"),
			PreferredUsername: sp("john.doe@example.com"), Groups: []string{"Everyone", "Admins"},
			Identity: Identity{ConnectionID: sp("conn_okta_oidc"), ConnectionType: "OIDC", ProviderName: "OKTA", ProviderUserID: "00uid4BxXw6I6TV4m0g3"},
		},
	},
	{
		// Okta /userinfo response: address object, phone in a national display format with +1.
		name:     "okta userinfo",
		doc:      "https://developer.okta.com/docs/api/openapi/okta-oauth/oauth/tag/OrgAS/#tag/OrgAS/operation/userinfo",
		ctype:    "OIDC",
		provider: "okta",
		connID:   "conn_okta_oidc",
		raw: `{"sub":"00uid4BxXw6I6TV4m0g3","name":"John Doe","nickname":"Jimmy","given_name":"John","middle_name":"James","family_name":"Doe",
"profile":"https://example.com/john.doe","zoneinfo":"America/Los_Angeles","locale":"en-US","updated_at":1311280970,
"email":"john.doe@example.com","email_verified":true,
"address":{"street_address":"123 Hollywood Blvd.","locality":"Los Angeles","region":"CA","postal_code":"90210","country":"US"},
"phone_number":"+1 (425) 555-1212"}`,
		want: Profile{
			Sub: "conn_okta_oidc:00uid4BxXw6I6TV4m0g3", Email: "john.doe@example.com", EmailVerified: true,
			Name: sp("John Doe"), GivenName: sp("John"), FamilyName: sp("Doe"), Locale: sp("en-US"), PhoneNumber: sp("+14255551212"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_okta_oidc"), ConnectionType: "OIDC", ProviderName: "OKTA", ProviderUserID: "00uid4BxXw6I6TV4m0g3"},
		},
	},
	{
		// Okta SAML with attribute statements named FirstName/LastName/Email (found
		// case-insensitively) and a group attribute statement.
		name:     "okta saml attribute statements",
		doc:      "https://help.okta.com/en-us/content/topics/apps/define-attribute-statements.htm",
		ctype:    "SAML",
		provider: "OKTA",
		connID:   "conn_okta_saml",
		raw: `{"issuer":"http://www.okta.com/exk1fcia6d6EMsf331d8","sessionIndex":"id1598312345678.1234567890",
"nameID":"isaac.brock@example.com","nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
"FirstName":"Isaac","LastName":"Brock","Email":"isaac.brock@example.com","groups":["Everyone","Engineering"]}`,
		want: Profile{
			Sub: "conn_okta_saml:isaac.brock@example.com", Email: "isaac.brock@example.com",
			Name: sp("Isaac Brock"), GivenName: sp("Isaac"), FamilyName: sp("Brock"), Groups: []string{"Everyone", "Engineering"},
			Identity: Identity{ConnectionID: sp("conn_okta_saml"), ConnectionType: "SAML", ProviderName: "OKTA", ProviderUserID: "isaac.brock@example.com"},
		},
	},
	{
		// Okta SAML with the user profile's base attribute names (mobilePhone, locale) and a
		// persistent NameID: the national phone number is read with the locale's region.
		name:     "okta saml profile attributes",
		doc:      "https://developer.okta.com/docs/reference/okta-expression-language/#okta-user-profile",
		ctype:    "SAML",
		provider: "OKTA",
		connID:   "conn_okta_saml",
		raw: `{"issuer":"http://www.okta.com/exk1fcia6d6EMsf331d8","nameID":"00u1ab2cd3EF4gh5i6j7",
"nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent","email":["dana.lee@example.com"],"firstName":["Dana"],
"lastName":["Lee"],"login":["dana.lee@example.com"],"mobilePhone":["(415) 555-0100"],"locale":["en_US"]}`,
		want: Profile{
			Sub: "conn_okta_saml:00u1ab2cd3EF4gh5i6j7", Email: "dana.lee@example.com",
			Name: sp("Dana Lee"), GivenName: sp("Dana"), FamilyName: sp("Lee"), Locale: sp("en-US"), PhoneNumber: sp("+14155550100"),
			PreferredUsername: sp("dana.lee@example.com"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_okta_saml"), ConnectionType: "SAML", ProviderName: "OKTA", ProviderUserID: "00u1ab2cd3EF4gh5i6j7"},
		},
	},
	{
		// The same without a locale: a national number is not guessed into E.164.
		name:     "okta saml national phone without region",
		doc:      "https://developer.okta.com/docs/reference/okta-expression-language/#okta-user-profile",
		ctype:    "SAML",
		provider: "OKTA",
		connID:   "conn_okta_saml",
		raw: `{"issuer":"http://www.okta.com/exk1fcia6d6EMsf331d8","nameID":"00u9zy8xw7VU6ts5r4q3",
"nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent","email":"li.wei@example.com","mobilePhone":"(415) 555-0100"}`,
		want: Profile{
			Sub: "conn_okta_saml:00u9zy8xw7VU6ts5r4q3", Email: "li.wei@example.com", Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_okta_saml"), ConnectionType: "SAML", ProviderName: "OKTA", ProviderUserID: "00u9zy8xw7VU6ts5r4q3"},
		},
	},
	{
		// Auth0 ID token for a Google social user; nickname is not a username.
		name:     "auth0 id token",
		doc:      "https://auth0.com/docs/secure/tokens/id-tokens/id-token-structure",
		ctype:    "OIDC",
		provider: "AUTH0",
		connID:   "conn_auth0",
		raw: `{"given_name":"Jane","family_name":"Doe","nickname":"jane.doe","name":"Jane Doe",
"picture":"https://lh3.googleusercontent.com/a/ACg8ocK7e2rWJ1b","locale":"en","updated_at":"2023-10-12T09:00:00.000Z",
"email":"jane.doe@gmail.com","email_verified":true,"iss":"https://dev-abc123.us.auth0.com/","aud":"dKz3Vn9vW2Lx5Q8sYb1T",
"iat":1697101200,"exp":1697137200,"sub":"google-oauth2|103547991597142817347","sid":"Kb7cZ3v9qLm2"}`,
		want: Profile{
			Sub: "conn_auth0:google-oauth2|103547991597142817347", Email: "jane.doe@gmail.com", EmailVerified: true,
			Name: sp("Jane Doe"), GivenName: sp("Jane"), FamilyName: sp("Doe"), Locale: sp("en"),
			Picture: sp("https://lh3.googleusercontent.com/a/ACg8ocK7e2rWJ1b"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_auth0"), ConnectionType: "OIDC", ProviderName: "AUTH0",
				ProviderUserID: "google-oauth2|103547991597142817347"},
		},
	},
	{
		// Auth0 normalized user profile of a database user: user_id, empty name, an invalid
		// phone number (dropped) and email_verified false.
		name:     "auth0 user profile",
		doc:      "https://auth0.com/docs/manage-users/user-accounts/user-profiles/user-profile-structure",
		ctype:    "OIDC",
		provider: "AUTH0",
		raw: `{"user_id":"auth0|507f1f77bcf86cd799439020","email":"john.doe@gmail.com","email_verified":false,"username":"johndoe",
"phone_number":"+199999999999999","phone_verified":false,"name":"","nickname":"john.doe",
"picture":"https://secure.gravatar.com/avatar/15626c5e0c749cb912f9d1ad48dba440?s=480&r=pg&d=https%3A%2F%2Fssl.gstatic.com%2Fs2%2Fprofiles%2Fimages%2Fsilhouette80.png",
"identities":[{"connection":"Initial-Connection","user_id":"5457edea1b8f22891a000004","provider":"auth0","isSocial":false}],
"created_at":"2014-11-01T17:46:37.345Z","updated_at":"2014-11-01T17:46:37.345Z","last_login":"2014-11-01T17:46:37.345Z","logins_count":1}`,
		want: Profile{
			Sub: "auth0:auth0|507f1f77bcf86cd799439020", Email: "john.doe@gmail.com", PreferredUsername: sp("johndoe"),
			Picture:  sp("https://secure.gravatar.com/avatar/15626c5e0c749cb912f9d1ad48dba440?s=480&r=pg&d=https%3A%2F%2Fssl.gstatic.com%2Fs2%2Fprofiles%2Fimages%2Fsilhouette80.png"),
			Groups:   []string{},
			Identity: Identity{ConnectionType: "OIDC", ProviderName: "AUTH0", ProviderUserID: "auth0|507f1f77bcf86cd799439020"},
		},
	},
	{
		// Auth0 as a SAML IdP: the default mappings, and unmapped attributes under
		// http://schemas.auth0.com/ (email_verified as the string "true").
		name:     "auth0 saml idp",
		doc:      "https://auth0.com/docs/authenticate/protocols/saml/saml-configuration/customize-saml-assertions",
		ctype:    "SAML",
		provider: "AUTH0",
		connID:   "conn_auth0_saml",
		raw: `{"issuer":"urn:dev-abc123.us.auth0.com","nameID":"auth0|5c8f8b1d9e1c4a2b3d4e5f60",
"nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier":"auth0|5c8f8b1d9e1c4a2b3d4e5f60",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress":"marie.curie@example.org",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name":"Marie Curie",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"marie.curie@example.org",
"http://schemas.auth0.com/identities/default/provider":"auth0",
"http://schemas.auth0.com/identities/default/connection":"Username-Password-Authentication",
"http://schemas.auth0.com/identities/default/isSocial":"false","http://schemas.auth0.com/email_verified":"true",
"http://schemas.auth0.com/nickname":"marie.curie","http://schemas.auth0.com/picture":"https://s.gravatar.com/avatar/8eb1b522f60d11fa897de1dc6351b7e8?s=480&r=pg"}`,
		want: Profile{
			Sub: "conn_auth0_saml:auth0|5c8f8b1d9e1c4a2b3d4e5f60", Email: "marie.curie@example.org", EmailVerified: true,
			Name: sp("Marie Curie"), Picture: sp("https://s.gravatar.com/avatar/8eb1b522f60d11fa897de1dc6351b7e8?s=480&r=pg"),
			PreferredUsername: sp("marie.curie@example.org"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_auth0_saml"), ConnectionType: "SAML", ProviderName: "AUTH0",
				ProviderUserID: "auth0|5c8f8b1d9e1c4a2b3d4e5f60"},
		},
	},
	{
		// OneLogin OIDC userinfo with the groups claim; numeric sub rendered as a string.
		name:     "onelogin userinfo",
		doc:      "https://developers.onelogin.com/openid-connect/api/user-info",
		ctype:    "OIDC",
		provider: "ONELOGIN",
		connID:   "conn_onelogin",
		raw: `{"sub":"38211023","email":"mhanson@onelogin.com","preferred_username":"mhanson","name":"Mark Hanson","updated_at":1508285133,
"given_name":"Mark","family_name":"Hanson","groups":["Sales","Marketing"]}`,
		want: Profile{
			Sub: "conn_onelogin:38211023", Email: "mhanson@onelogin.com", Name: sp("Mark Hanson"), GivenName: sp("Mark"), FamilyName: sp("Hanson"),
			PreferredUsername: sp("mhanson"), Groups: []string{"Sales", "Marketing"},
			Identity: Identity{ConnectionID: sp("conn_onelogin"), ConnectionType: "OIDC", ProviderName: "ONELOGIN", ProviderUserID: "38211023"},
		},
	},
	{
		// OneLogin SAML connector with parameters named after OneLogin's User.* fields.
		name:     "onelogin saml",
		doc:      "https://onelogin.service-now.com/kb_view_customer.do?sysparm_article=KB0010344",
		ctype:    "SAML",
		provider: "ONELOGIN",
		connID:   "conn_onelogin_saml",
		raw: `{"issuer":"https://app.onelogin.com/saml/metadata/5a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d","nameID":"mhanson@onelogin.com",
"nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress","User.email":"mhanson@onelogin.com",
"User.FirstName":"Mark","User.LastName":"Hanson","memberOf":["Sales","Marketing"," "]}`,
		want: Profile{
			Sub: "conn_onelogin_saml:mhanson@onelogin.com", Email: "mhanson@onelogin.com", Name: sp("Mark Hanson"), GivenName: sp("Mark"),
			FamilyName: sp("Hanson"), Groups: []string{"Sales", "Marketing"},
			Identity: Identity{ConnectionID: sp("conn_onelogin_saml"), ConnectionType: "SAML", ProviderName: "ONELOGIN", ProviderUserID: "mhanson@onelogin.com"},
		},
	},
	{
		// JumpCloud SAML: NameID the email, user attributes firstname/lastname, group attribute
		// memberOf.
		name:     "jumpcloud saml",
		doc:      "https://jumpcloud.com/support/customize-sso-applications-with-saml-attributes",
		ctype:    "SAML",
		provider: "JUMPCLOUD",
		connID:   "conn_jc_saml",
		raw: `{"issuer":"JumpCloud","nameID":"jane.smith@example.com","nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
"email":"jane.smith@example.com","firstname":"Jane","lastname":"Smith","memberOf":["Engineering","VPN Users","Engineering"]}`,
		want: Profile{
			Sub: "conn_jc_saml:jane.smith@example.com", Email: "jane.smith@example.com", Name: sp("Jane Smith"), GivenName: sp("Jane"),
			FamilyName: sp("Smith"), Groups: []string{"Engineering", "VPN Users"},
			Identity: Identity{ConnectionID: sp("conn_jc_saml"), ConnectionType: "SAML", ProviderName: "JUMPCLOUD", ProviderUserID: "jane.smith@example.com"},
		},
	},
	{
		// JumpCloud OIDC ID token with the profile, email and groups scopes.
		name:     "jumpcloud oidc",
		doc:      "https://jumpcloud.com/support/sso-with-oidc",
		ctype:    "OIDC",
		provider: "JUMPCLOUD",
		connID:   "conn_jc_oidc",
		raw: `{"iss":"https://oauth.id.jumpcloud.com/","sub":"5f3a1b2c3d4e5f6a7b8c9d0e","aud":["0b3e5c7a-1f2d-4e6a-9b8c-7d6e5f4a3b2c"],
"exp":1700003600,"iat":1700000000,"email":"jane.smith@example.com","email_verified":true,"given_name":"Jane","family_name":"Smith",
"name":"Jane Smith","groups":["Engineering"]}`,
		want: Profile{
			Sub: "conn_jc_oidc:5f3a1b2c3d4e5f6a7b8c9d0e", Email: "jane.smith@example.com", EmailVerified: true,
			Name: sp("Jane Smith"), GivenName: sp("Jane"), FamilyName: sp("Smith"), Groups: []string{"Engineering"},
			Identity: Identity{ConnectionID: sp("conn_jc_oidc"), ConnectionType: "OIDC", ProviderName: "JUMPCLOUD", ProviderUserID: "5f3a1b2c3d4e5f6a7b8c9d0e"},
		},
	},
	{
		// PingOne OIDC ID token with profile, email and phone scopes.
		name:     "pingone oidc",
		doc:      "https://docs.pingidentity.com/pingone/applications/p1_openid_connect_claims.html",
		ctype:    "OIDC",
		provider: "PING_IDENTITY",
		connID:   "conn_ping_oidc",
		raw: `{"sub":"8b2a6e3a-7c4d-4d1e-9f38-2a6d7c0f6c1b","aud":"1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b",
"iss":"https://auth.pingone.com/5caa81af-ec05-41ff-a709-c7378007a99c/as","iat":1700000000,"exp":1700003600,
"given_name":"Pat","family_name":"Kim","name":"Pat Kim","preferred_username":"pkim","email":"pat.kim@example.com","email_verified":true,
"phone_number":"+1 303 555 0199","locale":"en-US","env":"5caa81af-ec05-41ff-a709-c7378007a99c","org":"d2c3b4a5-6789-4abc-8def-0123456789ab"}`,
		want: Profile{
			Sub: "conn_ping_oidc:8b2a6e3a-7c4d-4d1e-9f38-2a6d7c0f6c1b", Email: "pat.kim@example.com", EmailVerified: true,
			Name: sp("Pat Kim"), GivenName: sp("Pat"), FamilyName: sp("Kim"), Locale: sp("en-US"), PhoneNumber: sp("+13035550199"),
			PreferredUsername: sp("pkim"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_ping_oidc"), ConnectionType: "OIDC", ProviderName: "PING_IDENTITY",
				ProviderUserID: "8b2a6e3a-7c4d-4d1e-9f38-2a6d7c0f6c1b"},
		},
	},
	{
		// PingFederate SAML with an LDAP-named attribute contract; upper-case email domain; the
		// "Ping Identity" spelling of the provider.
		name:     "pingfederate saml",
		doc:      "https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_attribute_contract.html",
		ctype:    "SAML",
		provider: "Ping Identity",
		connID:   "conn_pingfed",
		raw: `{"issuer":"https://sso.example.com","nameID":"pkim","nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
"mail":"Pat.Kim@Example.COM","givenName":"Pat","sn":"Kim","memberOf":["CN=Engineering,OU=Groups,DC=example,DC=com"]}`,
		want: Profile{
			Sub: "conn_pingfed:pkim", Email: "Pat.Kim@example.com", Name: sp("Pat Kim"), GivenName: sp("Pat"), FamilyName: sp("Kim"),
			Groups:   []string{"CN=Engineering,OU=Groups,DC=example,DC=com"},
			Identity: Identity{ConnectionID: sp("conn_pingfed"), ConnectionType: "SAML", ProviderName: "PING_IDENTITY", ProviderUserID: "pkim"},
		},
	},
	{
		// PingFederate's SP adapter hands the subject over as SAML_SUBJECT, with no nameID
		// (issue 9, item 8).
		name:     "pingfederate sp adapter",
		doc:      "https://docs.pingidentity.com/pingfederate/latest/administrators_reference_guide/pf_attribute_contract.html",
		ctype:    "SAML",
		provider: "PING_IDENTITY",
		connID:   "conn_pingfed",
		raw:      `{"SAML_SUBJECT":"pkim","mail":"pat.kim@example.com","givenName":"Pat","sn":"Kim"}`,
		want: Profile{
			Sub: "conn_pingfed:pkim", Email: "pat.kim@example.com", Name: sp("Pat Kim"), GivenName: sp("Pat"), FamilyName: sp("Kim"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_pingfed"), ConnectionType: "SAML", ProviderName: "PING_IDENTITY", ProviderUserID: "pkim"},
		},
	},
	{
		// AD FS SAML with its claim descriptions' URIs and a persistent NameID.
		name:     "adfs saml",
		doc:      "https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/technical-reference/the-role-of-claims",
		ctype:    "SAML",
		provider: "ADFS",
		connID:   "conn_adfs",
		raw: `{"issuer":"http://adfs.contoso.com/adfs/services/trust","nameID":"sQMqRlC5vzB1cB/B4Pdy0Q==",
"nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn":"jdoe@contoso.com",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress":"john.doe@contoso.com",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":"John",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":"Doe",
"http://schemas.xmlsoap.org/claims/CommonName":"John Doe",
"http://schemas.xmlsoap.org/claims/Group":["Domain Users","Finance"]}`,
		want: Profile{
			Sub: "conn_adfs:sQMqRlC5vzB1cB/B4Pdy0Q==", Email: "john.doe@contoso.com", Name: sp("John Doe"), GivenName: sp("John"),
			FamilyName: sp("Doe"), PreferredUsername: sp("jdoe@contoso.com"), Groups: []string{"Domain Users", "Finance"},
			Identity: Identity{ConnectionID: sp("conn_adfs"), ConnectionType: "SAML", ProviderName: "ADFS", ProviderUserID: "sQMqRlC5vzB1cB/B4Pdy0Q=="},
		},
	},
	{
		// AD FS OpenID Connect ID token: upn and unique_name, no email.
		name:     "adfs oidc",
		doc:      "https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/development/ad-fs-openid-connect-oauth-concepts",
		ctype:    "OIDC",
		provider: "ADFS",
		connID:   "conn_adfs_oidc",
		raw: `{"aud":"e2b3a4c5-d6e7-4f80-9a1b-2c3d4e5f6a7b","iss":"https://adfs.contoso.com/adfs","iat":1700000000,"exp":1700003600,
"auth_time":1700000000,"sub":"rUEBYBwpWGyFhdkMhVZGfTT8Syjq5rJr2S06X7Ktl84=","upn":"jdoe@contoso.com","unique_name":"CONTOSO\\jdoe",
"sid":"S-1-5-21-1004336348-1177238915-682003330-1105","apptype":"Confidential","authmethod":"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
"ver":"1.0","scp":"openid"}`,
		want: Profile{
			Sub: "conn_adfs_oidc:rUEBYBwpWGyFhdkMhVZGfTT8Syjq5rJr2S06X7Ktl84=", PreferredUsername: sp("jdoe@contoso.com"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_adfs_oidc"), ConnectionType: "OIDC", ProviderName: "ADFS",
				ProviderUserID: "rUEBYBwpWGyFhdkMhVZGfTT8Syjq5rJr2S06X7Ktl84="},
		},
	},
	{
		// Keycloak ID token with the group membership mapper (full group paths).
		name:     "keycloak oidc",
		doc:      "https://www.keycloak.org/docs/latest/server_admin/#_protocol-mappers",
		ctype:    "OIDC",
		provider: "KEYCLOAK",
		connID:   "conn_kc",
		raw: `{"exp":1700003600,"iat":1700003300,"auth_time":1700003300,"jti":"0c5c1e7a-3b9d-4f2e-8a6b-1d2c3e4f5a6b",
"iss":"https://keycloak.example.com/realms/acme","aud":"usergraph","sub":"f3c1e6a2-5b7d-4c8e-9a1f-2b3c4d5e6f70","typ":"ID","azp":"usergraph",
"sid":"6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d","email_verified":true,"name":"Ana García","preferred_username":"agarcia",
"given_name":"Ana","family_name":"García","email":"ana.garcia@example.com","locale":"es","groups":["/staff","/staff/devs"]}`,
		want: Profile{
			Sub: "conn_kc:f3c1e6a2-5b7d-4c8e-9a1f-2b3c4d5e6f70", Email: "ana.garcia@example.com", EmailVerified: true,
			Name: sp("Ana García"), GivenName: sp("Ana"), FamilyName: sp("García"), Locale: sp("es"), PreferredUsername: sp("agarcia"),
			Groups:   []string{"/staff", "/staff/devs"},
			Identity: Identity{ConnectionID: sp("conn_kc"), ConnectionType: "OIDC", ProviderName: "KEYCLOAK", ProviderUserID: "f3c1e6a2-5b7d-4c8e-9a1f-2b3c4d5e6f70"},
		},
	},
	{
		// Keycloak SAML client with the X500 email/givenName/surname mappers (URI name format)
		// and the role list mapper (roles are not groups).
		name:     "keycloak saml x500",
		doc:      "https://www.keycloak.org/docs/latest/server_admin/#_saml_client_scopes",
		ctype:    "SAML",
		provider: "KEYCLOAK",
		connID:   "conn_kc_saml",
		raw: `{"issuer":"https://keycloak.example.com/realms/acme","nameID":"agarcia","nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
"urn:oid:1.2.840.113549.1.9.1":"ana.garcia@example.com","urn:oid:2.5.4.42":"Ana","urn:oid:2.5.4.4":"García",
"Role":["manage-account","offline_access"]}`,
		want: Profile{
			Sub: "conn_kc_saml:agarcia", Email: "ana.garcia@example.com", Name: sp("Ana García"), GivenName: sp("Ana"), FamilyName: sp("García"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_kc_saml"), ConnectionType: "SAML", ProviderName: "KEYCLOAK", ProviderUserID: "agarcia"},
		},
	},
	{
		// Shibboleth IdP, SAML 2.0 OIDs: transient NameID, eduPersonTargetedID as a NameID element
		// (node-saml's object form), eduPersonPrincipalName as the username.
		name:     "shibboleth saml2 targeted id",
		doc:      "https://shibboleth.atlassian.net/wiki/spaces/CONCEPT/pages/928645122/SAMLAttributeNaming",
		ctype:    "SAML",
		provider: "SHIBBOLETH",
		connID:   "conn_shib",
		raw: `{"issuer":"https://idp.example.edu/idp/shibboleth","nameID":"AAdzZWNyZXQxR2pfWHm1aGx3","nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
"urn:oid:1.3.6.1.4.1.5923.1.1.1.10":{"NameID":[{"_":"Mv8lVLk1cWuqrvI2ctAC2AXMPGw=","$":{"Format":"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
"NameQualifier":"https://idp.example.edu/idp/shibboleth","SPNameQualifier":"https://sp.example.com/shibboleth"}}]},
"urn:oid:1.3.6.1.4.1.5923.1.1.1.6":"jdoe@example.edu","urn:oid:0.9.2342.19200300.100.1.3":"Jane.Doe@Example.EDU",
"urn:oid:2.5.4.42":"Jane","urn:oid:2.5.4.4":"Doe","urn:oid:2.16.840.1.113730.3.1.241":"Jane Q. Doe",
"urn:oid:1.3.6.1.4.1.5923.1.1.1.9":["member@example.edu","staff@example.edu"]}`,
		want: Profile{
			Sub: "conn_shib:Mv8lVLk1cWuqrvI2ctAC2AXMPGw=", Email: "Jane.Doe@example.edu", Name: sp("Jane Q. Doe"), GivenName: sp("Jane"),
			FamilyName: sp("Doe"), PreferredUsername: sp("jdoe@example.edu"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_shib"), ConnectionType: "SAML", ProviderName: "SHIBBOLETH", ProviderUserID: "Mv8lVLk1cWuqrvI2ctAC2AXMPGw="},
		},
	},
	{
		// REFEDS subject-id (preferred over pairwise-id here by table order), isMemberOf groups,
		// preferredLanguage, and a German national mobile number read with the locale's region.
		name:     "shibboleth subject-id",
		doc:      "https://docs.oasis-open.org/security/saml-subject-id-attr/v1.0/cs01/saml-subject-id-attr-v1.0-cs01.html",
		ctype:    "SAML",
		provider: "SHIBBOLETH",
		connID:   "conn_shib",
		raw: `{"issuer":"https://idp.example.de/idp/shibboleth","nameID":"AAdzZWNyZXQxYmFzZTY0","nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
"urn:oasis:names:tc:SAML:attribute:subject-id":"3982745@example.de",
"urn:oasis:names:tc:SAML:attribute:pairwise-id":"HTGSJ2FRPXKXAQ4TXSS4DJY7OSSIOEWH@example.de",
"urn:oid:1.3.6.1.4.1.5923.1.5.1.1":["urn:mace:example.de:groups:physics","urn:mace:example.de:groups:staff"],
"urn:oid:2.16.840.1.113730.3.1.39":"de-DE","urn:oid:0.9.2342.19200300.100.1.41":"030 901820",
"urn:oid:2.16.840.1.113730.3.1.241":"Max Mustermann"}`,
		want: Profile{
			Sub: "conn_shib:3982745@example.de", Name: sp("Max Mustermann"), Locale: sp("de-DE"), PhoneNumber: sp("+4930901820"),
			Groups:   []string{"urn:mace:example.de:groups:physics", "urn:mace:example.de:groups:staff"},
			Identity: Identity{ConnectionID: sp("conn_shib"), ConnectionType: "SAML", ProviderName: "SHIBBOLETH", ProviderUserID: "3982745@example.de"},
		},
	},
	{
		// SAML 1.1 urn:mace attribute names with Shibboleth 1.x's transient handle: the id falls
		// back to eduPersonPrincipalName.
		name:     "shibboleth saml1 mace names",
		doc:      "https://wiki.refeds.org/display/STAN/eduPerson",
		ctype:    "SAML",
		provider: "SHIBBOLETH",
		connID:   "conn_shib1",
		raw: `{"issuer":"urn:mace:incommon:example.edu","nameID":"_c6a8e1f0b9d24e7a9b3c","nameIDFormat":"urn:mace:shibboleth:1.0:nameIdentifier",
"urn:mace:dir:attribute-def:eduPersonPrincipalName":"rsmith@example.edu","urn:mace:dir:attribute-def:mail":"r.smith@example.edu",
"urn:mace:dir:attribute-def:givenName":"Robin","urn:mace:dir:attribute-def:sn":"Smith","urn:mace:dir:attribute-def:isMemberOf":"example:course:phys101"}`,
		want: Profile{
			Sub: "conn_shib1:rsmith@example.edu", Email: "r.smith@example.edu", Name: sp("Robin Smith"), GivenName: sp("Robin"), FamilyName: sp("Smith"),
			PreferredUsername: sp("rsmith@example.edu"), Groups: []string{"example:course:phys101"},
			Identity: Identity{ConnectionID: sp("conn_shib1"), ConnectionType: "SAML", ProviderName: "SHIBBOLETH", ProviderUserID: "rsmith@example.edu"},
		},
	},
	{
		// Cognito user pool ID token with cognito:username and cognito:groups.
		name:     "cognito id token",
		doc:      "https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html",
		ctype:    "OIDC",
		provider: "COGNITO",
		connID:   "conn_cognito",
		raw: `{"sub":"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee","cognito:groups":["Admins","Readers"],"email_verified":true,
"iss":"https://cognito-idp.us-west-2.amazonaws.com/us-west-2_example","cognito:username":"anaya","origin_jti":"aaaaaaaa-bbbb-cccc-dddd-ffffffffffff",
"aud":"xxxxxxxxxxxxexample","event_id":"aaaaaaaa-bbbb-cccc-dddd-111111111111","token_use":"id","auth_time":1500009400,"exp":1500013000,
"iat":1500009400,"jti":"aaaaaaaa-bbbb-cccc-dddd-222222222222","given_name":"Anaya","email":"anaya@example.com"}`,
		want: Profile{
			Sub: "conn_cognito:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", Email: "anaya@example.com", EmailVerified: true,
			Name: sp("Anaya"), GivenName: sp("Anaya"), PreferredUsername: sp("anaya"), Groups: []string{"Admins", "Readers"},
			Identity: Identity{ConnectionID: sp("conn_cognito"), ConnectionType: "OIDC", ProviderName: "COGNITO", ProviderUserID: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"},
		},
	},
	{
		// Cognito /oauth2/userInfo: email_verified and phone_number_verified as strings.
		name:     "cognito userinfo",
		doc:      "https://docs.aws.amazon.com/cognito/latest/developerguide/userinfo-endpoint.html",
		ctype:    "OIDC",
		provider: "COGNITO",
		connID:   "conn_cognito",
		raw: `{"sub":"94f8e4d8-20a1-70d5-0b0c-0d6e2a5f1c3b","email_verified":"true","custom:mycustom1":"CustomValue","phone_number_verified":"true",
"phone_number":"+12065551212","email":"bob@example.com"}`,
		want: Profile{
			Sub: "conn_cognito:94f8e4d8-20a1-70d5-0b0c-0d6e2a5f1c3b", Email: "bob@example.com", EmailVerified: true, PhoneNumber: sp("+12065551212"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_cognito"), ConnectionType: "OIDC", ProviderName: "COGNITO", ProviderUserID: "94f8e4d8-20a1-70d5-0b0c-0d6e2a5f1c3b"},
		},
	},
	{
		// Sign in with Apple, first login: ID token claims plus the user object nested under
		// "user"; email_verified and is_private_email as strings.
		name:     "apple first login",
		doc:      "https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple",
		ctype:    "OIDC",
		provider: "APPLE",
		connID:   "conn_apple",
		raw: `{"iss":"https://appleid.apple.com","aud":"com.example.usergraph","exp":1700086400,"iat":1700000000,
"sub":"001234.5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d.1234","c_hash":"Rk9x3nBq8wV2sT6yU1zA0g","email":"k3x9q2m7@privaterelay.appleid.com",
"email_verified":"true","is_private_email":"true","auth_time":1700000000,"nonce_supported":true,
"user":{"name":{"firstName":"Jamie","lastName":"Appleseed"},"email":"k3x9q2m7@privaterelay.appleid.com"}}`,
		want: Profile{
			Sub: "conn_apple:001234.5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d.1234", Email: "k3x9q2m7@privaterelay.appleid.com", EmailVerified: true,
			Name: sp("Jamie Appleseed"), GivenName: sp("Jamie"), FamilyName: sp("Appleseed"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_apple"), ConnectionType: "OIDC", ProviderName: "APPLE", Social: true,
				ProviderUserID: "001234.5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d.1234"},
		},
	},
	{
		// Sign in with Apple at Work & School: email_verified false (boolean), no user object.
		name:     "apple managed account unverified",
		doc:      "https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple",
		ctype:    "OAUTH",
		provider: "APPLE",
		raw: `{"iss":"https://appleid.apple.com","aud":"com.example.usergraph","exp":1700086400,"iat":1700000000,
"sub":"000987.f1e2d3c4b5a6978812345678abcdef01.0042","email":"j.appleseed@example.edu","email_verified":false,"is_private_email":false,
"auth_time":1700000000,"nonce_supported":true}`,
		want: Profile{
			Sub: "apple:000987.f1e2d3c4b5a6978812345678abcdef01.0042", Email: "j.appleseed@example.edu", Groups: []string{},
			Identity: Identity{ConnectionType: "OAUTH", ProviderName: "APPLE", Social: true, ProviderUserID: "000987.f1e2d3c4b5a6978812345678abcdef01.0042"},
		},
	},
	{
		// GitHub's authenticated user: numeric id, login, a full name that is not split.
		name:     "github user",
		doc:      "https://docs.github.com/en/rest/users/users#get-the-authenticated-user",
		ctype:    "OAUTH",
		provider: "GITHUB",
		connID:   "conn_github",
		raw: `{"login":"octocat","id":583231,"node_id":"MDQ6VXNlcjU4MzIzMQ==","avatar_url":"https://avatars.githubusercontent.com/u/583231?v=4",
"gravatar_id":"","url":"https://api.github.com/users/octocat","html_url":"https://github.com/octocat","type":"User","site_admin":false,
"name":"The Octocat","company":"@github","blog":"https://github.blog","location":"San Francisco","email":"octocat@github.com",
"hireable":null,"bio":null,"twitter_username":null,"public_repos":8,"public_gists":8,"followers":9999,"following":9,
"created_at":"2011-01-25T18:44:36Z","updated_at":"2024-01-22T12:13:55Z"}`,
		want: Profile{
			Sub: "conn_github:583231", Email: "octocat@github.com", Name: sp("The Octocat"),
			Picture: sp("https://avatars.githubusercontent.com/u/583231?v=4"), PreferredUsername: sp("octocat"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_github"), ConnectionType: "OAUTH", ProviderName: "GITHUB", Social: true, ProviderUserID: "583231"},
		},
	},
	{
		// GitHub user with a private email and no name (both null); no connection id.
		name:     "github user null email",
		doc:      "https://docs.github.com/en/rest/users/users#get-the-authenticated-user",
		ctype:    "OAUTH",
		provider: "github",
		raw: `{"login":"mona-dev","id":139426193,"node_id":"U_kgDOCE9vkQ","avatar_url":"https://avatars.githubusercontent.com/u/139426193?v=4",
"type":"User","site_admin":false,"name":null,"company":null,"blog":"","location":null,"email":null,"hireable":null,"bio":null,
"public_repos":0,"followers":0,"following":0,"created_at":"2023-07-12T08:10:11Z","updated_at":"2023-07-12T08:10:11Z"}`,
		want: Profile{
			Sub: "github:139426193", Picture: sp("https://avatars.githubusercontent.com/u/139426193?v=4"), PreferredUsername: sp("mona-dev"),
			Groups:   []string{},
			Identity: Identity{ConnectionType: "OAUTH", ProviderName: "GITHUB", Social: true, ProviderUserID: "139426193"},
		},
	},
	{
		// GitLab current user: confirmed_at is when the primary email was confirmed.
		name:     "gitlab user",
		doc:      "https://docs.gitlab.com/api/users/#get-the-current-user",
		ctype:    "OAUTH",
		provider: "GITLAB",
		connID:   "conn_gitlab",
		raw: `{"id":1,"username":"john_smith","email":"john@example.com","name":"John Smith","state":"active","locked":false,
"avatar_url":"http://localhost:3000/uploads/user/avatar/1/index.jpg","web_url":"http://localhost:3000/john_smith",
"created_at":"2012-05-23T08:00:58Z","bio":"","location":null,"public_email":"john@example.com","skype":"","linkedin":"","twitter":"",
"confirmed_at":"2012-05-23T09:05:22Z","last_sign_in_at":"2012-06-01T11:41:01Z","current_sign_in_at":"2012-06-02T06:36:55Z",
"two_factor_enabled":true,"external":false,"private_profile":false}`,
		want: Profile{
			Sub: "conn_gitlab:1", Email: "john@example.com", EmailVerified: true, Name: sp("John Smith"),
			Picture: sp("http://localhost:3000/uploads/user/avatar/1/index.jpg"), PreferredUsername: sp("john_smith"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_gitlab"), ConnectionType: "OAUTH", ProviderName: "GITLAB", Social: true, ProviderUserID: "1"},
		},
	},
	{
		// GitLab as an OpenID Connect provider: userinfo with groups (full paths).
		name:     "gitlab oidc userinfo",
		doc:      "https://docs.gitlab.com/integration/openid_connect_provider/",
		ctype:    "OIDC",
		provider: "GITLAB",
		connID:   "conn_gitlab_oidc",
		raw: `{"sub":"1234567","sub_legacy":"2ab3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091","name":"Sidney Jones","nickname":"sjones",
"preferred_username":"sjones","email":"sjones@example.com","email_verified":true,"website":"https://example.com","profile":"https://gitlab.com/sjones",
"picture":"https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png","groups":["gitlab-org","gitlab-org/security"]}`,
		want: Profile{
			Sub: "conn_gitlab_oidc:1234567", Email: "sjones@example.com", EmailVerified: true, Name: sp("Sidney Jones"),
			Picture: sp("https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png"), PreferredUsername: sp("sjones"),
			Groups:   []string{"gitlab-org", "gitlab-org/security"},
			Identity: Identity{ConnectionID: sp("conn_gitlab_oidc"), ConnectionType: "OIDC", ProviderName: "GITLAB", Social: true, ProviderUserID: "1234567"},
		},
	},
	{
		// Sign In with LinkedIn using OpenID Connect: userinfo whose locale is an object.
		name:     "linkedin userinfo",
		doc:      "https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2",
		ctype:    "OIDC",
		provider: "LINKEDIN",
		connID:   "conn_linkedin",
		raw: `{"sub":"782bbtaQ","name":"John Doe","given_name":"John","family_name":"Doe",
"picture":"https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/",
"locale":{"country":"US","language":"en"},"email":"doe@email.com","email_verified":true}`,
		want: Profile{
			Sub: "conn_linkedin:782bbtaQ", Email: "doe@email.com", EmailVerified: true, Name: sp("John Doe"), GivenName: sp("John"),
			FamilyName: sp("Doe"), Locale: sp("en-US"),
			Picture:  sp("https://media.licdn-ei.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_linkedin"), ConnectionType: "OIDC", ProviderName: "LINKEDIN", Social: true, ProviderUserID: "782bbtaQ"},
		},
	},
	{
		// Salesforce UserInfo endpoint: user_id, POSIX-style locale, photos object.
		name:     "salesforce userinfo",
		doc:      "https://help.salesforce.com/s/articleView?id=sf.remoteaccess_using_userinfo_endpoint.htm",
		ctype:    "OAUTH",
		provider: "SALESFORCE",
		connID:   "conn_sfdc",
		raw: `{"sub":"https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P","user_id":"005x00000012Q9P","organization_id":"00Dx0000000BV7z",
"preferred_username":"roberta.smith@mycompany.com","nickname":"roberta.smith","name":"Roberta Smith","email":"roberta.smith@mycompany.com",
"email_verified":true,"given_name":"Roberta","family_name":"Smith","zoneinfo":"America/Los_Angeles",
"photos":{"picture":"https://mycompany--c.documentforce.com/profilephoto/005/F","thumbnail":"https://mycompany--c.documentforce.com/profilephoto/005/T"},
"profile":"https://mycompany.my.salesforce.com/005x00000012Q9P","picture":"https://mycompany--c.documentforce.com/profilephoto/005/F",
"address":{"country":"US"},"active":true,"user_type":"STANDARD","language":"en_US","locale":"en_US","utcOffset":-28800000,
"updated_at":"2023-01-10T17:04:09Z","is_app_installed":true}`,
		want: Profile{
			Sub: "conn_sfdc:005x00000012Q9P", Email: "roberta.smith@mycompany.com", EmailVerified: true, Name: sp("Roberta Smith"),
			GivenName: sp("Roberta"), FamilyName: sp("Smith"), Locale: sp("en-US"),
			Picture: sp("https://mycompany--c.documentforce.com/profilephoto/005/F"), PreferredUsername: sp("roberta.smith@mycompany.com"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_sfdc"), ConnectionType: "OAUTH", ProviderName: "SALESFORCE", Social: true, ProviderUserID: "005x00000012Q9P"},
		},
	},
	{
		// Salesforce as a SAML identity provider: userId, username, email, is_portal_user.
		name:     "salesforce saml idp",
		doc:      "https://help.salesforce.com/s/articleView?id=sf.identity_provider_about.htm",
		ctype:    "SAML",
		provider: "SALESFORCE",
		connID:   "conn_sfdc_saml",
		raw: `{"issuer":"https://mycompany.my.salesforce.com","nameID":"roberta.smith@mycompany.com",
"nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified","userId":"005x00000012Q9P","username":"roberta.smith@mycompany.com",
"email":"roberta.smith@mycompany.com","is_portal_user":"false"}`,
		want: Profile{
			Sub: "conn_sfdc_saml:005x00000012Q9P", Email: "roberta.smith@mycompany.com", PreferredUsername: sp("roberta.smith@mycompany.com"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_sfdc_saml"), ConnectionType: "SAML", ProviderName: "SALESFORCE", ProviderUserID: "005x00000012Q9P"},
		},
	},
	{
		// An unknown OIDC provider: the OpenID Connect Core standard claims, a phone number with
		// an RFC 3966-style extension (E.164 drops it) and an http picture.
		name:     "generic oidc standard claims",
		doc:      "https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims",
		ctype:    "OIDC",
		provider: "ACME_IDP",
		connID:   "conn_acme",
		raw: `{"sub":"248289761001","name":"Jane Doe","given_name":"Jane","family_name":"Doe","preferred_username":"j.doe",
"email":"janedoe@example.com","picture":"http://example.com/janedoe/me.jpg","phone_number":"+1 (604) 555-1234;ext=5678",
"zoneinfo":"America/Vancouver","locale":"en-CA","updated_at":1311280970}`,
		want: Profile{
			Sub: "conn_acme:248289761001", Email: "janedoe@example.com", Name: sp("Jane Doe"), GivenName: sp("Jane"), FamilyName: sp("Doe"),
			Locale: sp("en-CA"), Picture: sp("http://example.com/janedoe/me.jpg"), PhoneNumber: sp("+16045551234"), PreferredUsername: sp("j.doe"),
			Groups:   []string{},
			Identity: Identity{ConnectionID: sp("conn_acme"), ConnectionType: "OIDC", ProviderName: "ACME_IDP", ProviderUserID: "248289761001"},
		},
	},
	{
		// CUSTOM SAML IdP sending WS-Federation claim URIs with a transient NameID: the id is the
		// nameidentifier claim.
		name:     "custom saml claim uris",
		doc:      "https://learn.microsoft.com/en-us/windows-server/identity/ad-fs/technical-reference/the-role-of-claims",
		ctype:    "SAML",
		provider: "CUSTOM",
		connID:   "conn_custom",
		raw: `{"issuer":"https://idp.partner.example","nameID":"_8f2c1e9a7b3d4f5e6a7b","nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier":"E1F2A3B4-C5D6-4E7F-8091-A2B3C4D5E6F7",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress":"chris.ng@partner.example",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname":"Chris","http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname":"Ng",
"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/mobilephone":"+65 6123 4567"}`,
		want: Profile{
			Sub: "conn_custom:E1F2A3B4-C5D6-4E7F-8091-A2B3C4D5E6F7", Email: "chris.ng@partner.example", Name: sp("Chris Ng"), GivenName: sp("Chris"),
			FamilyName: sp("Ng"), PhoneNumber: sp("+6561234567"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_custom"), ConnectionType: "SAML", ProviderName: "CUSTOM", ProviderUserID: "E1F2A3B4-C5D6-4E7F-8091-A2B3C4D5E6F7"},
		},
	},
	{
		// An unknown SAML IdP (SimpleSAMLphp with the name2oid attribute map): urn:oid names,
		// multi-valued arrays, a persistent NameID that is the id.
		name:     "generic saml oids simplesamlphp",
		doc:      "https://simplesamlphp.org/docs/stable/simplesamlphp-idp.html",
		ctype:    "SAML",
		provider: "SIMPLESAMLPHP",
		raw: `{"issuer":"https://idp.example.org/simplesaml/saml2/idp/metadata.php","nameID":"2b4f6a8c0e1d3f5a7b9c1e3d5f7a9b1c3e5d7f9a",
"nameIDFormat":"urn:oasis:names:tc:SAML:2.0:nameid-format:persistent","urn:oid:0.9.2342.19200300.100.1.1":["student"],
"urn:oid:1.3.6.1.4.1.5923.1.1.1.1":["member","student"],"urn:oid:0.9.2342.19200300.100.1.3":["","student@example.org"],
"urn:oid:2.5.4.42":["Stu"],"urn:oid:2.5.4.4":["Dent"],"urn:oid:2.5.4.3":["Stu Dent"]}`,
		want: Profile{
			Sub: "simplesamlphp:2b4f6a8c0e1d3f5a7b9c1e3d5f7a9b1c3e5d7f9a", Email: "student@example.org", Name: sp("Stu Dent"), GivenName: sp("Stu"),
			FamilyName: sp("Dent"), PreferredUsername: sp("student"), Groups: []string{},
			Identity: Identity{ConnectionType: "SAML", ProviderName: "SIMPLESAMLPHP", ProviderUserID: "2b4f6a8c0e1d3f5a7b9c1e3d5f7a9b1c3e5d7f9a"},
		},
	},
	{
		// A passwordless (magic link / OTP) sign-in with an unknown provider: the generic claims
		// mapping; the email is verified only because the payload says so.
		name:     "passwordless generic",
		doc:      "https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims",
		ctype:    "PASSWORDLESS",
		provider: "MAGIC_LINK",
		connID:   "conn_pwdless",
		orgID:    "org_123",
		raw:      `{"sub":"usr_7c1d2e3f4a5b","email":"  taylor@Example.io ","email_verified":"TRUE","locale":"fr_CA.UTF-8"}`,
		want: Profile{
			Sub: "conn_pwdless:usr_7c1d2e3f4a5b", Email: "taylor@example.io", EmailVerified: true, Locale: sp("fr-CA"), Groups: []string{},
			Identity: Identity{ConnectionID: sp("conn_pwdless"), OrganizationID: sp("org_123"), ConnectionType: "PASSWORDLESS",
				ProviderName: "MAGIC_LINK", ProviderUserID: "usr_7c1d2e3f4a5b"},
		},
	},
	{
		// Node-saml also hands the attributes over under "attributes"; a SAML payload whose
		// attributes are only there is read from there (Okta, with a group list of one).
		name:     "okta saml attributes object",
		doc:      "https://github.com/node-saml/node-saml#config-parameter-details",
		ctype:    "SAML",
		provider: "OKTA",
		connID:   "conn_okta_saml",
		raw: `{"issuer":"http://www.okta.com/exk1fcia6d6EMsf331d8","nameID":"sam.wu@example.com",
"nameIDFormat":"urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
"attributes":{"firstName":"Sam","lastName":"Wu","groups":"Everyone"}}`,
		want: Profile{
			Sub: "conn_okta_saml:sam.wu@example.com", Email: "sam.wu@example.com", Name: sp("Sam Wu"), GivenName: sp("Sam"), FamilyName: sp("Wu"),
			Groups:   []string{"Everyone"},
			Identity: Identity{ConnectionID: sp("conn_okta_saml"), ConnectionType: "SAML", ProviderName: "OKTA", ProviderUserID: "sam.wu@example.com"},
		},
	},
}

func TestClaimSets(t *testing.T) {
	if len(claimCases) < 30 {
		t.Fatalf("only %d documented claim sets", len(claimCases))
	}
	n := Default()
	seen := map[string]bool{}
	for _, c := range claimCases {
		t.Run(c.name, func(t *testing.T) {
			if seen[c.name] {
				t.Fatalf("duplicate case name")
			}
			seen[c.name] = true
			if !strings.HasPrefix(c.doc, "https://") {
				t.Fatalf("case has no documentation URL")
			}
			if !json.Valid([]byte(c.raw)) {
				t.Fatalf("raw is not valid JSON")
			}
			raw := json.RawMessage(c.raw)
			got, err := n.Normalize(Input{ConnectionType: c.ctype, ProviderName: c.provider, RawAttributes: raw,
				ConnectionID: c.connID, OrganizationID: c.orgID})
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if !bytes.Equal(got.Identity.ProviderRawAttributes, raw) {
				t.Fatalf("raw attributes changed")
			}
			want := c.want
			want.Identity.ProviderRawAttributes = raw
			assert.Equal(t, want, *got)
		})
	}
}
