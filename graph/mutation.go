package graph

import (
	"context"
	"errors"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/loaders"
	"github.com/usergraph/usergraph/policy"
)

// maxUserErrors caps the problems reported for one input, so that an input of a thousand
// bad keys cannot make a response ten times its size.
const maxUserErrors = 50

// userErrors turns a refused write into the payload's userErrors, with field paths from the
// mutation's arguments (["input", …]). Any other error is returned for the error presenter.
func userErrors(err error) ([]*directory.FieldError, error) {
	var inv *directory.InvalidInputError
	if !errors.As(err, &inv) {
		return nil, err
	}
	problems := inv.Problems
	if len(problems) > maxUserErrors {
		problems = problems[:maxUserErrors]
	}
	out := make([]*directory.FieldError, len(problems))
	for i, p := range problems {
		p.Field = append([]string{"input"}, p.Field...)
		out[i] = &p
	}
	return out, nil
}

// noUserErrors is the empty, non-null userErrors list of a successful mutation.
func noUserErrors() []*directory.FieldError { return []*directory.FieldError{} }

// write runs one mutation: the GraphQL input is converted, then written; problems with the
// input from either step become the payload's userErrors, anything else is an error.
func write[In, Out any](ctx context.Context, convert func() (In, error), do func(context.Context, In) (Out, error)) (Out, []*directory.FieldError, error) {
	var zero Out
	in, err := convert()
	if err == nil {
		var out Out
		if out, err = do(ctx, in); err == nil {
			// What the request's loaders cached before the write is stale now: the payload
			// and any later mutation of the document must read what is stored.
			loaders.For(ctx).ClearAll()
			policy.ForgetScope(ctx)
			return out, noUserErrors(), nil
		}
	}
	problems, err := userErrors(err)
	return zero, problems, err
}

// given wraps an input that needs no conversion.
func given[T any](in T) func() (T, error) { return func() (T, error) { return in, nil } }

// deleted adapts a delete to write: on success the payload names the deleted id.
func deleted(del func(context.Context, string) error) func(context.Context, string) (*string, error) {
	return func(ctx context.Context, id string) (*string, error) {
		if err := del(ctx, id); err != nil {
			return nil, err
		}
		return &id, nil
	}
}
