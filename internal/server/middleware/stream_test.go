package middleware

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A server-sent event must reach the client while the handler is still
// running, through the whole production chain. This would fail with
// http.TimeoutHandler (which buffers) or a wrapper hiding http.Flusher.
func TestStreamingThroughFullChain(t *testing.T) {
	log, _ := newTestLogger()
	release := make(chan struct{})
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte("data: hello\n\n"))
		if err := http.NewResponseController(w).Flush(); err != nil {
			t.Errorf("Flush: %v", err)
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	h := Chain(handler,
		RequestID(), Logger(log), Recover(log), SecurityHeaders(false),
		CORS(nil), BodyLimit(1<<20, nil), Timeout(10*time.Second))
	srv := httptest.NewServer(h)
	defer srv.Close()
	defer close(release)

	resp, err := http.Get(srv.URL + "/v1/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	got := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(resp.Body).ReadString('\n')
		got <- line
	}()
	select {
	case line := <-got:
		if line != "data: hello\n" {
			t.Errorf("first line = %q", line)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("event not flushed to client while handler was running")
	}
}
