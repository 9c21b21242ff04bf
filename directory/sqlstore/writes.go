package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/usergraph/usergraph/directory"
)

// writeError returns refused input as the *directory.InvalidInputError itself (the GraphQL
// layer turns it into userErrors) and wraps everything else with the operation's name.
func (s *Store) writeError(op string, err error) error {
	var invalid *directory.InvalidInputError
	if errors.As(err, &invalid) {
		return invalid
	}
	return s.fail(op, err)
}

// conflict turns a write that lost its race with other writers on every attempt (see
// writeTx) into an input error the client can act on: read again and retry. Package
// directory has no CONFLICT code (yet); INVALID on the key field is the closest.
func (s *Store) conflict(err error, what, id string, field ...string) error {
	if !s.conflicted(err) {
		return err
	}
	return directory.Invalid(problem(directory.CodeInvalid,
		fmt.Sprintf("the %s %q was changed concurrently by another writer; read it again and retry", what, id), field...))
}

func userExists(ctx context.Context, c conn, id string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM users WHERE id = ?`, id)
}

func organizationExists(ctx context.Context, c conn, id string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM organizations WHERE id = ?`, id)
}

// emailTaken compares with ASCII case folding, as the unique index on emails does.
func emailTaken(ctx context.Context, c conn, email string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM users WHERE `+c.d.emailEq("email", "?"), email)
}

// externalIDTaken reports whether another user than self holds the external id.
func externalIDTaken(ctx context.Context, c conn, externalID, self string) (bool, error) {
	return c.exists(ctx, `SELECT 1 FROM users WHERE external_id = ? AND id <> ?`, externalID, self)
}
