package main

// Regenerate graph/ from schema/*.graphqls and gqlgen.yml. CI fails if this leaves a diff.
//go:generate go run github.com/99designs/gqlgen generate --config gqlgen.yml
