package problem

// TypeDoc documents one problem type: its slug (the Type URI is TypeBase +
// slug) and when the API answers it.
type TypeDoc struct {
	Slug, Description string
}

// Types lists every problem type the API answers with. The OpenAPI
// contract publishes it (internal/apispec) so clients can switch on
// `type` rather than parse `detail`; a test fails when code answers a slug
// that is missing here.
var Types = []TypeDoc{
	{SlugBadRequest, "400: malformed request (syntax, encoding, parameter types, missing body)."},
	{SlugUnauthorized, "401: credentials missing or invalid."},
	{"invalid-credentials", "401: login refused (unknown identifier, wrong password or locked account alike)."},
	{"mfa-required", "401: login needs a TOTP or recovery code."},
	{"invalid-token", "401: access token invalid, expired or revoked; 400: one-time token invalid, expired or used."},
	{"invalid-service-key", "401: the X-API-Key is not a valid service key."},
	{SlugForbidden, "403: authenticated but not allowed (also an agent key or the service key on an operation that does not accept it)."},
	{"registration-disabled", "403: self-registration is off."},
	{"wrong-password", "403: the current password is incorrect."},
	{"wrong-mfa-code", "403: the TOTP or recovery code is incorrect."},
	{SlugNotFound, "404: the resource does not exist or is not visible to the caller."},
	{"method-not-allowed", "405: the path exists, the method does not."},
	{"not-acceptable", "406: no representation matches Accept."},
	{SlugConflict, "409: conflicts with the current state (uniqueness, state machine, archived resource)."},
	{"agent-inactive", "409: the agent is paused or archived."},
	{SlugPreconditionFailed, "412: If-Match missing or stale (lost update prevented)."},
	{SlugPayloadTooLarge, "413: the body or file exceeds its limit."},
	{"unsupported-media-type", "415: unsupported Content-Type."},
	{SlugValidation, "422: input well-formed but invalid; `errors` names each field."},
	{"invalid-tool-input", "422: an agent tool's input does not match its input_schema; `errors[].field` are JSON Pointers."},
	{"prompt-injection", "422: the LLM gateway's injection guard blocked the prompt."},
	{"model-unpriced", "422: the model has no price in force while a budget applies."},
	{"context-length-exceeded", "422: the prompt exceeds the agent's context limit."},
	{SlugRateLimited, "429: rate limit exceeded; retry after Retry-After seconds."},
	{"budget-exceeded", "429: an LLM budget would be exceeded; Retry-After when the period ends."},
	{SlugInternal, "500: unexpected error; quote request_id."},
	{SlugBadGateway, "502: the model provider failed."},
	{SlugServiceUnavailable, "503: temporarily unavailable (request timeout, transient database conflict); retry, after Retry-After when sent."},
	{"shutting-down", "503: the server is shutting down; reconnect (real-time stream)."},
	{SlugGatewayTimeout, "504: the model provider did not answer in time."},
}
