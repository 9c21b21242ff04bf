package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/directory/postgres"
	"github.com/usergraph/usergraph/directory/sqlite"
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
	// help tells a caller without credentials where to get some.
	help string
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
		c.help = "send an access token of the Scalekit environment " + cfg.scalekitURL + " or an API key of USERGRAPH_API_KEYS"
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
		c.help = "for a development token run `go run . token -user usr_…` (a user) or `go run . token -service NAME` " +
			"(a service) beside the server; the playground on http://localhost carries one"
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
// store's key, for a user of the store (with -user) or a service (with -service).
func runToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("usergraph token", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	db := fs.String("db", firstNonEmpty(getenv("USERGRAPH_DB"), "data/usergraph.db"), "embedded store file: the user must exist there, and its folder holds the key (USERGRAPH_DB)")
	databaseURL := fs.String("database-url", getenv("USERGRAPH_DATABASE_URL"), "PostgreSQL connection string, when the server runs on PostgreSQL: the user must exist there (USERGRAPH_DATABASE_URL)")
	keys := fs.String("keys-dir", getenv("USERGRAPH_KEYS_DIR"), "folder of the signing key; default: the folder of -db (USERGRAPH_KEYS_DIR)")
	user := fs.String("user", "", "user id (usr_…) the token is for; the user must exist")
	service := fs.String("service", "", "service name, for a token that may do everything")
	org := fs.String("org", "", "organization id claim (informational; access follows memberships)")
	roles := fs.String("roles", "", "comma-separated role claims (informational)")
	ttl := fs.Duration("ttl", time.Hour, "lifetime, such as 30m or 12h")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, "Usage: usergraph token -user usr_… | -service NAME [flags]\n"+
				"Prints a development token signed by the embedded mode's key (with Scalekit, tokens come from Scalekit).\n\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
			return err
		}
		return fmt.Errorf("token: %v (usergraph token -h lists the flags)", err)
	}
	if (*user == "") == (*service == "") {
		return errors.New("token: give exactly one of -user usr_… or -service NAME")
	}
	if *user != "" {
		if err := userExists(ctx, *user, *db, *databaseURL); err != nil {
			return fmt.Errorf("token: %w", err)
		}
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

// userExists refuses a token for a user the store does not hold: such a token would only
// ever read as an empty world, with no word of why.
func userExists(ctx context.Context, id, db, databaseURL string) error {
	if !strings.HasPrefix(id, "usr_") {
		return fmt.Errorf("-user %q is not a user id (usr_…)", id)
	}
	var (
		store directory.Directory
		where string
	)
	if databaseURL != "" {
		pg, err := postgres.Open(ctx, databaseURL, postgres.Options{})
		if err != nil {
			return fmt.Errorf("opening PostgreSQL (USERGRAPH_DATABASE_URL) to look up -user: %s", oneLine(err))
		}
		defer pg.Close()
		store, where = pg, "the PostgreSQL database"
	} else {
		if _, err := os.Stat(db); err != nil {
			return fmt.Errorf("there is no embedded store at %s to look up -user %s in: start the server once (go run .) to create it, or name it with -db", db, id)
		}
		lite, err := sqlite.Open(ctx, db, sqlite.Options{})
		if err != nil {
			return fmt.Errorf("opening the embedded store %s: %w", db, err)
		}
		defer lite.Close()
		store, where = lite, db
	}
	users, err := store.UsersByID(ctx, []string{id})
	if err != nil {
		return fmt.Errorf("looking up -user %s in %s: %w", id, where, err)
	}
	if len(users) != 1 || users[0] == nil {
		return fmt.Errorf("there is no user %s in %s; list users with { users { nodes { id email } } } in the playground", id, where)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
