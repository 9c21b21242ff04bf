// Package sqlkit is what the two SQL stores (directory/sqlite and directory/postgres) share
// because it does not depend on the SQL dialect: Scalekit-style ids, the field errors of
// refused writes, page helpers and the loading of numbered migration files. Each store
// keeps its own SQL.
package sqlkit
