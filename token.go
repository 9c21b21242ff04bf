package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"

	"path/filepath"
	"strings"
	"time"

	"github.com/usergraph/usergraph/auth"
)

// The embedded mode signs its own tokens; these name them.
const (
	embeddedIssuer   = "usergraph"
	embeddedAudience = "usergraph"
)

// playgroundTokenTTL bounds the development token pre-filled in the playground.
const playgroundTokenTTL = 12 * time.Hour

// keysDir is where the embedded mode keeps its signing key: beside the database.
func keysDir(db string) string { return filepath.Dir(db) }

// credentials is what the server accepts: its authenticator, the public keys to publish,
// and the headers to pre-fill in the playground (only on loopback).
type credentials struct {
	authenticator     *auth.Authenticator
	jwks              []byte
	playgroundHeaders map[string]string
}

// setUpAuth builds the authenticator: API keys from USERGRAPH_API_KEYS / _FILE in both
// modes; tokens signed by the server's own key in embedded mode, or by the Scalekit
// environment (its JWKS) in Scalekit mode.
func setUpAuth(cfg config) (*credentials, error) {
	var keys []auth.APIKey
	if cfg.apiKeys != "" {
		k, err := auth.ParseAPIKeys(cfg.apiKeys)
		if err != nil {
			return nil, fmt.Errorf("USERGRAPH_API_KEYS: %w", err)
		}
		keys = append(keys, k...)
	}
	if cfg.apiKeysFile != "" {
		k, err := auth.LoadAPIKeysFile(cfg.apiKeysFile)
		if err != nil {
			return nil, fmt.Errorf("USERGRAPH_API_KEYS_FILE: %w", err)
		}
		keys = append(keys, k...)
	}
	c := &credentials{}
	ac := auth.Config{APIKeys: keys}
	if cfg.scalekitURL != "" {
		ac.Issuer = cfg.scalekitURL
		ac.JWKSURL = auth.ScalekitJWKSURL(cfg.scalekitURL)
		ac.ServiceClientIDs = append([]string{cfg.scalekitClientID}, splitList(cfg.serviceClients)...)
		if cfg.audience != "*" {
			ac.Audience = splitList(cfg.audience)
		}
	} else {
		dir := firstNonEmpty(cfg.keysDir, keysDir(cfg.db))
		ks, err := auth.LoadOrCreateKeySet(dir)
		if err != nil {
			return nil, fmt.Errorf("the signing key in %s: %w", dir, err)
		}
		ac.Issuer, ac.Audience, ac.LocalKeys = embeddedIssuer, []string{embeddedAudience}, ks
		c.jwks = ks.PublicJWKS()
		if loopback(cfg.addr) && cfg.databaseURL == "" {
			// A development convenience that must never reach another machine: only the
			// single-file embedded store on a loopback listener gets it, and the page
			// carries it only to browsers connected directly over loopback.
			tok, err := ks.Mint(auth.MintClaims{Issuer: embeddedIssuer, Audience: []string{embeddedAudience},
				Subject: "playground", Service: true}, playgroundTokenTTL)
			if err != nil {
				return nil, err
			}
			c.playgroundHeaders = map[string]string{"Authorization": "Bearer " + tok}
		}
	}
	a, err := auth.New(ac)
	if err != nil {
		return nil, err
	}
	c.authenticator = a
	return c, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func loopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// runToken is `usergraph token`: it prints a development token signed by the embedded
// store's key, for a user (with -user) or a service (with -service).
func runToken(args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("usergraph token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", firstNonEmpty(getenv("USERGRAPH_DB"), "data/usergraph.db"), "embedded store file whose folder holds the key (USERGRAPH_DB)")
	keys := fs.String("keys-dir", getenv("USERGRAPH_KEYS_DIR"), "folder of the signing key; default: the folder of -db (USERGRAPH_KEYS_DIR)")
	user := fs.String("user", "", "user id (usr_…) the token is for")
	service := fs.String("service", "", "service name, for a token that may do everything")
	org := fs.String("org", "", "organization id claim (informational; access follows memberships)")
	roles := fs.String("roles", "", "comma-separated role claims (informational)")
	ttl := fs.Duration("ttl", time.Hour, "lifetime")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*user == "") == (*service == "") {
		return errors.New("token: give exactly one of -user usr_… or -service NAME")
	}
	if *user != "" && !strings.HasPrefix(*user, "usr_") {
		return fmt.Errorf("token: -user %q is not a user id (usr_…)", *user)
	}
	ks, err := auth.LoadOrCreateKeySet(firstNonEmpty(*keys, keysDir(*db)))
	if err != nil {
		return err
	}
	claims := auth.MintClaims{Issuer: embeddedIssuer, Audience: []string{embeddedAudience}, Subject: *user,
		OrganizationID: *org, Roles: splitList(*roles)}
	if *service != "" {
		claims.Subject, claims.Service = *service, true
	}
	tok, err := ks.Mint(claims, *ttl)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, tok)
	return err
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
