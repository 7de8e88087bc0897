package middleware

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/problem"
)

const panicText = "db password is hunter2"

func TestRecoverPanicBecomesProblem(t *testing.T) {
	tests := []struct {
		name  string
		value any
	}{
		{name: "string", value: panicText},
		{name: "error", value: errors.New(panicText)},
		{name: "nil", value: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := newTestLogger()
			h := Chain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("ETag", `"abc"`)
				w.Header().Set("Content-Type", "text/html")
				panic(tt.value)
			}), RequestID(), SecurityHeaders(false), Recover(log))
			r := httptest.NewRequest(http.MethodGet, "/v1/boom", nil)
			r.Header.Set(HeaderRequestID, "req-panic")
			rec := httptest.NewRecorder()

			h.ServeHTTP(rec, r)

			if rec.Code != http.StatusInternalServerError {
				t.Fatalf("status = %d, want 500", rec.Code)
			}
			p := decodeProblem(t, rec)
			if p.Type != problem.TypeURI(problem.SlugInternal) || p.Status != 500 || p.RequestID != "req-panic" {
				t.Errorf("problem = %+v", p)
			}
			if strings.Contains(rec.Body.String(), "hunter2") || strings.Contains(rec.Body.String(), "goroutine") {
				t.Errorf("response leaks panic details: %s", rec.Body)
			}
			if rec.Header().Get("ETag") != "" {
				t.Errorf("handler's ETag survived the panic")
			}
			if rec.Header().Get(HeaderRequestID) != "req-panic" || rec.Header().Get("X-Frame-Options") != "DENY" {
				t.Errorf("outer middleware headers lost: %v", rec.Header())
			}

			lines := logLines(t, buf)
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1", len(lines))
			}
			l := lines[0]
			if l["level"] != "ERROR" || l["request_id"] != "req-panic" || l["path"] != "/v1/boom" {
				t.Errorf("log = %v", l)
			}
			if s, _ := l["stack"].(string); !strings.Contains(s, "goroutine") {
				t.Errorf("stack missing from log: %q", s)
			}
			if tt.value != nil && !strings.Contains(l["panic"].(string), "hunter2") {
				t.Errorf("panic value missing from log: %v", l["panic"])
			}
		})
	}
}

func TestRecoverAborts(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		wantLog bool
	}{
		{
			name:    "ErrAbortHandler is re-panicked",
			handler: func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) },
			wantLog: false,
		},
		{
			name: "response already started",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte("half a body"))
				panic(panicText)
			},
			wantLog: true,
		},
		{
			name: "status already sent",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				panic(panicText)
			},
			wantLog: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, buf := newTestLogger()
			h := Recover(log)(tt.handler)
			rec := httptest.NewRecorder()

			func() {
				defer func() {
					if v := recover(); v != http.ErrAbortHandler {
						t.Errorf("recovered %v, want http.ErrAbortHandler", v)
					}
				}()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
			}()

			if strings.Contains(rec.Body.String(), "internal-error") {
				t.Errorf("problem appended to a started response: %q", rec.Body)
			}
			if gotLog := buf.Len() > 0; gotLog != tt.wantLog {
				t.Errorf("logged = %v, want %v: %s", gotLog, tt.wantLog, buf)
			}
		})
	}
}

// Through a real server: the client gets a 500 problem and the access log
// (outside Recover) reports it.
func TestRecoverWithLoggerEndToEnd(t *testing.T) {
	log, buf := newTestLogger()
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic(panicText) }),
		RequestID(), Logger(log), Recover(log))
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/v1/boom")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError || resp.Header.Get("Content-Type") != problem.ContentType {
		t.Errorf("got %d %q, want 500 problem", resp.StatusCode, resp.Header.Get("Content-Type"))
	}

	lines := logLines(t, buf)
	if len(lines) != 2 {
		t.Fatalf("got %d log lines, want panic + access: %s", len(lines), buf)
	}
	if lines[1]["msg"] != "http request" || lines[1]["status"] != float64(500) {
		t.Errorf("access log = %v, want status 500", lines[1])
	}
}
