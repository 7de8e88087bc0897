package llm_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/llm"
)

// fakeProvider is a loopback HTTP server speaking one wire format. The
// model name picks the behaviour: "*-error" answers an error status,
// "*-slow" waits for the client to give up, "*-hang" streams one chunk and
// then waits, anything else answers normally.
type fakeProvider struct {
	srv      *httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	bodies   []map[string]any
	// cancelled counts requests whose context ended before the answer.
	cancelled atomic.Int64
}

func (f *fakeProvider) lastBody() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.bodies) == 0 {
		return nil
	}
	return f.bodies[len(f.bodies)-1]
}

func (f *fakeProvider) read(r *http.Request) (model string, stream bool) {
	f.requests.Add(1)
	raw, _ := io.ReadAll(r.Body)
	var body map[string]any
	_ = json.Unmarshal(raw, &body)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.mu.Unlock()
	model, _ = body["model"].(string)
	stream, _ = body["stream"].(bool)
	return model, stream
}

// wait blocks until the request ends (or a safety timeout).
func (f *fakeProvider) wait(r *http.Request) {
	select {
	case <-r.Context().Done():
		f.cancelled.Add(1)
	case <-time.After(10 * time.Second):
	}
}

// sleep waits d unless the request ends first; false when it ended.
func sleep(r *http.Request, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-r.Context().Done():
		return false
	}
}

func sseWrite(w http.ResponseWriter, event, data string) {
	if event != "" {
		fmt.Fprintf(w, "event: %s\n", event)
	}
	fmt.Fprintf(w, "data: %s\n\n", data)
	w.(http.Flusher).Flush()
}

func newFakeOpenAI(t testing.TB) *fakeProvider {
	f := &fakeProvider{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-test-openai" {
			http.Error(w, `{"error":{"message":"bad path or key","type":"invalid_request_error"}}`, http.StatusUnauthorized)
			return
		}
		model, stream := f.read(r)
		w.Header().Set("x-request-id", "req-openai-1")
		switch {
		case strings.HasSuffix(model, "-error"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = io.WriteString(w, `{"error":{"message":"the model is overloaded","type":"server_error","code":"overloaded"}}`)
		case strings.HasSuffix(model, "-slow"):
			f.wait(r)
		case strings.HasSuffix(model, "-delayed") && !sleep(r, 1500*time.Millisecond):
		case strings.HasSuffix(model, "-nousage") && !stream:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"`+model+`","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, no usage here"},"finish_reason":"stop"}]}`)
		case strings.HasSuffix(model, "-greedy") && !stream:
			// Bills far more prompt tokens than the request's bytes allow.
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"`+model+`","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":50000,"completion_tokens":2,"total_tokens":50002,"prompt_tokens_details":{"cached_tokens":90000}}}`)
		case strings.HasSuffix(model, "-nul") && !stream:
			// An answer PostgreSQL cannot store as given (U+0000, a control character).
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"`+model+`","choices":[{"index":0,"message":{"role":"assistant","content":"Hel\u0000lo\u001b"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18}}`)
		case stream:
			w.Header().Set("Content-Type", "text/event-stream")
			sseWrite(w, "", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"`+model+`","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"},"finish_reason":null}]}`)
			if strings.HasSuffix(model, "-hang") {
				f.wait(r)
				return
			}
			sseWrite(w, "", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"`+model+`","choices":[{"index":0,"delta":{"content":"lo there"},"finish_reason":null}]}`)
			sseWrite(w, "", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"`+model+`","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`)
			sseWrite(w, "", `{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"`+model+`","choices":[],"usage":{"prompt_tokens":21,"completion_tokens":4,"total_tokens":25,"prompt_tokens_details":{"cached_tokens":5}}}`)
			sseWrite(w, "", "[DONE]")
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"`+model+`","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":7,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":3}}}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func newFakeAnthropic(t testing.TB) *fakeProvider {
	f := &fakeProvider{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/messages" || r.Header.Get("x-api-key") != "sk-test-anthropic" || r.Header.Get("anthropic-version") == "" {
			http.Error(w, `{"type":"error","error":{"type":"authentication_error","message":"bad key"}}`, http.StatusUnauthorized)
			return
		}
		model, stream := f.read(r)
		w.Header().Set("request-id", "req-anthropic-1")
		switch {
		case strings.HasSuffix(model, "-error"):
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(529)
			_, _ = io.WriteString(w, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`)
		case strings.HasSuffix(model, "-slow"):
			f.wait(r)
		case stream:
			w.Header().Set("Content-Type", "text/event-stream")
			sseWrite(w, "message_start", `{"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"`+model+`","content":[],"usage":{"input_tokens":30,"cache_read_input_tokens":8,"output_tokens":1}}}`)
			sseWrite(w, "content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
			sseWrite(w, "ping", `{"type":"ping"}`)
			sseWrite(w, "content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Bon"}}`)
			sseWrite(w, "content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"jour"}}`)
			sseWrite(w, "content_block_stop", `{"type":"content_block_stop","index":0}`)
			sseWrite(w, "content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"create_task","input":{}}}`)
			sseWrite(w, "content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"title\":"}}`)
			sseWrite(w, "content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\"Ship\"}"}}`)
			sseWrite(w, "content_block_stop", `{"type":"content_block_stop","index":1}`)
			sseWrite(w, "message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}`)
			sseWrite(w, "message_stop", `{"type":"message_stop"}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"id":"msg_1","type":"message","role":"assistant","model":"`+model+`","content":[{"type":"text","text":"Bonjour"}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":6,"cache_read_input_tokens":4,"cache_creation_input_tokens":2}}`)
		}
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// recorded is one Record the fake ledger was given.
type recorded struct {
	Call        llm.Call
	Reservation uuid.UUID
	Outcome     llm.Outcome
	ID          uuid.UUID
}

// fakeLedger keeps what the gateway hands it; deny makes Reserve refuse.
type fakeLedger struct {
	mu       sync.Mutex
	reserves []llm.Call
	records  []recorded
	deny     bool
}

func (l *fakeLedger) Reserve(_ context.Context, c llm.Call) (uuid.UUID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reserves = append(l.reserves, c)
	if l.deny {
		return uuid.Nil, fmt.Errorf("ledger: %w", &llm.BudgetError{Budget: "agent monthly", Limit: 1000, Spent: 990, Requested: 50})
	}
	return uuid.New(), nil
}

func (l *fakeLedger) Record(_ context.Context, c llm.Call, res uuid.UUID, o llm.Outcome) (uuid.UUID, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	id := uuid.New()
	l.records = append(l.records, recorded{Call: c, Reservation: res, Outcome: o, ID: id})
	return id, nil
}

// snapshot returns copies of what the ledger saw and forgets it.
func (l *fakeLedger) take() ([]llm.Call, []recorded) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r, rec := l.reserves, l.records
	l.reserves, l.records, l.deny = nil, nil, false
	return r, rec
}

func (l *fakeLedger) recordCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.records)
}

// fakeGuard blocks messages containing "IGNORE PREVIOUS".
type fakeGuard struct{}

func (fakeGuard) Check(_ context.Context, _ *ent.Agent, msgs []llm.Message) (any, bool) {
	for _, m := range msgs {
		if strings.Contains(m.Text(), "IGNORE PREVIOUS") {
			return []string{"instruction_override"}, true
		}
	}
	return nil, false
}
