package middleware

import (
	"fmt"
	"net/http"
)

const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, If-Match, If-None-Match, X-Request-ID, X-API-Key, Idempotency-Key, Last-Event-ID"
	corsExposeHeaders = "ETag, X-Request-ID, Retry-After, Location"
	corsMaxAge        = "600"
)

// CORS allows cross-origin browser requests, with credentials, from the
// exact origins listed (scheme://host[:port], as browsers send them).
//
// The wildcard "*" is rejected with a panic at construction: browsers
// refuse it for credentialed requests, and echoing any origin instead would
// let every site act with the user's credentials. Requests from other
// origins get no CORS headers, so browsers block them.
//
// Preflight requests (OPTIONS with Origin and Access-Control-Request-Method)
// are answered here with 204 and never reach next.
func CORS(allowedOrigins []string) Middleware {
	allowed := make(map[string]struct{}, len(allowedOrigins))
	for _, o := range allowedOrigins {
		switch o {
		case "*":
			panic(fmt.Sprintf("middleware: CORS origin %q is not supported; list origins explicitly", o))
		case "":
			continue // would match requests that sent no Origin at all
		}
		allowed[o] = struct{}{}
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			// Responses differ by Origin even when none was sent, so
			// shared caches must key on it.
			h.Add("Vary", "Origin")
			origin := r.Header.Get("Origin")
			_, ok := allowed[origin]

			if isPreflight(r) {
				h.Add("Vary", "Access-Control-Request-Method")
				h.Add("Vary", "Access-Control-Request-Headers")
				if ok {
					setCORSOrigin(h, origin)
					h.Set("Access-Control-Allow-Methods", corsAllowMethods)
					h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
					h.Set("Access-Control-Max-Age", corsMaxAge)
				}
				w.WriteHeader(http.StatusNoContent)
				return
			}
			if ok {
				setCORSOrigin(h, origin)
				h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func isPreflight(r *http.Request) bool {
	return r.Method == http.MethodOptions &&
		r.Header.Get("Origin") != "" &&
		r.Header.Get("Access-Control-Request-Method") != ""
}

func setCORSOrigin(h http.Header, origin string) {
	h.Set("Access-Control-Allow-Origin", origin)
	h.Set("Access-Control-Allow-Credentials", "true")
}
