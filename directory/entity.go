package directory

// IsEntity marks User, Organization and Role as Apollo Federation entities: the _entities
// union that gqlgen's federation plugin generates is bound to an interface with this one
// method. It is a marker with no behaviour; nothing else in this package knows of GraphQL.
func (User) IsEntity() {}

// IsEntity marks Organization as a federation entity (see User.IsEntity).
func (Organization) IsEntity() {}

// IsEntity marks Role as a federation entity (see User.IsEntity).
func (Role) IsEntity() {}
