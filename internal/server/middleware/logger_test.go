package middleware

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

func TestLogger(t *testing.T) {
	tests := []struct {
		name      string
		handler   http.HandlerFunc
		wantLevel string
		status    float64
		bytes     float64
	}{
		{
			name:      "implicit 200",
			handler:   func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("hello")) },
			wantLevel: "INFO", status: 200, bytes: 5,
		},
		{
			name:      "nothing written is 200",
			handler:   func(http.ResponseWriter, *http.Request) {},
			wantLevel: "INFO", status: 200, bytes: 0,
		},
		{
			name:      "redirect",
			handler:   func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusFound) },
			wantLevel: "INFO", status: 302, bytes: 0,
		},
		{
			name: "4xx is warn",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = w.Write([]byte("nope"))
			},
			wantLevel: "WARN", status: 404, bytes: 4,
		},
		{
			name:      "5xx is error",
			handler:   func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) },
			wantLevel: "ERROR", status: 502, bytes: 0,
		},
		{
			name: "1xx then final status",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusEarlyHints)
				w.WriteHeader(http.StatusCreated)
			},
			wantLevel: "INFO", status: 201, bytes: 0,
		},
		{
			name: "later WriteHeader ignored",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				w.WriteHeader(http.StatusInternalServerError)
			},
			wantLevel: "INFO", status: 202, bytes: 0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := newTestLogger()
			h := Chain(tt.handler, RequestID(), Logger(log))
			r := httptest.NewRequest(http.MethodPost, "/v1/things?api_key=s3cr3t&x=1", nil)
			r.RemoteAddr = "192.0.2.1:5555"
			r.Header.Set(HeaderRequestID, "req-42")

			h.ServeHTTP(httptest.NewRecorder(), r)

			lines := logLines(t, buf)
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1: %s", len(lines), buf)
			}
			got := lines[0]
			want := map[string]any{
				"level":      tt.wantLevel,
				"msg":        "http request",
				"method":     "POST",
				"path":       "/v1/things",
				"status":     tt.status,
				"bytes":      tt.bytes,
				"request_id": "req-42",
				"operation":  "",
				"client_ip":  "192.0.2.1",
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %#v, want %#v", k, got[k], v)
				}
			}
			if d, ok := got["duration_ms"].(float64); !ok || d < 0 {
				t.Errorf("duration_ms = %#v, want a non-negative number", got["duration_ms"])
			}
			if _, ok := got["aborted"]; ok {
				t.Errorf("unexpected aborted field")
			}
			if strings.Contains(buf.String(), "s3cr3t") || strings.Contains(buf.String(), "api_key") {
				t.Errorf("query string leaked into log: %s", buf)
			}
		})
	}
}

// The operation is usually only known deep inside (ogen's router), yet
// the outer Logger must report it.
func TestLoggerOperationFromInnerLayer(t *testing.T) {
	log, buf := newTestLogger()
	inner := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		requestmeta.SetOperation(r.Context(), "createThing")
	})
	h := Chain(inner, RequestID(), Logger(log), Timeout(1<<40))

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/v1/things", nil))

	lines := logLines(t, buf)
	if len(lines) != 1 || lines[0]["operation"] != "createThing" {
		t.Errorf("log = %v, want operation createThing", lines)
	}
}

func TestLoggerAbortedRequestStillLogged(t *testing.T) {
	log, buf := newTestLogger()
	h := Logger(log)(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("partial"))
		panic(http.ErrAbortHandler)
	}))

	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler to propagate", v)
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/stream", nil))
	}()

	lines := logLines(t, buf)
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1", len(lines))
	}
	if lines[0]["aborted"] != true || lines[0]["level"] != "ERROR" || lines[0]["bytes"] != float64(7) {
		t.Errorf("log = %v, want aborted ERROR with 7 bytes", lines[0])
	}
}

// nonFlusher is a ResponseWriter that cannot flush.
type nonFlusher struct{ http.ResponseWriter }

func TestResponseWriterFlush(t *testing.T) {
	tests := []struct {
		name    string
		wrap    func(http.ResponseWriter) http.ResponseWriter
		wantErr error
	}{
		{name: "flusher reachable", wrap: func(w http.ResponseWriter) http.ResponseWriter { return w }},
		{
			name:    "unsupported reported",
			wrap:    func(w http.ResponseWriter) http.ResponseWriter { return nonFlusher{w} },
			wantErr: http.ErrNotSupported,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, _ := newTestLogger()
			var flushErr error
			var isFlusher bool
			h := Chain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, isFlusher = w.(http.Flusher)
				_, _ = w.Write([]byte("data: x\n\n"))
				flushErr = http.NewResponseController(w).Flush()
			}), Logger(log), Recover(log))
			rec := httptest.NewRecorder()

			h.ServeHTTP(tt.wrap(rec), httptest.NewRequest(http.MethodGet, "/events", nil))

			if !errors.Is(flushErr, tt.wantErr) {
				t.Errorf("Flush() error = %v, want %v", flushErr, tt.wantErr)
			}
			if tt.wantErr == nil && !rec.Flushed {
				t.Errorf("underlying recorder was not flushed")
			}
			if !isFlusher {
				t.Errorf("wrapper does not implement http.Flusher")
			}
		})
	}
}

func TestResponseWriterFlushCommitsStatus(t *testing.T) {
	rw := wrapResponseWriter(httptest.NewRecorder())
	rw.Flush()
	if !rw.wroteHeader || rw.status != http.StatusOK {
		t.Errorf("after Flush: wroteHeader=%v status=%d, want true 200", rw.wroteHeader, rw.status)
	}
	if again := wrapResponseWriter(rw); again != rw {
		t.Errorf("wrapResponseWriter re-wrapped its own writer")
	}
}
