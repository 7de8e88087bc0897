package problem

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/requestmeta"
)

func TestConstructors(t *testing.T) {
	tests := []struct {
		name       string
		got        *Problem
		wantStatus int
		wantSlug   string
		wantTitle  string
		wantDetail string
	}{
		{"bad request", BadRequest("d"), 400, "bad-request", "Bad Request", "d"},
		{"unauthorized", Unauthorized("d"), 401, "unauthorized", "Unauthorized", "d"},
		{"forbidden", Forbidden("d"), 403, "forbidden", "Forbidden", "d"},
		{"not found", NotFound("d"), 404, "not-found", "Not Found", "d"},
		{"conflict", Conflict("d"), 409, "conflict", "Conflict", "d"},
		{"precondition failed", PreconditionFailed("d"), 412, "precondition-failed", "Precondition Failed", "d"},
		{"payload too large", PayloadTooLarge("d"), 413, "payload-too-large", "Payload Too Large", "d"},
		{"validation", Validation("d"), 422, "validation-error", "Validation Error", "d"},
		{"too many requests", TooManyRequests("d"), 429, "rate-limited", "Rate Limited", "d"},
		{"internal", Internal(), 500, "internal-error", "Internal Error", internalDetail},
		{"new known slug", New(503, SlugServiceUnavailable, "d"), 503, "service-unavailable", "Service Unavailable", "d"},
		{"new unknown slug falls back to status text", New(418, "teapot", ""), 418, "teapot", "I'm a teapot", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := &Problem{
				Type:   "https://worksynapse.dev/problems/" + tt.wantSlug,
				Title:  tt.wantTitle,
				Status: tt.wantStatus,
				Detail: tt.wantDetail,
			}
			if !reflect.DeepEqual(tt.got, want) {
				t.Errorf("got %+v, want %+v", tt.got, want)
			}
		})
	}
}

func TestValidationErrors(t *testing.T) {
	errs := []FieldError{{Field: "name", Message: "required"}, {Field: "email", Message: "invalid"}}
	p := Validation("invalid input", errs...)
	if !reflect.DeepEqual(p.Errors, errs) {
		t.Errorf("Errors = %+v, want %+v", p.Errors, errs)
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		name string
		p    *Problem
		want string
	}{
		{"with detail", NotFound("user 42"), "404 Not Found: user 42"},
		{"without detail", Conflict(""), "409 Conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAs(t *testing.T) {
	nf := NotFound("x")
	tests := []struct {
		name   string
		err    error
		want   *Problem
		wantOK bool
	}{
		{"nil", nil, nil, false},
		{"plain error", errors.New("boom"), nil, false},
		{"direct", nf, nf, true},
		{"wrapped", fmt.Errorf("loading: %w", nf), nf, true},
		{"joined", errors.Join(errors.New("a"), nf), nf, true},
		{"typed nil", (*Problem)(nil), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := As(tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("As() = %p, %v; want %p, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name       string
		p          *Problem
		meta       *requestmeta.Meta
		target     string
		wantStatus int
		want       Problem
	}{
		{
			name:       "fills request id and instance",
			p:          NotFound("no such user"),
			meta:       &requestmeta.Meta{RequestID: "req-123"},
			target:     "/v1/users/42?token=secret",
			wantStatus: 404,
			want: Problem{
				Type: TypeBase + SlugNotFound, Title: "Not Found", Status: 404,
				Detail: "no such user", Instance: "/v1/users/42", RequestID: "req-123",
			},
		},
		{
			name:       "keeps explicit request id and instance",
			p:          &Problem{Type: TypeURI(SlugConflict), Title: "Conflict", Status: 409, Instance: "/x", RequestID: "mine"},
			meta:       &requestmeta.Meta{RequestID: "req-123"},
			target:     "/v1/things",
			wantStatus: 409,
			want:       Problem{Type: TypeURI(SlugConflict), Title: "Conflict", Status: 409, Instance: "/x", RequestID: "mine"},
		},
		{
			name:       "no metadata leaves request id empty",
			p:          Validation("bad", FieldError{Field: "name", Message: "required"}),
			target:     "/v1/things",
			wantStatus: 422,
			want: Problem{
				Type: TypeURI(SlugValidation), Title: "Validation Error", Status: 422, Detail: "bad",
				Instance: "/v1/things", Errors: []FieldError{{Field: "name", Message: "required"}},
			},
		},
		{
			name:       "nil problem becomes internal",
			p:          nil,
			target:     "/v1/things",
			wantStatus: 500,
			want: Problem{
				Type: TypeURI(SlugInternal), Title: "Internal Error", Status: 500,
				Detail: internalDetail, Instance: "/v1/things",
			},
		},
		{
			name:       "non-error status becomes internal",
			p:          &Problem{Status: 200},
			target:     "/",
			wantStatus: 500,
			want: Problem{
				Type: TypeURI(SlugInternal), Title: "Internal Error", Status: 500,
				Detail: internalDetail, Instance: "/",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.meta != nil {
				r = r.WithContext(requestmeta.NewContext(r.Context(), *tt.meta))
			}
			var before Problem
			if tt.p != nil {
				before = *tt.p
			}
			w := httptest.NewRecorder()
			w.Header().Set("Content-Length", "999")

			Write(w, r, tt.p)

			if w.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", w.Code, tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != ContentType {
				t.Errorf("Content-Type = %q, want %q", ct, ContentType)
			}
			if cl := w.Header().Get("Content-Length"); cl != "" {
				t.Errorf("stale Content-Length %q kept", cl)
			}
			var got Problem
			if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
				t.Fatalf("decode body %q: %v", w.Body, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("body = %+v, want %+v", got, tt.want)
			}
			if tt.p != nil && !reflect.DeepEqual(*tt.p, before) {
				t.Errorf("Write mutated its argument: %+v, was %+v", *tt.p, before)
			}
		})
	}
}

func TestWriteOmitsEmptyFields(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.URL.Path = ""
	Write(w, r, Unauthorized(""))
	body := w.Body.String()
	for _, key := range []string{`"detail"`, `"instance"`, `"request_id"`, `"errors"`} {
		if strings.Contains(body, key) {
			t.Errorf("body %s contains empty field %s", body, key)
		}
	}
}
