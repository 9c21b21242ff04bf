package sqlkit

import (
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// InviteValidity is how long an invitation stays open, as Scalekit's invitations do.
const InviteValidity = 7 * 24 * time.Hour

// Problem is one refused input field.
func Problem(code directory.ErrorCode, msg string, field ...string) directory.FieldError {
	return directory.FieldError{Field: field, Code: code, Message: msg}
}

// NotFound names an id that matches nothing.
func NotFound(what, id string, field ...string) directory.FieldError {
	return Problem(directory.CodeNotFound, fmt.Sprintf("there is no %s %q", what, id), field...)
}

// Taken names a unique value another user holds.
func Taken(field, value string) directory.FieldError {
	return Problem(directory.CodeTaken, fmt.Sprintf("%s %q is taken by another user", field, value), field)
}
