package directory

// IdentityLookup finds the user linked to an account at an identity provider.
type IdentityLookup struct {
	// Sub is the link's key (see Identity.Sub).
	Sub            string
	ConnectionID   string
	ProviderUserID string
	// Email is the address the provider sent, a hint for backends that cannot look a link
	// up by itself (Scalekit finds the user by email, then checks its identities). It is
	// never a match on its own.
	Email string
}

// MaxRawAttributesBytes bounds the raw attributes kept with an identity.
const MaxRawAttributesBytes = 64 << 10
