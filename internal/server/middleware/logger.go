package middleware

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// Logger writes one structured log line per request once it has been
// served: 5xx at Error, 4xx at Warn, anything else at Info.
//
// Only the path is logged, never the query string, which may carry tokens
// or other secrets. Place Logger inside RequestID (so the id is known) and
// outside Recover (so recovered panics are logged as 500s). A nil log means
// slog.Default().
func Logger(log *slog.Logger) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			rw := wrapResponseWriter(w)
			completed := false
			// Deferred without recover(): if a panic escapes (for
			// instance http.ErrAbortHandler) the request is still logged
			// and the panic continues unchanged.
			defer func() {
				logRequest(log, r, rw, time.Since(start), !completed)
			}()
			next.ServeHTTP(rw, r)
			completed = true
		})
	}
}

func logRequest(log *slog.Logger, r *http.Request, rw *responseWriter, d time.Duration, aborted bool) {
	status := rw.statusOr(http.StatusOK)
	if aborted {
		status = rw.statusOr(0)
	}
	meta := requestmeta.FromContext(r.Context())
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("path", r.URL.Path),
		slog.Int("status", status),
		slog.Int64("bytes", rw.bytes),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000),
		slog.String("request_id", meta.RequestID),
		slog.String("operation", meta.Operation),
		slog.String("client_ip", meta.ClientIP),
	}
	if aborted {
		attrs = append(attrs, slog.Bool("aborted", true))
	}
	log.LogAttrs(r.Context(), levelFor(status, aborted), "http request", attrs...)
}

func levelFor(status int, aborted bool) slog.Level {
	switch {
	case aborted, status >= 500:
		return slog.LevelError
	case status >= 400:
		return slog.LevelWarn
	default:
		return slog.LevelInfo
	}
}
