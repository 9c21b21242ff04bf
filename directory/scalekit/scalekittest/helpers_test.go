package scalekittest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// client is a bare net/http client of the fake for these tests.
type client struct {
	t     *testing.T
	s     *Server
	hc    *http.Client
	token string
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func newClient(t *testing.T, opts Options) *client {
	t.Helper()
	s := New(t, opts)
	c := &client{t: t, s: s, hc: &http.Client{}}
	c.token = c.fetchToken()
	return c
}

func (c *client) fetchToken() string {
	c.t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {c.s.ClientID()}, "client_secret": {c.s.ClientSecret()}}
	r := c.post("/oauth/token", form)
	if r.status != http.StatusOK {
		c.t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	res, err := c.hc.PostForm(c.s.URL()+path, form)
	if err != nil {
		c.t.Fatal(err)
	}
	return readResp(c.t, res)
}

func readResp(t *testing.T, res *http.Response) resp {
	t.Helper()
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := resp{status: res.StatusCode, header: res.Header, raw: b}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &r.body); err != nil {
			t.Fatalf("response is not a JSON object: %v: %s", err, b)
		}
	}
	return r
}

// do sends an authenticated request; body, if not nil, is marshalled to JSON (a string or
// []byte is sent as is).
func (c *client) do(method, path string, body any) resp {
	c.t.Helper()
	return c.doCtx(context.Background(), method, path, body)
}

func (c *client) doCtx(ctx context.Context, method, path string, body any) resp {
	c.t.Helper()
	r, err := c.send(ctx, method, path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *client) send(ctx context.Context, method, path string, body any) (resp, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return resp{}, err
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.s.URL()+path, rd)
	if err != nil {
		return resp{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return resp{}, err
	}
	return readResp(c.t, res), nil
}

// want fails unless the response has the status.
func (r resp) want(t *testing.T, status int) resp {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
	return r
}

// wantError checks a §7 envelope: HTTP status, gRPC code and ErrorInfo.error_code.
func (r resp) wantError(t *testing.T, status, code int, errorCode string) resp {
	t.Helper()
	r.want(t, status)
	if got := num(r.body["code"]); got != code {
		t.Fatalf("code %d, want %d: %s", got, code, r.raw)
	}
	if msg, _ := r.body["message"].(string); msg == "" {
		t.Fatalf("no message: %s", r.raw)
	}
	d := r.detail()
	if d["@type"] != ErrorInfoType || d["error_code"] != errorCode {
		t.Fatalf("detail %v, want error_code %s: %s", d, errorCode, r.raw)
	}
	return r
}

func (r resp) detail() map[string]any {
	ds, _ := r.body["details"].([]any)
	if len(ds) == 0 {
		return nil
	}
	d, _ := ds[0].(map[string]any)
	return d
}

// fields lists the field of each field violation.
func (r resp) fields() []string {
	vi, _ := r.detail()["validation_error_info"].(map[string]any)
	fvs, _ := vi["field_violations"].([]any)
	var out []string
	for _, fv := range fvs {
		out = append(out, fv.(map[string]any)["field"].(string))
	}
	return out
}

func (r resp) user() map[string]any {
	u, _ := r.body["user"].(map[string]any)
	return u
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// get walks a path of object keys and array indexes through decoded JSON.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			a, _ := v.([]any)
			if k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func membershipIn(u map[string]any, orgID string) map[string]any {
	ms, _ := u["memberships"].([]any)
	for _, m := range ms {
		if mm := m.(map[string]any); mm["organization_id"] == orgID {
			return mm
		}
	}
	return nil
}

func strs(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		out = append(out, x.(string))
	}
	return out
}

// needSpec skips a test of the OpenAPI validation itself when the document is not there
// (see SpecEnv); the fake's behaviour is tested either way.
func needSpec(t *testing.T) {
	t.Helper()
	if _, _, err := loadSpec(); errors.Is(err, errNoSpec) {
		t.Skipf("%v: nothing to validate against", err)
	}
}
