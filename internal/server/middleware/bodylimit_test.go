package middleware

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// echoBody reads the whole body; a *http.MaxBytesError becomes the 413
// problem, as real handlers are expected to do.
func echoBody(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		problem.Write(w, r, problem.PayloadTooLarge(fmt.Sprintf("limit %d", tooLarge.Limit)))
	case err != nil:
		problem.Write(w, r, problem.BadRequest(err.Error()))
	default:
		_, _ = w.Write(b)
	}
}

func TestBodyLimit(t *testing.T) {
	uploads := func(r *http.Request) (int64, bool) {
		switch r.URL.Path {
		case "/upload":
			return 100, true
		case "/unlimited":
			return -1, true
		}
		return 0, false
	}
	tests := []struct {
		name       string
		path       string
		body       string
		streamed   bool // unknown length (chunked) instead of Content-Length
		overrides  func(*http.Request) (int64, bool)
		wantStatus int
		wantCalled bool
	}{
		{name: "under limit", path: "/", body: "0123456789", wantStatus: 200, wantCalled: true},
		{name: "exactly limit", path: "/", body: strings.Repeat("x", 10), wantStatus: 200, wantCalled: true},
		{name: "content-length over limit rejected up front", path: "/", body: strings.Repeat("x", 11), wantStatus: 413},
		{name: "streamed over limit", path: "/", body: strings.Repeat("x", 11), streamed: true, wantStatus: 413, wantCalled: true},
		{name: "streamed under limit", path: "/", body: "short", streamed: true, wantStatus: 200, wantCalled: true},
		{name: "empty body", path: "/", body: "", wantStatus: 200, wantCalled: true},
		{name: "override raises limit", path: "/upload", body: strings.Repeat("x", 50), overrides: uploads, wantStatus: 200, wantCalled: true},
		{name: "override still enforced", path: "/upload", body: strings.Repeat("x", 101), overrides: uploads, wantStatus: 413},
		{name: "override not matched uses default", path: "/other", body: strings.Repeat("x", 11), overrides: uploads, wantStatus: 413},
		{name: "negative override disables", path: "/unlimited", body: strings.Repeat("x", 1000), streamed: true, overrides: uploads, wantStatus: 200, wantCalled: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			h := BodyLimit(10, tt.overrides)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				echoBody(w, r)
			}))
			var body io.Reader = strings.NewReader(tt.body)
			if tt.streamed {
				body = io.MultiReader(body) // hides the length from NewRequest
			}
			r := httptest.NewRequest(http.MethodPost, tt.path, body)
			if tt.streamed {
				r.ContentLength = -1
			}
			rec := httptest.NewRecorder()

			h.ServeHTTP(rec, r)

			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d (body %q)", rec.Code, tt.wantStatus, rec.Body)
			}
			if called != tt.wantCalled {
				t.Errorf("handler called = %v, want %v", called, tt.wantCalled)
			}
			if tt.wantStatus == 413 {
				p := decodeProblem(t, rec)
				if p.Type != problem.TypeURI(problem.SlugPayloadTooLarge) {
					t.Errorf("problem type = %q", p.Type)
				}
			} else if rec.Body.String() != tt.body {
				t.Errorf("body = %q, want %q", rec.Body, tt.body)
			}
		})
	}
}
