package directory

import (
	"strings"
	"unicode/utf8"
)

// ComposeName is the one rule for a profile's name when none is given: the given and family
// names joined by a space, or either alone; nil when there is neither, or when the two
// together are longer than a name may be (a name is never cut short). createUser, updateUser,
// provisioning and profile normalization all follow it, on every backend.
func ComposeName(given, family *string) *string {
	var parts []string
	for _, s := range []*string{given, family} {
		if s != nil {
			if t := strings.TrimSpace(*s); t != "" {
				parts = append(parts, t)
			}
		}
	}
	if len(parts) == 0 {
		return nil
	}
	name := strings.Join(parts, " ")
	if utf8.RuneCountInString(name) > MaxNameLen {
		return nil
	}
	return &name
}

// nameFollows reports whether a stored name is the one ComposeName makes of the stored given
// and family names (or absent): such a name follows them when they change, while a name
// set on its own stays as set.
func nameFollows(p UserProfile) bool {
	composed := ComposeName(p.GivenName, p.FamilyName)
	return p.Name == nil || (composed != nil && *p.Name == *composed)
}

// composeNameAfter applies the name rule to an updated profile: a name the update clears, or
// one that followed the given and family names before, is composed from the new ones; a
// name the update sets stays as set.
func (u *ProfileUpdate) composeNameAfter(before UserProfile, after *UserProfile) {
	switch {
	case u.Name.Set && u.Name.Value != nil:
		return
	case u.Name.Set, (u.GivenName.Set || u.FamilyName.Set) && nameFollows(before):
		after.Name = ComposeName(after.GivenName, after.FamilyName)
	}
}
