package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// OpenAI speaks the OpenAI chat-completions protocol (OpenAI, Azure
// OpenAI, vLLM, Ollama and other compatible servers).
type OpenAI struct {
	cfg ProviderConfig
	hc  *http.Client
}

// NewOpenAI returns an openai-compatible provider; cfg.BaseURL includes
// the version prefix (e.g. https://api.openai.com/v1).
func NewOpenAI(cfg ProviderConfig) *OpenAI {
	return &OpenAI{cfg: cfg, hc: newHTTPClient()}
}

func (p *OpenAI) header() http.Header {
	h := http.Header{}
	if p.cfg.APIKey != "" {
		h.Set("Authorization", "Bearer "+p.cfg.APIKey)
	}
	return h
}

// body is the request as sent: the caller's fields, with the gateway's
// model, messages and max_tokens, and usage asked for in streams.
func (p *OpenAI) body(req *Request) ([]byte, error) {
	out := make(map[string]any, len(req.Body)+3)
	for k, v := range req.Body {
		out[k] = v
	}
	out["model"] = req.Model
	out["messages"] = req.Messages
	if _, ok := req.Body["max_completion_tokens"]; !ok {
		out["max_tokens"] = req.MaxTokens
	}
	out["stream"] = req.Stream
	if req.Stream {
		out["stream_options"] = map[string]bool{"include_usage": true}
	} else {
		delete(out, "stream_options")
	}
	return json.Marshal(out)
}

func (p *OpenAI) url() string {
	return strings.TrimRight(p.cfg.BaseURL, "/") + "/chat/completions"
}

// Complete implements Provider.
func (p *OpenAI) Complete(ctx context.Context, req *Request) (*Result, error) {
	body, err := p.body(req)
	if err != nil {
		return nil, err
	}
	resp, err := post(ctx, p.hc, p.url(), p.header(), body, openAIError, "x-request-id")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var c Completion
	if err := json.NewDecoder(resp.Body).Decode(&c); err != nil {
		return nil, fmt.Errorf("llm: decode completion: %w", err)
	}
	return &Result{Completion: &c, RequestID: requestID(resp, c.ID)}, nil
}

// Stream implements Provider.
func (p *OpenAI) Stream(ctx context.Context, req *Request, emit func(*Chunk) error) (*Result, error) {
	body, err := p.body(req)
	if err != nil {
		return nil, err
	}
	resp, err := post(ctx, p.hc, p.url(), p.header(), body, openAIError, "x-request-id")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	acc := newAccumulator()
	err = readSSE(resp.Body, func(ev sseEvent) error {
		var envelope struct {
			Error *openAIErrorBody `json:"error"`
		}
		if json.Unmarshal(ev.Data, &envelope) == nil && envelope.Error != nil {
			return &ProviderError{Status: http.StatusBadGateway, Code: envelope.Error.code(), Message: envelope.Error.Message}
		}
		var c Chunk
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			return fmt.Errorf("llm: decode chunk: %w", err)
		}
		acc.add(&c)
		return emit(&c)
	})
	res := &Result{Completion: acc.completion(), RequestID: requestID(resp, acc.id)}
	return res, err
}

// openAIErrorBody is OpenAI's {"error": {...}} object.
type openAIErrorBody struct {
	Message string          `json:"message"`
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
}

func (e *openAIErrorBody) code() string {
	var s string
	if json.Unmarshal(e.Code, &s) == nil && s != "" {
		return s
	}
	return e.Type
}

func openAIError(status int, body []byte) *ProviderError {
	var env struct {
		Error *openAIErrorBody `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		return &ProviderError{Status: status, Code: env.Error.code(), Message: env.Error.Message}
	}
	return &ProviderError{Status: status, Code: "http_" + fmt.Sprint(status), Message: http.StatusText(status)}
}

// requestID prefers the provider's request id header, else the
// completion id.
func requestID(resp *http.Response, fallback string) string {
	for _, h := range []string{"x-request-id", "request-id"} {
		if v := resp.Header.Get(h); v != "" {
			return v
		}
	}
	return fallback
}

// accumulator assembles streamed chunks into one completion.
type accumulator struct {
	id, model string
	created   int64
	text      strings.Builder
	tools     []ToolCall
	finish    string
	usage     *Usage
}

func newAccumulator() *accumulator { return &accumulator{} }

func (a *accumulator) add(c *Chunk) {
	if a.id == "" {
		a.id, a.model, a.created = c.ID, c.Model, c.Created
	}
	if c.Usage != nil {
		a.usage = c.Usage
	}
	for _, ch := range c.Choices {
		if ch.Index != 0 {
			continue
		}
		if ch.Delta.Content != nil {
			a.text.WriteString(*ch.Delta.Content)
		}
		for _, tc := range ch.Delta.ToolCalls {
			a.addTool(tc)
		}
		if ch.FinishReason != nil {
			a.finish = *ch.FinishReason
		}
	}
}

func (a *accumulator) addTool(tc ToolCall) {
	i := len(a.tools)
	if tc.Index != nil {
		i = *tc.Index
	}
	for len(a.tools) <= i {
		a.tools = append(a.tools, ToolCall{Type: "function"})
	}
	t := &a.tools[i]
	if tc.ID != "" {
		t.ID = tc.ID
	}
	if tc.Function.Name != "" {
		t.Function.Name = tc.Function.Name
	}
	t.Function.Arguments += tc.Function.Arguments
}

// textLen is how many bytes of completion text arrived so far.
func (a *accumulator) textLen() int { return a.text.Len() }

func (a *accumulator) completion() *Completion {
	msg := Message{Role: "assistant", ToolCalls: a.tools}
	if a.text.Len() > 0 || len(a.tools) == 0 {
		msg.Content = TextContent(a.text.String())
	}
	return &Completion{ID: a.id, Object: "chat.completion", Created: a.created, Model: a.model,
		Choices: []Choice{{Message: msg, FinishReason: a.finish}}, Usage: a.usage}
}
