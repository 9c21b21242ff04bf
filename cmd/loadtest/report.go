package main

import (
	"bufio"
	"bytes"
	"debug/buildinfo"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// environment is what the reader needs to judge the figures: the same server gives other
// numbers on another machine, or on this one while something else runs.
type environment struct {
	date      time.Time
	cpus      int
	cpuModel  string
	memTotal  string
	platform  string
	goVersion string
	loadStart string
}

func captureEnvironment() environment {
	return environment{
		date:      time.Now().UTC(),
		cpus:      runtime.NumCPU(),
		cpuModel:  procField("/proc/cpuinfo", "model name"),
		memTotal:  memTotal(),
		platform:  runtime.GOOS + "/" + runtime.GOARCH,
		goVersion: runtime.Version(),
		loadStart: loadAverage(),
	}
}

// procField returns the value of the first "name: value" line of a /proc file, or "".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// memTotal is /proc/meminfo's MemTotal in GiB, or "".
func memTotal() string {
	f := strings.Fields(procField("/proc/meminfo", "MemTotal"))
	if len(f) != 2 || f[1] != "kB" {
		return ""
	}
	kb, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%.0f GiB", kb/(1<<20))
}

// describeBuild describes the binary -start built: the Go release from its build information,
// and the commit of the checkout with a note when the working tree differs from it (then
// the figures are for that working tree, not for the commit).
func describeBuild(bin, root string) string {
	var parts []string
	if info, err := buildinfo.ReadFile(bin); err == nil {
		parts = append(parts, info.GoVersion)
	}
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		rev := "commit " + strings.TrimSpace(string(out))
		if n := changedFiles(root); n > 0 {
			rev += fmt.Sprintf(" plus uncommitted changes to %d files", n)
		}
		parts = append(parts, rev)
	}
	return strings.Join(parts, ", ")
}

// changedFiles counts the files that differ from HEAD (untracked ones included), except
// this tool's own files, which are not part of the server.
func changedFiles(root string) int {
	out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=all").Output()
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(out), "\n") {
		if len(line) < 4 {
			continue
		}
		path := line[3:]
		if strings.HasPrefix(path, "cmd/loadtest/") || strings.HasPrefix(path, "docs/load") {
			continue
		}
		n++
	}
	return n
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

// flagLine is the effective configuration, every flag spelled out, so that a rerun with
// the same line repeats the measurement.
func flagLine(cfg config) string {
	parts := []string{}
	if cfg.start {
		parts = append(parts, "-start")
	} else {
		parts = append(parts, "-url "+cfg.url)
	}
	parts = append(parts,
		fmt.Sprintf("-clients %d", cfg.clients),
		"-duration "+cfg.duration.String(),
		"-warmup "+cfg.warmup.String(),
		"-query "+quoteIfNeeded(cfg.query),
		fmt.Sprintf("-max-rps %g", cfg.maxRPS),
		"-out "+cfg.out)
	return strings.Join(parts, " ")
}

func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t{}'\"$") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

// writeReport writes load.md and the three plots into cfg.out. It runs whether the checks
// passed or not: a failed run's figures are the ones worth reading.
func writeReport(cfg config, env environment, srv *server, s summary, checks checkList) error {
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	if err := writePlots(cfg.out, s); err != nil {
		return err
	}
	var b bytes.Buffer
	renderMarkdown(&b, cfg, env, srv, s, checks)
	return os.WriteFile(filepath.Join(cfg.out, "load.md"), b.Bytes(), 0o644)
}

func writePlots(dir string, s summary) error {
	n := len(s.perSecond)
	rps, errs := make([]float64, n), make([]float64, n)
	p50, p99 := make([]float64, n), make([]float64, n)
	rss := make([]float64, n)
	for i, sec := range s.perSecond {
		rps[i], errs[i] = float64(sec.requests), float64(sec.errors)
		p50[i], p99[i] = math.NaN(), math.NaN()
		if sec.hasLatency {
			p50[i] = float64(sec.p50) / float64(time.Millisecond)
			p99[i] = float64(sec.p99) / float64(time.Millisecond)
		}
		rss[i] = math.NaN()
		if sec.hasRSS {
			rss[i] = float64(sec.rss) / (1 << 20)
		}
	}
	throughput := chart{
		title: "Throughput", xLabel: "seconds into the measured window", yLabel: "requests per second",
		series: []series{{name: "answered", color: "#1f77b4", ys: rps}},
	}
	if s.errors > 0 {
		throughput.series = append(throughput.series, series{name: "failed", color: "#d62728", ys: errs})
	}
	latency := chart{
		title: "Latency of successful requests, per second", xLabel: "seconds into the measured window", yLabel: "milliseconds",
		series: []series{{name: "p50", color: "#1f77b4", ys: p50}, {name: "p99", color: "#ff7f0e", ys: p99}},
	}
	memory := chart{
		title: "Server resident memory (VmRSS)", xLabel: "seconds into the measured window", yLabel: "MiB",
		series: []series{{name: "RSS", color: "#2ca02c", ys: rss}},
	}
	if !s.memoryMeasured {
		// Written anyway, so that the report never links a plot left over from another run.
		memory.title = "Server resident memory: not measured in this run"
	}
	for name, c := range map[string]chart{"load-throughput.svg": throughput, "load-latency.svg": latency, "load-memory.svg": memory} {
		var b bytes.Buffer
		if err := writeSVG(&b, c); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func renderMarkdown(w io.Writer, cfg config, env environment, srv *server, s summary, checks checkList) {
	secs := cfg.duration.Seconds()
	p := func(format string, a ...any) { fmt.Fprintf(w, format+"\n", a...) }

	p("# Load test")
	p("")
	p("What one run of `go run ./cmd/loadtest %s` measured. The tool writes this file and the", strings.Join(cfg.args, " "))
	p("plots next to it; rerun it to refresh them. Figures depend on the machine and on what else ran on it.")
	p("")
	p("## Setup")
	p("")
	p("| | |")
	p("|---|---|")
	machine := fmt.Sprintf("%d CPUs (runtime.NumCPU), %s", env.cpus, env.platform)
	if env.cpuModel != "" {
		machine += ", " + env.cpuModel
	}
	if env.memTotal != "" {
		machine += ", " + env.memTotal + " memory"
	}
	p("| machine | %s |", machine)
	p("| Go | %s (loadtest) |", env.goVersion)
	p("| date | %s |", env.date.Format("2006-01-02 15:04 MST"))
	p("| flags | `%s` |", strings.ReplaceAll(flagLine(cfg), "|", `\|`))
	if srv != nil {
		desc := "built by loadtest from this checkout"
		if srv.build != "" {
			desc += " (" + srv.build + ")"
		}
		p("| server | %s; its own process on 127.0.0.1 over a fresh temporary SQLite store seeded with the demo data |", desc)
	} else {
		p("| server | already running at %s (not started by loadtest: memory not measured) |", cfg.url)
	}
	p("| credentials | %s |", cfg.credentials)
	if cfg.maxRPS > 0 {
		p("| workload | %d clients, each with at most one request in flight; starts paced to at most %g requests/s in total |", cfg.clients, cfg.maxRPS)
	} else {
		p("| workload | closed loop: each of %d clients sends its next request as soon as the previous one answered |", cfg.clients)
	}
	if env.loadStart != "" {
		p("| load average before the run | %s (1, 5, 15 min) |", env.loadStart)
	}
	p("")
	switch cfg.query {
	case "mix":
		p("The default mix, per client in a fixed interleaved order: 60%% `user(id:)` with profile and")
		p("memberships (organization and roles) over the %d discovered user ids, 20%% `organizations(first: 20)`,", s.users)
		p("20%% the first page of 20 members, with their users and roles, of one of the %d organizations. Ids are discovered first", s.orgs)
		p("through `users(first: 20) { nodes { id } }` and `organizations(first: 20) { nodes { id } }`.")
	case "user", "organizations", "members":
		p("Workload: only the `%s` query of the default mix (see cmd/loadtest/workload.go).", cfg.query)
	default:
		p("Workload: one custom document, sent as is: `%s`", strings.ReplaceAll(cfg.query, "`", "'"))
	}
	p("")

	p("## Results")
	p("")
	p("| | |")
	p("|---|---|")
	p("| measured window | %s after a %s warm-up |", cfg.duration, cfg.warmup)
	p("| requests answered | %d (%.0f requests/s) |", s.requests, float64(s.requests)/secs)
	if lo, med, hi, ok := perSecondSpread(s); ok {
		p("| requests/s, per second | min %d, median %d, max %d |", lo, med, hi)
	}
	p("| failed requests | %d in the window; %d in the warm-up, %d answered after the window closed |", s.errors, s.warmupErrors, s.lateErrors)
	p("| latency, successful requests | p50 %s, p99 %s, max %s |", ms(s.p50), ms(s.p99), ms(s.max))
	if s.serverCPUSeconds >= 0 {
		p("| server CPU | %.1f s over %s = %.2f of %d cores |", s.serverCPUSeconds, cfg.duration, s.serverCPUSeconds/secs, env.cpus)
	}
	if s.loadtestCPUSeconds >= 0 {
		p("| loadtest's own CPU | %.1f s = %.2f cores, taken from the same machine |", s.loadtestCPUSeconds, s.loadtestCPUSeconds/secs)
	}
	if s.memoryMeasured {
		t := checkMemoryFlat(s.rss, maxMemoryGrowth)
		if t.skipped == "" {
			p("| server RSS | min %s, max %s; median of the first third %s, middle third %s, last third %s |",
				mib(t.min), mib(t.max), mib(t.first), mib(t.middle), mib(t.last))
		}
	} else {
		p("| server RSS | not measured (needs -start on Linux) |")
	}
	if srv != nil {
		p("| server log | %d ERROR lines |", s.serverLogErrors)
		if srv.stopped && srv.stopErr == nil {
			p("| server shutdown | clean: exited with status 0 %s after SIGTERM |", srv.stopTime.Round(time.Millisecond))
		} else if srv.stopped {
			p("| server shutdown | **not clean**: %s |", strings.SplitN(srv.stopErr.Error(), "\n", 2)[0])
		}
	}
	p("")

	p("Per query of the mix (the whole window):")
	p("")
	p("| query | requests | requests/s | failed | p50 | p99 |")
	p("|---|---:|---:|---:|---:|---:|")
	for _, k := range s.kindOrder {
		ks, ok := s.kinds[k]
		if !ok {
			continue
		}
		p("| %s | %d | %.0f | %d | %s | %s |", k, ks.requests, float64(ks.requests)/secs, ks.errors, ms(ks.p50), ms(ks.p99))
	}
	p("")
	if fl := s.failureList(); len(fl) > 0 {
		p("Failures by kind:")
		p("")
		for _, f := range fl {
			p("- %d × %s", f.n, f.kind)
		}
		p("")
	}

	p("## Checks")
	p("")
	for _, c := range checks {
		mark := "pass"
		if !c.ok {
			mark = "**FAIL**"
		}
		p("- %s — %s: %s", mark, c.name, c.detail)
	}
	p("")
	p("## Over time")
	p("")
	p("![requests per second](load-throughput.svg)")
	p("")
	p("![p50 and p99 latency per second](load-latency.svg)")
	p("")
	p("![server RSS](load-memory.svg)")
	p("")
	p("## Reading these figures")
	p("")
	p("- The server and the load generator share this machine's %d CPUs, so requests/s is what both", env.cpus)
	p("  together allow, not the server's ceiling; other processes may have been running too (see the")
	p("  load average above). Compare runs on the same machine, not absolute numbers across machines.")
	if note := machineNote(env, s, secs); note != "" {
		p("- %s", note)
	}
	p("- With %d clients and the gateway's admission limit (8 operations per CPU executing at once), most", cfg.clients)
	p("  of a request's latency here is waiting for a turn: mean latency ≈ clients ÷ requests/s (Little's law).")
	p("- Latency is measured by the client, from sending the request to the last byte of the answer, over")
	p("  successful requests; a request is failed when the status is not 200, the body is not JSON, or")
	p("  the answer has a GraphQL `errors` member. Answers are filed by the second they arrived in.")
	if s.memoryMeasured {
		p("- RSS is the server process's VmRSS from /proc, read at the end of each second. The flat-memory")
		p("  check compares the median of the last third with the middle third (limit +%.0f%%); the first", 100*maxMemoryGrowth)
		p("  third is the heap growing to its working size and is not compared.")
	}
}

// machineNote says in numbers how busy the machine was: the 1-minute load average before
// the run (other processes) against the CPU the server and loadtest used during it.
func machineNote(env environment, s summary, secs float64) string {
	f := strings.Fields(env.loadStart)
	if len(f) == 0 {
		return ""
	}
	load, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return ""
	}
	busy := "the machine was otherwise quiet"
	if load >= 0.5 {
		busy = fmt.Sprintf("other processes were already using about %.1f of the %d CPUs", load, env.cpus)
	}
	if load >= float64(env.cpus) {
		busy = fmt.Sprintf("other processes were keeping all %d CPUs busy when it started, so the server and loadtest competed with them", env.cpus)
	}
	note := fmt.Sprintf("Before the run the 1-minute load average was %.2f: %s.", load, busy)
	if s.serverCPUSeconds >= 0 && s.loadtestCPUSeconds >= 0 {
		note += fmt.Sprintf(" During it the server used %.2f cores and loadtest %.2f.",
			s.serverCPUSeconds/secs, s.loadtestCPUSeconds/secs)
	}
	return note
}

// perSecondSpread returns the min, median and max of requests per second.
func perSecondSpread(s summary) (lo, med, hi int, ok bool) {
	if len(s.perSecond) == 0 {
		return 0, 0, 0, false
	}
	v := make([]int, len(s.perSecond))
	for i, sec := range s.perSecond {
		v[i] = sec.requests
	}
	slices.Sort(v)
	return v[0], v[len(v)/2], v[len(v)-1], true
}

// printSummary tells the terminal the essentials; the report has the rest.
func printSummary(w io.Writer, cfg config, s summary, checks checkList) {
	secs := cfg.duration.Seconds()
	fmt.Fprintf(w, "requests: %d in %s (%.0f/s), failed: %d (warm-up %d, late %d)\n",
		s.requests, cfg.duration, float64(s.requests)/secs, s.errors, s.warmupErrors, s.lateErrors)
	fmt.Fprintf(w, "latency: p50 %s, p99 %s, max %s\n", ms(s.p50), ms(s.p99), ms(s.max))
	if s.memoryMeasured {
		if t := checkMemoryFlat(s.rss, maxMemoryGrowth); t.skipped == "" {
			fmt.Fprintf(w, "server RSS: min %s, max %s; median first third %s, middle %s, last %s\n",
				mib(t.min), mib(t.max), mib(t.first), mib(t.middle), mib(t.last))
		}
	}
	if s.serverCPUSeconds >= 0 {
		fmt.Fprintf(w, "CPU: server %.2f cores, loadtest %.2f cores\n", s.serverCPUSeconds/secs, s.loadtestCPUSeconds/secs)
	}
	for _, f := range s.failureList() {
		fmt.Fprintf(w, "failure: %d × %s\n", f.n, f.kind)
	}
	for _, c := range checks {
		mark := "ok  "
		if !c.ok {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s %s: %s\n", mark, c.name, c.detail)
	}
	fmt.Fprintf(w, "report: %s\n", filepath.Join(cfg.out, "load.md"))
}
