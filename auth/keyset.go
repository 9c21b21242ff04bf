package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jwt"
)

// SigningKeyFile is the name of the embedded mode's key file inside the data
// directory.
const SigningKeyFile = "signing-key.json"

// KeySet is the embedded mode's own signing key: an Ed25519 private key
// (EdDSA), or an ES256 key if the file holds one.
type KeySet struct {
	priv jwk.Key
	pub  jwk.Key
	kid  string
	alg  jwa.SignatureAlgorithm
	jwks []byte
}

// MintClaims are the claims of a token minted by (*KeySet).Mint. They mirror
// the Scalekit access token claims the Authenticator reads.
type MintClaims struct {
	Issuer   string
	Audience []string
	// Subject is the user id (usr_…), or for a Service token the service's
	// name.
	Subject        string
	OrganizationID string
	Roles          []string
	Permissions    []string
	// Service marks a service token: Authenticate returns a Service caller
	// named Subject, but only when the token is signed by the local key.
	Service bool
}

// GenerateKeySet returns a fresh, unsaved Ed25519 key set (for tests and
// tools; servers use LoadOrCreateKeySet).
func GenerateKeySet() (*KeySet, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("auth: generating signing key: %w", err)
	}
	k, err := jwk.Import(priv)
	if err != nil {
		return nil, fmt.Errorf("auth: importing signing key: %w", err)
	}
	if err := k.Set(jwk.AlgorithmKey, jwa.EdDSA()); err != nil {
		return nil, err
	}
	if err := k.Set(jwk.KeyUsageKey, jwk.ForSignature); err != nil {
		return nil, err
	}
	if err := jwk.AssignKeyID(k); err != nil {
		return nil, err
	}
	return newKeySet(k)
}

// LoadOrCreateKeySet returns the signing key stored in dir/signing-key.json,
// creating it (and dir, mode 0700) on first use. The file is a private JWK,
// mode 0600, written atomically: it is written to a temporary file in dir,
// synced, and then linked into place, so a crash never leaves a truncated
// key and two processes starting at once end up sharing one key. A key file
// readable by group or others is refused.
func LoadOrCreateKeySet(dir string) (*KeySet, error) {
	path := filepath.Join(dir, SigningKeyFile)
	ks, err := loadKeySet(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return ks, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	ks, err = GenerateKeySet()
	if err != nil {
		return nil, err
	}
	buf, err := json.MarshalIndent(ks.priv, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("auth: encoding signing key: %w", err)
	}
	if err := writeNewFile(path, append(buf, '\n')); err != nil {
		if errors.Is(err, fs.ErrExist) {
			// Another process created it first: use theirs.
			return loadKeySet(path)
		}
		return nil, err
	}
	return ks, nil
}

// writeNewFile atomically creates path with data and mode 0600, failing with
// fs.ErrExist if path already exists.
func writeNewFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("auth: writing signing key: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("auth: writing signing key: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: writing signing key: %w", err)
	}
	// os.Link, unlike os.Rename, never replaces an existing file, so a key
	// another process created in the meantime is not overwritten.
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// File systems without hard links: fall back to rename, checking
		// for a concurrent creator first (a narrow race we accept there).
		if _, statErr := os.Lstat(path); statErr == nil {
			return fs.ErrExist
		}
		if err := os.Rename(tmp.Name(), path); err != nil {
			return fmt.Errorf("auth: installing signing key: %w", err)
		}
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the new directory entry durable; best effort
		d.Close()
	}
	return nil
}

func loadKeySet(path string) (*KeySet, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("auth: signing key %s has mode %#o; it must not be accessible to group or others (chmod 600)", path, fi.Mode().Perm())
	}
	buf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	k, err := jwk.ParseKey(buf)
	if err != nil {
		return nil, fmt.Errorf("auth: signing key %s: %w", path, err)
	}
	if err := jwk.AssignKeyID(k); err != nil {
		return nil, fmt.Errorf("auth: signing key %s: %w", path, err)
	}
	ks, err := newKeySet(k)
	if err != nil {
		return nil, fmt.Errorf("auth: signing key %s: %w", path, err)
	}
	return ks, nil
}

func newKeySet(priv jwk.Key) (*KeySet, error) {
	isPriv, err := jwk.IsPrivateKey(priv)
	if err != nil || !isPriv {
		return nil, errors.New("not a private key")
	}
	var alg jwa.SignatureAlgorithm
	var crv jwa.EllipticCurveAlgorithm
	if err := priv.Get(jwk.OKPCrvKey, &crv); err != nil {
		return nil, fmt.Errorf("unsupported key type %s (want Ed25519 or P-256)", priv.KeyType())
	}
	switch {
	case priv.KeyType() == jwa.OKP() && crv == jwa.Ed25519():
		alg = jwa.EdDSA()
	case priv.KeyType() == jwa.EC() && crv == jwa.P256():
		alg = jwa.ES256()
	default:
		return nil, fmt.Errorf("unsupported key type %s/%s (want OKP Ed25519 or EC P-256)", priv.KeyType(), crv)
	}
	if a, ok := priv.Algorithm(); ok && a.String() != alg.String() {
		return nil, fmt.Errorf("key algorithm %q does not match its type (want %s)", a, alg)
	}
	kid, ok := priv.KeyID()
	if !ok || kid == "" {
		return nil, errors.New("key has no kid")
	}
	pub, err := priv.PublicKey()
	if err != nil {
		return nil, err
	}
	for name, v := range map[string]any{jwk.AlgorithmKey: alg, jwk.KeyUsageKey: jwk.ForSignature, jwk.KeyIDKey: kid} {
		if err := pub.Set(name, v); err != nil {
			return nil, err
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(pub); err != nil {
		return nil, err
	}
	jwks, err := json.Marshal(set)
	if err != nil {
		return nil, err
	}
	return &KeySet{priv: priv, pub: pub, kid: kid, alg: alg, jwks: jwks}, nil
}

// KeyID returns the key's "kid".
func (ks *KeySet) KeyID() string { return ks.kid }

// PublicJWKS returns the public half of the key as a JWK Set document
// ({"keys":[…]}), for serving at /.well-known/jwks.json.
func (ks *KeySet) PublicJWKS() []byte {
	return append([]byte(nil), ks.jwks...)
}

// Mint signs a token carrying claims that expires ttl from now. It sets
// iat, nbf and a random jti. A user token needs a usr_ subject; a service
// token (claims.Service) needs a subject that is not a usr_ id.
func (ks *KeySet) Mint(claims MintClaims, ttl time.Duration) (string, error) {
	return ks.mintAt(claims, time.Now(), ttl)
}

func (ks *KeySet) mintAt(claims MintClaims, now time.Time, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", errors.New("auth: mint: ttl must be positive")
	}
	if claims.Issuer == "" {
		return "", errors.New("auth: mint: issuer is required")
	}
	if claims.Subject == "" {
		return "", errors.New("auth: mint: subject is required")
	}
	if claims.Service == strings.HasPrefix(claims.Subject, userIDPrefix) {
		if claims.Service {
			return "", errors.New("auth: mint: a service token's subject must not be a user id")
		}
		return "", fmt.Errorf("auth: mint: a user token's subject must start with %q", userIDPrefix)
	}
	var jti [16]byte
	if _, err := rand.Read(jti[:]); err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	b := jwt.NewBuilder().
		Issuer(claims.Issuer).
		Subject(claims.Subject).
		IssuedAt(now).
		NotBefore(now).
		Expiration(now.Add(ttl)).
		JwtID(base64.RawURLEncoding.EncodeToString(jti[:]))
	if len(claims.Audience) > 0 {
		b = b.Audience(claims.Audience)
	}
	if claims.OrganizationID != "" {
		b = b.Claim(claimOrganization, claims.OrganizationID)
	}
	if claims.Roles != nil {
		b = b.Claim(claimRoles, claims.Roles)
	}
	if claims.Permissions != nil {
		b = b.Claim(claimPermissions, claims.Permissions)
	}
	if claims.Service {
		b = b.Claim(claimService, true)
	}
	tok, err := b.Build()
	if err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(ks.alg, ks.priv))
	if err != nil {
		return "", fmt.Errorf("auth: mint: %w", err)
	}
	return string(signed), nil
}
