package postgrestest

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

func TestEachCallerGetsItsOwnDatabase(t *testing.T) {
	start := time.Now()
	a := Start(t)
	t.Logf("first Start (initdb and server): %v", time.Since(start))
	start = time.Now()
	b := Start(t)
	t.Logf("second Start (a database): %v", time.Since(start))
	if a == b {
		t.Fatalf("two callers got the same DSN %q", a)
	}
	ctx := context.Background()
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatal("a table of one database is visible in another")
	}
	var version int
	if err := ca.QueryRow(ctx, `SELECT current_setting('server_version_num')::int`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	var fsync string
	if err := ca.QueryRow(ctx, `SHOW fsync`).Scan(&fsync); err != nil {
		t.Fatal(err)
	}
	t.Logf("server version %d, fsync %s", version, fsync)
	if fsync != "off" {
		t.Errorf("fsync = %s, want off", fsync)
	}
}

// helperEnv makes the test binary, run again by TestServerDiesWithItsTestProcess, start a
// server, print its folder and wait to be killed.
const helperEnv = "POSTGRESTEST_HELPER"

func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) != "1" {
		t.Skip("only runs as the helper of TestServerDiesWithItsTestProcess")
	}
	Start(t)
	mu.Lock()
	dir := srv.dir
	mu.Unlock()
	fmt.Println("DIR " + dir)
	time.Sleep(time.Minute)
}

// TestServerDiesWithItsTestProcess kills (SIGKILL: no Stop, no cleanup) a test process that
// started a server, and expects the server to shut down on its own.
func TestServerDiesWithItsTestProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second server")
	}
	Start(t) // skips without binaries
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var dir string
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "DIR "); ok {
			dir = d
			break
		}
	}
	if dir == "" {
		t.Fatal("the helper did not start a server")
	}
	pid := pidIn(filepath.Join(dir, "data", "postmaster.pid"))
	if !running(pid) {
		t.Fatalf("no server running for %s (pid %d)", dir, pid)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for running(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("the server (pid %d) outlived its test process", pid)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The folder the dead process left is swept by the next server start; clean it now.
	sweep(filepath.Dir(dir))
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the folder %s of a dead test process was not swept: %v", dir, err)
	}
}

// running reports whether pid is a live process (a zombie, dead but not yet reaped by
// whoever inherited it, is not).
func running(pid int) bool {
	if !alive(pid) {
		return false
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return !os.IsNotExist(err)
	}
	_, rest, _ := strings.Cut(string(b), ") ")
	return !strings.HasPrefix(rest, "Z")
}
