package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/ogen-go/ogen/ogenerrors"
	"github.com/ogen-go/ogen/openapi"
	"github.com/ogen-go/ogen/validate"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// NewError is ogen's "convenient errors" hook: every error a handler
// returns becomes the shared problem+json default response here.
func (h *Handler) NewError(ctx context.Context, err error) *oas.ProblemDefaultStatusCodeWithHeaders {
	p, ok := securityProblem(ctx, err)
	if !ok {
		p = ToProblem(err)
	}
	logProblem(ctx, h.log, p, err)
	return toOAS(ctx, p)
}

// ErrorHandler answers errors ogen raises before a handler runs (malformed
// JSON, invalid parameters, failed security) with the same problem shape.
func ErrorHandler(log *slog.Logger) ogenerrors.ErrorHandler {
	return func(ctx context.Context, w http.ResponseWriter, r *http.Request, err error) {
		p, ok := securityProblem(ctx, err)
		if !ok {
			p = ToProblem(err)
		}
		logProblem(ctx, log, p, err)
		problem.Write(w, r, p)
	}
}

// ToProblem maps any error to a problem. Unknown errors become a generic 500
// whose body says nothing about the cause (no SQL, no stack).
func ToProblem(err error) *problem.Problem {
	if p, ok := problem.As(err); ok {
		return p
	}
	var (
		maxBytes *http.MaxBytesError
		security *ogenerrors.SecurityError
		params   *ogenerrors.DecodeParamsError
		body     *ogenerrors.DecodeRequestError
		invalid  *validate.Error
		entValid *ent.ValidationError
	)
	switch {
	case errors.As(err, &maxBytes):
		return problem.PayloadTooLarge(fmt.Sprintf("request body exceeds %d bytes", maxBytes.Limit))
	case errors.As(err, &security):
		return problem.Unauthorized("missing or invalid credentials")
	case badIfMatch(err):
		// A precondition, not a malformed request: absent or unusable is
		// 412, as stale is (see ifMatchVersion).
		return problem.PreconditionFailed("If-Match required: send the version you read, e.g. \"3\"")
	case errors.As(err, &invalid):
		return problem.Validation("the input is invalid", fieldErrors(invalid)...)
	case errors.As(err, &params):
		return paramProblem(params)
	case errors.As(err, &body):
		return bodyProblem(body)
	case errors.As(err, &entValid):
		return problem.Validation("the input is invalid",
			problem.FieldError{Field: entValid.Name, Message: "invalid value"})
	case ent.IsNotFound(err):
		return problem.NotFound("the resource does not exist")
	case ent.IsConstraintError(err):
		return problem.Conflict("the change conflicts with existing data (e.g. a duplicate name)")
	case errors.Is(err, privacy.Deny):
		return problem.Forbidden("you are not allowed to do this")
	case database.IsContention(err):
		p := problem.New(http.StatusServiceUnavailable, problem.SlugServiceUnavailable,
			"a concurrent change got in the way and nothing was changed; retry")
		p.RetryAfter = 1
		return p
	case errors.Is(err, context.DeadlineExceeded):
		return problem.New(http.StatusServiceUnavailable, problem.SlugServiceUnavailable, "the request took too long")
	}
	return problem.Internal()
}

// badIfMatch reports whether ogen refused the request's If-Match header
// (absent although required, or over its length).
func badIfMatch(err error) bool {
	var pe *ogenerrors.DecodeParamError
	return errors.As(err, &pe) && pe.Name == "If-Match" && pe.In == openapi.LocationHeader
}

func paramProblem(err *ogenerrors.DecodeParamsError) *problem.Problem {
	var pe *ogenerrors.DecodeParamError
	if errors.As(err, &pe) {
		return problem.Validation("a parameter is invalid",
			problem.FieldError{Field: pe.Name, Message: conciseCause(pe.Err)})
	}
	return problem.BadRequest("the request parameters could not be decoded")
}

func bodyProblem(err *ogenerrors.DecodeRequestError) *problem.Problem {
	var ct *validate.InvalidContentTypeError
	switch {
	case errors.Is(err, validate.ErrBodyRequired):
		return problem.BadRequest("a request body is required")
	case errors.As(err, &ct):
		return problem.New(http.StatusUnsupportedMediaType, "unsupported-media-type",
			"unsupported Content-Type "+ct.ContentType)
	}
	return problem.BadRequest("the request body is not valid JSON for this operation")
}

// fieldErrors lists each offending field ogen's validators reported.
func fieldErrors(e *validate.Error) []problem.FieldError {
	out := make([]problem.FieldError, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, problem.FieldError{Field: f.Name, Message: conciseCause(f.Error)})
	}
	return out
}

// conciseCause is a validator message: these describe the rule that failed
// ("len 300 greater than maximum 200"), never server internals.
func conciseCause(err error) string {
	if err == nil {
		return "invalid"
	}
	var nested *validate.Error
	if errors.As(err, &nested) && len(nested.Fields) > 0 {
		return nested.Fields[0].Name + ": " + conciseCause(nested.Fields[0].Error)
	}
	msg := err.Error()
	if len(msg) > 200 {
		msg = msg[:200]
	}
	return msg
}

func logProblem(ctx context.Context, log *slog.Logger, p *problem.Problem, err error) {
	meta := requestmeta.FromContext(ctx)
	if p.Status >= http.StatusInternalServerError {
		log.ErrorContext(ctx, "request failed", "request_id", meta.RequestID, "operation", meta.Operation, "error", err)
		return
	}
	log.DebugContext(ctx, "request rejected", "request_id", meta.RequestID, "status", p.Status, "error", err)
}

// toOAS converts a problem to ogen's typed default response.
func toOAS(ctx context.Context, p *problem.Problem) *oas.ProblemDefaultStatusCodeWithHeaders {
	out := oas.Problem{Type: p.Type, Title: p.Title, Status: int32(p.Status)}
	if p.Detail != "" {
		out.Detail = oas.NewOptString(p.Detail)
	}
	if p.Instance != "" {
		out.Instance = oas.NewOptString(p.Instance)
	}
	rid := p.RequestID
	if rid == "" {
		rid = requestmeta.FromContext(ctx).RequestID
	}
	if rid != "" {
		out.RequestID = oas.NewOptString(rid)
	}
	for _, e := range p.Errors {
		out.Errors = append(out.Errors, oas.ProblemErrorsItem{Field: e.Field, Message: e.Message})
	}
	res := &oas.ProblemDefaultStatusCodeWithHeaders{StatusCode: p.Status, Response: out}
	if p.RetryAfter > 0 {
		res.RetryAfter = oas.NewOptInt(p.RetryAfter)
	}
	return res
}
