package playground

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

var configRE = regexp.MustCompile(`(?s)<script id="playground-config" type="application/json">(.*?)</script>`)

// pageConfigOf extracts and decodes the JSON block the page hands to init.js.
func pageConfigOf(t *testing.T, body string) pageConfig {
	t.Helper()
	m := configRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no #playground-config block in page:\n%s", body)
	}
	var cfg pageConfig
	if err := json.Unmarshal([]byte(m[1]), &cfg); err != nil {
		t.Fatalf("config block is not JSON: %v\n%s", err, m[1])
	}
	return cfg
}

func TestPageHeadersAndCSP(t *testing.T) {
	h := Handler(Options{Endpoint: "/graphql", Headers: map[string]string{"Authorization": "Bearer dev"}})
	rec := get(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("GET / = %d", rec.Code)
	}
	hd := rec.Header()
	if got := hd.Get("Content-Type"); got != "text/html; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := hd.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if got := hd.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q", got)
	}

	cfg := pageConfigOf(t, rec.Body.String())
	if cfg.Endpoint != "/graphql" {
		t.Errorf("endpoint = %q", cfg.Endpoint)
	}
	if cfg.Headers["Authorization"] != "Bearer dev" {
		t.Errorf("headers = %v", cfg.Headers)
	}
	if cfg.StyleNonce == "" {
		t.Fatal("no style nonce in config")
	}

	csp := hd.Get("Content-Security-Policy")
	want := "default-src 'self'; script-src 'self'; style-src 'self' 'nonce-" + cfg.StyleNonce + "'; " +
		"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; " +
		"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
	if csp != want {
		t.Errorf("CSP =\n  %s\nwant\n  %s", csp, want)
	}
	for _, bad := range []string{"unsafe-inline", "unsafe-eval", "http:", "https:", "*"} {
		if strings.Contains(csp, bad) {
			t.Errorf("CSP contains %q: %s", bad, csp)
		}
	}

	// A nonce that repeats is no nonce.
	again := pageConfigOf(t, get(t, h, http.MethodGet, "/", nil).Body.String())
	if again.StyleNonce == cfg.StyleNonce {
		t.Errorf("style nonce repeated across requests: %q", cfg.StyleNonce)
	}
}

func TestPageHasNoInlineCode(t *testing.T) {
	body := get(t, Handler(Options{}), http.MethodGet, "/", nil).Body.String()
	// Every <script> either has a src or is the non-executable JSON block;
	// nothing carries inline handlers or styles, which the CSP would block.
	for _, m := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
		if !strings.Contains(m, ` src="`) && !strings.Contains(m, `type="application/json"`) {
			t.Errorf("inline script element: %s", m)
		}
	}
	for _, bad := range []string{" style=", "<style", " onload=", " onerror=", "javascript:", "//cdn", "https://", "http://"} {
		if strings.Contains(body, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestPageEscapesOptions(t *testing.T) {
	evil := `</script><script>alert(1)</script><!-- "quoted" & 'single' \ ` + "\u2028"
	h := Handler(Options{
		Endpoint: "/graphql?x=</script>",
		Title:    "<b>" + evil,
		Headers:  map[string]string{"Authorization": evil, "X-</script>": "v"},
	})
	body := get(t, h, http.MethodGet, "/", nil).Body.String()

	if n := strings.Count(body, "</script>"); n != 6 { // the config block and five script tags
		t.Errorf("page has %d </script> (want 6): an option broke out of its element\n%s", n, body)
	}
	if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>") {
		t.Errorf("unescaped markup from options in page:\n%s", body)
	}
	if !strings.Contains(body, "<title>&lt;b&gt;&lt;/script&gt;") {
		t.Errorf("title not HTML-escaped:\n%s", body)
	}
	// And the values still arrive intact in init.js.
	cfg := pageConfigOf(t, body)
	if cfg.Headers["Authorization"] != evil || cfg.Headers["X-</script>"] != "v" || cfg.Endpoint != "/graphql?x=</script>" {
		t.Errorf("config did not round-trip: %+v", cfg)
	}
}

func TestHandlerCopiesHeaders(t *testing.T) {
	headers := map[string]string{"A": "1"}
	h := Handler(Options{Headers: headers})
	headers["A"] = "changed"
	if got := pageConfigOf(t, get(t, h, http.MethodGet, "/", nil).Body.String()).Headers["A"]; got != "1" {
		t.Errorf("header A = %q: Handler kept a reference to the caller's map", got)
	}
}

func TestDefaults(t *testing.T) {
	body := get(t, Handler(Options{}), http.MethodGet, "/", nil).Body.String()
	if cfg := pageConfigOf(t, body); cfg.Endpoint != "/graphql" || cfg.Headers != nil {
		t.Errorf("default config = %+v", cfg)
	}
	if !strings.Contains(body, "<title>usergraph playground</title>") {
		t.Errorf("default title missing")
	}
}

func TestAbsoluteEndpointExtendsConnectSrc(t *testing.T) {
	h := Handler(Options{Endpoint: "https://api.example.test:8443/graphql"})
	csp := get(t, h, http.MethodGet, "/", nil).Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://api.example.test:8443;") {
		t.Errorf("CSP = %s", csp)
	}
}

func TestInvalidEndpointPanics(t *testing.T) {
	for _, ep := range []string{"ftp://x/graphql", "https:///graphql", "https://a;b/graphql", "http://user:pw@host/graphql", "%zz"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(Endpoint: %q) did not panic", ep)
				}
			}()
			Handler(Options{Endpoint: ep})
		}()
	}
}

func TestAssetsServed(t *testing.T) {
	h := Handler(Options{})
	cases := map[string]string{
		"react.production.min.js":     "text/javascript; charset=utf-8",
		"react-dom.production.min.js": "text/javascript; charset=utf-8",
		"graphiql.min.js":             "text/javascript; charset=utf-8",
		"plugin-explorer.umd.js":      "text/javascript; charset=utf-8",
		"init.js":                     "text/javascript; charset=utf-8",
		"graphiql.min.css":            "text/css; charset=utf-8",
		"plugin-explorer.css":         "text/css; charset=utf-8",
		"playground.css":              "text/css; charset=utf-8",
		"LICENSE.graphiql":            "text/plain; charset=utf-8",
		"VERSIONS":                    "text/plain; charset=utf-8",
	}
	for name, ctype := range cases {
		rec := get(t, h, http.MethodGet, AssetPrefix+name, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", name, rec.Code)
			continue
		}
		if got := rec.Header().Get("Content-Type"); got != ctype {
			t.Errorf("%s: Content-Type %q, want %q", name, got, ctype)
		}
		if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", name, got)
		}
		if !bytes.Equal(rec.Body.Bytes(), assets[name].data) {
			t.Errorf("%s: body differs from the embedded file", name)
		}
	}
}

func TestPageLinksResolveAndAreImmutable(t *testing.T) {
	h := Handler(Options{})
	body := get(t, h, http.MethodGet, "/", nil).Body.String()
	links := regexp.MustCompile(`(?:src|href)="(/playground/[^"]+)"`).FindAllStringSubmatch(body, -1)
	if len(links) != 8 {
		t.Fatalf("found %d asset links, want 8 (3 stylesheets, 5 scripts)", len(links))
	}
	for _, l := range links {
		u := strings.ReplaceAll(l[1], "&amp;", "&")
		rec := get(t, h, http.MethodGet, u, nil)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: status %d", u, rec.Code)
		}
		if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
			t.Errorf("%s: Cache-Control %q", u, got)
		}
	}
}

func TestAssetCachingAndRevalidation(t *testing.T) {
	h := Handler(Options{})
	a := assets["init.js"]

	// Without the right version the browser must revalidate.
	for _, u := range []string{AssetPrefix + "init.js", AssetPrefix + "init.js?v=stale"} {
		if got := get(t, h, http.MethodGet, u, nil).Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control %q, want no-cache", u, got)
		}
	}

	rec := get(t, h, http.MethodGet, AssetPrefix+"init.js", nil)
	etag := rec.Header().Get("ETag")
	if etag == "" || etag != a.etag {
		t.Fatalf("ETag = %q, want %q", etag, a.etag)
	}
	rec = get(t, h, http.MethodGet, AssetPrefix+"init.js", map[string]string{"If-None-Match": etag})
	if rec.Code != http.StatusNotModified || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match: status %d, %d body bytes; want 304 and no body", rec.Code, rec.Body.Len())
	}

	rec = get(t, h, http.MethodHead, AssetPrefix+"init.js", nil)
	if rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD: status %d, %d body bytes", rec.Code, rec.Body.Len())
	}
}

func TestAssetGzip(t *testing.T) {
	h := Handler(Options{})
	name := "graphiql.min.js"

	rec := get(t, h, http.MethodGet, AssetPrefix+name, map[string]string{"Accept-Encoding": "br, gzip"})
	if rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip for Accept-Encoding: br, gzip")
	}
	if !strings.Contains(rec.Header().Get("Vary"), "Accept-Encoding") {
		t.Errorf("Vary = %q", rec.Header().Get("Vary"))
	}
	if rec.Header().Get("ETag") == assets[name].etag {
		t.Errorf("gzip and identity responses share the ETag %s", assets[name].etag)
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, assets[name].data) {
		t.Fatalf("gunzipped body differs (err %v)", err)
	}
	if rec.Body.Len() >= len(plain)/2 {
		t.Logf("note: gzip only saved %d of %d bytes", len(plain)-rec.Body.Len(), len(plain))
	}

	for _, ae := range []string{"", "identity", "gzip;q=0", "br"} {
		rec := get(t, h, http.MethodGet, AssetPrefix+name, map[string]string{"Accept-Encoding": ae})
		if rec.Header().Get("Content-Encoding") != "" || !bytes.Equal(rec.Body.Bytes(), assets[name].data) {
			t.Errorf("Accept-Encoding %q: got Content-Encoding %q", ae, rec.Header().Get("Content-Encoding"))
		}
	}
}

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                     false,
		"gzip":                 true,
		"GZIP":                 true,
		"deflate, gzip;q=1.0":  true,
		"gzip;q=0.5":           true,
		"gzip;q=0":             false,
		"gzip; q=0.000":        false,
		"x-gzip":               true,
		"br, deflate":          false,
		"*":                    false, // allowed by the RFC, but no browser sends only "*"
		"gzip;level=1;q=0.001": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{
		"/index.html", "/graphql", "/foo", "/favicon.ico", "//",
		"/playground", "/playground/", "/playground/index.html", "/playground/SHA256SUMS",
		"/playground/package.json", "/playground/update.sh", "/playground/assets/init.js",
		"/playground/../playground/init.js", "/playground/nope.js",
	} {
		if rec := get(t, h, http.MethodGet, p, nil); rec.Code != http.StatusNotFound {
			t.Errorf("GET %s = %d, want 404", p, rec.Code)
		}
	}
	for _, p := range []string{"/", AssetPrefix + "init.js"} {
		rec := get(t, h, http.MethodPost, p, nil)
		if rec.Code != http.StatusMethodNotAllowed || rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("POST %s = %d (Allow %q), want 405", p, rec.Code, rec.Header().Get("Allow"))
		}
	}
	if rec := get(t, h, http.MethodHead, "/", nil); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Errorf("HEAD / = %d with %d bytes", rec.Code, rec.Body.Len())
	}
}

// ownFiles are embedded files that we write by hand; everything else that is
// embedded comes from npm through update.sh and must match SHA256SUMS.
var ownFiles = map[string]bool{
	"index.html":     true,
	"init.js":        true,
	"playground.css": true,
	"SHA256SUMS":     true,
}

// TestEmbeddedAssetsMatchSHA256SUMS catches hand edits of vendored files (and
// files that update.sh produced but the go:embed patterns miss).
func TestEmbeddedAssetsMatchSHA256SUMS(t *testing.T) {
	sums, err := embedded.ReadFile("assets/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(sums))
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok || len(sum) != 64 {
			t.Fatalf("malformed SHA256SUMS line %q", sc.Text())
		}
		listed[name] = sum
	}
	if len(listed) == 0 {
		t.Fatal("SHA256SUMS is empty")
	}

	entries, err := fs.ReadDir(embedded, "assets")
	if err != nil {
		t.Fatal(err)
	}
	embeddedNames := map[string]bool{}
	for _, e := range entries {
		embeddedNames[e.Name()] = true
		if ownFiles[e.Name()] {
			continue
		}
		want, ok := listed[e.Name()]
		if !ok {
			t.Errorf("%s is embedded but not in SHA256SUMS: vendor files only through update.sh", e.Name())
			continue
		}
		data, _ := embedded.ReadFile("assets/" + e.Name())
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != want {
			t.Errorf("%s does not match SHA256SUMS: it was edited by hand; rerun playground/assets/update.sh", e.Name())
		}
	}
	for name := range listed {
		if !embeddedNames[name] {
			t.Errorf("%s is in SHA256SUMS but not embedded: extend the go:embed patterns", name)
		}
	}
}
