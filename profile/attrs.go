package profile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
)

// MaxDepth is how deeply raw attributes (and a mappings file) may nest objects and arrays;
// the top-level object is depth 1.
const MaxDepth = 32

// parseError says why a JSON document was refused.
type parseError struct {
	kind string // "object", "depth", "duplicate", "syntax"
	msg  string
}

func (e *parseError) Error() string { return e.msg }

// parseObject decodes one JSON object with numbers kept as json.Number. It refuses anything
// else at the top level, trailing data, nesting deeper than maxDepth and duplicate keys (which
// different JSON parsers resolve differently, so they could make two readers of the stored raw
// attributes disagree).
func parseObject(raw []byte, maxDepth int) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, &parseError{"syntax", "is not valid JSON: " + jsonMsg(err)}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, &parseError{"object", fmt.Sprintf("must be a JSON object, not %s", kindOf(tok))}
	}
	v, err := parseValue(dec, tok, 1, maxDepth, "")
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &parseError{"syntax", "must hold exactly one JSON object, but more follows it"}
	}
	return v.(map[string]any), nil
}

func parseValue(dec *json.Decoder, tok json.Token, depth, maxDepth int, at string) (any, error) {
	d, ok := tok.(json.Delim)
	if !ok {
		return tok, nil // string, json.Number, bool or nil
	}
	if depth > maxDepth {
		return nil, &parseError{"depth", fmt.Sprintf("nests deeper than %d levels (at %s)", maxDepth, where(at))}
	}
	switch d {
	case '{':
		obj := map[string]any{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return nil, &parseError{"syntax", "is not valid JSON: " + jsonMsg(err)}
			}
			key, _ := kt.(string)
			if _, dup := obj[key]; dup {
				return nil, &parseError{"duplicate", fmt.Sprintf("has the key %q twice (at %s)", key, where(at))}
			}
			vt, err := dec.Token()
			if err != nil {
				return nil, &parseError{"syntax", "is not valid JSON: " + jsonMsg(err)}
			}
			v, err := parseValue(dec, vt, depth+1, maxDepth, join(at, key))
			if err != nil {
				return nil, err
			}
			obj[key] = v
		}
		if _, err := dec.Token(); err != nil { // '}'
			return nil, &parseError{"syntax", "is not valid JSON: " + jsonMsg(err)}
		}
		return obj, nil
	case '[':
		arr := []any{}
		for dec.More() {
			vt, err := dec.Token()
			if err != nil {
				return nil, &parseError{"syntax", "is not valid JSON: " + jsonMsg(err)}
			}
			v, err := parseValue(dec, vt, depth+1, maxDepth, join(at, strconv.Itoa(len(arr))))
			if err != nil {
				return nil, err
			}
			arr = append(arr, v)
		}
		if _, err := dec.Token(); err != nil { // ']'
			return nil, &parseError{"syntax", "is not valid JSON: " + jsonMsg(err)}
		}
		return arr, nil
	}
	return nil, &parseError{"syntax", "is not valid JSON"}
}

func join(at, key string) string {
	if at == "" {
		return key
	}
	return at + "." + key
}

func where(at string) string {
	if at == "" {
		return "the top level"
	}
	if len(at) > 80 {
		at = at[:80] + "…"
	}
	return strconv.Quote(at)
}

func jsonMsg(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

func kindOf(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "an array"
		}
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "that"
}

// attrs is a decoded attribute object with a case-insensitive index of its top-level keys.
type attrs struct {
	obj   map[string]any
	lower map[string][]string // lower-cased key → the keys that fold to it
	saml  *attrs              // node-saml's "attributes" sub-object, for SAML payloads
}

func newAttrs(obj map[string]any, saml bool) *attrs {
	a := &attrs{obj: obj}
	if saml {
		if sub, ok := obj["attributes"].(map[string]any); ok {
			a.saml = newAttrs(sub, false)
		}
	}
	return a
}

func (a *attrs) fold(key string) (any, bool) {
	if a.lower == nil {
		a.lower = make(map[string][]string, len(a.obj))
		for k := range a.obj {
			l := strings.ToLower(k)
			a.lower[l] = append(a.lower[l], k)
		}
	}
	keys := a.lower[strings.ToLower(key)]
	if len(keys) != 1 {
		return nil, false // absent, or ambiguous (Email and EMAIL both present)
	}
	return a.obj[keys[0]], true
}

// get resolves one source path: the whole path as a literal top-level key (exactly, then
// case-insensitively unless exact is set), then as a dotted path of exact keys and array indexes;
// for SAML payloads the same again inside node-saml's "attributes" object.
func (a *attrs) get(path string, exact bool) (any, bool) {
	if v, ok := a.obj[path]; ok {
		return v, true
	}
	if !exact {
		if v, ok := a.fold(path); ok {
			return v, true
		}
	}
	if strings.Contains(path, ".") {
		var cur any = a.obj
		found := true
		for seg := range strings.SplitSeq(path, ".") {
			switch c := cur.(type) {
			case map[string]any:
				cur, found = c[seg]
			case []any:
				i, err := strconv.Atoi(seg)
				found = err == nil && i >= 0 && i < len(c) && seg == strconv.Itoa(i)
				if found {
					cur = c[i]
				}
			default:
				found = false
			}
			if !found {
				break
			}
		}
		if found {
			return cur, true
		}
	}
	if a.saml != nil {
		return a.saml.get(path, exact)
	}
	return nil, false
}

// texts flattens an attribute value into trimmed, non-empty strings: strings as they are,
// numbers as plain decimals, arrays element by element, and node-saml's XML-text objects
// ({"_": "text"}, or a NameID element as in eduPersonTargetedID) as their text. Booleans, null
// and other objects give nothing.
func texts(v any, out []string, depth int) []string {
	if depth > MaxDepth {
		return out
	}
	switch t := v.(type) {
	case string:
		if s := strings.TrimSpace(t); s != "" {
			out = append(out, s)
		}
	case json.Number:
		if s, ok := decimal(t); ok {
			out = append(out, s)
		}
	case []any:
		for _, e := range t {
			out = texts(e, out, depth+1)
		}
	case map[string]any:
		if s, ok := t["_"]; ok {
			out = texts(s, out, depth+1)
		} else if id, ok := t["NameID"]; ok {
			out = texts(id, out, depth+1)
		}
	}
	return out
}

// decimal renders a JSON number as a plain decimal without exponent ("1e3" → "1000",
// "12345678901234567890" stays as is). Exponents beyond ±100 are refused rather than expanded.
func decimal(n json.Number) (string, bool) {
	s := string(n)
	if !strings.ContainsAny(s, ".eE") {
		return s, s != ""
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(strings.TrimPrefix(s[i+1:], "+"))
		if err != nil || e > 100 || e < -100 {
			return "", false
		}
		mant, exp = s[:i], e
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return "", false
	}
	if r.IsInt() {
		return r.Num().String(), true
	}
	frac := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		frac = len(mant) - i - 1
	}
	prec := max(frac-exp, 0)
	out := r.FloatString(prec)
	if strings.Contains(out, ".") {
		out = strings.TrimRight(strings.TrimRight(out, "0"), ".")
	}
	return out, true
}

// boolean reads an explicit boolean: JSON true/false or the strings "true"/"false" in any case,
// the first such value of an array. Anything else is no statement at all.
func boolean(v any, depth int) (value, ok bool) {
	if depth > MaxDepth {
		return false, false
	}
	switch t := v.(type) {
	case bool:
		return t, true
	case string:
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	case []any:
		for _, e := range t {
			if b, ok := boolean(e, depth+1); ok {
				return b, true
			}
		}
	case map[string]any:
		if s, ok := t["_"]; ok {
			return boolean(s, depth+1)
		}
	}
	return false, false
}
