// Package playground serves the usergraph GraphiQL playground without any
// network access at run time.
//
// GraphiQL, React, ReactDOM and the GraphiQL explorer plugin are vendored from
// npm at exact versions (see assets/package.json, assets/VERSIONS and
// assets/update.sh) and embedded in the binary; nothing is loaded from a CDN.
//
// Mounting: Handler serves two things, the page at exactly "/" and the static
// files under AssetPrefix ("/playground/"). Register the same handler for both
// patterns on a ServeMux:
//
//	pg := playground.Handler(playground.Options{Endpoint: "/graphql"})
//	mux.Handle("/{$}", pg)                  // or "/" (other paths get a 404 from pg)
//	mux.Handle(playground.AssetPrefix, pg)
//
// Do not wrap it in http.StripPrefix: the handler routes on the full path and
// the page refers to its files by absolute path.
package playground

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// AssetPrefix is the URL path under which the playground's files are served.
const AssetPrefix = "/playground/"

// Options configures the playground page.
type Options struct {
	// Endpoint is the GraphQL endpoint the page queries, usually a path on the
	// same origin such as "/graphql" (the default). An absolute http(s) URL is
	// accepted too; its origin is then added to the page's connect-src.
	Endpoint string
	// Title is the page title. Defaults to "usergraph playground".
	Title string
	// Headers are pre-filled into GraphiQL's headers editor (for example a
	// development token). They are sent because they are in the editor, so a
	// user can see, edit or delete them.
	Headers map[string]string
	// Tabs, when set, are the tabs the playground opens with on a browser that has none
	// stored yet (GraphiQL keeps a user's tabs in local storage), each with Headers; a
	// ?query= link opens its own document instead. GraphiQL titles a tab with the name of
	// its operation, so name them.
	Tabs []Tab
}

// Tab is one pre-filled playground tab.
type Tab struct {
	// Query is the GraphQL document.
	Query string `json:"query"`
	// Variables is a JSON object, as typed into the variables editor; "" for none.
	Variables string `json:"variables,omitempty"`
}

//go:embed assets/*.js assets/*.css assets/LICENSE.* assets/VERSIONS assets/SHA256SUMS assets/index.html
var embedded embed.FS

// notServed are embedded files that are not meant for the browser: the page
// template is rendered at "/", and SHA256SUMS only exists for the tests.
var notServed = map[string]bool{"index.html": true, "SHA256SUMS": true}

// asset is one embedded file as served under AssetPrefix.
type asset struct {
	name        string
	contentType string
	data        []byte
	// version is a prefix of the content's SHA-256. The page links to
	// "?v=<version>", which makes the URL change whenever the content does
	// and so lets browsers cache it for good.
	version string
	etag    string

	// The gzip form is computed on first use: most deployments never serve
	// the playground, so there is no point paying for it at start-up.
	gzOnce sync.Once
	gz     []byte
}

var (
	assets   = mustLoadAssets()
	pageTmpl = template.Must(template.ParseFS(embedded, "assets/index.html"))
	pageURLs = assetURLs{
		GraphiQLCSS: assetURL("graphiql.min.css"),
		ExplorerCSS: assetURL("plugin-explorer.css"),
		PageCSS:     assetURL("playground.css"),
		React:       assetURL("react.production.min.js"),
		ReactDOM:    assetURL("react-dom.production.min.js"),
		GraphiQL:    assetURL("graphiql.min.js"),
		Explorer:    assetURL("plugin-explorer.umd.js"),
		Init:        assetURL("init.js"),
	}
)

func mustLoadAssets() map[string]*asset {
	entries, err := fs.ReadDir(embedded, "assets")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	m := make(map[string]*asset, len(entries))
	for _, e := range entries {
		if e.IsDir() || notServed[e.Name()] {
			continue
		}
		data, err := embedded.ReadFile("assets/" + e.Name())
		if err != nil {
			panic(err)
		}
		sum := sha256.Sum256(data)
		hexSum := hex.EncodeToString(sum[:])
		m[e.Name()] = &asset{
			name:        e.Name(),
			contentType: contentType(e.Name()),
			data:        data,
			version:     hexSum[:16],
			etag:        `"` + hexSum[:32] + `"`,
		}
	}
	return m
}

// contentType is explicit rather than mime.TypeByExtension, whose answer
// depends on the host's mime tables; with nosniff a wrong type breaks the page.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default: // LICENSE.*, VERSIONS
		return "text/plain; charset=utf-8"
	}
}

func assetURL(name string) string {
	a, ok := assets[name]
	if !ok {
		panic("playground: embedded asset missing: " + name)
	}
	return AssetPrefix + a.name + "?v=" + a.version
}

type assetURLs struct {
	GraphiQLCSS, ExplorerCSS, PageCSS         string
	React, ReactDOM, GraphiQL, Explorer, Init string
}

// pageConfig is handed to init.js as JSON.
type pageConfig struct {
	Endpoint   string            `json:"endpoint"`
	Headers    map[string]string `json:"headers,omitempty"`
	Tabs       []Tab             `json:"tabs,omitempty"`
	StyleNonce string            `json:"styleNonce"`
}

type pageData struct {
	Title  string
	Config pageConfig
	Assets assetURLs
}

type handler struct {
	title    string
	endpoint string
	headers  map[string]string
	tabs     []Tab
	// cspFormat has one %s for the per-request style nonce.
	cspFormat string
}

// Handler returns the playground handler: the page at exactly "/" and the
// embedded files under AssetPrefix; every other path is answered with 404.
// See the package documentation for how to mount it.
//
// It panics if opts.Endpoint is neither a path nor an absolute http(s) URL,
// since that is a programming error that would otherwise only show up in the
// browser.
func Handler(opts Options) http.Handler {
	h := &handler{
		title:    opts.Title,
		endpoint: opts.Endpoint,
		tabs:     append([]Tab(nil), opts.Tabs...),
	}
	if h.title == "" {
		h.title = "usergraph playground"
	}
	if h.endpoint == "" {
		h.endpoint = "/graphql"
	}
	// Copy so later changes to the caller's map cannot race with requests.
	if len(opts.Headers) > 0 {
		h.headers = make(map[string]string, len(opts.Headers))
		for k, v := range opts.Headers {
			h.headers[k] = v
		}
	}

	connect := "'self'"
	if origin, err := endpointOrigin(h.endpoint); err != nil {
		panic("playground: " + err.Error())
	} else if origin != "" {
		connect += " " + origin
	}
	h.cspFormat = strings.Join([]string{
		"default-src 'self'",
		// Every script is a file served by us; the bundles need neither
		// eval nor inline code (init.js reads its options from JSON).
		"script-src 'self'",
		// Stylesheets are ours too. The nonce is for the <style> elements
		// Radix UI adds while a GraphiQL dialog is open (see init.js);
		// inline style attributes set by React go through the CSSOM, which
		// CSP does not restrict.
		"style-src 'self' 'nonce-%s'",
		// GraphiQL's CSS inlines its fonts and some icons as data: URIs.
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connect,
		"object-src 'none'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
	return h
}

// endpointOrigin returns "" for a same-origin endpoint (a path) and the
// scheme://host of an absolute one. It refuses anything that could smuggle
// extra directives into the CSP header.
func endpointOrigin(endpoint string) (string, error) {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("invalid Endpoint %q: %v", endpoint, err)
	}
	if u.Scheme == "" && u.Host == "" {
		// A path: init.js resolves it against the page, so same origin.
		return "", nil
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("invalid Endpoint %q: want a path or an http(s) URL", endpoint)
	}
	for _, r := range u.Host {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune(".-:[]", r)) {
			return "", fmt.Errorf("invalid Endpoint %q: unexpected character in host", endpoint)
		}
	}
	return u.Scheme + "://" + u.Host, nil
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var serve func(http.ResponseWriter, *http.Request)
	switch {
	case r.URL.Path == "/":
		serve = h.servePage
	case strings.HasPrefix(r.URL.Path, AssetPrefix):
		a, ok := assets[strings.TrimPrefix(r.URL.Path, AssetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		serve = a.serve
	default:
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	serve(w, r)
}

func (h *handler) servePage(w http.ResponseWriter, r *http.Request) {
	nonce, err := newNonce()
	if err != nil {
		http.Error(w, "playground: cannot create nonce", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	err = pageTmpl.Execute(&buf, pageData{
		Title: h.title,
		Config: pageConfig{
			Endpoint:   h.endpoint,
			Headers:    h.headers,
			Tabs:       h.tabs,
			StyleNonce: nonce,
		},
		Assets: pageURLs,
	})
	if err != nil {
		http.Error(w, "playground: "+err.Error(), http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Content-Security-Policy", fmt.Sprintf(h.cspFormat, nonce))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	// The nonce makes every response unique, and a stale page could point at
	// asset versions this binary no longer has.
	hd.Set("Cache-Control", "no-store")
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(buf.Bytes())
}

func newNonce() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

func (a *asset) serve(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("X-Content-Type-Options", "nosniff")
	if r.URL.Query().Get("v") == a.version {
		// The URL names this exact content, so it can never go stale.
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// Unversioned (or outdated) URL: let the browser keep a copy but
		// revalidate it with the ETag every time.
		hd.Set("Cache-Control", "no-cache")
	}
	body, etag := a.data, a.etag
	if a.compressible() {
		hd.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r.Header.Get("Accept-Encoding")) {
			body = a.gzipped()
			// A different representation needs a different strong ETag.
			etag = strings.TrimSuffix(a.etag, `"`) + `-gzip"`
			hd.Set("Content-Encoding", "gzip")
		}
	}
	hd.Set("ETag", etag)
	// ServeContent handles HEAD, If-None-Match and Range for us; the zero
	// modtime keeps it from sending Last-Modified, the ETag is enough.
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
}

// compressible reports whether gzip is worth it: the big text bundles, not
// the tiny license files.
func (a *asset) compressible() bool {
	return len(a.data) >= 1024 && !strings.HasPrefix(a.contentType, "text/plain")
}

func (a *asset) gzipped() []byte {
	a.gzOnce.Do(func() {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(a.data)                                  // writes to a bytes.Buffer do not fail
		_ = zw.Close()
		a.gz = buf.Bytes()
	})
	return a.gz
}

// acceptsGzip parses an Accept-Encoding header just enough to honour an
// explicit "gzip;q=0" refusal.
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && !strings.EqualFold(coding, "x-gzip") {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				v = strings.TrimSpace(v)
				if v == "0" || strings.Trim(v, "0.") == "" {
					return false
				}
			}
		}
		return true
	}
	return false
}
