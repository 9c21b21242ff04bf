package scalekittest

import (
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"
)

// ErrorInfoType is the @type of Scalekit's error detail (docs/scalekit-api.md, "Errors and rate limits").
const ErrorInfoType = "type.googleapis.com/scalekit.v1.errdetails.ErrorInfo"

// gRPC status codes used in the §7 envelope.
const (
	codeCancelled          = 1
	codeInvalidArgument    = 3
	codeDeadlineExceeded   = 4
	codeNotFound           = 5
	codeAlreadyExists      = 6
	codePermissionDenied   = 7
	codeResourceExhausted  = 8
	codeFailedPrecondition = 9
	codeUnimplemented      = 12
	codeInternal           = 13
	codeUnavailable        = 14
	codeUnauthenticated    = 16
)

var codeNames = map[int]string{
	codeCancelled:          "CANCELLED",
	codeInvalidArgument:    "INVALID_ARGUMENT",
	codeDeadlineExceeded:   "DEADLINE_EXCEEDED",
	codeNotFound:           "NOT_FOUND",
	codeAlreadyExists:      "ALREADY_EXISTS",
	codePermissionDenied:   "PERMISSION_DENIED",
	codeResourceExhausted:  "RESOURCE_EXHAUSTED",
	codeFailedPrecondition: "FAILED_PRECONDITION",
	codeUnimplemented:      "UNIMPLEMENTED",
	codeInternal:           "INTERNAL",
	codeUnavailable:        "UNAVAILABLE",
	codeUnauthenticated:    "UNAUTHENTICATED",
}

// codeForStatus maps an HTTP status to the gRPC code a grpc-gateway answers it with (docs/scalekit-api.md, "Errors and rate limits").
func codeForStatus(status int) int {
	switch status {
	case http.StatusBadRequest:
		return codeInvalidArgument
	case http.StatusUnauthorized:
		return codeUnauthenticated
	case http.StatusForbidden:
		return codePermissionDenied
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusConflict:
		return codeAlreadyExists
	case http.StatusTooManyRequests:
		return codeResourceExhausted
	case 499:
		return codeCancelled
	case http.StatusNotImplemented:
		return codeUnimplemented
	case http.StatusBadGateway, http.StatusServiceUnavailable:
		return codeUnavailable
	case http.StatusGatewayTimeout:
		return codeDeadlineExceeded
	default:
		return codeInternal
	}
}

type fieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

type validationErrorInfo struct {
	FieldViolations []fieldViolation `json:"field_violations"`
}

type errorDetail struct {
	Type                string               `json:"@type"`
	ErrorCode           string               `json:"error_code"`
	ValidationErrorInfo *validationErrorInfo `json:"validation_error_info,omitempty"`
}

type errorEnvelope struct {
	Code    int           `json:"code"`
	Message string        `json:"message"`
	Details []errorDetail `json:"details"`
}

// apiError is an error answer: an HTTP status and the §7 envelope.
type apiError struct {
	status     int
	retryAfter string
	body       errorEnvelope
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s", e.status, e.body.Message) }

func newAPIError(status int, errorCode, format string, args ...any) *apiError {
	code := codeForStatus(status)
	if errorCode == "" {
		errorCode = codeNames[code]
	}
	return &apiError{status: status, body: errorEnvelope{
		Code:    code,
		Message: fmt.Sprintf(format, args...),
		Details: []errorDetail{{Type: ErrorInfoType, ErrorCode: errorCode}},
	}}
}

func notFound(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, "", format, args...)
}

func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, "", format, args...)
}

// invalid is a 400 INVALID_ARGUMENT naming the violated fields.
func invalid(vs []fieldViolation) *apiError {
	msgs := make([]string, len(vs))
	for i, v := range vs {
		msgs[i] = v.Field + ": " + v.Description
	}
	e := newAPIError(http.StatusBadRequest, "", "invalid request: %s", strings.Join(msgs, "; "))
	e.body.Details[0].ValidationErrorInfo = &validationErrorInfo{FieldViolations: vs}
	return e
}

// conflict is a 409 ALREADY_EXISTS naming the duplicated field.
func conflict(field, format string, args ...any) *apiError {
	e := newAPIError(http.StatusConflict, "", format, args...)
	e.body.Details[0].ValidationErrorInfo = &validationErrorInfo{FieldViolations: []fieldViolation{
		{Field: field, Description: e.body.Message},
	}}
	return e
}

// checker collects field violations.
type checker struct{ vs []fieldViolation }

func (c *checker) add(field, format string, args ...any) {
	c.vs = append(c.vs, fieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

func (c *checker) err() *apiError {
	if len(c.vs) == 0 {
		return nil
	}
	return invalid(c.vs)
}

func runes(s string) int { return utf8.RuneCountInString(s) }

func (c *checker) length(field, v string, min, max int) {
	if n := runes(v); n < min || n > max {
		if min == 0 {
			c.add(field, "must be at most %d characters, got %d", max, n)
		} else {
			c.add(field, "must be %d to %d characters, got %d", min, max, n)
		}
	}
}

// metadata checks a map<string,string> against Scalekit's limits (docs/scalekit-api.md): at most maxPairs pairs, keys
// 3–25 characters, values 1–256 characters.
func (c *checker) metadata(field string, m map[string]string, maxPairs int) {
	if len(m) > maxPairs {
		c.add(field, "at most %d pairs allowed, got %d", maxPairs, len(m))
	}
	for _, k := range sortedKeys(m) {
		if n := runes(k); n < 3 || n > 25 {
			c.add(field, "key %q must be 3 to 25 characters", k)
		}
		if n := runes(m[k]); n < 1 || n > 256 {
			c.add(field, "value of %q must be 1 to 256 characters", k)
		}
	}
}

func (c *checker) email(field, v string, required bool) {
	if v == "" {
		if required {
			c.add(field, "is required")
		}
		return
	}
	if !validEmail(v) {
		c.add(field, "%q is not a valid e-mail address", v)
	}
}

func validEmail(v string) bool {
	if runes(v) < 3 || runes(v) > 254 {
		return false
	}
	a, err := mail.ParseAddress(v)
	return err == nil && a.Address == v && a.Name == "" && strings.Contains(v, "@")
}

var (
	e164Re   = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	bcp47Re  = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)
	roleRe   = regexp.MustCompile(`^[a-zA-Z0-9_]{1,64}$`)
	slugRe   = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$`)
	httpsURL = regexp.MustCompile(`^https://\S+$`)
)

func (c *checker) groups(field string, gs []string) {
	if len(gs) > 50 {
		c.add(field, "at most 50 groups allowed, got %d", len(gs))
	}
	seen := map[string]bool{}
	for _, g := range gs {
		if n := runes(g); n < 1 || n > 250 {
			c.add(field, "group names must be 1 to 250 characters")
		}
		if seen[g] {
			c.add(field, "group %q is listed twice", g)
		}
		seen[g] = true
	}
}

func equalFold(a, b string) bool { return strings.EqualFold(a, b) }
