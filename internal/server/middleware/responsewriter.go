package middleware

import "net/http"

// responseWriter records the status and body size for Logger and lets
// Recover know whether the response has already started.
//
// It exposes the wrapped writer through Unwrap, which is how
// http.ResponseController reaches Flush, Hijack and the deadline setters.
// Flush/FlushError are also implemented directly because much streaming
// code (server-sent events) still type-asserts http.Flusher.
type responseWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

// wrapResponseWriter reuses w if it already is one of ours, so that Logger
// and Recover share a single view of the response.
func wrapResponseWriter(w http.ResponseWriter) *responseWriter {
	if rw, ok := w.(*responseWriter); ok {
		return rw
	}
	return &responseWriter{ResponseWriter: w}
}

func (rw *responseWriter) WriteHeader(code int) {
	// 1xx responses (e.g. 103 Early Hints) may precede the final one and
	// do not commit the response.
	if !rw.wroteHeader && code >= 200 {
		rw.status = code
		rw.wroteHeader = true
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *responseWriter) Write(b []byte) (int, error) {
	rw.markWritten()
	n, err := rw.ResponseWriter.Write(b)
	rw.bytes += int64(n)
	return n, err
}

// FlushError lets http.ResponseController report flush errors, including
// http.ErrNotSupported from the underlying writer.
func (rw *responseWriter) FlushError() error {
	rw.markWritten()
	return http.NewResponseController(rw.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (rw *responseWriter) Flush() {
	_ = rw.FlushError()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (rw *responseWriter) Unwrap() http.ResponseWriter {
	return rw.ResponseWriter
}

// markWritten records the implicit 200 that net/http sends when the body
// is written or flushed before any WriteHeader call.
func (rw *responseWriter) markWritten() {
	if !rw.wroteHeader {
		rw.status = http.StatusOK
		rw.wroteHeader = true
	}
}

// statusOr returns the recorded status, or dflt if no final status has been
// written yet.
func (rw *responseWriter) statusOr(dflt int) int {
	if rw.wroteHeader {
		return rw.status
	}
	return dflt
}
