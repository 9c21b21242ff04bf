// Package scalekit is the Scalekit backend: a directory.Directory that speaks Scalekit's
// documented REST API (docs/scalekit-api.md) with OAuth2 client credentials. The Go SDK
// cannot be used here, and the REST API is the stable public contract anyway.
//
// Scalekit has no get-many endpoint, so batch reads fan out one request per distinct key,
// concurrently, under one limit on in-flight requests that protects the environment's rate
// limit. Memberships, their roles and their effective permissions arrive embedded in every
// user, and the role catalogue is cached for a short time, so neither is fetched again —
// except a listed member's other memberships while member lists are not known to hold
// them all (memberlists.go).
package scalekit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/sync/singleflight"

	"github.com/usergraph/usergraph/directory"
)

// Config says where the environment is and how hard the client may use it.
type Config struct {
	EnvironmentURL string // e.g. https://acme.scalekit.dev
	ClientID       string
	ClientSecret   string

	// Concurrency is the ceiling of the API requests in flight at once, across all callers,
	// so that a burst of GraphQL queries cannot exhaust the environment's rate limit. The
	// limit under it adapts (limiter.go): it starts at 16 and grows while Scalekit answers
	// fast, and halves on 429, 5xx, timeouts or slow answers. Default 64.
	Concurrency int
	// CallTimeout bounds one attempt of one request. Default 10s.
	CallTimeout time.Duration
	// MaxAttempts bounds the tries of an idempotent read (1 = no retry). Default 3.
	MaxAttempts int
	// MaxRetryWait is the longest Retry-After the client waits for before retrying a read;
	// a longer one is handed to the caller as RATE_LIMITED. Default 2s.
	MaxRetryWait time.Duration
	// RoleCacheTTL is how long the role catalogue is reused. Default 30s.
	RoleCacheTTL time.Duration
	// Transport carries the requests; default a clone of http.DefaultTransport sized for
	// Concurrency keep-alive connections.
	Transport http.RoundTripper
	Logger    *slog.Logger
	// MemberLists says whether a member list's embedded memberships are trusted to be all of
	// its users' memberships (see memberlists.go); default MemberListsAuto, which learns it.
	MemberLists MemberLists
	// MemberListProof is how many users in several organizations must match, fetched by id
	// and seen in a member list, before auto mode trusts the lists. Default 50.
	MemberListProof int
	// Cache configures the process-wide read cache (cache.go); the zero value caches
	// nothing but still coalesces identical reads in flight.
	Cache CacheConfig
	// Shared, when set, is the store the replicas share (rediscache over Redis): their
	// writes and webhooks invalidate each other's caches, and an answer one fetched serves
	// them all (shared.go). Nil: this process caches on its own.
	Shared Shared
	// Observer receives cache and concurrency events for metrics; nil records nothing.
	Observer Observer
}

func (c *Config) defaults() error {
	u, err := url.Parse(c.EnvironmentURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("scalekit: SCALEKIT_ENVIRONMENT_URL %q is not an http(s) URL", c.EnvironmentURL)
	}
	c.EnvironmentURL = strings.TrimRight(c.EnvironmentURL, "/")
	if c.ClientID == "" || c.ClientSecret == "" {
		return errors.New("scalekit: SCALEKIT_CLIENT_ID and SCALEKIT_CLIENT_SECRET are both required")
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 64
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = 10 * time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 3
	}
	if c.MaxRetryWait <= 0 {
		c.MaxRetryWait = 2 * time.Second
	}
	if c.RoleCacheTTL <= 0 {
		c.RoleCacheTTL = 30 * time.Second
	}
	if c.Transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		// Every in-flight request may keep its connection: the default of two idle
		// connections per host would make a fan-out of 16 dial 14 times per batch.
		t.MaxIdleConnsPerHost = c.Concurrency
		c.Transport = t
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.MemberLists, err = ParseMemberLists(string(c.MemberLists)); err != nil {
		return err
	}
	if c.MemberListProof <= 0 {
		c.MemberListProof = DefaultMemberListProof
	}
	return nil
}

// Client is a directory.Directory over one Scalekit environment. It is safe for concurrent use.
type Client struct {
	cfg    Config
	http   *http.Client
	tokens *tokens
	slots  *limiter
	calls  atomic.Uint64

	roles      singleflight.Group
	rolesMu    sync.Mutex
	rolesCache *catalogue

	lists *memberLists
	cache *readCache
}

var _ directory.Directory = (*Client)(nil)

// New returns a client; it does not call Scalekit (Ping does).
func New(cfg Config) (*Client, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	httpClient := &http.Client{Transport: cfg.Transport}
	cc := &clientcredentials.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     cfg.EnvironmentURL + "/oauth/token",
		// Scalekit documents the credentials as form fields, not HTTP Basic.
		AuthStyle: oauth2.AuthStyleInParams,
	}
	tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient,
		&http.Client{Transport: cfg.Transport, Timeout: cfg.CallTimeout})
	c := &Client{
		cfg:    cfg,
		http:   httpClient,
		tokens: newTokens(func() oauth2.TokenSource { return fetchTokens{cc, tokenCtx} }),
		lists:  newMemberLists(cfg.MemberLists, cfg.MemberListProof, cfg.Logger),
		// The limit starts at the ceiling: SCALEKIT_CONCURRENCY is the operator's word on
		// what the environment takes, and a cold query's fan-out (one call per organization
		// its members name) should not queue behind a slow start; the limit halves at the
		// first sign of trouble.
		slots: newLimiter(cfg.Concurrency, cfg.Concurrency, observer(cfg.Observer).ConcurrencyLimit),
		cache: newReadCache(cfg.Cache, cfg.Shared, cfg.Observer),
	}
	if cfg.Shared != nil {
		// Another replica's bump is already in the shared versions; what this process
		// keeps beside them (the role catalogue) must hear of it too.
		cfg.Shared.Watch(func(tags []string) { c.Invalidate(SourcePeer, tags...) })
	}
	return c, nil
}

// Calls counts the API requests sent so far (every attempt; token requests excluded).
func (c *Client) Calls() uint64 { return c.calls.Load() }

// Ping asks for the role catalogue, which needs a valid token and a live environment, and
// keeps the answer in the cache.
func (c *Client) Ping(ctx context.Context) error {
	_, err := c.fetchCatalogue(ctx)
	return err
}

// fetchTokens gets a new token on every call; tokens wraps it in a cache.
type fetchTokens struct {
	cfg *clientcredentials.Config
	ctx context.Context
}

func (f fetchTokens) Token() (*oauth2.Token, error) { return f.cfg.Token(f.ctx) }

// tokens caches the access token until a minute before it expires, and forgets it when
// Scalekit refuses it before then (revoked, or the environment's keys rotated).
type tokens struct {
	mu    sync.Mutex
	fresh func() oauth2.TokenSource
	src   oauth2.TokenSource
	last  string // the access token src last returned
}

// tokenEarlyRefresh renews a token this long before its expiry, so that a request never
// leaves with a token that expires on the way.
const tokenEarlyRefresh = time.Minute

func newTokens(fresh func() oauth2.TokenSource) *tokens {
	return &tokens{fresh: fresh, src: oauth2.ReuseTokenSourceWithExpiry(nil, fresh(), tokenEarlyRefresh)}
}

func (t *tokens) get() (string, error) {
	t.mu.Lock()
	src := t.src
	t.mu.Unlock()
	tok, err := src.Token()
	if err != nil {
		return "", err
	}
	t.mu.Lock()
	if t.src == src {
		t.last = tok.AccessToken
	}
	t.mu.Unlock()
	return tok.AccessToken, nil
}

// forget drops the cached token if it is still the one that was refused; concurrent
// refusals of the same token start only one new fetch.
func (t *tokens) forget(refused string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	// Only the token the source handed out last is replaced; nothing is fetched under
	// the lock, so other callers are never held up by a token request.
	if t.last != refused && t.last != "" {
		return
	}
	t.src = oauth2.ReuseTokenSourceWithExpiry(nil, t.fresh(), tokenEarlyRefresh)
	t.last = ""
}

// request is one API call.
type request struct {
	method string
	path   string // already escaped
	query  url.Values
	body   any // JSON-encoded when not nil
}

func (r request) idempotent() bool { return r.method == http.MethodGet }

// response is a call's answer with a 2xx status.
type response struct {
	status int
	body   []byte
	// decoded is where decode keeps the decoded body of an answer read from the cache,
	// shared with the other reads of it; nil for an answer fetched for this read alone.
	decoded *decoded
}

// call sends a request. Reads are retried with exponential backoff and jitter on 429, 502,
// 503, 504 and network errors, honouring Retry-After; writes are never retried blindly,
// because a timed-out write may have been applied. A refused token is renewed once.
func (c *Client) call(ctx context.Context, r request) (*response, error) {
	var body []byte
	if r.body != nil {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("scalekit: encoding %s %s: %w", r.method, r.path, err)
		}
	}
	if !r.idempotent() {
		return c.attempt(ctx, r, body)
	}
	var last error
	expo := backoff.NewExponentialBackOff()
	expo.InitialInterval = 50 * time.Millisecond
	expo.MaxInterval = time.Second
	resp, err := backoff.Retry(ctx, func() (*response, error) {
		resp, err := c.attempt(ctx, r, body)
		if err == nil {
			return resp, nil
		}
		last = err
		var limited *directory.RateLimitedError
		switch {
		case errors.As(err, &limited):
			if limited.RetryAfter > c.cfg.MaxRetryWait {
				return nil, backoff.Permanent(err)
			}
			if limited.RetryAfter > 0 {
				return nil, &backoff.RetryAfterError{Duration: limited.RetryAfter}
			}
			return nil, err
		case errors.Is(err, errRetryable):
			c.cfg.Logger.Debug("scalekit: retrying", "method", r.method, "path", r.path, "err", err)
			return nil, err
		default:
			return nil, backoff.Permanent(err)
		}
	}, backoff.WithBackOff(expo), backoff.WithMaxTries(uint(c.cfg.MaxAttempts)))
	if err != nil {
		// Retry returns its own wrapper for a Retry-After; the caller needs the typed error.
		if last != nil && ctx.Err() == nil {
			return nil, last
		}
		return nil, err
	}
	return resp, nil
}

// errRetryable marks failures that a read may try again.
var errRetryable = errors.New("retryable")

// attempt sends a request once (twice when the token was refused) and classifies the result.
func (c *Client) attempt(ctx context.Context, r request, body []byte) (*response, error) {
	if err := c.slots.acquire(ctx); err != nil {
		return nil, err
	}
	defer c.slots.release()
	for try := 0; ; try++ {
		token, err := c.tokens.get()
		if err != nil {
			return nil, tokenError(err)
		}
		began := time.Now()
		status, header, payload, err := c.send(ctx, r, body, token)
		if err != nil {
			c.slots.observe(time.Since(began), errors.Is(err, errRetryable), 0)
			return nil, err
		}
		c.slots.observe(time.Since(began), status == http.StatusTooManyRequests || status >= 500, retryAfter(header))
		if status == http.StatusUnauthorized && try == 0 {
			c.tokens.forget(token)
			continue
		}
		if status >= 200 && status < 300 {
			return &response{status: status, body: payload}, nil
		}
		return nil, statusError(r, status, header, payload)
	}
}

// maxResponseBytes bounds what the client reads from one answer; a page of 100 users with
// their memberships is well under 1 MiB.
const maxResponseBytes = 16 << 20

func (c *Client) send(ctx context.Context, r request, body []byte, token string) (int, http.Header, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.CallTimeout)
	defer cancel()
	target := c.cfg.EnvironmentURL + r.path
	if len(r.query) > 0 {
		target += "?" + r.query.Encode()
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, reader)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("scalekit: %s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	c.calls.Add(1)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, transportError(ctx, r, err)
	}
	defer resp.Body.Close()
	payload, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return 0, nil, nil, transportError(ctx, r, err)
	}
	return resp.StatusCode, resp.Header, payload, nil
}

// transportError classifies a failure to get an answer: the caller's own cancellation is
// passed through; anything else (timeout, refused connection, reset) means Scalekit is
// unavailable now, and a read may try again.
func transportError(ctx context.Context, r request, err error) error {
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
		return cause
	}
	var netErr net.Error
	kind := "network error"
	if errors.As(err, &netErr) && netErr.Timeout() || errors.Is(err, context.DeadlineExceeded) {
		kind = "timed out"
	}
	return fmt.Errorf("%w: %w: scalekit %s %s %s", directory.ErrUnavailable, errRetryable, r.method, r.path, kind)
}

// tokenError explains a failed token request in one line: wrong credentials are the
// operator's to fix, anything else is an outage.
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		switch re.Response.StatusCode {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			return fmt.Errorf("%w: scalekit refused the client credentials (HTTP %d %s)",
				directory.ErrUnavailable, re.Response.StatusCode, re.ErrorCode)
		}
		return fmt.Errorf("%w: %w: scalekit token endpoint answered HTTP %d", directory.ErrUnavailable, errRetryable, re.Response.StatusCode)
	}
	return fmt.Errorf("%w: %w: scalekit token endpoint unreachable: %v", directory.ErrUnavailable, errRetryable, unwrapURLError(err))
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter reads a Retry-After header given in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
