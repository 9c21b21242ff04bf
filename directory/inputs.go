package directory

// Optional is an input field with presence: Set is false when the caller left the field out
// (keep the stored value). For pointer types a nil Value with Set means "clear".
type Optional[T any] struct {
	Set   bool
	Value T
}

// Some returns a present Optional.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// MapPatch changes a string map: Clear empties it first (the whole map was set to null),
// then every entry of Set is applied, a nil value removing its key.
type MapPatch struct {
	Clear bool
	Set   map[string]*string
}

// Apply returns the patched copy of m; m itself is not modified.
func (p *MapPatch) Apply(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+len(p.Set))
	if !p.Clear {
		for k, v := range m {
			out[k] = v
		}
	}
	for k, v := range p.Set {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = *v
		}
	}
	return out
}

// ProfileInput is the profile given when a user is created. Nil fields stay unset.
type ProfileInput struct {
	Name              *string
	GivenName         *string
	FamilyName        *string
	PhoneNumber       *string
	Locale            *string
	Picture           *string
	PreferredUsername *string
	Gender            *string
	Groups            []string
	CustomAttributes  map[string]string
	Metadata          map[string]string
}

// NewUser creates a user with a first membership.
type NewUser struct {
	OrganizationID string
	Email          string
	ExternalID     *string
	Profile        ProfileInput
	Metadata       map[string]string
	// Roles are role names held in the organization; nil means the catalogue's default
	// roles, an empty list means none.
	Roles               []string
	MembershipMetadata  map[string]string
	SendInvitationEmail bool
}

// ProfileUpdate changes a profile; absent fields keep their values.
type ProfileUpdate struct {
	Name              Optional[*string]
	GivenName         Optional[*string]
	FamilyName        Optional[*string]
	PhoneNumber       Optional[*string]
	Locale            Optional[*string]
	Picture           Optional[*string]
	PreferredUsername Optional[*string]
	Gender            Optional[*string]
	// Groups replaces the whole list; a nil Value with Set clears it.
	Groups           Optional[[]string]
	CustomAttributes *MapPatch
	Metadata         *MapPatch
}

// Apply returns p applied to a copy of the stored profile, with the name rule of
// ComposeName.
func (u *ProfileUpdate) Apply(p UserProfile) UserProfile {
	before := p
	for _, f := range []struct {
		change Optional[*string]
		field  **string
	}{
		{u.Name, &p.Name}, {u.GivenName, &p.GivenName}, {u.FamilyName, &p.FamilyName},
		{u.PhoneNumber, &p.PhoneNumber}, {u.Locale, &p.Locale}, {u.Picture, &p.Picture},
		{u.PreferredUsername, &p.PreferredUsername}, {u.Gender, &p.Gender},
	} {
		if f.change.Set {
			*f.field = f.change.Value
		}
	}
	if u.PhoneNumber.Set {
		// A new number has not been verified by anyone yet.
		p.PhoneNumberVerified = false
	}
	if u.Groups.Set {
		p.Groups = append([]string{}, u.Groups.Value...)
	}
	if u.CustomAttributes != nil {
		p.CustomAttributes = u.CustomAttributes.Apply(p.CustomAttributes)
	}
	if u.Metadata != nil {
		p.Metadata = u.Metadata.Apply(p.Metadata)
	}
	u.composeNameAfter(before, &p)
	return p
}

// UserUpdate changes a user; absent fields keep their values.
type UserUpdate struct {
	ID         string
	ExternalID Optional[*string]
	Profile    *ProfileUpdate
	Metadata   *MapPatch
}

// NewMembership adds an existing user to an organization.
type NewMembership struct {
	UserID         string
	OrganizationID string
	// Roles are role names; nil means the catalogue's default roles, empty means none.
	Roles               []string
	Metadata            map[string]string
	InviterEmail        *string
	SendInvitationEmail bool
}

// MembershipUpdate changes a membership; absent fields keep their values.
type MembershipUpdate struct {
	UserID         string
	OrganizationID string
	// Roles replaces the set of role names held.
	Roles    Optional[[]string]
	Metadata *MapPatch
	Status   Optional[MembershipStatus]
}

// NewOrganization creates an organization.
type NewOrganization struct {
	DisplayName string
	ExternalID  *string
	Metadata    map[string]string
}

// OrganizationUpdate changes an organization; absent fields keep their values.
type OrganizationUpdate struct {
	ID          string
	DisplayName Optional[string]
	ExternalID  Optional[*string]
	Metadata    *MapPatch
}
