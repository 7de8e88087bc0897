package middleware

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestTimeout(t *testing.T) {
	tests := []struct {
		name         string
		d            time.Duration
		wantDeadline bool
	}{
		{name: "sets deadline", d: time.Minute, wantDeadline: true},
		{name: "zero disables", d: 0, wantDeadline: false},
		{name: "negative disables", d: -time.Second, wantDeadline: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var deadline time.Time
			var ok bool
			h := Timeout(tt.d)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				deadline, ok = r.Context().Deadline()
			}))
			start := time.Now()

			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

			if ok != tt.wantDeadline {
				t.Fatalf("deadline present = %v, want %v", ok, tt.wantDeadline)
			}
			if ok && (deadline.Before(start) || deadline.After(start.Add(tt.d+time.Second))) {
				t.Errorf("deadline %v not about %v after %v", deadline, tt.d, start)
			}
		})
	}
}

func TestTimeoutExpiresContext(t *testing.T) {
	var err error
	h := Timeout(10 * time.Millisecond)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
		err = r.Context().Err()
	}))

	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("ctx.Err() = %v, want DeadlineExceeded", err)
	}
}
