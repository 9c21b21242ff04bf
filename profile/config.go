package profile

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"unicode"
)

// maxMappingsFileBytes bounds a mappings file.
const maxMappingsFileBytes = 1 << 20

// maxSourcesPerField and maxSourceLen bound one field's source list.
const (
	maxSourcesPerField = 64
	maxSourceLen       = 256
)

// load reads a mappings file (format in the package documentation) into n.tables.
func (n *Normalizer) load(path string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("profile: mappings file %s: %s", path, fmt.Sprintf(format, args...))
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("profile: mappings file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxMappingsFileBytes+1))
	if err != nil {
		return fmt.Errorf("profile: mappings file %s: %w", path, err)
	}
	if len(data) > maxMappingsFileBytes {
		return fail("larger than %d bytes", maxMappingsFileBytes)
	}
	top, err := parseObject(data, 8)
	if err != nil {
		return fail("%s", err)
	}
	for k := range top {
		if k != "mappings" {
			return fail("unknown top-level key %q (the only key is \"mappings\")", k)
		}
	}
	list, ok := top["mappings"].([]any)
	if !ok {
		return fail("\"mappings\" must be an array of mapping objects")
	}
	base := builtinTables()
	seen := map[key]bool{}
	for i, e := range list {
		k, m, err := parseEntry(e, base)
		if err != nil {
			return fail("mappings[%d]: %s", i, err)
		}
		if seen[k] {
			return fail("mappings[%d]: %s %s is mapped twice", i, k.provider, k.protocol)
		}
		seen[k] = true
		n.tables[k] = m
		if _, builtin := base[k]; !builtin && k.provider != genericProvider && !slices.Contains(knownProviders, k.provider) {
			n.custom = append(n.custom, k.provider)
		}
	}
	return nil
}

var entryKeys = []string{"provider", "protocol", "extends", "description", "social", "email_verified_by_contract", "attributes"}

func parseEntry(e any, base map[key]*mapping) (key, *mapping, error) {
	obj, ok := e.(map[string]any)
	if !ok {
		return key{}, nil, fmt.Errorf("must be an object")
	}
	for k := range obj {
		if !slices.Contains(entryKeys, k) {
			return key{}, nil, fmt.Errorf("unknown key %q (known: %s)", k, strings.Join(entryKeys, ", "))
		}
	}
	str := func(name string, required bool) (string, error) {
		v, present := obj[name]
		if !present {
			if required {
				return "", fmt.Errorf("%q is required", name)
			}
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("%q must be a string", name)
		}
		return s, nil
	}
	rawProvider, err := str("provider", true)
	if err != nil {
		return key{}, nil, err
	}
	provider := canonicalName(rawProvider)
	if !validName(provider) {
		return key{}, nil, fmt.Errorf("provider %q must be a name of letters, digits and _ (at most 64)", rawProvider)
	}
	protocol, err := str("protocol", true)
	if err != nil {
		return key{}, nil, err
	}
	if protocol != protoClaims && protocol != protoSAML {
		return key{}, nil, fmt.Errorf("%s: protocol %q must be \"OIDC\" (claims: OIDC, OAUTH, PASSWORDLESS…) or \"SAML\"", provider, protocol)
	}
	k := key{provider, protocol}
	errf := func(format string, args ...any) error {
		return fmt.Errorf("%s %s: %s", provider, protocol, fmt.Sprintf(format, args...))
	}
	if _, err := str("description", false); err != nil {
		return key{}, nil, errf("%s", err)
	}

	// The starting point: extends, else the built-in mapping being overridden, else nothing.
	m := &mapping{}
	if ext, err := str("extends", false); err != nil {
		return key{}, nil, errf("%s", err)
	} else if _, present := obj["extends"]; present {
		b, ok := base[key{canonicalName(ext), protocol}]
		if !ok {
			return key{}, nil, errf("extends %q, which has no built-in %s mapping (built-in: %s)", ext, protocol, builtinNames(base, protocol))
		}
		*m = *b
	} else if b, ok := base[k]; ok {
		*m = *b
	}

	for _, flag := range []struct {
		name string
		dst  *bool
	}{{"social", &m.social}, {"email_verified_by_contract", &m.emailVerifiedByContract}} {
		if v, present := obj[flag.name]; present {
			b, ok := v.(bool)
			if !ok {
				return key{}, nil, errf("%q must be true or false", flag.name)
			}
			*flag.dst = b
		}
	}

	if v, present := obj["attributes"]; present {
		fields, ok := v.(map[string]any)
		if !ok {
			return key{}, nil, errf("\"attributes\" must be an object of normalized field → list of source attributes")
		}
		for name, lv := range fields {
			f, ok := fieldByName(name)
			if !ok {
				hint := ""
				if name == "sub" {
					hint = "; sub is derived from the connection id and provider_user_id"
				}
				return key{}, nil, errf("unknown normalized field %q in \"attributes\" (known: %s)%s", name, strings.Join(fieldNames[:], ", "), hint)
			}
			list, err := sourceList(lv)
			if err != nil {
				return key{}, nil, errf("attributes.%s: %s", name, err)
			}
			m.src[f] = list
		}
	}
	if len(m.src[fUserID]) == 0 {
		return key{}, nil, errf("no \"provider_user_id\" sources: name the attribute(s) holding the stable user id (for SAML usually \"nameID\")")
	}
	return k, m, nil
}

func fieldByName(name string) (field, bool) {
	for f, n := range fieldNames {
		if n == name {
			return field(f), true
		}
	}
	return 0, false
}

func sourceList(v any) ([]string, error) {
	arr, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("must be an array of attribute names or dotted paths")
	}
	if len(arr) > maxSourcesPerField {
		return nil, fmt.Errorf("at most %d sources", maxSourcesPerField)
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		switch {
		case !ok:
			return nil, fmt.Errorf("entry %d must be a string", i)
		case s == "" || len(s) > maxSourceLen:
			return nil, fmt.Errorf("entry %d must be 1 to %d bytes", i, maxSourceLen)
		case strings.TrimSpace(s) != s || strings.ContainsFunc(s, unicode.IsControl):
			return nil, fmt.Errorf("entry %d %q has surrounding spaces or control characters", i, s)
		case slices.Contains(out, s):
			return nil, fmt.Errorf("entry %d %q is listed twice", i, s)
		}
		out = append(out, s)
	}
	return out, nil
}

func builtinNames(base map[key]*mapping, protocol string) string {
	var names []string
	for k := range base {
		if k.protocol == protocol {
			names = append(names, k.provider)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
