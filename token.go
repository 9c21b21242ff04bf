package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/usergraph/usergraph/auth"
)

// keysDir is where the embedded mode keeps its signing key: beside the database.
func keysDir(db string) string { return filepath.Dir(db) }

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
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
	claims := auth.MintClaims{Subject: *user, OrganizationID: *org, Roles: splitList(*roles)}
	if *service != "" {
		claims.Subject, claims.Service = *service, true
	}
	tok, err := ks.MintEmbedded(claims, *ttl)
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
