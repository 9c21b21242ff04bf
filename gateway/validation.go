package gateway

import (
	"context"
	"runtime"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/validator"
	"github.com/vektah/gqlparser/v2/validator/rules"
)

// validation validates a document the way gqlgen would, but where the request's deadline
// bounds the wait and outside the execution slots (overHTTP.Do takes a slot only once the
// document is valid). gqlparser's validator cannot be interrupted, so it runs on a
// goroutine of its own that the request stops waiting for at its deadline; turns bounds
// how many run at once, those whose requests gave up included, so abandoned validations
// cannot pile up. The pre-check's limits keep each one to tens of milliseconds; the
// deadline is the second wall.
//
// A valid document goes into gqlgen's query cache, where gqlgen finds it and neither
// parses nor validates it again. An invalid one is refused with the first error, and the
// whole list is left where overHTTP.Do finds it (validationErrors), so that the client
// sees every error, as gqlgen would have reported them.
type validation struct {
	schema *ast.Schema
	cache  graphql.Cache[*ast.QueryDocument]
	turns  chan struct{}
	// validate is gqlparser's validator with gqlgen's default rules; tests replace it.
	validate func(*ast.Schema, *ast.QueryDocument) gqlerror.List
}

// maxValidations bounds the validations running at once, per CPU: validation is pure CPU,
// so more would only slow each other down.
const maxValidations = 2

func newValidation(schema *ast.Schema, cache graphql.Cache[*ast.QueryDocument]) *validation {
	return &validation{
		schema:   schema,
		cache:    cache,
		turns:    make(chan struct{}, maxValidations*runtime.GOMAXPROCS(0)),
		validate: validateWithDefaultRules,
	}
}

func validateWithDefaultRules(schema *ast.Schema, doc *ast.QueryDocument) gqlerror.List {
	return validator.ValidateWithRules(schema, doc, rules.NewDefaultRules())
}

// run validates doc, the parse of query, and caches it when valid.
func (v *validation) run(ctx context.Context, query string, doc *ast.QueryDocument) *gqlerror.Error {
	if len(doc.Operations) == 0 {
		return nil // gqlgen reports "no operation provided" without validating
	}
	select {
	case v.turns <- struct{}{}:
	case <-ctx.Done():
		return busy(ctx, "the server is busy validating other documents; retry later")
	}
	done := make(chan gqlerror.List, 1)
	go func() {
		defer func() { <-v.turns }()
		done <- v.validate(v.schema, doc)
	}()
	select {
	case errs := <-done:
		if len(errs) == 0 {
			v.cache.Add(ctx, query, doc)
			return nil
		}
		for _, e := range errs {
			errcode.Set(e, errcode.ValidationFailed)
		}
		if all, ok := ctx.Value(validationErrorsKey{}).(*gqlerror.List); ok {
			*all = errs
		}
		return errs[0]
	case <-ctx.Done():
		return busy(ctx, "the document could not be validated before the request's deadline; retry later")
	}
}

// busy is the error of a request that ran out of time waiting for its turn, with the
// request's id like the other errors that are not the client's.
func busy(ctx context.Context, message string) *gqlerror.Error {
	err := gqlerror.Errorf("%s", message)
	setCode(err, CodeServerBusy)
	err.Extensions["requestId"] = RequestID(ctx)
	return err
}

type validationErrorsKey struct{}

// withValidationErrors returns a context in which validation leaves the full list of a
// document's validation errors, and that list.
func withValidationErrors(ctx context.Context) (context.Context, *gqlerror.List) {
	var errs gqlerror.List
	return context.WithValue(ctx, validationErrorsKey{}, &errs), &errs
}
