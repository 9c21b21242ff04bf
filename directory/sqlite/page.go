package sqlite

import (
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// checkFirst enforces the page size every backend allows. The GraphQL layer checks it too;
// the store does not rely on that.
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

// decodeAfter returns the position after which a page starts: "" (before every id) when
// there is no cursor, or the InvalidInputError of DecodeCursor for a foreign one.
func decodeAfter(kind, after string) (string, error) {
	if after == "" {
		return "", nil
	}
	return directory.DecodeCursor(kind, after)
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

func cursors[T any](kind string, items []T, position func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = directory.EncodeCursor(kind, position(it))
	}
	return out
}
