// Package playgroundtest drives the GraphQL playground in a real headless
// Chromium. It is a test helper: import it only from _test.go files (it pulls
// in chromedp, which the server binary has no use for).
//
// Environment:
//
//	CHROMIUM                   path of the browser (default: /usr/bin/chromium,
//	                           then chromium or chromium-browser on $PATH)
//	USERGRAPH_REQUIRE_BROWSER  "1" turns a missing browser (or -short) from a
//	                           skip into a failure; set it in CI
//	USERGRAPH_SCREENSHOT       if set, a PNG of the page is written there
//
// No browser is ever downloaded: Debian's "chromium" package provides one.
package playgroundtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Selectors of GraphiQL 3's DOM (see assets/VERSIONS for the exact version).
const (
	queryEditorSelector   = ".graphiql-query-editor .CodeMirror"
	executeButtonSelector = "button.graphiql-execute-button"
	tabsSelector          = ".graphiql-sessions"
	pluginSelector        = ".graphiql-plugin"
)

// resultJS returns the whole text of the result pane. It asks CodeMirror for
// its value because CodeMirror only renders the lines in view.
const resultJS = `(() => {
	const el = document.querySelector('.result-window .CodeMirror');
	if (!el) return '';
	return el.CodeMirror ? el.CodeMirror.getValue() : el.textContent;
})()`

// cspProbeJS runs before any page script and records Content-Security-Policy
// violations, so that a policy too strict for GraphiQL fails the test instead
// of silently breaking a corner of the UI.
const cspProbeJS = `window.__usergraphCSPViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
	window.__usergraphCSPViolations.push(
		e.effectiveDirective + ' blocked ' + (e.blockedURI || '(inline)') +
		' at ' + (e.sourceFile || '?') + ':' + e.lineNumber);
});`

// defaultTimeout bounds the whole browser session. Chromium needs a couple of
// seconds to start and parse the ~1 MB GraphiQL bundle on a small machine.
const defaultTimeout = 90 * time.Second

// RunQueryInBrowser opens pageURL (the playground page, normally with
// ?query=... and optionally &variables=...) in a fresh headless Chromium,
// waits for GraphiQL's editor, presses the execute button and waits until the
// result pane contains wantSubstring.
//
// It fails the test if that does not happen, if the page violated its
// Content-Security-Policy, or if the page requested any URL that is not on a
// loopback host (127.0.0.0/8, ::1, localhost) or a data:/blob: URL: the
// playground must work without internet access. It skips the test when no
// Chromium is installed, unless USERGRAPH_REQUIRE_BROWSER=1.
func RunQueryInBrowser(t testing.TB, pageURL string, wantSubstring string) {
	t.Helper()
	runInBrowser(t, pageURL, wantSubstring, Tour{})
}

// Tour is what RunFirstTabInBrowser expects of a page that opens with several tabs.
type Tour struct {
	// Tabs are the tabs' titles.
	Tabs []string
	// PluginShows is a text the visible plugin pane (the explorer) must show, such as a root
	// field's name: it proves that the page loaded the schema by introspection.
	PluginShows string
}

// RunFirstTabInBrowser is RunQueryInBrowser for a page that opens with several tabs: it also
// waits until the page shows the tour's tabs and schema, then runs the active tab.
func RunFirstTabInBrowser(t testing.TB, pageURL string, wantSubstring string, tour Tour) {
	t.Helper()
	runInBrowser(t, pageURL, wantSubstring, tour)
}

func runInBrowser(t testing.TB, pageURL string, wantSubstring string, tour Tour) {
	t.Helper()
	require := os.Getenv("USERGRAPH_REQUIRE_BROWSER") == "1"
	if testing.Short() && !require {
		t.Skip("browser test skipped in -short mode")
	}
	exe, err := findChromium()
	if err != nil {
		if require {
			t.Fatalf("USERGRAPH_REQUIRE_BROWSER=1 but %v", err)
		}
		t.Skipf("skipping browser test: %v (apt-get install chromium)", err)
	}

	timeout := defaultTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			// Leave time for the report and cleanup before go test kills us.
			if left := time.Until(dl) - 5*time.Second; left < timeout {
				timeout = left
			}
		}
	}
	// The browser lives a little longer than the steps of the test, so that
	// a step that times out can still be diagnosed (screenshot, page text).
	ctx, cancel := context.WithTimeout(context.Background(), timeout+15*time.Second)
	defer cancel()

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		// A fresh profile: no cached assets or stored GraphiQL tabs from an
		// earlier run can make the test pass (or fail) by accident.
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 900),
		// Nothing may leave the machine even if the page misbehaves: every
		// non-loopback request goes to a proxy port on which nothing
		// listens (Chromium never proxies loopback hosts), so it fails at
		// once without even a DNS lookup. The request is still recorded
		// below, so the test reports it.
		chromedp.ProxyServer("http://127.0.0.1:9"),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.DisableGPU,
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	// cancelAlloc waits for the browser process to exit, so the profile
	// directory is no longer in use when t.TempDir removes it.
	defer cancelAlloc()
	// chromedp may log from its own goroutines; t.Logf after the test has
	// finished panics, so stop forwarding once this function returns.
	logs := &guardedLogf{logf: t.Logf}
	defer logs.stop()
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx, chromedp.WithLogf(logs.Logf))
	defer cancelBrowser()

	rec := &recorder{}
	// Listen is the first call on browserCtx, so it starts the browser; it
	// must not carry a deadline of its own (chromedp would tear the browser
	// down with it), hence the separate stepsCtx below.
	start := time.Now()
	runErr := chromedp.Listen(browserCtx, rec.onEvent)
	if runErr == nil {
		_, runErr = chromedp.Call(browserCtx, page.AddScriptToEvaluateOnNewDocument,
			page.AddScriptToEvaluateOnNewDocumentParams{Source: cspProbeJS})
	}
	if runErr == nil {
		stepsCtx, cancelSteps := context.WithTimeout(browserCtx, timeout)
		tabs := make([]string, len(tour.Tabs))
		for i, name := range tour.Tabs {
			tabs[i] = jsString(name)
		}
		runErr = chromedp.Do(stepsCtx,
			chromedp.Navigate(pageURL),
			chromedp.WaitVisible(chromedp.CSS(queryEditorSelector)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf("[%s].every(n => (document.querySelector(%s) || {innerText: ''}).innerText.includes(n))",
				strings.Join(tabs, ","), jsString(tabsSelector)),
				chromedp.WithPollingInterval(100*time.Millisecond),
				chromedp.WithPollingTimeout(0)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf("(document.querySelector(%s) || {innerText: ''}).innerText.includes(%s)",
				jsString(pluginSelector), jsString(tour.PluginShows)),
				chromedp.WithPollingInterval(100*time.Millisecond),
				chromedp.WithPollingTimeout(0)),
			chromedp.Click(chromedp.CSS(executeButtonSelector)),
			chromedp.Poll[chromedp.Void](fmt.Sprintf("%s.includes(%s)", resultJS, jsString(wantSubstring)),
				chromedp.WithPollingInterval(100*time.Millisecond),
				chromedp.WithPollingTimeout(0)), // stepsCtx bounds it
		)
		cancelSteps()
	}
	t.Logf("browser: %v from start to result (%d requests)", time.Since(start).Round(time.Millisecond), rec.count())

	diagCtx, cancelDiag := context.WithTimeout(browserCtx, 10*time.Second)
	defer cancelDiag()

	if path := os.Getenv("USERGRAPH_SCREENSHOT"); path != "" {
		if png, err := chromedp.Run(diagCtx, chromedp.CaptureScreenshot()); err != nil {
			t.Errorf("screenshot: %v", err)
		} else if err := os.WriteFile(path, png, 0o644); err != nil {
			t.Errorf("screenshot: %v", err)
		} else {
			t.Logf("browser: screenshot written to %s", path)
		}
	}

	violations, _ := chromedp.Run(diagCtx, chromedp.Evaluate[[]string](`window.__usergraphCSPViolations || []`))
	for _, m := range rec.consoleMessages() {
		t.Logf("browser console: %s", m)
	}

	failed := false
	if runErr != nil {
		result, _ := chromedp.Run(diagCtx, chromedp.Evaluate[string](resultJS))
		body, _ := chromedp.Run(diagCtx, chromedp.Evaluate[string](`document.body ? document.body.innerText.slice(0, 2000) : ''`))
		t.Errorf("playground at %s did not show %q in the result pane: %v\nresult pane: %q\npage text: %q",
			pageURL, wantSubstring, runErr, result, body)
		failed = true
	}
	if len(violations) > 0 {
		t.Errorf("the page violated its Content-Security-Policy:\n  %s", strings.Join(violations, "\n  "))
		failed = true
	}
	if bad := rec.nonLoopback(); len(bad) > 0 {
		t.Errorf("the page requested non-loopback URLs (the playground must work offline):\n  %s", strings.Join(bad, "\n  "))
		failed = true
	}
	if failed {
		t.FailNow()
	}
}

func findChromium() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("CHROMIUM=%s: %v", p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (set CHROMIUM, or install /usr/bin/chromium)")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

type guardedLogf struct {
	mu      sync.Mutex
	stopped bool
	logf    func(string, ...any)
}

func (g *guardedLogf) Logf(format string, args ...any) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stopped {
		g.logf("chromedp: "+format, args...)
	}
}

func (g *guardedLogf) stop() {
	g.mu.Lock()
	g.stopped = true
	g.mu.Unlock()
}

// recorder collects what the page did, from chromedp's event goroutine.
type recorder struct {
	mu      sync.Mutex
	urls    []string
	console []string
}

func (r *recorder) onEvent(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.urls = append(r.urls, ev.Request.URL)
	case *network.EventWebSocketCreated:
		r.urls = append(r.urls, ev.URL)
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		msg := d.Text
		if d.Exception != nil && d.Exception.Description != "" {
			msg += " " + d.Exception.Description
		}
		r.console = append(r.console, fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, msg))
	case *runtime.EventConsoleAPICalled:
		if ev.Type != runtime.ConsoleAPICalledTypeError && ev.Type != runtime.ConsoleAPICalledTypeWarning {
			return
		}
		parts := make([]string, 0, len(ev.Args))
		for _, a := range ev.Args {
			switch {
			case a.Description != "":
				parts = append(parts, a.Description)
			case len(a.Value) > 0:
				parts = append(parts, string(a.Value))
			default:
				parts = append(parts, string(a.Type))
			}
		}
		r.console = append(r.console, string(ev.Type)+": "+strings.Join(parts, " "))
	}
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.urls)
}

func (r *recorder) consoleMessages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.console...)
}

// nonLoopback returns the distinct recorded URLs that could have left the
// machine.
func (r *recorder) nonLoopback() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	seen := map[string]bool{}
	var bad []string
	for _, raw := range r.urls {
		if isLocalURL(raw) || seen[raw] {
			continue
		}
		seen[raw] = true
		bad = append(bad, raw)
	}
	sort.Strings(bad)
	return bad
}

func isLocalURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "data", "blob":
		return true
	case "http", "https", "ws", "wss":
	default:
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
