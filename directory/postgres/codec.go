package postgres

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// now is the store's clock, in UTC, at the microsecond: timestamptz keeps microseconds, so a
// time the store computes (an invitation's expiry) is the time it reads back.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// utcPtr returns a read time in UTC (pgx reads timestamptz in the local zone).
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// jsonText encodes a value for a jsonb column. Nil maps and slices are stored as {} and []
// so that the columns always hold the shape their readers expect.
func jsonText(v any) string {
	switch x := v.(type) {
	case map[string]string:
		if x == nil {
			return "{}"
		}
	case []string:
		if x == nil {
			return "[]"
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of strings and string slices come here; they always encode.
		panic(fmt.Sprintf("postgres: encoding %T: %v", v, err))
	}
	return string(b)
}

// decodeMap reads a JSON object of strings; the result is never nil, so GraphQL answers {}.
func decodeMap(b []byte) (map[string]string, error) {
	m := map[string]string{}
	if len(b) == 0 {
		return m, nil
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("stored JSON object %q: %w", b, err)
	}
	if m == nil { // the value was null
		m = map[string]string{}
	}
	return m, nil
}

// decodeList reads a JSON array of strings; the result is never nil, so GraphQL answers [].
func decodeList(b []byte) ([]string, error) {
	l := []string{}
	if len(b) == 0 {
		return l, nil
	}
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("stored JSON array %q: %w", b, err)
	}
	if l == nil { // the value was null
		l = []string{}
	}
	return l, nil
}

// orEmpty returns l, or an empty list for nil, so that GraphQL answers [].
func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// storable reports whether PostgreSQL can hold s in a text column: valid UTF-8 without NUL.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// keyArray is a batch of lookup keys as a text[] parameter. A key PostgreSQL cannot hold
// (NUL, invalid UTF-8) cannot match anything stored, so it travels as NULL, which matches
// nothing, instead of failing the whole batch as the server would refuse the parameter.
func keyArray(keys []string) []*string {
	out := make([]*string, len(keys))
	for i := range keys {
		if storable(keys[i]) {
			out[i] = &keys[i]
		}
	}
	return out
}

// keyParam is keyArray for one key.
func keyParam(key string) *string {
	if !storable(key) {
		return nil
	}
	return &key
}
