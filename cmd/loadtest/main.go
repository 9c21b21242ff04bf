// Command loadtest puts a bounded load on a usergraph server running on this machine and
// writes what it measured to a short report with plots:
//
//	go run ./cmd/loadtest -start -clients 64 -duration 60s
//
// With -start it builds the server from this checkout, runs it on a free loopback port over
// a temporary SQLite file seeded with the demo data, samples the server's resident memory
// every second and stops it with SIGTERM at the end. Without -start it loads the server at
// -url, which must be on loopback: the gateway has no authentication yet, and a load tool
// must never be pointed at somebody else's server by a typo.
//
// To compare servers over the same fake Scalekit (cmd/fakescalekit), it runs one named
// workload (-query hotuser, randomuser, deep, userspage) against any GraphQL URL on loopback
// and prints one JSON line (-json): req/s, p50, p99, and, when given the server's pid (-pid),
// the fake's counters URL (-scalekit-counters) and the server's /metrics (-metrics), its CPU
// time per request, peak RSS, Scalekit calls per request and cache hit rate. Credentials come
// from LOADTEST_API_KEY (X-API-Key), LOADTEST_TOKEN (Authorization: Bearer) or
// LOADTEST_HEADER ("Name: value"), never from flags. See docs/benchmarks.md.
//
// It exits non-zero when a request failed, when the server's memory kept growing through the
// run, or when too few seconds produced samples; the report is written in every case.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		// -h printed the usage: that is what was asked for.
	case err != nil:
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

// config is what the flags ask for.
type config struct {
	url      string
	urlSet   bool // -url given explicitly: it cannot be combined with -start
	clients  int
	duration time.Duration
	warmup   time.Duration
	query    string
	start    bool
	out      string
	maxRPS   float64
	// pid is the server's process (-pid) when loadtest did not start it: its CPU time and
	// memory are then read from /proc as for a server it started.
	pid              int
	scalekitCounters string // the fake Scalekit's counters URL, for Scalekit calls per request
	metrics          string // the server's /metrics URL, for the cache hit rate
	jsonOut          bool   // one JSON line on stdout instead of the report files
	// credentials says how requests authenticate (never the secret itself).
	credentials string
	args        []string // the command line as given, for the report
}

const defaultURL = "http://127.0.0.1:8080/graphql"

func parseFlags(args []string, stderr io.Writer) (config, error) {
	c := config{args: args}
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	// The usage goes out only for -h; a bad flag is reported in one line by main.
	fs.SetOutput(io.Discard)
	fs.StringVar(&c.url, "url", defaultURL, "GraphQL endpoint to load; loopback hosts only")
	fs.IntVar(&c.clients, "clients", 64, "concurrent clients, each with one request in flight")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "measured time, after the warm-up")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "load before measuring, not counted in the figures (its failures still fail the run)")
	fs.StringVar(&c.query, "query", "mix", "workload: mix, user, organizations, members; or one of hotuser, randomuser, deep, userspage; or a GraphQL document sent as is")
	fs.IntVar(&c.pid, "pid", 0, "process id of the server at -url, to report its CPU time per request and peak memory")
	fs.StringVar(&c.scalekitCounters, "scalekit-counters", "", "counters URL of the fake Scalekit the server uses (cmd/fakescalekit prints it), to report Scalekit calls per request; loopback only")
	fs.StringVar(&c.metrics, "metrics", "", "the server's Prometheus /metrics URL, to report its cache hit rate; loopback only")
	fs.BoolVar(&c.jsonOut, "json", false, "print the figures as one JSON line and write no report files (for comparing servers in a script)")
	fs.BoolVar(&c.start, "start", false, "build the server from this checkout, run it on a free loopback port over a temporary store, and stop it at the end")
	fs.StringVar(&c.out, "out", "docs", "directory for load.md and the load-*.svg plots")
	fs.Float64Var(&c.maxRPS, "max-rps", 0, "pace all clients together to at most this many requests per second; 0 sends the next request as soon as the previous one answered")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, "Usage of loadtest (loads a usergraph server on this machine only):")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q (flags only)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "url" {
			c.urlSet = true
		}
	})
	switch {
	case c.clients < 1:
		return c, errors.New("-clients must be at least 1")
	case c.duration < time.Second:
		// Everything is reported per second: less than one is not a measurement.
		return c, errors.New("-duration must be at least 1s")
	case c.duration%time.Second != 0:
		return c, errors.New("-duration must be a whole number of seconds (figures are per second)")
	case c.warmup < 0:
		return c, errors.New("-warmup must not be negative")
	case c.maxRPS < 0:
		return c, errors.New("-max-rps must not be negative (0 = no pacing)")
	case c.start && c.urlSet:
		return c, errors.New("-start picks its own loopback address: leave out -url")
	case c.start && c.pid != 0:
		return c, errors.New("-start knows its server's pid: leave out -pid")
	case c.pid < 0:
		return c, errors.New("-pid must be a process id")
	case c.out == "":
		return c, errors.New("-out must name a directory")
	}
	if !c.start {
		// Checked before anything is sent, so a remote URL never receives a single request.
		if err := checkLoopbackURL(c.url); err != nil {
			return c, err
		}
	}
	for _, u := range []string{c.scalekitCounters, c.metrics} {
		if u == "" {
			continue
		}
		if err := checkLoopbackURL(u); err != nil {
			return c, err
		}
	}
	return c, nil
}

// run parses the flags, starts the server when asked, loads it, writes the report and
// returns an error when a check failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	env := captureEnvironment()

	var srv *server
	tgt := target{url: cfg.url}
	if cfg.start {
		srv, err = startServer(ctx, stderr)
		if err != nil {
			return err
		}
		// Stopped on every path, including an interrupted run, so no server outlives us.
		defer func() {
			if stopErr := srv.stop(); stopErr != nil && err == nil {
				err = stopErr
			}
			srv.remove()
		}()
		tgt = srv.target
		cfg.url = tgt.url
		// The URL is ours, but the same check guards it: nothing below loads a remote host.
		if err := checkLoopbackURL(cfg.url); err != nil {
			return err
		}
	} else {
		tgt.header, tgt.value, tgt.source = credentialsFromEnv(os.Getenv)
	}
	cfg.credentials = tgt.source

	client := newClient(cfg.clients)
	wl, err := discover(ctx, client, tgt, cfg.query)
	if err != nil {
		return err
	}
	if wl.name == "custom" {
		fmt.Fprintf(stderr, "loadtest: %s: workload: one custom document\n", cfg.url)
	} else {
		fmt.Fprintf(stderr, "loadtest: %s: %d users, %d organizations discovered; workload %s\n",
			cfg.url, wl.users, wl.orgs, wl.describe())
	}

	pid := cfg.pid
	if srv != nil {
		pid = srv.pid()
	}
	fmt.Fprintf(stderr, "loadtest: %d clients, %s warm-up, %s measured\n", cfg.clients, cfg.warmup, cfg.duration)
	res, err := generate(ctx, client, tgt, cfg, wl, pid)
	if err != nil {
		return err
	}
	if srv != nil {
		// Stopped before the report is written, so that the report can say whether the
		// server shut down cleanly after the load (the deferred stop is then a no-op).
		stopErr := srv.stop()
		res.serverLogErrors = srv.logErrors()
		if stopErr != nil {
			fmt.Fprintln(stderr, "loadtest:", stopErr)
		}
	}

	checks := evaluate(res, cfg)
	if cfg.jsonOut {
		// A comparison run is short and may be slow per request (a deep query at 64
		// clients answers a few times a second): only failed requests fail it.
		checks = checks[:1]
		if err := printJSON(stdout, cfg, res); err != nil {
			return err
		}
	} else {
		if err := writeReport(cfg, env, srv, res, checks); err != nil {
			return err
		}
		printSummary(stdout, cfg, res, checks)
	}
	if failed := checks.failed(); len(failed) > 0 {
		return fmt.Errorf("%d check(s) failed: %s", len(failed), joinChecks(failed))
	}
	return nil
}
