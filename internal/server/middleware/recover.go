package middleware

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"runtime/debug"

	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

// Recover turns a handler panic into a logged error and a generic 500
// problem response. The panic value and stack go to the log only: they can
// reveal internals and must never reach the client.
//
// http.ErrAbortHandler is re-panicked untouched, as net/http uses it to
// abort a response on purpose. If the response had already started, a
// clean 500 is impossible, so Recover aborts the connection instead; the
// client then sees a truncated response rather than a seemingly complete
// one. A nil log means slog.Default().
func Recover(log *slog.Logger) Middleware {
	if log == nil {
		log = slog.Default()
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw := wrapResponseWriter(w)
			// Headers set by outer middleware (request id, security, CORS)
			// must survive a panic, but those set by the failed handler
			// (ETag, Content-Encoding, Set-Cookie...) must not describe
			// the error response. Snapshot now, restore on panic.
			saved := rw.Header().Clone()
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				log.LogAttrs(r.Context(), slog.LevelError, "panic recovered",
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
					slog.String("request_id", requestmeta.FromContext(r.Context()).RequestID),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
				)
				if rw.wroteHeader {
					panic(http.ErrAbortHandler)
				}
				h := rw.Header()
				clear(h)
				maps.Copy(h, saved)
				problem.Write(rw, r, problem.Internal())
			}()
			next.ServeHTTP(rw, r)
		})
	}
}
