package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/usergraph/usergraph/gateway"
	"github.com/usergraph/usergraph/graph"
	"github.com/usergraph/usergraph/schemacheck"
)

// runSchema is `usergraph schema check [-deprecated-ok] OLD.graphql [NEW.graphql]`: it prints
// every change from OLD to NEW (default: this binary's schema) as breaking, dangerous or
// safe, and fails on a breaking one — with -deprecated-ok, only on a breaking one that was
// not deprecated in OLD (the deprecation policy CI applies).
func runSchema(args []string, stdout io.Writer) error {
	const usage = "usage: usergraph schema check [-deprecated-ok] OLD.graphql [NEW.graphql]"
	if len(args) == 0 || args[0] != "check" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("usergraph schema check", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	deprecatedOK := fs.Bool("deprecated-ok", false, "allow breaking changes to what OLD deprecated")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("%w\n%s", err, usage)
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		return errors.New(usage)
	}
	old, err := loadSchemaFile(fs.Arg(0))
	if err != nil {
		return err
	}
	newName, newSDL := "this binary's schema", string(gateway.PrintSchema(gateway.NewExecutableSchema(&graph.Resolver{})))
	if fs.NArg() == 2 {
		b, err := os.ReadFile(fs.Arg(1))
		if err != nil {
			return err
		}
		newName, newSDL = fs.Arg(1), string(b)
	}
	next, err := schemacheck.Load(newName, newSDL)
	if err != nil {
		return fmt.Errorf("%s: %w", newName, err)
	}
	changes := schemacheck.Compare(old, next)
	counts := map[schemacheck.Level]int{}
	failing := 0
	for _, c := range changes {
		counts[c.Level]++
		if c.Level == schemacheck.Breaking && !(*deprecatedOK && c.Deprecated) {
			failing++
		}
		if _, err := fmt.Fprintln(stdout, c); err != nil {
			return err
		}
	}
	_, _ = fmt.Fprintf(stdout, "%s -> %s: %d breaking, %d dangerous, %d safe\n", fs.Arg(0), newName,
		counts[schemacheck.Breaking], counts[schemacheck.Dangerous], counts[schemacheck.Safe])
	switch {
	case failing > 0 && *deprecatedOK:
		return fmt.Errorf("schema check: %d breaking change(s) not deprecated first", failing)
	case failing > 0:
		return fmt.Errorf("schema check: %d breaking change(s)", failing)
	}
	return nil
}

func loadSchemaFile(path string) (*schemacheck.Schema, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := schemacheck.Load(path, string(b))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}
