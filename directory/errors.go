package directory

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrorCode classifies a problem with one input field. The GraphQL layer exposes it as the
// UserErrorCode enum, so the spelling is part of the API.
type ErrorCode string

// The input error codes.
const (
	CodeRequired      ErrorCode = "REQUIRED"
	CodeInvalid       ErrorCode = "INVALID"
	CodeInvalidEmail  ErrorCode = "INVALID_EMAIL"
	CodeInvalidURL    ErrorCode = "INVALID_URL"
	CodeInvalidLocale ErrorCode = "INVALID_LOCALE"
	CodeInvalidPhone  ErrorCode = "INVALID_PHONE"
	CodeTooShort      ErrorCode = "TOO_SHORT"
	CodeTooLong       ErrorCode = "TOO_LONG"
	CodeTooMany       ErrorCode = "TOO_MANY"
	CodeTaken         ErrorCode = "TAKEN"
	CodeNotFound      ErrorCode = "NOT_FOUND"
	CodeAlreadyExists ErrorCode = "ALREADY_EXISTS"
)

// FieldError is a problem with one input field. Field is the path inside the operation's
// input, such as ["profile", "givenName"] or ["roles", "1"].
type FieldError struct {
	Field   []string
	Code    ErrorCode
	Message string
}

// InvalidInputError reports input that was refused; the backend wrote nothing.
type InvalidInputError struct {
	Problems []FieldError
}

// Invalid wraps field problems in an InvalidInputError.
func Invalid(problems ...FieldError) error {
	return &InvalidInputError{Problems: problems}
}

func (e *InvalidInputError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = strings.Join(p.Field, ".") + ": " + p.Message
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// ErrUnavailable marks a backend that cannot answer now (down, timing out). Wrap it with
// context; test it with errors.Is.
var ErrUnavailable = errors.New("directory unavailable")

// RateLimitedError is returned when the backend refuses more calls for a while.
type RateLimitedError struct {
	RetryAfter time.Duration // zero when the backend did not say
}

func (e *RateLimitedError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("rate limited; retry after %s", e.RetryAfter)
	}
	return "rate limited"
}

// KeyErrors reports per-key failures of a batch read: the entry at index i is the error for
// key i (nil where that key succeeded). Any other error from a batch read fails every key.
type KeyErrors []error

func (e KeyErrors) Error() string {
	n := 0
	var first error
	for _, err := range e {
		if err != nil {
			if first == nil {
				first = err
			}
			n++
		}
	}
	return fmt.Sprintf("%d of %d keys failed; first: %v", n, len(e), first)
}

// Unwrap exposes the keys' errors to errors.Is and errors.As, so that a caller that does
// not care which key failed can still ask whether the backend was unavailable.
func (e KeyErrors) Unwrap() []error {
	var out []error
	for _, err := range e {
		if err != nil {
			out = append(out, err)
		}
	}
	return out
}
