package middleware

import "net/http"

// DefaultCSP suits a JSON API: the responses never need to load anything
// or be framed.
const DefaultCSP = "default-src 'none'; frame-ancestors 'none'"

// hstsValue asks browsers to use HTTPS for two years, subdomains included.
const hstsValue = "max-age=63072000; includeSubDomains"

// SecurityHeadersOptions configures SecurityHeadersWith.
type SecurityHeadersOptions struct {
	// HSTS forces Strict-Transport-Security even on plain-HTTP requests,
	// for deployments where TLS terminates at a proxy. It is always sent
	// when the request itself arrived over TLS.
	HSTS bool
	// CSP overrides DefaultCSP, e.g. for an API documentation page that
	// must load scripts and styles. Empty means DefaultCSP.
	CSP string
}

// SecurityHeaders sets conservative browser security headers on every
// response, using DefaultCSP.
func SecurityHeaders(hsts bool) Middleware {
	return SecurityHeadersWith(SecurityHeadersOptions{HSTS: hsts})
}

// SecurityHeadersWith is SecurityHeaders with a configurable policy.
func SecurityHeadersWith(opts SecurityHeadersOptions) Middleware {
	csp := opts.CSP
	if csp == "" {
		csp = DefaultCSP
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("X-Content-Type-Options", "nosniff")
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "no-referrer")
			h.Set("Content-Security-Policy", csp)
			h.Set("Cross-Origin-Opener-Policy", "same-origin")
			if opts.HSTS || r.TLS != nil {
				h.Set("Strict-Transport-Security", hstsValue)
			}
			next.ServeHTTP(w, r)
		})
	}
}
