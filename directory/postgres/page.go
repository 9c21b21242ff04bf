package postgres

import (
	"strings"
	"unicode/utf8"

	"github.com/usergraph/usergraph/directory"
)

// decodeAfter returns the position after which a page starts: "" (before every id) when
// there is no cursor, or the InvalidInputError of DecodeCursor for a foreign one.
//
// Positions are compared with text in the database, which can hold neither NUL nor invalid
// UTF-8: a position is cut at its first NUL (no stored key holds one, so "after P\x00…" is
// "after P" for every one of them), and one that is not UTF-8 is refused like any cursor
// this store did not make.
func decodeAfter(kind, after string) (string, error) {
	if after == "" {
		return "", nil
	}
	position, err := directory.DecodeCursor(kind, after)
	if err != nil {
		return "", err
	}
	position, _, _ = strings.Cut(position, "\x00")
	if !utf8.ValidString(position) {
		return "", directory.Invalid(directory.FieldError{Field: []string{"after"}, Code: directory.CodeInvalid,
			Message: "after is not a cursor of this list"})
	}
	return position, nil
}
