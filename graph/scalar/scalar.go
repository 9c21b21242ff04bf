// Package scalar implements the schema's custom scalars: DateTime and JSON.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalDateTime writes t as RFC 3339 in UTC, with as many fraction digits as it has.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		_, _ = io.WriteString(w, strconv.Quote(t.UTC().Format(time.RFC3339Nano)))
	})
}

// UnmarshalDateTime reads an RFC 3339 string with any offset and returns it in UTC.
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string, got %T", v)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("DateTime must be an RFC 3339 string such as 2026-11-22T10:15:30Z: %q", s)
	}
	return t.UTC(), nil
}

// MarshalJSON writes any JSON value.
func MarshalJSON(v any) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if err := json.NewEncoder(w).Encode(v); err != nil {
			// Values come from json.Unmarshal or from our own maps, so this cannot happen
			// short of a programming error; null keeps the response valid JSON.
			_, _ = io.WriteString(w, "null")
		}
	})
}

// UnmarshalJSON accepts any JSON value as given in the query or the variables. Whether the
// value fits the field (an object of strings for metadata) is checked by the input rules,
// so that a bad value becomes a userError with the field's path.
func UnmarshalJSON(v any) (any, error) {
	return v, nil
}

// MarshalStringMap writes a string map as a JSON object; a nil map is {}.
func MarshalStringMap(m map[string]string) graphql.Marshaler {
	if m == nil {
		m = map[string]string{}
	}
	return MarshalJSON(m)
}

// UnmarshalStringMap reads a JSON object of strings.
func UnmarshalStringMap(v any) (map[string]string, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a JSON object of strings, got %T", v)
	}
	out := make(map[string]string, len(obj))
	for k, val := range obj {
		s, ok := val.(string)
		if !ok {
			return nil, fmt.Errorf("value of %q must be a string", k)
		}
		out[k] = s
	}
	return out, nil
}
