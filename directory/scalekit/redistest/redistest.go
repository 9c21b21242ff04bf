// Package redistest gives tests a throwaway Redis server.
//
// Start runs redis-server for the calling test alone, listening only on a Unix socket in
// the test's temporary folder (no TCP port, so nothing can clash), without persistence, and
// stops it when the test ends. The server is the test process's child with a parent-death
// signal, so it does not outlive a test process that dies. Kill and Restart let a test take
// Redis away and bring it back on the same socket; Pause and Resume make it hang.
//
// Without redis-server Start skips the test, unless USERGRAPH_REQUIRE_REDIS=1, which makes
// it fail.
package redistest

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv makes a missing redis-server a failure instead of a skip.
const RequireEnv = "USERGRAPH_REQUIRE_REDIS"

// Server is one running (or killed) redis-server.
type Server struct {
	t      testing.TB
	bin    string
	dir    string
	socket string

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start starts a Redis for t and returns it; it is stopped when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("redistest: no redis-server on PATH, and %s=1", RequireEnv)
		}
		t.Skipf("redistest: no redis-server on PATH (apt-get install redis-server; %s=1 makes this a failure)", RequireEnv)
	}
	// A short folder: a Unix socket's path is limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "ugredis")
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: bin, dir: dir, socket: filepath.Join(dir, "redis.sock")}
	t.Cleanup(func() {
		s.Kill()
		os.RemoveAll(dir)
	})
	s.Restart()
	return s
}

// URL is the server's address for rediscache (unix://…).
func (s *Server) URL() string { return "unix://" + s.socket }

// Restart starts the server again on the same socket (after Kill); it is empty, like a
// Redis restarted without persistence.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		s.t.Fatal("redistest: Restart of a running server")
	}
	os.Remove(s.socket)
	cmd := exec.Command(s.bin, "--port", "0", "--unixsocket", s.socket, "--unixsocketperm", "700",
		"--save", "", "--appendonly", "no", "--dir", s.dir, "--loglevel", "warning",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// The parent-death signal follows the thread that started the child: keep it alive.
	started := make(chan error)
	go func() {
		runtime.LockOSThread()
		err := cmd.Start()
		started <- err
		if err == nil {
			_ = cmd.Wait()
		}
	}()
	if err := <-started; err != nil {
		s.t.Fatalf("redistest: starting redis-server: %v", err)
	}
	s.cmd = cmd
	deadline := time.Now().Add(10 * time.Second)
	for !ping(s.socket) {
		if time.Now().After(deadline) {
			s.t.Fatalf("redistest: redis-server does not answer on %s", s.socket)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ping tells whether Redis answers PING on socket.
func ping(socket string) bool {
	c, err := net.DialTimeout("unix", socket, 100*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}

// Kill stops the server at once (SIGKILL), as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	for ping(s.socket) {
		time.Sleep(time.Millisecond)
	}
	s.cmd = nil
}

// Pause stops the server without closing its connections (SIGSTOP): a hung Redis.
func (s *Server) Pause() { s.signal(syscall.SIGSTOP) }

// Resume continues a paused server.
func (s *Server) Resume() { s.signal(syscall.SIGCONT) }

func (s *Server) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		_ = s.cmd.Process.Signal(sig)
	}
}
