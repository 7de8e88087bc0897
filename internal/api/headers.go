package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// The problem+json default response ogen writes for a handler's error has
// no headers of its own, so a problem's Retry-After (503 on contention,
// 429) would be lost between NewError and the client. ResponseHeaders
// hands the response's header map to NewError through the context.

type headersKey struct{}

// ResponseHeaders wraps the API router so NewError can set headers of the
// error response it builds.
func ResponseHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), headersKey{}, w.Header())))
	})
}

// retryAfter sets Retry-After for a problem that asks for one.
func retryAfter(ctx context.Context, p *problem.Problem) {
	if h, ok := ctx.Value(headersKey{}).(http.Header); ok && p.RetryAfter > 0 {
		h.Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
}
