package middleware

import (
	"context"
	"net/http"
	"time"
)

// Timeout gives each request's context a deadline of d, so database calls
// and outbound requests made with that context give up in time. d <= 0
// disables it.
//
// Unlike http.TimeoutHandler it neither buffers the response nor writes a
// response itself, so streaming (server-sent events) keeps working;
// handlers are expected to honour ctx.Done(). Long-lived streams should be
// routed around this middleware or given a larger d.
func Timeout(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		if d <= 0 {
			return next
		}
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}
