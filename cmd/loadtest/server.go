package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// server is a usergraph process this tool built and started (-start).
type server struct {
	cmd       *exec.Cmd
	target    target
	root      string // the checkout it was built from
	dir       string // temporary: the binary, the store, the log
	logPath   string
	exited    chan struct{}
	waitErr   error
	buildTime time.Duration
	build     string // Go release and commit, for the report
	stopTime  time.Duration
	stopErr   error
	stopped   bool
}

const modulePath = "github.com/usergraph/usergraph"

// startServer builds the server from the checkout the working directory is in, starts it on
// a free loopback port over a fresh store seeded with the demo data, and waits until it
// answers /healthz. A fresh store keeps runs comparable and leaves data/ alone; building a
// binary (rather than `go run`) makes the pid we sample the server's own, not the go tool's.
func startServer(ctx context.Context, stderr io.Writer) (*server, error) {
	root, err := findRepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "usergraph-load-")
	if err != nil {
		return nil, err
	}
	s := &server{root: root, dir: dir, logPath: filepath.Join(dir, "server.log"), exited: make(chan struct{})}
	bin := filepath.Join(dir, "usergraph")

	fmt.Fprintf(stderr, "loadtest: building the server from %s\n", root)
	began := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Dir, build.Stdout, build.Stderr = root, stderr, stderr
	if err := build.Run(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("building the server (go build in %s): %w", root, err)
	}
	s.buildTime = time.Since(began)
	s.build = describeBuild(bin, root)

	addr, err := freeLoopbackAddr()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	logFile, err := os.Create(s.logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	// Not CommandContext: an interrupt must stop the server with SIGTERM through stop(),
	// the way an operator would, not SIGKILL it.
	s.cmd = exec.Command(bin, "-addr", addr, "-db", filepath.Join(dir, "usergraph.db"), "-seed=true")
	s.cmd.Dir = dir
	key, entry, err := newServiceKey("loadtest")
	if err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	// A server that authenticates callers accepts this key; one that does not yet ignores
	// both the variable and the header.
	// One key carries every client, so the per-caller rate limit is lifted: the load test
	// measures the server, not the limiter.
	s.cmd.Env = serverEnv(os.Environ(), "USERGRAPH_API_KEYS="+entry, "USERGRAPH_RATE_LIMIT=0")
	// The server logs JSON lines to stderr; they go to a file, so the terminal shows our
	// progress, and logErrors can count them afterwards.
	s.cmd.Stdout, s.cmd.Stderr = logFile, logFile
	setParentDeathSignal(s.cmd)
	if err := s.cmd.Start(); err != nil {
		logFile.Close()
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting the server: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logFile.Close()
		close(s.exited)
	}()
	s.target = target{url: "http://" + addr + "/graphql", header: "X-API-Key", value: key,
		source: "an API key loadtest generated and gave the server (USERGRAPH_API_KEYS)"}
	fmt.Fprintf(stderr, "loadtest: built in %s; server pid %d on %s (store and log in %s)\n",
		s.buildTime.Round(100*time.Millisecond), s.cmd.Process.Pid, addr, dir)

	if err := s.waitHealthy(ctx, "http://"+addr+"/healthz", 30*time.Second); err != nil {
		s.stop()
		s.remove()
		return nil, err
	}
	return s, nil
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitHealthy polls /healthz until it answers 200, the process exits, or the limit passes.
func (s *server) waitHealthy(ctx context.Context, url string, limit time.Duration) error {
	c := newClient(1)
	c.Timeout = time.Second
	deadline := time.Now().Add(limit)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := c.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-s.exited:
			return fmt.Errorf("the server exited at start (%v); its log ends with:\n%s", s.waitErr, s.logTail(10))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the server did not answer %s within %s; its log ends with:\n%s", url, limit, s.logTail(10))
		}
	}
}

// stopGrace is how long the server gets to drain after SIGTERM: its own drain limit is 10 s.
const stopGrace = 15 * time.Second

// stop sends SIGTERM and waits for the exit (SIGKILL after stopGrace). An unclean exit is an error: a server that cannot shut down after a
// load is a finding.
func (s *server) stop() error {
	if s.stopped {
		return s.stopErr
	}
	s.stopped = true
	began := time.Now()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		// Already gone, or a system without signals: make sure it is gone.
		s.cmd.Process.Kill()
	}
	select {
	case <-s.exited:
	case <-time.After(stopGrace):
		s.cmd.Process.Kill()
		<-s.exited
		s.stopErr = fmt.Errorf("the server did not stop within %s of SIGTERM and was killed", stopGrace)
		return s.stopErr
	}
	s.stopTime = time.Since(began)
	if s.waitErr != nil {
		s.stopErr = fmt.Errorf("the server exited with %v after SIGTERM; its log ends with:\n%s", s.waitErr, s.logTail(10))
	}
	return s.stopErr
}

// remove deletes the temporary directory (binary, store, log); call it after stop.
func (s *server) remove() { os.RemoveAll(s.dir) }

// logErrors counts the ERROR lines the server logged so far.
func (s *server) logErrors() int {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		return 0
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"level":"ERROR"`) {
			n++
		}
	}
	return n
}

func (s *server) logTail(n int) string {
	b, _ := os.ReadFile(s.logPath)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freeLoopbackAddr asks the kernel for a free port on 127.0.0.1. The port is released before
// the server binds it; another process could take it in between, and the server would then
// fail at start with a clear "address in use".
func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// findRepoRoot walks up from the working directory to the usergraph module's go.mod.
func findRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePathOf(b) == modulePath {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("-start builds the server from its checkout: run loadtest inside the usergraph repository")
		}
		dir = parent
	}
}

func modulePathOf(gomod []byte) string {
	for _, line := range strings.Split(string(gomod), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
