package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory/sqlstore"
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

// userExists refuses a token for a user the store does not hold: such a token would only
// ever read as an empty world, with no word of why.
func userExists(ctx context.Context, id, db, databaseURL string) error {
	if !strings.HasPrefix(id, "usr_") {
		return fmt.Errorf("-user %q is not a user id (usr_…)", id)
	}
	var (
		store *sqlstore.Store
		where string
		err   error
	)
	if databaseURL != "" {
		store, err = sqlstore.OpenPostgres(ctx, databaseURL, sqlstore.Options{})
		if err != nil {
			return fmt.Errorf("opening PostgreSQL (USERGRAPH_DATABASE_URL) to look up -user: %s", oneLine(err))
		}
		where = "the PostgreSQL database"
	} else {
		if _, err := os.Stat(db); err != nil {
			return fmt.Errorf("there is no embedded store at %s to look up -user %s in: start the server once (go run .) to create it, or name it with -db", db, id)
		}
		store, err = sqlstore.OpenSQLite(ctx, db, sqlstore.Options{})
		if err != nil {
			return fmt.Errorf("opening the embedded store %s: %w", db, err)
		}
		where = db
	}
	defer store.Close()
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
