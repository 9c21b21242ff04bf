// Command fakescalekit serves the in-repo fake of Scalekit's REST API (package
// directory/scalekit/scalekittest) as a standalone process, so that Scalekit mode can be tried
// without a Scalekit account and benchmarked against a fixed latency:
//
//	go run ./cmd/fakescalekit                                   # the demo data set
//	go run ./cmd/fakescalekit -latency 20ms -orgs 50 -users 5000 # a generated one
//
// Before serving it prints the three SCALEKIT_* variables that point usergraph (or any other
// Scalekit client) at it. It listens on loopback only. Every /api/v1 request and 2xx response
// is checked against Scalekit's OpenAPI document when that document is found
// (the file named by USERGRAPH_SCALEKIT_OPENAPI);
// without it the check is skipped and the fake says so. GET /_fake/counters reports the
// number of API calls served, for a load tool's "Scalekit calls per request".
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintln(os.Stderr, "fakescalekit:", err)
		os.Exit(1)
	}
}

type config struct {
	addr     string
	latency  time.Duration
	orgs     int
	users    int
	seed     uint64
	validate bool
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("fakescalekit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:0", "listen address, loopback only (port 0: a free one, printed at start)")
	fs.DurationVar(&c.latency, "latency", 0, "delay of every /api/v1 answer, e.g. 20ms")
	fs.IntVar(&c.orgs, "orgs", 0, "generate this many organizations (with -users) instead of the demo data set")
	fs.IntVar(&c.users, "users", 0, "generate this many users, each an active member of 1–3 organizations")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the generated data set: the same seed gives the same data")
	fs.BoolVar(&c.validate, "validate", true, "check requests and responses against Scalekit's OpenAPI document when it is found (off: less CPU under load)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	switch {
	case c.latency < 0:
		return c, errors.New("-latency must not be negative")
	case c.orgs < 0 || c.users < 0:
		return c, errors.New("-orgs and -users must not be negative")
	case c.users > 0 && c.orgs == 0:
		return c, errors.New("-users needs -orgs: generated users are members of generated organizations")
	case c.orgs > 1_000_000 || c.users > 1_000_000:
		return c, errors.New("-orgs and -users are limited to 1,000,000")
	}
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		return c, fmt.Errorf("-addr %q: %v", c.addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		// The fake accepts its well-known test credentials: it must not be reachable from
		// another machine.
		return c, fmt.Errorf("-addr %q: the fake listens on loopback only (127.0.0.1, [::1] or localhost)", c.addr)
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	opts := scalekittest.Options{
		Latency: cfg.latency, Addr: cfg.addr, Seed: true,
		SpecOptional: true, NoValidation: !cfg.validate,
	}
	data := "the demo data set"
	if cfg.orgs > 0 {
		opts.Generate = &scalekittest.Generated{Organizations: cfg.orgs, Users: cfg.users, Seed: cfg.seed}
		data = fmt.Sprintf("a generated data set of %d organizations and %d users (seed %d)", cfg.orgs, cfg.users, cfg.seed)
	}
	s, err := scalekittest.Start(opts)
	if err != nil {
		return err
	}
	defer s.Close()

	fmt.Fprintf(stdout, "SCALEKIT_ENVIRONMENT_URL=%s\nSCALEKIT_CLIENT_ID=%s\nSCALEKIT_CLIENT_SECRET=%s\n",
		s.URL(), s.ClientID(), s.ClientSecret())
	fmt.Fprintf(stderr, "fakescalekit: serving %s at %s, latency %s; calls counted at %s%s\n",
		data, s.URL(), cfg.latency, s.URL(), scalekittest.CountersPath)
	if why := s.SpecSkipped(); why != "" {
		fmt.Fprintf(stderr, "fakescalekit: OpenAPI validation skipped: %s\n", why)
	} else {
		fmt.Fprintln(stderr, "fakescalekit: every request and 2xx response is checked against Scalekit's OpenAPI document")
	}
	<-ctx.Done()
	fmt.Fprintf(stderr, "fakescalekit: stopping after %d API calls and %d token requests\n", s.Calls(), s.TokenRequests())
	if vs := s.Violations(); len(vs) > 0 {
		fmt.Fprintf(stderr, "fakescalekit: %d contract violation(s):\n\t%s\n", len(vs), strings.Join(vs, "\n\t"))
		return fmt.Errorf("%d contract violation(s)", len(vs))
	}
	return nil
}
