package scalekittest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"github.com/pb33f/libopenapi-validator/config"
	verrors "github.com/pb33f/libopenapi-validator/errors"
)

// SpecEnv names the environment variable holding the path of Scalekit's openapi.json,
// against which the fake checks every request and answer. The document is not part of the
// repository: without it the fake still serves and the tests run, without the contract
// check (each Server says so in the test log), unless RequireSpecEnv=1 makes it required.
const (
	SpecEnv        = "USERGRAPH_SCALEKIT_OPENAPI"
	RequireSpecEnv = "USERGRAPH_REQUIRE_OPENAPI"
)

// errNoSpec marks a run without the document: a reason to skip the contract check, not to fail.
var errNoSpec = errors.New("scalekittest: OpenAPI validation skipped: " + SpecEnv + " is not set")

// The validator is built once per process: the document is 757 KB and takes about a second
// to parse and to compile its schemas.
//
// Concurrency: libopenapi-validator's Validator is built for shared use. Its parameter,
// request-body and response-body validators are stateless structs over an immutable model;
// its schema caches are sync.Map wrappers (cache.DefaultCache); its router is documented as
// "immutable, concurrency-safe"; libopenapi's SchemaProxy.Schema() renders lazily under its own
// mutex. So one Validator is shared by every Server and every request, without a lock.
var spec struct {
	once sync.Once
	path string
	v    validator.Validator
	err  error
}

func loadSpec() (validator.Validator, string, error) {
	spec.once.Do(func() {
		spec.path, spec.err = specPath()
		if spec.err != nil {
			return
		}
		b, err := os.ReadFile(spec.path)
		if err != nil {
			spec.err = fmt.Errorf("scalekittest: cannot read Scalekit's openapi.json (%s): %w", SpecEnv, err)
			return
		}
		doc, err := libopenapi.NewDocument(b)
		if err != nil {
			spec.err = fmt.Errorf("scalekittest: cannot parse %s: %w", spec.path, err)
			return
		}
		// Path-only matching is the library's default (no config.WithStrictServerMatching),
		// so the spec's placeholder servers[0].url (https://$SCALEKIT_ENVIRONMENT_URL) does not
		// get in the way of the httptest URL: only the request path is matched against paths.
		// Format assertions make "format: date-time" (and uri) checked, so our timestamps are too.
		v, errs := validator.NewValidator(doc, config.WithFormatAssertions())
		if len(errs) > 0 {
			spec.err = fmt.Errorf("scalekittest: cannot build a validator for %s: %w", spec.path, errors.Join(errs...))
			return
		}
		spec.v = v
	})
	return spec.v, spec.path, spec.err
}

func specPath() (string, error) {
	p := os.Getenv(SpecEnv)
	if p == "" {
		if os.Getenv(RequireSpecEnv) == "1" {
			return "", fmt.Errorf("scalekittest: %s=1 but %s (the path of Scalekit's openapi.json) is not set", RequireSpecEnv, SpecEnv)
		}
		return "", errNoSpec
	}
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("scalekittest: %s=%s: %w", SpecEnv, p, err)
	}
	return p, nil
}

// validateRequest checks a request (whose body has been read into body) against the spec and
// returns one line per violation.
func validateRequest(v validator.Validator, r *http.Request, body []byte) []string {
	if v == nil {
		return nil
	}
	vr := r.Clone(r.Context())
	vr.Body = io.NopCloser(bytes.NewReader(body))
	vr.ContentLength = int64(len(body))
	_, errs := v.ValidateHttpRequestSync(vr)
	return describe("request", r, allowRequest(r, errs))
}

// validateResponse checks a response the fake is about to send. Only 2xx responses are
// checked: Scalekit's spec declares almost no error responses (docs/scalekit-api.md, "Errors and rate limits": "The spec rarely
// declares error bodies (most 400/404 responses have no schema …)"), and the library
// reports every undeclared status as "response code … does not exist", so error responses
// (which use the §7 envelope) are outside the contract the spec can check.
func validateResponse(v validator.Validator, r *http.Request, status int, header http.Header, body []byte) []string {
	if v == nil || status < 200 || status > 299 {
		return nil
	}
	vr := r.Clone(r.Context())
	vr.Body = http.NoBody
	resp := &http.Response{
		StatusCode:    status,
		Header:        header.Clone(),
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       vr,
	}
	_, errs := v.ValidateHttpResponse(vr, resp)
	return describe("response", r, errs)
}

// allowRequest drops the spec findings that are known gaps of openapi.json rather than client
// mistakes.
//
//   - POST /api/v1/memberships/organizations/{organization_id}/users/{id} (and the
//     users:external/{external_id} variant): the spec puts `"required": ["membership"]` next to
//     the $ref of the request body, and the validator enforces it, so it demands a
//     "membership" property. docs/scalekit-api.md, "Semantics the client depends on" ("Body is `CreateMembership`": roles, metadata,
//     inviter_email) is right: the gateway binds the body to the request's `membership` field
//     (the required flag of that field leaked into the body schema). A body with those fields at
//     the top level is what the real server takes, so "missing property 'membership'" is
//     ignored there.
//   - DELETE …/memberships/…?cascade=: `cascade` is a PREVIEW query parameter absent from the
//     spec (docs/scalekit-api.md, "Semantics the client depends on"). The library, outside its opt-in strict mode, does not report
//     undeclared query parameters, so nothing needs dropping; should it ever start to, the
//     finding is dropped here.
func allowRequest(r *http.Request, errs []*verrors.ValidationError) []*verrors.ValidationError {
	p := r.URL.Path
	isMembership := strings.HasPrefix(p, "/api/v1/memberships/organizations/")
	var out []*verrors.ValidationError
	for _, e := range errs {
		if isMembership && r.Method == http.MethodDelete && e.ParameterName == "cascade" {
			continue
		}
		if isMembership && r.Method == http.MethodPost && len(e.SchemaValidationErrors) > 0 {
			var keep []*verrors.SchemaValidationFailure
			for _, f := range e.SchemaValidationErrors {
				if f.Reason == "missing property 'membership'" {
					continue
				}
				keep = append(keep, f)
			}
			if len(keep) == 0 {
				continue
			}
			if len(keep) != len(e.SchemaValidationErrors) {
				c := *e
				c.SchemaValidationErrors = keep
				e = &c
			}
		}
		out = append(out, e)
	}
	return out
}

func describe(kind string, r *http.Request, errs []*verrors.ValidationError) []string {
	var out []string
	for _, e := range errs {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s: %s: %s", r.Method, r.URL.RequestURI(), kind, e.Message)
		if len(e.SchemaValidationErrors) > 0 {
			b.WriteString(" [")
			for i, f := range e.SchemaValidationErrors {
				if i > 0 {
					b.WriteString("; ")
				}
				if f.FieldPath != "" {
					b.WriteString(f.FieldPath + ": ")
				}
				b.WriteString(f.Reason)
			}
			b.WriteString("]")
		} else if e.Reason != "" && e.Reason != e.Message {
			b.WriteString(" (" + e.Reason + ")")
		}
		out = append(out, b.String())
	}
	return out
}
