// Package directory holds usergraph's domain types (users, profiles, organizations,
// memberships, roles), the Directory port that every backend implements, the typed errors
// the port returns, and the input rules that every backend enforces the same way.
//
// The GraphQL layer binds its types straight to these structs (see gqlgen.yml), so a field
// added here is one field less to copy.
package directory
