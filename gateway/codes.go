package gateway

// Every code a client can find in an error's extensions.code. Clients branch on these, so
// the spelling is part of the API (docs/architecture.md, Errors). gqlgen sets
// GRAPHQL_PARSE_FAILED and GRAPHQL_VALIDATION_FAILED itself; the problems inside a
// mutation's userErrors have their own codes, directory.ErrorCode.
const (
	// CodeBadUserInput: an argument that cannot be used (first out of range, a foreign
	// cursor, two lookups where one is allowed).
	CodeBadUserInput = "BAD_USER_INPUT"
	// CodeUnauthenticated: no valid credentials (HTTP 401).
	CodeUnauthenticated = "UNAUTHENTICATED"
	// CodeForbidden: the caller may not do this (the policy refused, or /metrics for a user).
	CodeForbidden           = "FORBIDDEN"
	CodeInternal            = "INTERNAL_SERVER_ERROR"
	CodeUpstreamUnavailable = "UPSTREAM_UNAVAILABLE"
	CodeRateLimited         = "RATE_LIMITED"
	CodeDepthLimitExceeded  = "DEPTH_LIMIT_EXCEEDED"
	// CodeComplexityLimitExceeded is the code gqlgen's own complexity limit uses too.
	CodeComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"
	CodeMethodNotAllowed        = "METHOD_NOT_ALLOWED"
	CodeUnsupportedMediaType    = "UNSUPPORTED_MEDIA_TYPE"
	CodeMisdirectedRequest      = "MISDIRECTED_REQUEST"
	// CodeServerBusy: the request waited for its turn until its deadline.
	CodeServerBusy      = "SERVER_BUSY"
	CodePayloadTooLarge = "PAYLOAD_TOO_LARGE"
	CodeBadRequest      = "BAD_REQUEST"
	// CodeOperationNotAllowed: a document outside the safelist.
	CodeOperationNotAllowed = "OPERATION_NOT_ALLOWED"
)
