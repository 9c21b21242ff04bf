package sqlstore

import (
	"fmt"
	"time"

	"github.com/usergraph/usergraph/directory"
)

// inviteValidity is how long an invitation stays open, as Scalekit's invitations do.
const inviteValidity = 7 * 24 * time.Hour

// problem is one refused input field.
func problem(code directory.ErrorCode, msg string, field ...string) directory.FieldError {
	return directory.FieldError{Field: field, Code: code, Message: msg}
}

// notFound names an id that matches nothing.
func notFound(what, id string, field ...string) directory.FieldError {
	return problem(directory.CodeNotFound, fmt.Sprintf("there is no %s %q", what, id), field...)
}

// taken names a unique value another user holds.
func taken(field, value string) directory.FieldError {
	return problem(directory.CodeTaken, fmt.Sprintf("%s %q is taken by another user", field, value), field)
}
