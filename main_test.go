package main

import (
	"github.com/usergraph/usergraph/auth"
	"github.com/usergraph/usergraph/directory/sqlstore/postgrestest"

	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildServer compiles the command once per test binary run.
var buildServer = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "usergraph-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "usergraph")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

var listening = regexp.MustCompile(`"playground":"(http://[^"]+)/"`)

// The service API key the tests' servers accept (USERGRAPH_API_KEYS).
var testAPIKey, testAPIKeyRecord = func() (string, auth.APIKey) {
	k, rec, err := auth.NewAPIKey("tests")
	if err != nil {
		panic(err)
	}
	return k, rec
}()

// startServer runs the real binary on a free loopback port and returns its base URL.
func startServer(t *testing.T, db string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	bin, err := buildServer()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, append([]string{"-addr", "127.0.0.1:0", "-db", db}, args...)...)
	cmd.Env = append(os.Environ(), "SCALEKIT_ENVIRONMENT_URL=", "SCALEKIT_CLIENT_ID=", "SCALEKIT_CLIENT_SECRET=",
		"USERGRAPH_API_KEYS="+testAPIKeyRecord.String(),
		// The tests measure durability and start-up, not the per-caller rate limit.
		"USERGRAPH_RATE_LIMIT=0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	warmed := false // written before found is sent, read after it is received
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				warmed = strings.Contains(sc.Text(), `"warm_up_ms":`)
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		if !warmed {
			t.Error("the server listened without its warm-up query (gateway.WarmUp) having answered")
		}
		return cmd, url
	case <-time.After(30 * time.Second):
		t.Fatal("the server did not start within 30 s")
	}
	return nil, ""
}

func graphql(base, doc string, vars map[string]any) (map[string]any, error) {
	body, _ := json.Marshal(map[string]any{"query": doc, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(auth.APIKeyHeader, testAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out struct {
		Data   map[string]any
		Errors []any
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("status %d: %s", resp.StatusCode, raw)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("errors: %s", raw)
	}
	return out.Data, nil
}

// TestAcknowledgedWritesSurviveSIGKILL creates users from several clients, kills the server
// with SIGKILL in the middle of it, restarts it on the same file and finds every user whose
// creation had been acknowledged.
func TestAcknowledgedWritesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	cmd, base := startServer(t, db)
	data, err := graphql(base, `{ organizations(first: 1) { nodes { id } } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	org := data["organizations"].(map[string]any)["nodes"].([]any)[0].(map[string]any)["id"].(string)

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				email := fmt.Sprintf("crash-%d-%d@kill.test", w, i)
				data, err := graphql(base, `mutation($in: CreateUserInput!) { createUser(input: $in) { user { id } userErrors { code } } }`,
					map[string]any{"in": map[string]any{"organizationId": org, "email": email, "metadata": map[string]any{"worker": fmt.Sprint(w)}}})
				if err != nil {
					return // the server is gone
				}
				if u, _ := data["createUser"].(map[string]any)["user"].(map[string]any); u != nil {
					mu.Lock()
					acked = append(acked, email)
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < 10 {
		t.Fatalf("only %d writes were acknowledged before the kill; the test proves nothing", len(acked))
	}

	_, base = startServer(t, db)
	missing := 0
	for _, email := range acked {
		data, err := graphql(base, `query($e: String!) { user(email: $e) { id metadata memberships { organizationId } } }`, map[string]any{"e": email})
		if err != nil {
			t.Fatal(err)
		}
		u, _ := data["user"].(map[string]any)
		if u == nil || len(u["memberships"].([]any)) != 1 {
			missing++
		}
	}
	t.Logf("%d acknowledged writes before SIGKILL, %d missing after restart", len(acked), missing)
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged users (or their memberships) were lost", missing, len(acked))
	}
}

func TestServerRefusesATakenPortInOneLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	_, base := startServer(t, filepath.Join(t.TempDir(), "a.db"))
	bin, _ := buildServer()
	addr := base[len("http://"):]
	out, err := exec.Command(bin, "-addr", regexp.MustCompile(`^localhost`).ReplaceAllString(addr, "127.0.0.1"), "-db", filepath.Join(t.TempDir(), "b.db")).CombinedOutput()
	if err == nil {
		t.Fatal("a second server on the same port must fail")
	}
	if lines := bytes.Count(bytes.TrimSpace(out), []byte("\n")); lines != 0 || !bytes.Contains(out, []byte("address already in use")) ||
		!bytes.Contains(out, []byte("-addr or USERGRAPH_ADDR")) {
		t.Fatalf("want one clear line, got:\n%s", out)
	}
}

// TestTwoGatewaysOnOnePostgresLoseNoWrite runs two server processes on one PostgreSQL
// database and has both merge keys into the same user's metadata at once. Each update is
// a read-modify-write; a lost update would drop keys. Every acknowledged key must be there.
func TestTwoGatewaysOnOnePostgresLoseNoWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the server")
	}
	dsn := postgrestest.Start(t)
	_, a := startServer(t, filepath.Join(t.TempDir(), "a.db"), "-database-url", dsn)
	_, b := startServer(t, filepath.Join(t.TempDir(), "b.db"), "-database-url", dsn)
	data, err := graphql(a, `{ user(email: "wile.coyote@acme.test") { id metadata } }`, nil)
	if err != nil {
		t.Fatal(err)
	}
	user := data["user"].(map[string]any)
	id, before := user["id"].(string), len(user["metadata"].(map[string]any))

	// The metadata holds at most 20 keys: 18 concurrent merges, 9 through each gateway.
	const updates = 18
	var wg sync.WaitGroup
	errs := make(chan error, updates)
	for i := range updates {
		base := a
		if i%2 == 1 {
			base = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			data, err := graphql(base, `mutation($id: ID!, $m: JSON!) { updateUser(input: {id: $id, metadata: $m}) {
				userErrors { code message } } }`, map[string]any{"id": id, "m": map[string]any{fmt.Sprintf("k%02d", i): "v"}})
			if err == nil {
				if problems := data["updateUser"].(map[string]any)["userErrors"].([]any); len(problems) > 0 {
					err = fmt.Errorf("update %d refused: %v", i, problems)
				}
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	data, err = graphql(b, `query($id: ID!) { user(id: $id) { metadata } }`, map[string]any{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	got := data["user"].(map[string]any)["metadata"].(map[string]any)
	for i := range updates {
		if _, ok := got[fmt.Sprintf("k%02d", i)]; !ok {
			t.Errorf("key k%02d was lost", i)
		}
	}
	if len(got) != before+updates {
		t.Errorf("%d keys, want %d", len(got), before+updates)
	}
}
