package model

// Node is any object with a global id: *directory.User, *directory.Organization or
// *directory.Role. The domain types do not know about GraphQL, so the interface is empty and
// the generated code switches on the concrete type.
type Node any
