package apispec

import (
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// problemMedia is the RFC 9457 media type of every error response.
const problemMedia = "application/problem+json"

// errorResponses are the shared components.responses, by status code.
var errorResponses = map[int]string{
	http.StatusBadRequest:            "The request is malformed (syntax, encoding or parameter types).",
	http.StatusUnauthorized:          "Authentication is missing or invalid.",
	http.StatusForbidden:             "The caller is authenticated but not allowed to do this.",
	http.StatusNotFound:              "The resource does not exist or is not visible to the caller.",
	http.StatusConflict:              "The request conflicts with the current state (uniqueness, state machine).",
	http.StatusPreconditionFailed:    "If-Match did not match the current version (lost update prevented).",
	http.StatusRequestEntityTooLarge: "The request body exceeds the allowed size.",
	http.StatusUnprocessableEntity:   "The input is well-formed but invalid; `errors` lists each offending field.",
	http.StatusTooManyRequests:       "Rate limit or budget exceeded; retry after the Retry-After header.",
}

// retryAfter is the Retry-After header of the responses that tell the
// client to retry later (429, and 503 within the default response).
func retryAfter() map[string]*ogen.Header {
	return map[string]*ogen.Header{"Retry-After": {
		Description: "Seconds to wait before retrying (an integer, at least 1).",
		Schema:      &ogen.Schema{Type: "integer", Minimum: num(1)},
	}}
}

// responseName is the components.responses key for a status code.
func responseName(code int) string {
	return "Problem" + strconv.Itoa(code)
}

// addErrorModel replaces entoas' ad-hoc error bodies with one Problem schema
// referenced by every error response (and by the `default` response that
// ogen's convenient errors need).
func addErrorModel(spec *ogen.Spec) {
	spec.Components.Schemas["Problem"] = problemSchema()
	spec.Components.Responses = map[string]*ogen.Response{}
	for code, desc := range errorResponses {
		spec.Components.Responses[responseName(code)] = problemResponse(desc)
	}
	spec.Components.Responses[responseName(http.StatusTooManyRequests)].Headers = retryAfter()
	// The default response is every error a handler returns (ogen's
	// convenient errors), so Retry-After is declared, and sent, there too.
	def := problemResponse("Any other error, e.g. 5xx; the body never contains internal details. A 503 " +
		"(request timeout, transient database conflict) may be retried, after Retry-After when sent.")
	def.Headers = retryAfter()
	spec.Components.Responses["ProblemDefault"] = def
}

func problemResponse(desc string) *ogen.Response {
	return &ogen.Response{
		Description: desc,
		Content: map[string]ogen.Media{
			problemMedia: {Schema: &ogen.Schema{Ref: "#/components/schemas/Problem"}},
		},
	}
}

func problemSchema() *ogen.Schema {
	str := func(max uint64, desc string) *ogen.Schema {
		return &ogen.Schema{Type: "string", MaxLength: &max, Description: desc}
	}
	fieldError := &ogen.Schema{
		Type:     "object",
		Required: []string{"field", "message"},
		Properties: ogen.Properties{
			{Name: "field", Schema: str(256, "JSON path or parameter name of the offending input.")},
			{Name: "message", Schema: str(1024, "What is wrong with it.")},
		},
	}
	return &ogen.Schema{
		Type:        "object",
		Description: "RFC 9457 problem details.",
		Required:    []string{"type", "title", "status"},
		Properties: ogen.Properties{
			{Name: "type", Schema: str(512, problemTypes())},
			{Name: "title", Schema: str(256, "Short summary of the problem type.")},
			{Name: "status", Schema: &ogen.Schema{Type: "integer", Format: "int32"}},
			{Name: "detail", Schema: str(4096, "Explanation of this occurrence.")},
			{Name: "instance", Schema: str(2048, "Request path of this occurrence.")},
			{Name: "request_id", Schema: str(128, "X-Request-ID of the request, for support.")},
			{Name: "errors", Schema: &ogen.Schema{Type: "array", Items: &ogen.Items{Item: fieldError}}},
		},
	}
}

// problemTypes describes the `type` member: every problem type the API
// answers with (problem.Types), so clients can switch on it.
func problemTypes() string {
	var b strings.Builder
	b.WriteString("URI identifying the problem type: `" + problem.TypeBase + "<slug>`, with these slugs " +
		"(new ones may be added; treat an unknown type by its status):\n")
	for _, t := range problem.Types {
		b.WriteString("\n- `" + t.Slug + "`: " + t.Description)
	}
	return b.String()
}

// addSecurity declares the bearer scheme (JWT access tokens).
func addSecurity(spec *ogen.Spec) {
	if spec.Components.SecuritySchemes == nil {
		spec.Components.SecuritySchemes = map[string]*ogen.SecurityScheme{}
	}
	spec.Components.SecuritySchemes["bearerAuth"] = &ogen.SecurityScheme{
		Type:         "http",
		Scheme:       "bearer",
		BearerFormat: "JWT",
		Description:  "Access token from POST /auth/login or /auth/refresh.",
	}
	spec.Components.SecuritySchemes["apiKeyAuth"] = &ogen.SecurityScheme{
		Type: "apiKey",
		In:   "header",
		Name: "X-API-Key",
		Description: "Agent API key (POST /agents/{agent_id}/keys): the request acts as the agent, in its " +
			"organization, with the rights organizations give agents. Accepted only where an operation lists it; " +
			"on any other operation a valid agent key answers 403 (an invalid one 401).",
	}
	spec.Components.SecuritySchemes["agentKeyBearerAuth"] = &ogen.SecurityScheme{
		Type:         "http",
		Scheme:       "bearer",
		BearerFormat: "wsa_ agent key",
		Description: "Agent API key sent as `Authorization: Bearer wsa_...`, the way OpenAI SDKs send an API key: " +
			"the request acts as the agent, as with apiKeyAuth. Accepted only where an operation lists it (the LLM gateway).",
	}
	spec.Components.SecuritySchemes[serviceKeyScheme] = &ogen.SecurityScheme{
		Type: "apiKey",
		In:   "header",
		Name: "X-API-Key",
		Description: "Service-to-service key (auth.service_api_key; none configured disables it): the request acts " +
			"as the service principal, e.g. an agent runtime. Accepted only by the operations that list this " +
			"scheme; on any other operation the service key answers 403.",
	}
}

// serviceKeyScheme marks the operations open to the service principal.
// It shares the X-API-Key header with apiKeyAuth (agent keys), so an
// operation lists one or the other: one header cannot carry both keys.
const serviceKeyScheme = "serviceKey"

var camelID = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// decorateOperations gives every operation the same error contract: a
// `default` problem response plus the 4xx codes that can apply to it.
// Operations are secured by bearer unless they declare `security: []`, and
// every tag they use must be declared (with a description) by a fragment.
func decorateOperations(spec *ogen.Spec) error {
	declared := map[string]bool{}
	for _, t := range spec.Tags {
		declared[t.Name] = true
	}
	seen := map[string]string{}
	for _, path := range sortedPaths(spec) {
		for method, op := range operations(spec.Paths[path]) {
			where := method + " " + path
			if !camelID.MatchString(op.OperationID) {
				return fmt.Errorf("apispec: %s: operationId %q must be camelCase", where, op.OperationID)
			}
			if prev, dup := seen[op.OperationID]; dup {
				return fmt.Errorf("apispec: operationId %q used by %s and %s", op.OperationID, prev, where)
			}
			seen[op.OperationID] = where
			if op.Summary == "" || len(op.Tags) == 0 {
				return fmt.Errorf("apispec: %s: summary and tags are required", where)
			}
			for _, t := range op.Tags {
				if !declared[t] {
					return fmt.Errorf("apispec: %s: tag %q is not declared: add it with a description under `tags:` in a fragment", where, t)
				}
			}
			if op.Security == nil {
				op.Security = ogen.SecurityRequirements{{"bearerAuth": {}}}
			}
			// `security: []` marks a public operation; a fragment may also
			// list alternatives (bearer, an agent's X-API-Key or the
			// service key).
			if lists(op.Security, "apiKeyAuth") && lists(op.Security, serviceKeyScheme) {
				return fmt.Errorf("apispec: %s: apiKeyAuth and %s share the X-API-Key header; list one of them", where, serviceKeyScheme)
			}
			secured := len(op.Security) > 0
			addErrorRefs(spec, op, spec.Paths[path].Parameters, secured)
		}
	}
	return nil
}

// lists reports whether one of the requirements names scheme.
func lists(reqs ogen.SecurityRequirements, scheme string) bool {
	for _, r := range reqs {
		if _, ok := r[scheme]; ok {
			return true
		}
	}
	return false
}

// addErrorRefs adds the error responses an operation can answer and its
// fragment need not list: 400 and 429 always; 401 and 403 when secured;
// 404 when a path parameter (of the path or the operation) names a
// resource, which may not exist or not be visible; 412 when it takes
// If-Match; 422 with parameters or a body; 413 with a body. A fragment
// lists a code itself only to say more about it.
func addErrorRefs(spec *ogen.Spec, op *ogen.Operation, pathParams []*ogen.Parameter, secured bool) {
	codes := []int{http.StatusBadRequest, http.StatusTooManyRequests}
	if secured {
		codes = append(codes, http.StatusUnauthorized, http.StatusForbidden)
	}
	for _, p := range append(pathParams[:len(pathParams):len(pathParams)], op.Parameters...) {
		p = resolveParameter(spec, p)
		switch {
		case p == nil:
		case p.In == "path":
			codes = append(codes, http.StatusNotFound)
		case p.In == "header" && strings.EqualFold(p.Name, "If-Match"):
			codes = append(codes, http.StatusPreconditionFailed)
		}
	}
	if len(op.Parameters) > 0 || op.RequestBody != nil {
		codes = append(codes, http.StatusUnprocessableEntity)
	}
	if op.RequestBody != nil {
		// The body limit middleware answers 413 before any handler runs.
		codes = append(codes, http.StatusRequestEntityTooLarge)
	}
	if op.Responses == nil {
		op.Responses = ogen.Responses{}
	}
	for _, c := range codes {
		key := strconv.Itoa(c)
		if _, ok := op.Responses[key]; !ok {
			op.Responses[key] = &ogen.Response{Ref: "#/components/responses/" + responseName(c)}
		}
	}
	op.Responses["default"] = &ogen.Response{Ref: "#/components/responses/ProblemDefault"}
}

// resolveParameter follows a components.parameters reference.
func resolveParameter(spec *ogen.Spec, p *ogen.Parameter) *ogen.Parameter {
	if p == nil || p.Ref == "" {
		return p
	}
	return spec.Components.Parameters[strings.TrimPrefix(p.Ref, "#/components/parameters/")]
}

func sortedPaths(spec *ogen.Spec) []string {
	paths := make([]string, 0, len(spec.Paths))
	for p := range spec.Paths {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}

func operations(item *ogen.PathItem) map[string]*ogen.Operation {
	ops := map[string]*ogen.Operation{}
	for m, op := range map[string]*ogen.Operation{
		"GET": item.Get, "POST": item.Post, "PUT": item.Put,
		"PATCH": item.Patch, "DELETE": item.Delete,
	} {
		if op != nil {
			ops[m] = op
		}
	}
	return ops
}
