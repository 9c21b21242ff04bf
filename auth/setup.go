package auth

import (
	"fmt"
	"strings"
	"time"
)

// The embedded mode signs its own tokens with these issuer and audience claims.
const (
	EmbeddedIssuer   = "usergraph"
	EmbeddedAudience = "usergraph"
)

// Settings chooses where the server's callers come from. API keys are accepted in both
// modes; bearer tokens are Scalekit's when ScalekitURL is set, otherwise the embedded
// mode's own.
type Settings struct {
	APIKeys []APIKey
	// ScalekitURL is the Scalekit environment whose tokens are accepted, verified against
	// its published key set.
	ScalekitURL string
	// ServiceClientIDs are the Scalekit clients whose client-credentials tokens are services.
	ServiceClientIDs []string
	// Audience is the required aud of Scalekit tokens; empty accepts any token of the
	// environment.
	Audience []string
	// KeysDir holds the embedded mode's signing key, created there on first use.
	KeysDir string
}

// Setup returns the Authenticator that settings describe and, in embedded mode, the
// server's key set: the server publishes its public half and mints development tokens
// with it (MintEmbedded).
func Setup(s Settings) (*Authenticator, *KeySet, error) {
	cfg := Config{APIKeys: s.APIKeys}
	var ks *KeySet
	if s.ScalekitURL != "" {
		cfg.Issuer, cfg.JWKSURL = s.ScalekitURL, ScalekitJWKSURL(s.ScalekitURL)
		cfg.ServiceClientIDs, cfg.Audience = s.ServiceClientIDs, s.Audience
	} else {
		var err error
		if ks, err = LoadOrCreateKeySet(s.KeysDir); err != nil {
			return nil, nil, fmt.Errorf("the signing key in %s: %w", s.KeysDir, err)
		}
		cfg.Issuer, cfg.Audience, cfg.LocalKeys = EmbeddedIssuer, []string{EmbeddedAudience}, ks
	}
	a, err := New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return a, ks, nil
}

// MintEmbedded signs a token that the embedded mode accepts: claims with its issuer and
// audience.
func (ks *KeySet) MintEmbedded(claims MintClaims, ttl time.Duration) (string, error) {
	claims.Issuer, claims.Audience = EmbeddedIssuer, []string{EmbeddedAudience}
	return ks.Mint(claims, ttl)
}

// ScalekitJWKSURL returns the key set of a Scalekit environment, "{envURL}/keys": the
// path Scalekit's SDKs fetch (docs/scalekit-api.md).
func ScalekitJWKSURL(envURL string) string {
	return strings.TrimRight(envURL, "/") + "/keys"
}
