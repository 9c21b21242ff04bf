package main

import (
	"strings"
	"testing"
)

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   string // "" = success; else a prefix of the failure
	}{
		{"data", 200, `{"data":{"user":{"email":"a@b.test"}}}`, ""},
		{"null user is an answer, not a failure", 200, `{"data":{"user":null}}`, ""},
		{"the word errors in data", 200, `{"data":{"user":{"email":"errors@b.test"}}}`, ""},
		{"errors null", 200, `{"data":{},"errors":null}`, ""},
		{"errors empty", 200, `{"data":{},"errors":[]}`, ""},
		{"a GraphQL error with a code", 200, `{"errors":[{"message":"m","extensions":{"code":"BAD_USER_INPUT"}}],"data":null}`, "GraphQL error BAD_USER_INPUT"},
		{"a partial answer is a failure", 200, `{"data":{"a":1},"errors":[{"message":"boom"}]}`, "GraphQL error: boom"},
		{"not JSON", 200, `<html>`, "response is not JSON"},
		{"busy", 503, `{"errors":[{"message":"busy","extensions":{"code":"SERVER_BUSY"}}]}`, "HTTP 503 SERVER_BUSY"},
		{"a status without a body", 502, ``, "HTTP 502"},
		{"unauthenticated", 401, `{"errors":[{"message":"m","extensions":{"code":"UNAUTHENTICATED"}}]}`, "HTTP 401 UNAUTHENTICATED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := judge(tc.status, []byte(tc.body))
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Errorf("judge(%d, %s) = %q, want %q", tc.status, tc.body, got, tc.want)
			}
		})
	}
}

func TestInterleaveKeepsCountsAndSpreads(t *testing.T) {
	in := []string{"u", "u", "u", "u", "u", "u", "o", "o", "m", "m"}
	out := interleave(in)
	counts := map[string]int{}
	for _, k := range out {
		counts[k]++
	}
	if counts["u"] != 6 || counts["o"] != 2 || counts["m"] != 2 || len(out) != 10 {
		t.Fatalf("interleave(%v) = %v: counts changed", in, out)
	}
	// The two o's and the two m's are half a schedule apart, never side by side.
	for i := range out {
		if out[i] != "u" && out[i] == out[(i+1)%len(out)] {
			t.Errorf("interleave = %v: %q twice in a row", out, out[i])
		}
	}
}

func TestServerEnvDropsServerSettings(t *testing.T) {
	got := serverEnv([]string{"PATH=/bin", "SCALEKIT_ENVIRONMENT_URL=https://x.scalekit.dev", "USERGRAPH_DB=/tmp/x", "HOME=/root"},
		"USERGRAPH_API_KEYS=loadtest:ab")
	if want := "PATH=/bin HOME=/root USERGRAPH_API_KEYS=loadtest:ab"; strings.Join(got, " ") != want {
		t.Errorf("serverEnv = %q, want %q", got, want)
	}
}

func TestNewServiceKey(t *testing.T) {
	key, entry, err := newServiceKey("loadtest")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(key, "ugk_") || len(key) != 47 {
		t.Errorf("key %q: want ugk_ and 43 base64url characters", key)
	}
	name, hash, _ := strings.Cut(entry, ":")
	if name != "loadtest" || len(hash) != 64 || strings.Contains(entry, key) {
		t.Errorf("entry %q: want loadtest:<sha256 hex>, without the key itself", entry)
	}
}
