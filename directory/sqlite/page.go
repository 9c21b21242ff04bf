package sqlite

import (
	"github.com/usergraph/usergraph/directory"
)

// decodeAfter returns the position after which a page starts: "" (before every id) when
// there is no cursor, or the InvalidInputError of DecodeCursor for a foreign one.
func decodeAfter(kind, after string) (string, error) {
	if after == "" {
		return "", nil
	}
	return directory.DecodeCursor(kind, after)
}
