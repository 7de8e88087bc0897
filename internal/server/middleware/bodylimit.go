package middleware

import (
	"fmt"
	"net/http"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// BodyLimit caps request bodies at defaultMax bytes, or at the limit
// returned by overrides when it reports ok (e.g. a larger one for uploads).
// A negative limit disables the cap for that request.
//
// Requests whose Content-Length already exceeds the limit are rejected
// with a 413 problem before the handler runs. Other bodies (chunked, or
// lying about their length) are wrapped in http.MaxBytesReader: reads past
// the limit fail with *http.MaxBytesError, which handlers should map to
// problem.PayloadTooLarge, and the server closes the connection afterwards
// instead of draining the rest.
func BodyLimit(defaultMax int64, overrides func(r *http.Request) (int64, bool)) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			limit := defaultMax
			if overrides != nil {
				if n, ok := overrides(r); ok {
					limit = n
				}
			}
			if limit < 0 || r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			if r.ContentLength > limit {
				problem.Write(w, r, problem.PayloadTooLarge(
					fmt.Sprintf("Request body must not exceed %d bytes.", limit)))
				return
			}
			// Shallow copy so outer middleware keep seeing the original.
			r2 := new(http.Request)
			*r2 = *r
			r2.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r2)
		})
	}
}
