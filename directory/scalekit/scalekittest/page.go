package scalekittest

import (
	"encoding/base64"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// pageRule is how one list endpoint treats page_size: 0 means def; above max it is either
// clamped (environment lists, whose "10–100" is only a description) or rejected (organization
// users 0–100 and searches ≤30 are validated by the server).
type pageRule struct {
	def, max int
	clamp    bool
}

type page struct {
	start, end int
	next, prev string
}

// Page tokens are opaque to clients: base64url of "o:<offset>".
func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func parsePageToken(tok string, total int) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, err
	}
	rest, ok := strings.CutPrefix(string(b), "o:")
	if !ok {
		return 0, fmt.Errorf("not a page token")
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 || n > total {
		return 0, fmt.Errorf("offset out of range")
	}
	return n, nil
}

func paginate(q *request, total int, rule pageRule) (page, *apiError) {
	size := rule.def
	if v := q.query("page_size"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return page{}, invalid([]fieldViolation{{Field: "page_size", Description: "must be a non-negative integer"}})
		}
		switch {
		case n == 0:
		case n > rule.max && rule.clamp:
			size = rule.max
		case n > rule.max:
			return page{}, invalid([]fieldViolation{{Field: "page_size", Description: fmt.Sprintf("must be at most %d, got %d", rule.max, n)}})
		default:
			size = n
		}
	}
	start := 0
	if tok := q.query("page_token"); tok != "" {
		n, err := parsePageToken(tok, total)
		if err != nil {
			return page{}, invalid([]fieldViolation{{Field: "page_token", Description: "invalid page token"}})
		}
		start = n
	}
	p := page{start: start, end: min(start+size, total)}
	if p.end < total {
		p.next = pageToken(p.end)
	}
	if start > 0 {
		p.prev = pageToken(max(0, start-size))
	}
	return p, nil
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
