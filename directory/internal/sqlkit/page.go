package sqlkit

import (
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// CheckFirst enforces the page size every backend allows. The GraphQL layer checks it too;
// the stores do not rely on that.
func CheckFirst(first int) error {
	if first < 1 || first > directory.MaxPageSize {
		return directory.Invalid(directory.FieldError{
			Field:   []string{"first"},
			Code:    directory.CodeInvalid,
			Message: fmt.Sprintf("first must be between 1 and %d", directory.MaxPageSize),
		})
	}
	return nil
}

// Trim drops the extra row a page query fetches to learn whether another page follows.
func Trim[T any](items []T, first int) ([]T, bool) {
	if len(items) > first {
		return items[:first], true
	}
	if items == nil {
		items = []T{}
	}
	return items, false
}

// Cursors makes the cursor of every item from its position.
func Cursors[T any](kind string, items []T, position func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = directory.EncodeCursor(kind, position(it))
	}
	return out
}
