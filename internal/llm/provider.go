package llm

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Provider is one model provider's wire protocol. Complete answers a whole
// completion; Stream calls emit with each OpenAI-shaped chunk as it arrives
// and returns the completion assembled from them (usage included when the
// provider reported it). Both stop when ctx ends.
type Provider interface {
	Complete(ctx context.Context, req *Request) (*Result, error)
	Stream(ctx context.Context, req *Request, emit func(*Chunk) error) (*Result, error)
}

// ProviderError is a provider's refusal or failure (an HTTP error status or
// an error event in a stream). Its message comes from the provider and is
// shown to the caller: providers do not echo keys in error bodies.
type ProviderError struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

func (e *ProviderError) Error() string {
	return fmt.Sprintf("provider: %d %s: %s", e.Status, e.Code, e.Message)
}

// ProviderConfig is how to reach one provider. APIKey is a secret: it is
// sent only in the provider request's auth header.
type ProviderConfig struct {
	BaseURL string
	APIKey  string
}

// maxErrorBody caps how much of a provider error body is read.
const maxErrorBody = 64 << 10

// newHTTPClient has no overall timeout: the gateway's context bounds each
// call (llm.timeout) and cancels it when the client goes away.
func newHTTPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 32
	t.ResponseHeaderTimeout = 0
	t.IdleConnTimeout = 90 * time.Second
	return &http.Client{Transport: t}
}

// post sends body as JSON and returns the response when its status is 2xx;
// otherwise decodes the provider's error with parseErr.
func post(ctx context.Context, hc *http.Client, url string, header http.Header, body []byte,
	parseErr func(status int, body []byte) *ProviderError, requestIDHeader string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("llm: build request: %w", err)
	}
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	pe := parseErr(resp.StatusCode, raw)
	pe.RequestID = resp.Header.Get(requestIDHeader)
	return nil, pe
}

// sseEvent is one server-sent event.
type sseEvent struct {
	Event string
	Data  []byte
}

// readSSE calls fn with each event of r until r ends, fn fails or the
// stream says [DONE].
func readSSE(r io.Reader, fn func(sseEvent) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	var ev sseEvent
	var data [][]byte
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0:
			if len(data) > 0 {
				ev.Data = bytes.Join(data, []byte("\n"))
				if string(ev.Data) == "[DONE]" {
					return nil
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
			ev, data = sseEvent{}, nil
		case bytes.HasPrefix(line, []byte("event:")):
			ev.Event = strings.TrimSpace(string(line[len("event:"):]))
		case bytes.HasPrefix(line, []byte("data:")):
			data = append(data, bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" ")))
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(data) > 0 {
		ev.Data = bytes.Join(data, []byte("\n"))
		if string(ev.Data) != "[DONE]" {
			return fn(ev)
		}
	}
	return nil
}

// errStreamEnded marks a stream that ended without a final event.
var errStreamEnded = errors.New("llm: the provider's stream ended early")
