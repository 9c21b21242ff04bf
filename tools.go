//go:build tools

// Package tools pins the code generators that `go generate ./...` runs, so that their
// versions live in go.mod like any other dependency.
package tools

import (
	_ "github.com/99designs/gqlgen"
)
