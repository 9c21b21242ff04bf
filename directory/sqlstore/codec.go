package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// now is the store's clock, in UTC, at the microsecond: PostgreSQL's timestamptz keeps
// microseconds, so a time the store computes (an invitation's expiry) is the time it reads
// back, whichever the dialect.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// timeCol scans a stored time, NULL or not, in UTC: SQLite hands over RFC 3339 text,
// PostgreSQL a time.Time (in the local zone).
type timeCol struct {
	t    *time.Time
	null **time.Time
}

// at scans a NOT NULL time into t; maybe scans a nullable one into p.
func at(t *time.Time) sql.Scanner     { return timeCol{t: t} }
func maybe(p **time.Time) sql.Scanner { return timeCol{null: p} }

func (c timeCol) Scan(src any) error {
	var t time.Time
	switch v := src.(type) {
	case nil:
		if c.null == nil {
			return fmt.Errorf("stored time is NULL")
		}
		*c.null = nil
		return nil
	case time.Time:
		t = v
	case string:
		p, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return fmt.Errorf("stored time %q: %w", v, err)
		}
		t = p
	case []byte:
		return c.Scan(string(v))
	default:
		return fmt.Errorf("stored time of type %T", src)
	}
	t = t.UTC()
	if c.null != nil {
		*c.null = &t
	} else {
		*c.t = t
	}
	return nil
}

// jsonText encodes a value for a JSON column. Nil maps and slices are stored as {} and []
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
		panic(fmt.Sprintf("sqlstore: encoding %T: %v", v, err))
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

// storable reports whether both databases can hold s in a text column: valid UTF-8 without
// NUL (PostgreSQL refuses the others).
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// keyArray is a batch of lookup keys as bound. A key a text column cannot hold (NUL,
// invalid UTF-8) cannot match anything stored, so it travels as NULL, which matches
// nothing, instead of failing the whole batch as PostgreSQL would refuse the parameter.
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
