package graph

import "github.com/usergraph/usergraph/directory"

// badArgument refuses a query argument; the error presenter shows it as BAD_USER_INPUT
// with field as extensions.field, like any refusal from the directory's rules.
func badArgument(message string, field ...string) error {
	return directory.Invalid(directory.FieldError{Field: field, Code: directory.CodeInvalid, Message: message})
}

// countSet counts the arguments that were given.
func countSet(args ...*string) int {
	n := 0
	for _, a := range args {
		if a != nil {
			n++
		}
	}
	return n
}
