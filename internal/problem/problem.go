// Package problem implements RFC 9457 "Problem Details for HTTP APIs".
//
// Every error response of the API is a Problem serialised as
// application/problem+json, so clients can branch on the stable Type URI
// rather than on human-readable text.
package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// ContentType is the media type defined by RFC 9457 for JSON problems.
const ContentType = "application/problem+json"

// TypeBase prefixes every problem slug to form its Type URI. The URIs are
// identifiers, part of the public contract: never change an existing one.
const TypeBase = "https://worksynapse.dev/problems/"

// Slugs of the problem types used by the API.
const (
	SlugValidation         = "validation-error"
	SlugBadRequest         = "bad-request"
	SlugUnauthorized       = "unauthorized"
	SlugForbidden          = "forbidden"
	SlugNotFound           = "not-found"
	SlugConflict           = "conflict"
	SlugPreconditionFailed = "precondition-failed"
	SlugPayloadTooLarge    = "payload-too-large"
	SlugRateLimited        = "rate-limited"
	SlugInternal           = "internal-error"
	SlugServiceUnavailable = "service-unavailable"
	SlugBadGateway         = "bad-gateway"
	SlugGatewayTimeout     = "gateway-timeout"
)

// titles gives each known type a fixed title: RFC 9457 asks that the title
// not change from occurrence to occurrence of the same type.
var titles = map[string]string{
	SlugValidation:         "Validation Error",
	SlugBadRequest:         "Bad Request",
	SlugUnauthorized:       "Unauthorized",
	SlugForbidden:          "Forbidden",
	SlugNotFound:           "Not Found",
	SlugConflict:           "Conflict",
	SlugPreconditionFailed: "Precondition Failed",
	SlugPayloadTooLarge:    "Payload Too Large",
	SlugRateLimited:        "Rate Limited",
	SlugInternal:           "Internal Error",
	SlugServiceUnavailable: "Service Unavailable",
	SlugBadGateway:         "Bad Gateway",
	SlugGatewayTimeout:     "Gateway Timeout",
}

// internalDetail is deliberately vague: internal failures must not leak
// implementation details (SQL, file paths, panic text) to clients.
const internalDetail = "An unexpected error occurred. Quote the request_id when reporting this problem."

// Problem is an RFC 9457 problem details object. It implements error so
// that domain code can return it and HTTP glue can recover it with As.
type Problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Instance  string       `json:"instance,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	Errors    []FieldError `json:"errors,omitempty"`
	// RetryAfter, when positive, is sent as the Retry-After header (seconds).
	RetryAfter int `json:"-"`
}

// FieldError describes one invalid input field of a validation problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// TypeURI returns the Type URI of slug.
func TypeURI(slug string) string {
	return TypeBase + slug
}

// New returns a problem of the given status and type slug. Known slugs get
// their fixed title; unknown ones fall back to the HTTP status text.
func New(status int, slug, detail string) *Problem {
	title, ok := titles[slug]
	if !ok {
		title = http.StatusText(status)
	}
	return &Problem{Type: TypeURI(slug), Title: title, Status: status, Detail: detail}
}

// BadRequest returns a 400 problem.
func BadRequest(detail string) *Problem {
	return New(http.StatusBadRequest, SlugBadRequest, detail)
}

// Unauthorized returns a 401 problem.
func Unauthorized(detail string) *Problem {
	return New(http.StatusUnauthorized, SlugUnauthorized, detail)
}

// Forbidden returns a 403 problem.
func Forbidden(detail string) *Problem {
	return New(http.StatusForbidden, SlugForbidden, detail)
}

// NotFound returns a 404 problem.
func NotFound(detail string) *Problem {
	return New(http.StatusNotFound, SlugNotFound, detail)
}

// Conflict returns a 409 problem.
func Conflict(detail string) *Problem {
	return New(http.StatusConflict, SlugConflict, detail)
}

// PreconditionFailed returns a 412 problem, typically for If-Match misses.
func PreconditionFailed(detail string) *Problem {
	return New(http.StatusPreconditionFailed, SlugPreconditionFailed, detail)
}

// PayloadTooLarge returns a 413 problem.
func PayloadTooLarge(detail string) *Problem {
	return New(http.StatusRequestEntityTooLarge, SlugPayloadTooLarge, detail)
}

// DateOrder is the 422 of an interval that ends before it starts (a
// project's or sprint's start_date and end_date); nil when either is open.
func DateOrder(start, end *time.Time) error {
	if start != nil && end != nil && end.Before(*start) {
		return Validation("end_date must not be before start_date",
			FieldError{Field: "end_date", Message: "before start_date"})
	}
	return nil
}

// Validation returns a 422 problem listing the offending fields.
func Validation(detail string, errs ...FieldError) *Problem {
	p := New(http.StatusUnprocessableEntity, SlugValidation, detail)
	p.Errors = errs
	return p
}

// TooManyRequests returns a 429 problem. Callers should also set
// Retry-After.
func TooManyRequests(detail string) *Problem {
	return New(http.StatusTooManyRequests, SlugRateLimited, detail)
}

// Internal returns a 500 problem with a generic detail. It takes no error
// on purpose: the cause belongs in the logs, never in the response.
func Internal() *Problem {
	return New(http.StatusInternalServerError, SlugInternal, internalDetail)
}

// Error implements error.
func (p *Problem) Error() string {
	if p.Detail == "" {
		return fmt.Sprintf("%d %s", p.Status, p.Title)
	}
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

// As reports whether err is, or wraps, a *Problem and returns it.
func As(err error) (*Problem, bool) {
	var p *Problem
	if errors.As(err, &p) && p != nil {
		return p, true
	}
	return nil, false
}

// Write sends p as application/problem+json. RequestID defaults to the one
// in the request metadata and Instance to the request path. p itself is
// not modified, so shared or package-level problems are safe to pass. A nil
// p, or one without a valid status, is answered as Internal.
func Write(w http.ResponseWriter, r *http.Request, p *Problem) {
	out := fill(r, p)
	body, err := json.Marshal(out)
	if err != nil {
		// Cannot happen with the field types above; degrade rather than
		// send an empty 200.
		out = fill(r, Internal())
		body, _ = json.Marshal(out)
	}

	h := w.Header()
	// A handler may have set Content-Length for the body it meant to send.
	h.Del("Content-Length")
	h.Set("Content-Type", ContentType)
	if out.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(out.RetryAfter))
	}
	w.WriteHeader(out.Status)
	_, _ = w.Write(append(body, '\n'))
}

// fill returns a copy of p completed with request-derived defaults.
func fill(r *http.Request, p *Problem) Problem {
	if p == nil || p.Status < 400 || p.Status > 599 {
		p = Internal()
	}
	out := *p
	if out.RequestID == "" {
		out.RequestID = requestmeta.FromContext(r.Context()).RequestID
	}
	if out.Instance == "" && r.URL != nil {
		out.Instance = r.URL.Path
	}
	return out
}
