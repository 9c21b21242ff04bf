package scalekit

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/usergraph/usergraph/directory"
)

// Scalekit pages with opaque page tokens; GraphQL pages with a cursor per item. A cursor
// here is the token of the page its item came from and the item's index in it, so a
// following request fetches that page again and continues after the index. The last item
// of a page points at the start of the next page instead, which saves that second fetch.
// Like Scalekit's own tokens, a cursor's position shifts when users are added or removed
// in between.

// maxPagesPerRequest bounds the pages one list call walks, so that a huge organization
// cannot make one GraphQL field call Scalekit without end.
const maxPagesPerRequest = 100

type pageFetch[W any] func(ctx context.Context, token string) (items []W, next string, total int, err error)

type tokenPage[W any] struct {
	items   []W
	cursors []string
	hasNext bool
	total   int
}

func checkFirst(first int) error {
	if first < 1 || first > directory.MaxPageSize {
		return problem(directory.CodeInvalid, fmt.Sprintf("first must be between 1 and %d", directory.MaxPageSize), "first")
	}
	return nil
}

func tokenPosition(token string, index int) string {
	return strconv.Itoa(index) + "|" + token
}

func parsePosition(kind, after string) (token string, skip int, err error) {
	if after == "" {
		return "", 0, nil
	}
	pos, err := directory.DecodeCursor(kind, after)
	if err != nil {
		return "", 0, err
	}
	idx, token, ok := strings.Cut(pos, "|")
	i, convErr := strconv.Atoi(idx)
	if !ok || convErr != nil || i < -1 {
		return "", 0, badCursor()
	}
	return token, i + 1, nil
}

func badCursor() error {
	return problem(directory.CodeInvalid, "after is not a cursor of this list", "after")
}

// pageThrough returns first items after the cursor, walking as many Scalekit pages as that
// takes (normally one).
func pageThrough[W any](ctx context.Context, kind string, first int, after string, fetch pageFetch[W]) (*tokenPage[W], error) {
	if err := checkFirst(first); err != nil {
		return nil, err
	}
	token, skip, err := parsePosition(kind, after)
	if err != nil {
		return nil, err
	}
	out := &tokenPage[W]{items: []W{}, cursors: []string{}, total: -1}
	for pages := 0; pages < maxPagesPerRequest; pages++ {
		items, next, total, err := fetch(ctx, token)
		if err != nil {
			if token != "" && isStatus(err, 400) {
				// Scalekit no longer accepts the page token inside the cursor.
				return nil, badCursor()
			}
			return nil, err
		}
		if out.total < 0 {
			out.total = total
		}
		for i := skip; i < len(items); i++ {
			if len(out.items) == first {
				out.hasNext = true
				return out, nil
			}
			pos := tokenPosition(token, i)
			if i == len(items)-1 && next != "" {
				pos = tokenPosition(next, -1)
			}
			out.items = append(out.items, items[i])
			out.cursors = append(out.cursors, directory.EncodeCursor(kind, pos))
		}
		if next == "" {
			return out, nil
		}
		if len(out.items) == first {
			out.hasNext = true
			return out, nil
		}
		token, skip = next, 0
	}
	out.hasNext = true
	return out, nil
}

// readAll walks every page of a list, up to maxPagesPerRequest of them.
func readAll[W any](ctx context.Context, fetch pageFetch[W]) ([]W, error) {
	var all []W
	token := ""
	for pages := 0; pages < maxPagesPerRequest; pages++ {
		items, next, _, err := fetch(ctx, token)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if next == "" {
			break
		}
		token = next
	}
	return all, nil
}
