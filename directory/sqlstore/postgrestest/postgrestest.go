// Package postgrestest gives tests a throwaway PostgreSQL database.
//
// The first Start of a test process runs initdb into a fresh temporary folder and starts one
// PostgreSQL server for the whole process, listening only on a Unix socket in that folder
// (no TCP, so no port can clash; the port number only names the socket), with fsync off.
// Every Start then creates a fresh database for its caller and drops it when the test ends.
//
// PostgreSQL refuses to run as root. When the test process is root, initdb and the server
// run as the "postgres" user, or "nobody" when there is none (no user is ever created): the
// child processes get that user's credentials directly (os/exec with
// syscall.Credential, as runuser would), and the temporary folder is given to that user.
//
// Teardown. A package's TestMain calls Stop after m.Run: the server gets a fast shutdown and
// the folder is removed. Should the test process die without Stop (a panic, a timeout, a
// kill -9), the server does not outlive it: it is the test process's own child (started as
// "postgres", not daemonized by pg_ctl) with a parent-death signal (Linux
// PR_SET_PDEATHSIG = SIGINT, a fast shutdown), and the thread that started it is locked to
// a goroutine that lives as long as the server, since the kernel sends that signal when the
// parent thread ends. Backends notice the postmaster's death on their own. A folder left
// behind that way is removed by the next Start of any test process, once neither its test
// process nor its server is alive.
//
// Without PostgreSQL binaries Start skips the test, unless USERGRAPH_REQUIRE_POSTGRES=1,
// which makes it fail. USERGRAPH_PG_BIN names the folder of initdb and postgres when they
// are elsewhere than /usr/lib/postgresql/<version>/bin or PATH.
package postgrestest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Environment variables read by Start.
const (
	RequireEnv = "USERGRAPH_REQUIRE_POSTGRES"
	BinEnv     = "USERGRAPH_PG_BIN"
)

const (
	superuser  = "postgres"
	dirPrefix  = "usergraph-pg-"
	ownerFile  = "owner.pid"
	startLimit = 60 * time.Second
)

// errNoBinaries marks a machine without PostgreSQL: a reason to skip, not to fail.
var errNoBinaries = errors.New("postgrestest: no PostgreSQL binaries (initdb, postgres) found")

var (
	mu       sync.Mutex
	srv      *server
	startErr error // sticky: a server that failed to start is not tried again
	stopped  bool
	dbSeq    atomic.Int64
)

// server is the one PostgreSQL server of this test process.
type server struct {
	dir    string // temporary folder: data/, the socket, the log
	port   int
	cmd    *exec.Cmd
	exited chan error // receives the server's exit, once

	adminMu sync.Mutex
	admin   *pgconn.PgConn // to the "postgres" database, for CREATE/DROP DATABASE
}

// Start returns the DSN (libpq keyword/value form) of a new, empty database on this
// process's PostgreSQL server, starting the server on first use. The database is dropped
// when the test ends.
func Start(t testing.TB) string {
	t.Helper()
	return serverFor(t).create(t, "")
}

// StartFrom is Start for a database that begins as a copy of a template: the first call of a
// process with a given key creates the template and has prepare fill it (run migrations,
// load a data set) through the DSN it is given; prepare must close its connections before
// it returns. Every call then copies the template, which costs a fraction of preparing a
// database again. The template lives as long as the server.
func StartFrom(t testing.TB, key string, prepare func(dsn string) error) string {
	t.Helper()
	s := serverFor(t)
	tmpl := templateFor(key)
	tmpl.once.Do(func() {
		name := fmt.Sprintf("template_%d_%d", os.Getpid(), dbSeq.Add(1))
		if tmpl.err = s.adminExec(`CREATE DATABASE ` + name + ` STRATEGY FILE_COPY`); tmpl.err != nil {
			return
		}
		if tmpl.err = prepare(s.dsn(name)); tmpl.err == nil {
			tmpl.name = name
		}
	})
	if tmpl.err != nil {
		t.Fatalf("postgrestest: preparing the template %q: %v", key, tmpl.err)
	}
	return s.create(t, tmpl.name)
}

// template is a prepared database that StartFrom copies.
type template struct {
	once sync.Once
	name string
	err  error // sticky: a template that failed to prepare is not tried again
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*template{}
)

func templateFor(key string) *template {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	if templates[key] == nil {
		templates[key] = &template{}
	}
	return templates[key]
}

// serverFor returns the process's server, starting it on first use, or skips or fails t.
func serverFor(t testing.TB) *server {
	t.Helper()
	s, err := get()
	if errors.Is(err, errNoBinaries) {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%v, and %s=1", err, RequireEnv)
		}
		t.Skipf("%v; set %s to their folder (%s=1 makes this a failure)", err, BinEnv, RequireEnv)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// create makes a new database for t, a copy of template (PostgreSQL's default, template1,
// when empty), and drops it when t ends.
func (s *server) create(t testing.TB, template string) string {
	t.Helper()
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), dbSeq.Add(1))
	from := ""
	if template != "" {
		from = ` TEMPLATE ` + template
	}
	if err := s.adminExec(`CREATE DATABASE ` + name + from + ` STRATEGY FILE_COPY`); err != nil {
		t.Fatalf("postgrestest: creating database %s: %v", name, err)
	}
	t.Cleanup(func() {
		// FORCE ends the connections a test left open (a store it did not close).
		if err := s.adminExec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Logf("postgrestest: dropping database %s: %v", name, err)
		}
	})
	return s.dsn(name)
}

// Stop shuts the server down (fast shutdown) and removes its folder. Call it from TestMain
// after m.Run; Start fails after it. Stopping a process that never started a server, or
// stopping twice, does nothing.
func Stop() {
	mu.Lock()
	defer mu.Unlock()
	stopped = true
	if srv == nil {
		return
	}
	srv.stop()
	srv = nil
}

func get() (*server, error) {
	mu.Lock()
	defer mu.Unlock()
	switch {
	case stopped:
		return nil, errors.New("postgrestest: Start after Stop")
	case srv != nil:
		return srv, nil
	case startErr != nil:
		return nil, startErr
	}
	srv, startErr = start()
	return srv, startErr
}

func (s *server) dsn(db string) string {
	return fmt.Sprintf("host='%s' port=%d user=%s dbname=%s sslmode=disable", s.dir, s.port, superuser, db)
}

func (s *server) adminExec(sql string) error {
	s.adminMu.Lock()
	defer s.adminMu.Unlock()
	if s.admin == nil || s.admin.IsClosed() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgconn.Connect(ctx, s.dsn("postgres"))
		if err != nil {
			return err
		}
		s.admin = c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := s.admin.Exec(ctx, sql).ReadAll()
	return err
}

// start runs initdb and the server.
func start() (*server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	cred, uid, gid, err := credentials()
	if err != nil {
		return nil, err
	}
	base := baseDir(uid)
	sweep(base)
	dir, err := os.MkdirTemp(base, dirPrefix)
	if err != nil {
		return nil, fmt.Errorf("postgrestest: %w", err)
	}
	fail := func(err error) (*server, error) {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return fail(fmt.Errorf("postgrestest: %w", err))
	}
	if cred != nil {
		if err := os.Chown(dir, uid, gid); err != nil {
			return fail(fmt.Errorf("postgrestest: giving %s to uid %d: %w", dir, uid, err))
		}
	}
	data := filepath.Join(dir, "data")
	if err := initdb(bin, data, cred); err != nil {
		return fail(err)
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	s := &server{dir: dir, port: port, exited: make(chan error, 1)}
	if err := s.run(bin, data, cred); err != nil {
		return fail(err)
	}
	if err := s.waitReady(); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// initdb creates the cluster. The default collation is C.UTF-8 when the machine has it (so
// that code relying on byte order must say COLLATE "C"), else C.
func initdb(bin, data string, cred *syscall.Credential) error {
	var out []byte
	var err error
	for _, locale := range []string{"--locale=C.UTF-8", "--no-locale"} {
		cmd := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", superuser, "-A", "trust",
			"-E", "UTF8", locale, "--no-sync", "--no-instructions")
		cmd.Env = childEnv()
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGKILL}
		if out, err = cmd.CombinedOutput(); err == nil {
			return nil
		}
		_ = os.RemoveAll(data)
	}
	return fmt.Errorf("postgrestest: initdb: %v\n%s", err, out)
}

// run starts the server as a child of this process, from a goroutine locked to its thread
// for as long as the server runs: PR_SET_PDEATHSIG fires when the parent thread ends.
func (s *server) run(bin, data string, cred *syscall.Credential) error {
	logFile, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("postgrestest: %w", err)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-p", strconv.Itoa(s.port), "-k", s.dir,
		"-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=64MB",
		"-c", "max_parallel_workers_per_gather=0",
		"-c", "log_min_messages=warning", "-c", "logging_collector=off")
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGINT}
	s.cmd = cmd
	started := make(chan error, 1)
	go func() {
		// Never unlocked: the thread ends with this goroutine, after the server has exited.
		runtime.LockOSThread()
		err := cmd.Start()
		started <- err
		if err != nil {
			return
		}
		s.exited <- cmd.Wait()
		_ = logFile.Close()
	}()
	if err := <-started; err != nil {
		_ = logFile.Close()
		return fmt.Errorf("postgrestest: starting postgres: %w", err)
	}
	return nil
}

func (s *server) waitReady() error {
	deadline := time.Now().Add(startLimit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgconn.Connect(ctx, s.dsn("postgres"))
		cancel()
		if err == nil {
			s.admin = c
			return nil
		}
		select {
		case werr := <-s.exited:
			s.exited <- werr // for stop
			return fmt.Errorf("postgrestest: the server exited while starting (%v):\n%s", werr, s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgrestest: the server did not accept connections within %v (%v):\n%s", startLimit, err, s.logTail())
		}
	}
}

func (s *server) logTail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stop asks for a fast shutdown (SIGINT), kills the server if it has not exited within 15
// seconds, and removes the folder.
func (s *server) stop() {
	s.adminMu.Lock()
	if s.admin != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = s.admin.Close(ctx)
		cancel()
	}
	s.adminMu.Unlock()
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-s.exited:
		case <-time.After(15 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	}
	_ = os.RemoveAll(s.dir)
}

// findBinaries returns the folder holding initdb and postgres: USERGRAPH_PG_BIN, else
// /usr/lib/postgresql/15/bin, else the newest other version there (or in the other usual
// places), else PATH.
func findBinaries() (string, error) {
	has := func(dir string) bool {
		for _, name := range []string{"initdb", "postgres"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(BinEnv); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("%w in %s=%s", errNoBinaries, BinEnv, dir)
	}
	var candidates []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/opt/postgresql@*/bin", "/opt/homebrew/opt/postgresql@*/bin"} {
		matches, _ := filepath.Glob(pattern)
		candidates = append(candidates, matches...)
	}
	version := func(dir string) int {
		for _, part := range strings.FieldsFunc(dir, func(r rune) bool { return r == '/' || r == '-' || r == '@' }) {
			if v, err := strconv.Atoi(part); err == nil {
				return v
			}
		}
		return 0
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		vi, vj := version(candidates[i]), version(candidates[j])
		if (vi == 15) != (vj == 15) {
			return vi == 15
		}
		return vi > vj
	})
	candidates = append(candidates, "/usr/local/pgsql/bin")
	if p, err := exec.LookPath("postgres"); err == nil {
		candidates = append(candidates, filepath.Dir(p))
	}
	for _, dir := range candidates {
		if has(dir) {
			return dir, nil
		}
	}
	return "", errNoBinaries
}

// credentials returns, when this process is root, the credentials of the unprivileged user
// to run PostgreSQL as: "postgres", else "nobody". It never creates a user.
func credentials() (cred *syscall.Credential, uid, gid int, err error) {
	if os.Geteuid() != 0 {
		return nil, os.Geteuid(), os.Getegid(), nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
	}
	return nil, 0, 0, errors.New(`postgrestest: running as root, and there is neither a "postgres" nor a "nobody" user to run PostgreSQL as`)
}

// baseDir is where the temporary folder goes: the usual temporary folder, unless the
// server's user cannot reach it or the socket path would be too long, then /tmp.
func baseDir(uid int) string {
	base := os.TempDir()
	if len(base) > 60 || (uid != os.Geteuid() && !reachable(base)) {
		return "/tmp"
	}
	return base
}

// reachable reports whether every folder on the way to dir can be crossed by anyone.
func reachable(dir string) bool {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil || fi.Mode().Perm()&0o001 == 0 {
			return false
		}
		if d == filepath.Dir(d) {
			return true
		}
	}
}

// sweep removes folders left by test processes that died without Stop, once neither that
// process nor its server runs any more. It only removes folders; it never signals anyone.
func sweep(base string) {
	dirs, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	for _, dir := range dirs {
		owner := pidIn(filepath.Join(dir, ownerFile))
		if owner == 0 {
			continue // not made by this package, or being made right now
		}
		if alive(owner) || alive(pidIn(filepath.Join(dir, "data", "postmaster.pid"))) {
			continue
		}
		_ = os.RemoveAll(dir)
	}
}

// pidIn reads the process id on the first line of a file; 0 when there is none.
func pidIn(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		return 0
	}
	return pid
}

func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0) // signal 0: existence check only
	return err == nil || errors.Is(err, syscall.EPERM)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("postgrestest: finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// childEnv is this process's environment without the PG* variables, which would steer
// initdb and the server elsewhere.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			env = append(env, kv)
		}
	}
	return env
}
