package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// checkLoopbackURL refuses any URL whose host is not this machine. A load tool pointed at a
// remote server is an attack on it, so the rule is strict: a literal loopback address
// (127.0.0.0/8, ::1) or the name "localhost", nothing that merely resolves to one.
func checkLoopbackURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("-url %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("-url %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if !isLoopbackHost(host) {
		return fmt.Errorf("-url %q: host %q is not loopback; loadtest only loads a server on this machine (127.0.0.1, [::1] or localhost)", raw, host)
	}
	return nil
}

// isLoopbackHost reports whether host (without port or brackets) names this machine.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	// A zone (fe80::1%eth0) is never loopback; ParseIP rejects it, which is what we want.
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errNotLoopback is returned by the dialer when a connection would leave the machine.
var errNotLoopback = errors.New("refusing to connect to a non-loopback address")

// loopbackOnlyControl runs after name resolution and before every connect: it is the last
// line of defence, so that even "localhost" mapped elsewhere in /etc/hosts cannot send load
// to another machine.
func loopbackOnlyControl(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %s %s", errNotLoopback, network, address)
	}
	return nil
}

// requestTimeout is the server's own per-request limit (30 s) plus room for the answer to
// arrive: a request that takes longer is stuck, not slow.
const requestTimeout = 35 * time.Second

// newClient returns an HTTP client for `clients` concurrent callers that can only reach
// loopback and never follows redirects (a redirect could point anywhere).
func newClient(clients int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnlyControl}
	transport := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return dialer.DialContext(ctx, network, addr)
		},
		// One kept-alive connection per client: the default of 2 idle connections per host
		// would make the other clients open a new connection per request and measure TCP
		// set-up (and exhaust ephemeral ports in TIME_WAIT) instead of the server.
		MaxIdleConns:        clients,
		MaxIdleConnsPerHost: clients,
		IdleConnTimeout:     90 * time.Second,
		// No Proxy: HTTP_PROXY in the environment must not route the load elsewhere.
	}
	return &http.Client{
		Transport: transport,
		Timeout:   requestTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
