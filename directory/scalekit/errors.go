package scalekit

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/usergraph/usergraph/directory"
)

// apiError is a non-2xx answer from the API. Callers turn the statuses they expect (404 on a
// read, 409 on a create) into domain answers; the rest were classified by statusError.
type apiError struct {
	status     int
	code       int    // gRPC status code from the body, 0 when absent
	message    string // the body's message, or its raw text when it was not the envelope
	errorCode  string // ErrorInfo.error_code
	violations []fieldViolation
}

type fieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

func (e *apiError) Error() string {
	msg := e.message
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	return fmt.Sprintf("scalekit: HTTP %d (code %d %s): %s", e.status, e.code, e.errorCode, msg)
}

// envelope is google.rpc.Status as Scalekit marshals it (docs/scalekit-api.md, Errors).
type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Details []struct {
		ErrorCode           string `json:"error_code"`
		ValidationErrorInfo *struct {
			FieldViolations []fieldViolation `json:"field_violations"`
		} `json:"validation_error_info"`
	} `json:"details"`
}

func parseAPIError(status int, body []byte) *apiError {
	e := &apiError{status: status}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || (env.Code == 0 && env.Message == "") {
		// Not the documented envelope (a proxy's HTML page, say): keep the raw text.
		e.message = strings.TrimSpace(string(body))
		return e
	}
	e.code, e.message = env.Code, env.Message
	for _, d := range env.Details {
		if e.errorCode == "" {
			e.errorCode = d.ErrorCode
		}
		if d.ValidationErrorInfo != nil {
			e.violations = append(e.violations, d.ValidationErrorInfo.FieldViolations...)
		}
	}
	return e
}

// statusError classifies a non-2xx answer: rate limits and outages become the typed errors
// the GraphQL layer maps to RATE_LIMITED and UPSTREAM_UNAVAILABLE; the rest stay apiErrors
// for the caller to interpret.
func statusError(r request, status int, header http.Header, body []byte) error {
	e := parseAPIError(status, body)
	switch {
	case status == http.StatusTooManyRequests:
		return &directory.RateLimitedError{RetryAfter: retryAfter(header)}
	case status == http.StatusBadGateway, status == http.StatusServiceUnavailable, status == http.StatusGatewayTimeout:
		return fmt.Errorf("%w: %w: %s %s: %w", directory.ErrUnavailable, errRetryable, r.method, r.path, e)
	case status == http.StatusUnauthorized, status == http.StatusForbidden:
		// The token was renewed once already: the credentials lack access. Nothing the
		// GraphQL caller did; the operator must fix the configuration.
		return fmt.Errorf("%w: scalekit refused the client's token for %s %s: %w", directory.ErrUnavailable, r.method, r.path, e)
	case status >= 500:
		return fmt.Errorf("%w: %s %s: %w", directory.ErrUnavailable, r.method, r.path, e)
	}
	return e
}

// isStatus reports whether err is an answer with the given HTTP status.
func isStatus(err error, status int) bool {
	var e *apiError
	return errors.As(err, &e) && e.status == status
}

// invalidFrom turns a 400 with field violations into the InvalidInputError that the
// GraphQL layer shows as userErrors; other errors pass unchanged. Scalekit names fields by
// their wire path (user_profile.given_name); the API names them as the input does
// (profile.givenName).
func invalidFrom(err error, rename map[string][]string) error {
	var e *apiError
	if !errors.As(err, &e) || e.status != http.StatusBadRequest {
		return err
	}
	if len(e.violations) == 0 {
		// Scalekit's own text may name internals; the caller gets a generic one, the
		// error chain (logged) keeps the original.
		return fmt.Errorf("%w (%w)", directory.Invalid(directory.FieldError{Field: []string{}, Code: directory.CodeInvalid,
			Message: "Scalekit refused the input"}), e)
	}
	problems := make([]directory.FieldError, 0, len(e.violations))
	for _, v := range e.violations {
		problems = append(problems, directory.FieldError{Field: inputPath(v.Field, rename), Code: directory.CodeInvalid, Message: v.Description})
	}
	return directory.Invalid(problems...)
}

// inputPath maps a wire field path to the input's: a prefix found in rename is replaced,
// and every remaining snake_case segment becomes lowerCamel.
func inputPath(wire string, rename map[string][]string) []string {
	segments := strings.Split(wire, ".")
	var out []string
	for n := len(segments); n > 0; n-- {
		if to, ok := rename[strings.Join(segments[:n], ".")]; ok {
			out = append(out, to...)
			segments = segments[n:]
			break
		}
	}
	for _, s := range segments {
		out = append(out, lowerCamel(s))
	}
	return out
}

func lowerCamel(s string) string {
	parts := strings.Split(s, "_")
	for i := 1; i < len(parts); i++ {
		if parts[i] != "" {
			parts[i] = strings.ToUpper(parts[i][:1]) + parts[i][1:]
		}
	}
	return strings.Join(parts, "")
}

var userFields = map[string][]string{
	"user_profile":        {"profile"},
	"membership.roles":    {"roles"},
	"membership.metadata": {"membershipMetadata"},
}

func problem(code directory.ErrorCode, msg string, field ...string) error {
	return directory.Invalid(directory.FieldError{Field: field, Code: code, Message: msg})
}
