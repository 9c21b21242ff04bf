// Package scalekittest is an in-process fake of Scalekit's REST API, for tests and benchmarks
// of the Scalekit client. It follows docs/scalekit-api.md (wire names, the error
// envelope, the cascade default) and checks every /api/v1 request it receives and every 2xx
// response it sends against Scalekit's OpenAPI document (openapi.json) with
// libopenapi-validator: a client that drifts from the contract fails its tests.
package scalekittest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	validator "github.com/pb33f/libopenapi-validator"
)

// Options configure a Server.
type Options struct {
	Latency          time.Duration // every /api/v1 response is delayed by this (the request's context is respected)
	ClientID         string        // default "test-client"
	ClientSecret     string        // default "test-secret"
	TokenTTL         time.Duration // expires_in of issued tokens; default 1h
	Seed             bool          // load the demo data set (organizations and users; roles are always there)
	Generate         *Generated    // load a generated data set of this size instead of the demo one (Seed is then ignored)
	ExpectViolations bool          // do not fail the test on contract violations (for tests of the validation itself)
	// PartialMemberLists makes an organization's user list (and its search) carry only that
	// organization's membership of each user; by default they carry all of them. Scalekit
	// does not document which it does, and the client must be right either way.
	PartialMemberLists bool

	// The options below are for Start (a fake outside a test, as cmd/fakescalekit runs it).

	Addr string // listen address; default 127.0.0.1:0 (a free port)
	// SpecOptional lets Start serve without Scalekit's openapi.json: requests and responses
	// are then not checked (SpecSkipped says why). New always requires the document.
	SpecOptional bool
	// NoValidation turns the contract check off even when the document is there, so that a
	// benchmark over the fake spends its CPU on the servers under test.
	NoValidation bool
}

// Default credentials.
const (
	DefaultClientID     = "test-client"
	DefaultClientSecret = "test-secret"
)

// Server is a running fake Scalekit environment.
type Server struct {
	opts        Options
	hs          *httptest.Server
	spec        validator.Validator // nil: the contract is not checked (Start without the document, or NoValidation)
	specSkipped string
	done        chan struct{} // closed at cleanup: releases hanging and sleeping requests
	now         func() time.Time
	route       []*route

	closeOnce sync.Once

	latency       atomic.Int64
	calls         atomic.Uint64
	tokenRequests atomic.Uint64
	inFlight      atomic.Int64
	maxInFlight   atomic.Int64

	ctl        sync.Mutex // guards the fields below (test controls, counters, tokens)
	routes     map[string]uint64
	faults     []*fault
	tokens     map[string]time.Time // token → expiry
	violations []string

	mu sync.Mutex // guards st
	st *state
}

type fault struct {
	route      string
	n          int
	status     int
	retryAfter string
	hang       bool
}

// New starts a fake Scalekit environment on an httptest.Server. t.Cleanup closes it and, unless
// opts.ExpectViolations, fails t if any request or response broke the OpenAPI contract.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	// A test runs without the document unless it is required (spec.go); Start is then told
	// that the check may be skipped, and the skip is said in the test log.
	opts.SpecOptional, opts.NoValidation = false, false
	if _, _, err := loadSpec(); errors.Is(err, errNoSpec) {
		t.Logf("%v: requests and answers are not checked against Scalekit's OpenAPI document (set %s to its path, and %s=1 to require it)",
			err, SpecEnv, RequireSpecEnv)
		opts.SpecOptional = true
	}
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() {
		s.Close()
		if vs := s.Violations(); len(vs) > 0 && !opts.ExpectViolations {
			t.Errorf("scalekittest: %d Scalekit API contract violation(s):\n\t%s", len(vs), strings.Join(vs, "\n\t"))
		}
	})
	return s
}

// Start starts a fake Scalekit environment outside a test; Close stops it. Without
// opts.SpecOptional a missing or unreadable openapi.json is an error.
func Start(opts Options) (*Server, error) {
	var v validator.Validator
	skipped := ""
	if opts.NoValidation {
		skipped = "turned off (NoValidation)" // and the document is not even loaded
	} else {
		switch loaded, _, err := loadSpec(); {
		case err != nil && opts.SpecOptional:
			skipped = err.Error()
		case err != nil:
			return nil, err
		default:
			v = loaded
		}
	}
	if opts.ClientID == "" {
		opts.ClientID = DefaultClientID
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = DefaultClientSecret
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = time.Hour
	}
	if opts.Addr == "" {
		opts.Addr = "127.0.0.1:0"
	}
	if g := opts.Generate; g != nil && (g.Organizations < 1 || g.Users < 0) {
		return nil, fmt.Errorf("scalekittest: a generated data set needs at least one organization and no negative user count, got %d and %d", g.Organizations, g.Users)
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("scalekittest: listen on %s: %w", opts.Addr, err)
	}
	s := &Server{
		opts:        opts,
		spec:        v,
		specSkipped: skipped,
		done:        make(chan struct{}),
		now:         func() time.Time { return time.Now().UTC() },
		routes:      map[string]uint64{},
		tokens:      map[string]time.Time{},
		st:          newState(),
	}
	s.latency.Store(int64(opts.Latency))
	s.route = s.routeTable()
	s.loadRoles()
	switch {
	case opts.Generate != nil:
		s.generate(*opts.Generate)
	case opts.Seed:
		s.seed()
	}
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.hs.Listener.Close()
	s.hs.Listener = ln
	s.hs.Start()
	return s, nil
}

// Close stops the server; requests waiting on latency or a Hang are released.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.hs.Close()
	})
}

// SpecSkipped is why requests and responses are not checked against the OpenAPI document,
// or "" when they are.
func (s *Server) SpecSkipped() string { return s.specSkipped }

// URL is the environment URL, e.g. http://127.0.0.1:port.
func (s *Server) URL() string { return s.hs.URL }

// Client is an *http.Client for the server (plain HTTP; any client works).
func (s *Server) Client() *http.Client { return s.hs.Client() }

// ClientID and ClientSecret are the credentials the token endpoint accepts.
func (s *Server) ClientID() string { return s.opts.ClientID }

// ClientSecret is the secret the token endpoint accepts.
func (s *Server) ClientSecret() string { return s.opts.ClientSecret }

// Calls is the number of /api/v1 requests received (token requests not counted).
func (s *Server) Calls() uint64 { return s.calls.Load() }

// TokenRequests is the number of POST /oauth/token requests received.
func (s *Server) TokenRequests() uint64 { return s.tokenRequests.Load() }

// MaxInFlight is the peak number of /api/v1 requests being served at once.
func (s *Server) MaxInFlight() int { return int(s.maxInFlight.Load()) }

// SetLatency changes the delay of every /api/v1 response from now on.
func (s *Server) SetLatency(d time.Duration) { s.latency.Store(int64(d)) }

// Routes counts /api/v1 requests per route template, keyed like "GET /api/v1/users/{id}".
// Requests on paths the fake does not know are counted under "METHOD /raw/path".
func (s *Server) Routes() map[string]uint64 {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	out := make(map[string]uint64, len(s.routes))
	for k, v := range s.routes {
		out[k] = v
	}
	return out
}

// RevokeTokens makes every token issued so far invalid: /api/v1 calls using one get 401.
func (s *Server) RevokeTokens() {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	clear(s.tokens)
}

// Fail makes the next n /api/v1 requests whose route matches route ("GET /api/v1/users/{id}", or
// "*" for any route) answer with status and the §7 envelope (gRPC code by the usual mapping:
// 429→8 with error_code RATE_LIMITED, 503→14, 502→14, 500→13, 504→4). retryAfter, if not "",
// is sent as the Retry-After header. Such requests count in Calls().
func (s *Server) Fail(route string, n int, status int, retryAfter string) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	s.faults = append(s.faults, &fault{route: route, n: n, status: status, retryAfter: retryAfter})
}

// Hang makes the next n /api/v1 requests whose route matches never answer, until the client
// gives up (the request's context is done) or the server is closed.
func (s *Server) Hang(route string, n int) {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	s.faults = append(s.faults, &fault{route: route, n: n, hang: true})
}

// Violations lists the contract violations seen so far, one line each.
func (s *Server) Violations() []string {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	return slices.Clone(s.violations)
}

func (s *Server) addViolations(vs []string) {
	if len(vs) == 0 {
		return
	}
	s.ctl.Lock()
	s.violations = append(s.violations, vs...)
	s.ctl.Unlock()
}

// UserIDByEmail returns the id of the user with that e-mail (case-insensitive), or "".
func (s *Server) UserIDByEmail(email string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.userByEmail(email); u != nil {
		return u.id
	}
	return ""
}

// AddIdentity records that a user signed in through a connection, as Scalekit does at
// sign-in (its API cannot write identities); the user's external_identities show it.
// provider is an IdentityProviderType such as "OKTA". It reports whether the user exists.
func (s *Server) AddIdentity(userID, connectionID, connectionType, provider, connectionUserID string, social bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.st.userByID[userID]
	if u == nil {
		return false
	}
	now := s.now()
	u.identities = append(u.identities, identity{connectionID: connectionID, connectionType: connectionType,
		provider: provider, connectionUserID: connectionUserID, social: social, created: now, lastLogin: now})
	u.lastLogin = now
	return true
}

// UserIDByExternalID returns the id of the user with that external id, or "".
func (s *Server) UserIDByExternalID(ext string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.st.userByExternalID(ext); u != nil {
		return u.id
	}
	return ""
}

// OrganizationIDByExternalID returns the id of the organization with that external id, or "".
func (s *Server) OrganizationIDByExternalID(ext string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.st.orgByExternalID(ext); o != nil {
		return o.id
	}
	return ""
}

// RoleID returns the id of the role with that name, or "".
func (s *Server) RoleID(name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r := s.st.roleByName[name]; r != nil {
		return r.id
	}
	return ""
}

// UserCount and OrganizationCount report how many users and organizations are stored.
func (s *Server) UserCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.users)
}

// OrganizationCount reports how many organizations are stored.
func (s *Server) OrganizationCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.st.orgs)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/oauth/token":
		s.serveToken(w, r)
	case strings.HasPrefix(r.URL.Path, "/api/v1/"):
		s.serveAPI(w, r)
	case r.URL.Path == CountersPath && r.Method == http.MethodGet:
		s.serveCounters(w)
	default:
		writeJSON(w, http.StatusNotFound, nil, newAPIError(http.StatusNotFound, "", "no route for %s %s", r.Method, r.URL.Path).body)
	}
}

// CountersPath is where the fake reports what it has served, as JSON: a load tool reads it
// before and after a run to count the Scalekit calls per request. It is no Scalekit path.
const CountersPath = "/_fake/counters"

// Counters is the body of GET CountersPath.
type Counters struct {
	Calls         uint64 `json:"calls"`          // /api/v1 requests, as Calls()
	TokenRequests uint64 `json:"token_requests"` // as TokenRequests()
	MaxInFlight   int    `json:"max_in_flight"`  // as MaxInFlight()
	Violations    int    `json:"violations"`     // contract violations seen so far
}

func (s *Server) serveCounters(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, nil, Counters{
		Calls: s.Calls(), TokenRequests: s.TokenRequests(), MaxInFlight: s.MaxInFlight(), Violations: len(s.Violations()),
	})
}

// serveToken is the client-credentials token endpoint (docs/scalekit-api.md, "Authentication"). It is not in the spec's
// paths, so it is not validated. Credentials are read from the form or from HTTP Basic.
func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	s.tokenRequests.Add(1)
	oauthErr := func(status int, code, desc string) {
		writeJSON(w, status, nil, map[string]string{"error": code, "error_description": desc})
	}
	if r.Method != http.MethodPost {
		oauthErr(http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(http.StatusBadRequest, "invalid_request", "cannot parse form: "+err.Error())
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if bid, bsecret, ok := r.BasicAuth(); ok && id == "" && secret == "" {
		id, secret = bid, bsecret
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		oauthErr(http.StatusBadRequest, "unsupported_grant_type", "grant_type must be client_credentials, got "+strconv.Quote(gt))
		return
	}
	if id != s.opts.ClientID || secret != s.opts.ClientSecret {
		oauthErr(http.StatusUnauthorized, "invalid_client", "client authentication failed: unknown client_id or wrong client_secret")
		return
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	s.ctl.Lock()
	s.tokens[token] = time.Now().Add(s.opts.TokenTTL)
	s.ctl.Unlock()
	writeJSON(w, http.StatusOK, nil, map[string]any{
		"access_token": token,
		"token_type":   "Bearer",
		"expires_in":   int64(s.opts.TokenTTL / time.Second),
		"scope":        "openid",
	})
}

func (s *Server) authenticate(r *http.Request) *apiError {
	h := r.Header.Get("Authorization")
	if h == "" {
		return newAPIError(http.StatusUnauthorized, "", "Token empty")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return newAPIError(http.StatusUnauthorized, "", "Authorization header is not a Bearer token")
	}
	s.ctl.Lock()
	exp, known := s.tokens[token]
	s.ctl.Unlock()
	if !known {
		return newAPIError(http.StatusUnauthorized, "", "Token invalid or revoked")
	}
	if time.Now().After(exp) {
		return newAPIError(http.StatusUnauthorized, "", "Token expired")
	}
	return nil
}

// takeFault consumes the first armed Fail/Hang whose route matches.
func (s *Server) takeFault(key string) *fault {
	s.ctl.Lock()
	defer s.ctl.Unlock()
	for i, f := range s.faults {
		if f.route != "*" && f.route != key {
			continue
		}
		f.n--
		if f.n <= 0 {
			s.faults = slices.Delete(s.faults, i, i+1)
		}
		c := *f
		return &c
	}
	return nil
}

// request is what a route handler gets.
type request struct {
	r      *http.Request
	params map[string]string
	body   []byte
}

func (q *request) query(name string) string { return q.r.URL.Query().Get(name) }

// decode unmarshals the body into v.
func (q *request) decode(v any) *apiError {
	if len(bytes.TrimSpace(q.body)) == 0 {
		return badRequest("request body is required")
	}
	if err := json.Unmarshal(q.body, v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	// Every answer leaves Latency after the request arrived, however long the fake's own
	// work (validation, encoding) took, so that a benchmark over the fake measures the
	// client and gateway rather than the fake.
	due := time.Now().Add(time.Duration(s.latency.Load()))
	s.calls.Add(1)
	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		m := s.maxInFlight.Load()
		if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}

	body, err := io.ReadAll(r.Body)
	if err != nil {
		return // the client went away
	}
	rt, params := s.match(r)
	key := r.Method + " " + r.URL.Path
	if rt != nil {
		key = rt.key
	}
	s.ctl.Lock()
	s.routes[key]++
	s.ctl.Unlock()

	// Contract check of the request, whatever happens next.
	reqViolations := validateRequest(s.spec, r, body)
	s.addViolations(reqViolations)

	answer := func(status int, out any) { s.answer(w, r, status, out, due) }
	if f := s.takeFault(key); f != nil {
		if f.hang {
			select {
			case <-r.Context().Done():
			case <-s.done:
				panic(http.ErrAbortHandler) // the server is closing: drop the connection
			}
			return
		}
		e := newAPIError(f.status, "", "injected failure: %d %s", f.status, http.StatusText(f.status))
		if f.status == http.StatusTooManyRequests {
			e.body.Details[0].ErrorCode = "RATE_LIMITED"
		}
		e.retryAfter = f.retryAfter
		answer(e.status, e)
		return
	}
	if len(reqViolations) > 0 {
		e := badRequest("request does not conform to the Scalekit API: %s", strings.Join(reqViolations, "; "))
		answer(e.status, e)
		return
	}
	if e := s.authenticate(r); e != nil {
		answer(e.status, e)
		return
	}
	if rt == nil {
		if pathKnown(s.route, r) {
			e := newAPIError(http.StatusMethodNotAllowed, "UNIMPLEMENTED", "method %s not allowed on %s", r.Method, r.URL.Path)
			e.body.Code = codeUnimplemented
			answer(e.status, e)
			return
		}
		e := newAPIError(http.StatusNotImplemented, "", "%s %s is not implemented by the fake", r.Method, r.URL.Path)
		answer(e.status, e)
		return
	}
	status, out := rt.h(&request{r: r, params: params, body: body})
	answer(status, out)
}

// wait sleeps d unless the request or the server ends first; it reports whether to go on.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// answer checks the response against the spec and writes it when it is due.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, status int, out any, due time.Time) {
	var h http.Header
	if e, ok := out.(*apiError); ok {
		status, out = e.status, e.body
		if e.retryAfter != "" {
			h = http.Header{"Retry-After": {e.retryAfter}}
		}
	}
	b, err := json.Marshal(out)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(newAPIError(status, "", "marshal: %v", err).body)
	}
	hdr := http.Header{"Content-Type": {"application/json"}}
	s.addViolations(validateResponse(s.spec, r, status, hdr, b))
	if !s.wait(r.Context(), time.Until(due)) {
		if r.Context().Err() == nil {
			panic(http.ErrAbortHandler) // the server is closing: drop the connection
		}
		return
	}
	for k, v := range h {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, h http.Header, v any) {
	for k, vs := range h {
		w.Header()[k] = vs
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
