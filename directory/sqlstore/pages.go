package sqlstore

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/usergraph/usergraph/directory"
)

// checkFirst enforces the page size every backend allows. The GraphQL layer checks it too;
// the stores do not rely on that.
func checkFirst(first int) error {
	if first < 1 || first > directory.MaxPageSize {
		return directory.Invalid(directory.FieldError{
			Field:   []string{"first"},
			Code:    directory.CodeInvalid,
			Message: fmt.Sprintf("first must be between 1 and %d", directory.MaxPageSize),
		})
	}
	return nil
}

// trim drops the extra row a page query fetches to learn whether another page follows.
func trim[T any](items []T, first int) ([]T, bool) {
	if len(items) > first {
		return items[:first], true
	}
	if items == nil {
		items = []T{}
	}
	return items, false
}

// cursors makes the cursor of every item from its position.
func cursors[T any](kind string, items []T, position func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = directory.EncodeCursor(kind, position(it))
	}
	return out
}

// decodeAfter returns the position after which a page starts: "" (before every id) when
// there is no cursor, or the InvalidInputError of DecodeCursor for a foreign one.
//
// Positions are compared with text in the database, which (in PostgreSQL) can hold neither
// NUL nor invalid UTF-8: a position is cut at its first NUL (no stored key holds one, so "after P\x00…" is
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
