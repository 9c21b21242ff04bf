package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// APIKeyPrefix starts every key made by NewAPIKey, so that leaked keys are
// easy to recognise (and to add to secret scanners).
const APIKeyPrefix = "ugk_"

// maxAPIKeyLen bounds the presented key; generated keys are 47 bytes.
const maxAPIKeyLen = 512

// APIKey is a service credential as stored by the server: a name and the
// SHA-256 of the full plaintext key (prefix included).
//
// Why a plain, unsalted SHA-256 and not bcrypt/scrypt/argon2: those slow,
// salted hashes exist to protect low-entropy secrets (passwords) against
// guessing and precomputed tables. Our keys are 32 bytes from crypto/rand,
// i.e. 256 bits of entropy, so guessing a preimage of the stored hash is
// infeasible however fast the hash is, and no table can cover that space
// (a salt adds nothing). A slow hash would only cost CPU on every request
// and hand attackers a cheap denial of service.
type APIKey struct {
	Name string
	Hash [32]byte
}

// String formats k as "name:sha256hex", the form ParseAPIKeys reads (the
// hash is not secret, but the plaintext key never appears here).
func (k APIKey) String() string {
	return k.Name + ":" + hex.EncodeToString(k.Hash[:])
}

// HashAPIKey returns the SHA-256 of a plaintext key, as stored in APIKey.Hash.
func HashAPIKey(plaintext string) [32]byte {
	return sha256.Sum256([]byte(plaintext))
}

// NewAPIKey generates a key for the service name: 32 random bytes, base64url
// encoded behind APIKeyPrefix. The plaintext is shown to the operator once;
// only the returned APIKey (the hash) should be stored.
func NewAPIKey(name string) (plaintext string, key APIKey, err error) {
	if err := validateKeyName(name); err != nil {
		return "", APIKey{}, err
	}
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", APIKey{}, fmt.Errorf("auth: generating API key: %w", err)
	}
	plaintext = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plaintext, APIKey{Name: name, Hash: HashAPIKey(plaintext)}, nil
}

// ParseAPIKeys reads keys from an environment variable value of the form
// "name:sha256hex,name2:sha256hex". Spaces around entries are ignored, as
// are empty entries; an empty spec yields no keys. Names must be unique and
// consist of letters, digits, '.', '_' and '-'.
func ParseAPIKeys(spec string) ([]APIKey, error) {
	var keys []APIKey
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, hexHash, ok := strings.Cut(entry, ":")
		if !ok {
			return nil, fmt.Errorf("auth: API key entry %d: want name:sha256hex", i+1)
		}
		k, err := parseAPIKey(strings.TrimSpace(name), strings.TrimSpace(hexHash))
		if err != nil {
			return nil, fmt.Errorf("auth: API key entry %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	if err := checkDuplicates(keys); err != nil {
		return nil, err
	}
	return keys, nil
}

// LoadAPIKeysFile reads keys from a file with one "name sha256hex" per line
// (any run of spaces or tabs between them). Blank lines and lines starting
// with '#' are ignored.
func LoadAPIKeysFile(path string) ([]APIKey, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	defer f.Close()
	var keys []APIKey
	sc := bufio.NewScanner(f)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("auth: %s:%d: want \"name sha256hex\"", path, line)
		}
		k, err := parseAPIKey(fields[0], fields[1])
		if err != nil {
			return nil, fmt.Errorf("auth: %s:%d: %w", path, line, err)
		}
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: reading %s: %w", path, err)
	}
	if err := checkDuplicates(keys); err != nil {
		return nil, err
	}
	return keys, nil
}

func parseAPIKey(name, hexHash string) (APIKey, error) {
	if err := validateKeyName(name); err != nil {
		return APIKey{}, err
	}
	if len(hexHash) != 2*sha256.Size {
		return APIKey{}, fmt.Errorf("key %q: hash must be %d hex digits", name, 2*sha256.Size)
	}
	var k APIKey
	if _, err := hex.Decode(k.Hash[:], []byte(hexHash)); err != nil {
		return APIKey{}, fmt.Errorf("key %q: hash is not hex", name)
	}
	k.Name = name
	return k, nil
}

func validateKeyName(name string) error {
	if name == "" {
		return errors.New("API key name is empty")
	}
	if len(name) > 64 {
		return errors.New("API key name is longer than 64 bytes")
	}
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		default:
			return fmt.Errorf("API key name %q: only letters, digits, '.', '_' and '-' are allowed", name)
		}
	}
	return nil
}

func checkDuplicates(keys []APIKey) error {
	names := make(map[string]bool, len(keys))
	hashes := make(map[[32]byte]bool, len(keys))
	for _, k := range keys {
		if names[k.Name] {
			return fmt.Errorf("auth: duplicate API key name %q", k.Name)
		}
		if hashes[k.Hash] {
			return fmt.Errorf("auth: API key %q has the same hash as another key", k.Name)
		}
		names[k.Name], hashes[k.Hash] = true, true
	}
	return nil
}

// matchAPIKey returns the key whose hash matches presented. Every stored
// hash is compared with crypto/subtle, without stopping at a match, so the
// time taken does not depend on which key (if any) matched or on how many
// leading bytes agree.
func matchAPIKey(keys []APIKey, presented string) (APIKey, bool) {
	h := HashAPIKey(presented)
	var found APIKey
	matched := 0
	for i := range keys {
		eq := subtle.ConstantTimeCompare(h[:], keys[i].Hash[:])
		if eq == 1 && matched == 0 {
			found = keys[i]
		}
		matched |= eq
	}
	return found, matched == 1
}
