package directory

import (
	"encoding/base64"
	"strings"
)

// MaxPageSize is the largest page a list call returns, as Scalekit allows.
const MaxPageSize = 100

// Page is one page of a list, in the backend's order.
type Page[T any] struct {
	Items []T
	// Cursors[i] is the opaque position of Items[i]; pass it as After to continue after it.
	Cursors     []string
	HasNextPage bool
	// TotalCount counts every item that matches the query, not only this page's.
	TotalCount int
}

// UsersQuery selects users; every filter is optional.
type UsersQuery struct {
	OrganizationID string
	// Search matches email, name, given and family name, id and external id, case-insensitively.
	Search string
	First  int
	After  string
}

// MembersQuery selects one page of an organization's memberships. It is comparable so that
// a dataloader can batch several of them.
type MembersQuery struct {
	OrganizationID string
	Status         MembershipStatus // empty: every status
	First          int
	After          string
}

// PageQuery selects one page of a plain list.
type PageQuery struct {
	First int
	After string
}

// EncodeCursor makes an opaque cursor for a backend position. The kind keeps a cursor of one
// list from being accepted by another.
func EncodeCursor(kind, position string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + position))
}

// DecodeCursor returns the position inside a cursor made by EncodeCursor for the same kind.
// A cursor that was not made that way is an input error on the field "after".
func DecodeCursor(kind, cursor string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", invalidCursor()
	}
	position, ok := strings.CutPrefix(string(raw), kind+":")
	if !ok || position == "" {
		return "", invalidCursor()
	}
	return position, nil
}

func invalidCursor() error {
	return Invalid(FieldError{Field: []string{"after"}, Code: CodeInvalid, Message: "after is not a cursor of this list"})
}
