package sqlite

import (
	"context"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// writeError returns refused input as the *directory.InvalidInputError itself (the GraphQL
// layer turns it into userErrors) and wraps everything else with the operation's name.
func writeError(op string, err error) error {
	var invalid *directory.InvalidInputError
	if errors.As(err, &invalid) {
		return invalid
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func userExists(ctx context.Context, c conn, id string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM users WHERE id = ?`, id)
}

func organizationExists(ctx context.Context, c conn, id string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM organizations WHERE id = ?`, id)
}

// emailTaken compares case-insensitively, as the NOCASE column (and its UNIQUE index) do.
func emailTaken(ctx context.Context, c conn, email string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM users WHERE email = ?`, email)
}

// externalIDTaken reports whether another user than self holds the external id.
func externalIDTaken(ctx context.Context, c conn, externalID, self string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM users WHERE external_id = ? AND id <> ?`, externalID, self)
}
