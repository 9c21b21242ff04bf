package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/usergraph/usergraph/directory/scalekit/scalekittest"
)

func TestFlags(t *testing.T) {
	for _, bad := range [][]string{
		{"-addr", "0.0.0.0:0"},
		{"-addr", "192.168.1.2:9000"},
		{"-users", "10"},
		{"-latency", "-1ms"},
		{"-orgs", "-1"},
		{"extra"},
	} {
		if _, err := parseFlags(bad, io.Discard); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	c, err := parseFlags([]string{"-latency", "20ms", "-orgs", "50", "-users", "5000"}, io.Discard)
	if err != nil || c.latency != 20*time.Millisecond || c.orgs != 50 || c.users != 5000 || c.addr != "127.0.0.1:0" {
		t.Errorf("got %+v, %v", c, err)
	}
}

// The command serves without Scalekit's OpenAPI document (as on a checkout without it),
// says so, prints the three variables first, and the printed credentials work.
func TestServesWithoutTheSpecAndPrintsTheVariables(t *testing.T) {
	t.Setenv(scalekittest.SpecEnv, filepath.Join(t.TempDir(), "absent.json"))
	ctx, cancel := context.WithCancel(context.Background())
	outR, outW := io.Pipe()
	errR, errW := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-orgs", "4", "-users", "30"}, outW, errW)
		outW.Close()
		errW.Close()
		done <- err
	}()
	vars := map[string]string{}
	sc := bufio.NewScanner(outR)
	for len(vars) < 3 && sc.Scan() {
		k, v, _ := strings.Cut(sc.Text(), "=")
		vars[k] = v
	}
	errLines := make(chan string, 10)
	go func() {
		sc := bufio.NewScanner(errR)
		for sc.Scan() {
			errLines <- sc.Text()
		}
		close(errLines)
	}()
	base := vars["SCALEKIT_ENVIRONMENT_URL"]
	if u, err := url.Parse(base); err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("SCALEKIT_ENVIRONMENT_URL %q", base)
	}
	res, err := http.PostForm(base+"/oauth/token", url.Values{"grant_type": {"client_credentials"},
		"client_id": {vars["SCALEKIT_CLIENT_ID"]}, "client_secret": {vars["SCALEKIT_CLIENT_SECRET"]}})
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&tok)
	res.Body.Close()
	req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/organizations?page_size=10", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var orgs struct {
		TotalSize int `json:"total_size"`
	}
	_ = json.NewDecoder(res.Body).Decode(&orgs)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || orgs.TotalSize != 4 {
		t.Errorf("organizations: %d, total_size %d; want 200 and 4", res.StatusCode, orgs.TotalSize)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var stderr []string
	for l := range errLines {
		stderr = append(stderr, l)
	}
	if all := strings.Join(stderr, "\n"); !strings.Contains(all, "OpenAPI validation skipped") || !strings.Contains(all, "stopping after 1 API calls") {
		t.Errorf("stderr does not say validation was skipped, or miscounts:\n%s", all)
	}
}
