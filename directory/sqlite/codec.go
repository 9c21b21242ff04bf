package sqlite

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// timeLayout is RFC 3339 in UTC with a fixed nine-digit fraction: every stored time has the
// same width, so text order is time order and SQL can compare times as strings.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

// now is the store's clock, in UTC.
func now() time.Time { return time.Now().UTC() }

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseTimePtr(s sql.NullString) (*time.Time, error) {
	if !s.Valid {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

func strPtr(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	v := s.String
	return &v
}

// jsonText encodes a value for a JSON text column. Nil maps and slices are stored as {} and
// [] so that the columns always hold the shape their readers expect.
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
		panic(fmt.Sprintf("sqlite: encoding %T: %v", v, err))
	}
	return string(b)
}

// decodeMap reads a JSON object of strings; the result is never nil, so GraphQL answers {}.
func decodeMap(s string) (map[string]string, error) {
	m := map[string]string{}
	if s == "" {
		return m, nil
	}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil, fmt.Errorf("stored JSON object %q: %w", s, err)
	}
	if m == nil { // the text was "null"
		m = map[string]string{}
	}
	return m, nil
}

// decodeList reads a JSON array of strings; the result is never nil, so GraphQL answers [].
func decodeList(s string) ([]string, error) {
	l := []string{}
	if s == "" {
		return l, nil
	}
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		return nil, fmt.Errorf("stored JSON array %q: %w", s, err)
	}
	if l == nil { // the text was "null"
		l = []string{}
	}
	return l, nil
}
