package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"runtime/debug"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/usergraph/usergraph/directory"
	"github.com/usergraph/usergraph/policy"
)

// PresentError gives every error a code. Errors built for the client (*gqlerror.Error made
// by us or by gqlgen) keep their message; everything else is classified by its type — never
// by its text — and anything unexpected is masked, logged and tagged with the request id.
func PresentError(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Unwrap() == nil {
			out := graphql.DefaultErrorPresenter(ctx, err)
			if _, ok := out.Extensions["code"]; !ok {
				setCode(out, CodeBadUserInput)
			}
			return out
		}

		out := graphql.DefaultErrorPresenter(ctx, err)
		var rateLimited *directory.RateLimitedError
		var invalid *directory.InvalidInputError
		switch {
		case errors.As(err, &rateLimited):
			out.Message = "the directory backend is rate limiting requests; retry later"
			setCode(out, CodeRateLimited)
			if rateLimited.RetryAfter > 0 {
				out.Extensions["retryAfter"] = int(math.Ceil(rateLimited.RetryAfter.Seconds()))
			}
		case errors.Is(err, directory.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
			out.Message = "the directory backend is unavailable; retry later"
			setCode(out, CodeUpstreamUnavailable)
		case errors.As(err, &invalid):
			// A refused argument of a query (mutations turn theirs into userErrors).
			presentInvalidArgument(out, invalid)
		case errors.Is(err, policy.ErrForbidden):
			out.Message = "not allowed for this caller"
			setCode(out, CodeForbidden)
		default:
			log.ErrorContext(ctx, "internal error", "requestId", RequestID(ctx), "path", out.Path.String(), "error", err.Error())
			out.Message = "internal server error"
			setCode(out, CodeInternal)
		}
		out.Extensions["requestId"] = RequestID(ctx)
		return out
	}
}

// presentInvalidArgument shows a refused argument as BAD_USER_INPUT: the problems'
// messages, and the first problem's field path in extensions.field.
func presentInvalidArgument(out *gqlerror.Error, invalid *directory.InvalidInputError) {
	setCode(out, CodeBadUserInput)
	if len(invalid.Problems) == 0 {
		return
	}
	msgs := make([]string, len(invalid.Problems))
	for i, p := range invalid.Problems {
		msgs[i] = p.Message
	}
	out.Message = strings.Join(msgs, "; ")
	out.Extensions["field"] = invalid.Problems[0].Field
}

func setCode(err *gqlerror.Error, code string) {
	if err.Extensions == nil {
		err.Extensions = map[string]any{}
	}
	err.Extensions["code"] = code
}

// recoverResolver turns a panic in a resolver into a masked error on that field only: the
// rest of the response is still served.
func recoverResolver(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		log.ErrorContext(ctx, "panic in resolver", "requestId", RequestID(ctx), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errPanic
	}
}

var errPanic = errors.New("panic in resolver")
