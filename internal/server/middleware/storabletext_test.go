package middleware

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStorableText(t *testing.T) {
	tests := []struct {
		name, target, contentType, body, userAgent string
		wantField                                  string // "" = passes
	}{
		{name: "clean JSON", target: "/x", contentType: "application/json", body: `{"a":"b","c":[1,"d"]}`},
		{name: "escaped backslash then u0000", target: "/x", contentType: "application/json", body: `{"a":"C:\\u0000"}`},
		{name: "three backslashes escape", target: "/x", contentType: "application/json", body: `{"a":"C:\\\u0000"}`, wantField: "/a"},
		{name: "NUL escape in nested value", target: "/x", contentType: "application/json",
			body: `{"messages":[{"role":"user","content":"hi"},{"role":"user","content":"a\u0000b"}]}`, wantField: "/messages/1/content"},
		{name: "NUL escape after a nested container", target: "/x", contentType: "application/merge-patch+json",
			body: `{"a":{"b":[1,{"c":2}]},"d":["x","y\u0000"]}`, wantField: "/d/1"},
		{name: "NUL in a key", target: "/x", contentType: "application/json", body: `{"o":{"k\u0000":1}}`, wantField: "/o/k\x00"},
		{name: "invalid UTF-8 in a value", target: "/x", contentType: "application/json; charset=utf-8", body: "{\"a/b\":\"\xff\"}", wantField: "/a~1b"},
		{name: "raw NUL", target: "/x", contentType: "application/json", body: "{\"a\":\"\x00\"}", wantField: "body"},
		{name: "binary upload is not read", target: "/x", contentType: "multipart/form-data; boundary=z", body: "\x00\xff"},
		{name: "NUL in query", target: "/notes?q=a%00b", wantField: "q"},
		{name: "invalid UTF-8 in query", target: "/notes?q=%ff", wantField: "q"},
		{name: "NUL in path", target: "/tags/a%00b", wantField: "path"},
		{name: "invalid UTF-8 User-Agent", target: "/x", userAgent: "agent\xff", wantField: "User-Agent"},
	}
	h := StorableText("User-Agent")(http.HandlerFunc(echoBody))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, tt.target, strings.NewReader(tt.body))
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.userAgent != "" {
				req.Header.Set("User-Agent", tt.userAgent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			refused := rec.Code == http.StatusUnprocessableEntity
			wantRefused := tt.wantField != ""
			if refused != wantRefused {
				t.Fatalf("status %d (%s), want refused=%v", rec.Code, rec.Body, wantRefused)
			}
			if !refused {
				if rec.Body.String() != tt.body {
					t.Errorf("handler read %q, want the body unchanged", rec.Body)
				}
				return
			}
			p := decodeProblem(t, rec)
			if len(p.Errors) != 1 || p.Errors[0].Field != tt.wantField {
				t.Errorf("errors %+v, want field %q", p.Errors, tt.wantField)
			}
		})
	}
}

// TestStorableTextReplaysReadErrors: a body over BodyLimit's cap is still
// the handler's 413, not a 422 or a silent truncation.
func TestStorableTextReplaysReadErrors(t *testing.T) {
	h := BodyLimit(10, nil)(StorableText()(http.HandlerFunc(echoBody)))
	req := httptest.NewRequest(http.MethodPost, "/x", strings.NewReader(`{"a":"`+strings.Repeat("b", 50)+`"}`))
	req.ContentLength = -1 // chunked: the limit is found while reading
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d %s, want 413", rec.Code, rec.Body)
	}
}

// batchBody is a 500-call report, the largest body the API takes often.
func batchBody() string {
	var b strings.Builder
	b.WriteString(`{"calls":[`)
	for i := range 500 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"agent_id":"0195f3c2-7f1e-7a51-9c3e-5d8f0a1b2c3d","client_call_id":"run-%d","provider":"openai_compatible",`+
			`"model":"gpt-4o-mini","prompt_tokens":1200,"completion_tokens":300,"cached_tokens":100,"status":"success",`+
			`"started_at":"2026-03-01T10:00:00Z","latency_ms":850,"error_message":"path C:\\u0000dir is fine"}`, i)
	}
	b.WriteString(`]}`)
	return b.String()
}

// BenchmarkReadBatch is the baseline: a handler reading the same body.
func BenchmarkReadBatch(b *testing.B) {
	body := batchBody()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/agent-calls/batch", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		echoBody(rec, req)
	}
}

// BenchmarkStorableTextBatch measures the scan of a clean 500-call batch
// (about 200 KB, every call with an escaped backslash before "u0000").
func BenchmarkStorableTextBatch(b *testing.B) {
	body := batchBody()
	h := StorableText("User-Agent")(http.HandlerFunc(echoBody))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/agent-calls/batch", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
