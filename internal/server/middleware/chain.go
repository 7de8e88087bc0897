// Package middleware provides the net/http middleware shared by the API
// server: request ids, access logging, panic recovery, deadlines, body
// limits, security headers and CORS.
//
// A typical order, outermost first, is:
//
//	Chain(api,
//		RequestID(),       // everything below can log the request id
//		Logger(log),       // sees the final status, including Recover's 500
//		Recover(log),
//		SecurityHeaders(hsts),
//		CORS(origins),
//		BodyLimit(max, nil),
//		Timeout(d),
//	)
package middleware

import "net/http"

// Middleware wraps an http.Handler with extra behaviour.
type Middleware func(http.Handler) http.Handler

// Chain wraps h with mws. The first middleware listed is the outermost, so
// it runs first on the way in and last on the way out.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}
