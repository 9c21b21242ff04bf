// Package schemacheck compares two GraphQL schemas and classifies every change as breaking,
// dangerous or safe, in the categories of graphql-js's findBreakingChanges and
// findDangerousChanges (plus the safe additions), using gqlparser. `usergraph schema check`
// and CI use it to keep the API from breaking its clients: see the deprecation policy in
// the README.
package schemacheck

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Level is how much a change can hurt existing clients.
type Level int

const (
	// Safe changes cannot break a valid client operation.
	Safe Level = iota
	// Dangerous changes keep operations valid but may change what clients see (a new enum
	// value a client's switch does not know, a changed default).
	Dangerous
	// Breaking changes make valid operations invalid or change their results' types.
	Breaking
)

func (l Level) String() string {
	return [...]string{"SAFE", "DANGEROUS", "BREAKING"}[l]
}

// Change is one difference between the old and the new schema.
type Change struct {
	Level Level
	// Kind is graphql-js's name of the change (FIELD_REMOVED, VALUE_ADDED_TO_ENUM…), or a
	// name in the same style for the safe ones (FIELD_ADDED…).
	Kind string
	// Path names what changed: Type, Type.field, Type.field(arg), @directive.
	Path    string
	Message string
	// Deprecated is true when what a breaking change removes or changes was deprecated in
	// the old schema: the deprecation policy allows it.
	Deprecated bool
}

func (c Change) String() string {
	s := fmt.Sprintf("%-9s %-32s %s", c.Level, c.Kind, c.Message)
	if c.Deprecated {
		s += " (deprecated first)"
	}
	return s
}

// federationPrelude defines the Apollo Federation directives a subgraph schema uses without
// defining them (a router brings them): a schema file that defines them itself keeps its own.
const federationPrelude = `
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @link(url: String!, import: [String!]) repeatable on SCHEMA
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @external on OBJECT | FIELD_DEFINITION
directive @requires(fields: String!) on FIELD_DEFINITION
directive @provides(fields: String!) on FIELD_DEFINITION
directive @override(from: String!) on FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
`

// Load parses and validates an SDL document.
func Load(name, sdl string) (*ast.Schema, error) {
	doc, err := parser.ParseSchema(&ast.Source{Name: name, Input: sdl})
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, line := range strings.Split(strings.TrimSpace(federationPrelude), "\n") {
		name := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '(' || r == '@' })[1]
		if doc.Directives.ForName(name) == nil {
			missing = append(missing, line)
		}
	}
	s, gerr := gqlparser.LoadSchema(
		&ast.Source{Name: "federation", Input: strings.Join(missing, "\n"), BuiltIn: true},
		&ast.Source{Name: name, Input: sdl},
	)
	if gerr != nil {
		return nil, gerr
	}
	return s, nil
}

// Compare lists the changes from old to new, breaking first, then by path.
func Compare(old, new *ast.Schema) []Change {
	c := &comparison{}
	for _, name := range sortedKeys(old.Types) {
		o := old.Types[name]
		if o.BuiltIn {
			continue
		}
		n, ok := new.Types[name]
		switch {
		case !ok:
			c.add(Breaking, "TYPE_REMOVED", name, false, "%s was removed", name)
		case o.Kind != n.Kind:
			c.add(Breaking, "TYPE_CHANGED_KIND", name, false, "%s changed from %s to %s", name, kindName(o.Kind), kindName(n.Kind))
		default:
			c.compareType(o, n)
		}
	}
	for _, name := range sortedKeys(new.Types) {
		if _, ok := old.Types[name]; !ok && !new.Types[name].BuiltIn {
			c.add(Safe, "TYPE_ADDED", name, false, "%s was added", name)
		}
	}
	c.compareDirectives(old, new)
	sort.SliceStable(c.changes, func(i, j int) bool {
		if c.changes[i].Level != c.changes[j].Level {
			return c.changes[i].Level > c.changes[j].Level
		}
		return c.changes[i].Path < c.changes[j].Path
	})
	return c.changes
}

type comparison struct{ changes []Change }

func (c *comparison) add(l Level, kind, path string, deprecated bool, format string, args ...any) {
	c.changes = append(c.changes, Change{Level: l, Kind: kind, Path: path, Deprecated: deprecated && l == Breaking, Message: fmt.Sprintf(format, args...)})
}

func (c *comparison) compareType(o, n *ast.Definition) {
	switch o.Kind {
	case ast.Enum:
		for _, v := range o.EnumValues {
			if n.EnumValues.ForName(v.Name) == nil {
				c.add(Breaking, "VALUE_REMOVED_FROM_ENUM", o.Name+"."+v.Name, deprecated(v.Directives), "%s was removed from enum %s", v.Name, o.Name)
			}
		}
		for _, v := range n.EnumValues {
			if o.EnumValues.ForName(v.Name) == nil {
				c.add(Dangerous, "VALUE_ADDED_TO_ENUM", o.Name+"."+v.Name, false, "%s was added to enum %s", v.Name, o.Name)
			}
		}
	case ast.Union:
		for _, t := range o.Types {
			if !slices.Contains(n.Types, t) {
				c.add(Breaking, "TYPE_REMOVED_FROM_UNION", o.Name, false, "%s was removed from union %s", t, o.Name)
			}
		}
		for _, t := range n.Types {
			if !slices.Contains(o.Types, t) {
				c.add(Dangerous, "TYPE_ADDED_TO_UNION", o.Name, false, "%s was added to union %s", t, o.Name)
			}
		}
	case ast.InputObject:
		for _, f := range o.Fields {
			path := o.Name + "." + f.Name
			nf := n.Fields.ForName(f.Name)
			if nf == nil {
				c.add(Breaking, "FIELD_REMOVED", path, deprecated(f.Directives), "%s was removed", path)
				continue
			}
			if !safeInput(f.Type, nf.Type) {
				c.add(Breaking, "FIELD_CHANGED_KIND", path, deprecated(f.Directives), "%s changed type from %s to %s", path, f.Type, nf.Type)
			}
		}
		for _, f := range n.Fields {
			if o.Fields.ForName(f.Name) != nil {
				continue
			}
			path := o.Name + "." + f.Name
			if f.Type.NonNull && f.DefaultValue == nil {
				c.add(Breaking, "REQUIRED_INPUT_FIELD_ADDED", path, false, "required input field %s was added", path)
			} else {
				c.add(Dangerous, "OPTIONAL_INPUT_FIELD_ADDED", path, false, "optional input field %s was added", path)
			}
		}
	case ast.Object, ast.Interface:
		for _, i := range o.Interfaces {
			if !slices.Contains(n.Interfaces, i) {
				c.add(Breaking, "IMPLEMENTED_INTERFACE_REMOVED", o.Name, false, "%s no longer implements %s", o.Name, i)
			}
		}
		for _, i := range n.Interfaces {
			if !slices.Contains(o.Interfaces, i) {
				c.add(Dangerous, "IMPLEMENTED_INTERFACE_ADDED", o.Name, false, "%s now implements %s", o.Name, i)
			}
		}
		for _, f := range o.Fields {
			path := o.Name + "." + f.Name
			nf := n.Fields.ForName(f.Name)
			if nf == nil {
				c.add(Breaking, "FIELD_REMOVED", path, deprecated(f.Directives), "%s was removed", path)
				continue
			}
			if !safeOutput(f.Type, nf.Type) {
				c.add(Breaking, "FIELD_CHANGED_KIND", path, deprecated(f.Directives), "%s changed type from %s to %s", path, f.Type, nf.Type)
			}
			if deprecated(nf.Directives) && !deprecated(f.Directives) {
				c.add(Safe, "FIELD_DEPRECATED", path, false, "%s was deprecated", path)
			}
			c.compareArgs(path, f.Arguments, nf.Arguments, deprecated(f.Directives))
		}
		for _, f := range n.Fields {
			if o.Fields.ForName(f.Name) == nil {
				c.add(Safe, "FIELD_ADDED", o.Name+"."+f.Name, false, "%s.%s was added", o.Name, f.Name)
			}
		}
	}
}

// compareArgs compares the arguments of a field or a directive.
func (c *comparison) compareArgs(path string, old, new ast.ArgumentDefinitionList, ownerDeprecated bool) {
	for _, a := range old {
		apath := path + "(" + a.Name + ")"
		na := new.ForName(a.Name)
		switch {
		case na == nil:
			c.add(Breaking, "ARG_REMOVED", apath, ownerDeprecated || deprecated(a.Directives), "argument %s was removed", apath)
		case !safeInput(a.Type, na.Type):
			c.add(Breaking, "ARG_CHANGED_KIND", apath, ownerDeprecated || deprecated(a.Directives), "argument %s changed type from %s to %s", apath, a.Type, na.Type)
		case valueString(a.DefaultValue) != valueString(na.DefaultValue):
			c.add(Dangerous, "ARG_DEFAULT_VALUE_CHANGE", apath, false, "argument %s default changed from %s to %s", apath, valueString(a.DefaultValue), valueString(na.DefaultValue))
		}
	}
	for _, a := range new {
		if old.ForName(a.Name) != nil {
			continue
		}
		apath := path + "(" + a.Name + ")"
		if a.Type.NonNull && a.DefaultValue == nil {
			c.add(Breaking, "REQUIRED_ARG_ADDED", apath, false, "required argument %s was added", apath)
		} else {
			c.add(Dangerous, "OPTIONAL_ARG_ADDED", apath, false, "optional argument %s was added", apath)
		}
	}
}

func (c *comparison) compareDirectives(old, new *ast.Schema) {
	for _, name := range sortedKeys(old.Directives) {
		o := old.Directives[name]
		if o.Position != nil && o.Position.Src != nil && o.Position.Src.BuiltIn {
			continue
		}
		path := "@" + name
		n, ok := new.Directives[name]
		if !ok {
			c.add(Breaking, "DIRECTIVE_REMOVED", path, false, "%s was removed", path)
			continue
		}
		if o.IsRepeatable && !n.IsRepeatable {
			c.add(Breaking, "DIRECTIVE_REPEATABLE_REMOVED", path, false, "%s is no longer repeatable", path)
		}
		for _, l := range o.Locations {
			if !slices.Contains(n.Locations, l) {
				c.add(Breaking, "DIRECTIVE_LOCATION_REMOVED", path, false, "%s can no longer be used on %s", path, l)
			}
		}
		c.compareArgs(path, o.Arguments, n.Arguments, false)
	}
}

// safeOutput tells whether a field's type may change from o to n without breaking the
// clients that read it: the same named type, possibly made non-null.
func safeOutput(o, n *ast.Type) bool {
	if o.NonNull {
		return n.NonNull && safeOutput(nullable(o), nullable(n))
	}
	if n.NonNull {
		return safeOutput(o, nullable(n))
	}
	if o.Elem != nil {
		return n.Elem != nil && safeOutput(o.Elem, n.Elem)
	}
	return n.Elem == nil && o.NamedType == n.NamedType
}

// safeInput tells whether an argument's or input field's type may change from o to n
// without breaking the clients that send it: the same named type, possibly made nullable.
func safeInput(o, n *ast.Type) bool {
	if o.NonNull {
		if n.NonNull {
			return safeInput(nullable(o), nullable(n))
		}
		return safeInput(nullable(o), n)
	}
	if n.NonNull {
		return false
	}
	if o.Elem != nil {
		return n.Elem != nil && safeInput(o.Elem, n.Elem)
	}
	return n.Elem == nil && o.NamedType == n.NamedType
}

func nullable(t *ast.Type) *ast.Type {
	c := *t
	c.NonNull = false
	return &c
}

func deprecated(d ast.DirectiveList) bool { return d.ForName("deprecated") != nil }

func valueString(v *ast.Value) string {
	if v == nil {
		return "(none)"
	}
	return v.String()
}

func kindName(k ast.DefinitionKind) string { return strings.ToLower(string(k)) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Schema is a loaded schema, as Load returns it.
type Schema = ast.Schema
