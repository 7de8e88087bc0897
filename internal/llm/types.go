// Package llm is the LLM gateway: the one place agents reach model
// providers, so that every call is authorized, size-checked, guarded,
// budgeted and recorded before a completion is returned.
//
// Requests and responses use the OpenAI chat-completions shape; providers
// speaking another wire format (Anthropic) are mapped to and from it.
package llm

import (
	"encoding/json"
	"strings"
)

// Message is one chat message in OpenAI shape. Content stays raw because
// OpenAI allows a string or an array of typed parts; Text reads either.
type Message struct {
	Role       string          `json:"role"`
	Content    json.RawMessage `json:"content,omitempty"`
	Name       string          `json:"name,omitempty"`
	ToolCalls  []ToolCall      `json:"tool_calls,omitempty"`
	ToolCallID string          `json:"tool_call_id,omitempty"`
}

// ToolCall is an assistant's request to call a function.
type ToolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function FunctionCall `json:"function"`
}

// FunctionCall names the function and carries its JSON-encoded arguments.
type FunctionCall struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// contentPart is one element of an array-valued content.
type contentPart struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
}

// Text returns the message's text: the string content, or the text parts
// of an array content joined by newlines.
func (m Message) Text() string {
	if len(m.Content) == 0 || string(m.Content) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(m.Content, &s) == nil {
		return s
	}
	var parts []contentPart
	if json.Unmarshal(m.Content, &parts) != nil {
		return ""
	}
	texts := make([]string, 0, len(parts))
	for _, p := range parts {
		if p.Type == "text" {
			texts = append(texts, p.Text)
		}
	}
	return strings.Join(texts, "\n")
}

// TextContent encodes s as a string content.
func TextContent(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// Usage is the OpenAI usage object.
type Usage struct {
	PromptTokens        int           `json:"prompt_tokens"`
	CompletionTokens    int           `json:"completion_tokens"`
	TotalTokens         int           `json:"total_tokens"`
	PromptTokensDetails *TokenDetails `json:"prompt_tokens_details,omitempty"`
}

// TokenDetails breaks prompt tokens down; cached tokens are billed lower.
type TokenDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// Cached returns the cached prompt tokens, 0 when not reported.
func (u *Usage) Cached() int {
	if u == nil || u.PromptTokensDetails == nil {
		return 0
	}
	return u.PromptTokensDetails.CachedTokens
}

// Completion is a non-streamed chat completion in OpenAI shape.
type Completion struct {
	ID      string   `json:"id"`
	Object  string   `json:"object"`
	Created int64    `json:"created"`
	Model   string   `json:"model"`
	Choices []Choice `json:"choices"`
	Usage   *Usage   `json:"usage,omitempty"`
}

// Choice is one generated alternative.
type Choice struct {
	Index        int     `json:"index"`
	Message      Message `json:"message"`
	FinishReason string  `json:"finish_reason"`
}

// Chunk is one server-sent event of a streamed completion in OpenAI shape.
// The last chunk has no choices and carries the usage.
type Chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []ChunkChoice `json:"choices"`
	Usage   *Usage        `json:"usage,omitempty"`
}

// ChunkChoice is the delta of one choice.
type ChunkChoice struct {
	Index        int     `json:"index"`
	Delta        Delta   `json:"delta"`
	FinishReason *string `json:"finish_reason"`
}

// Delta is the increment a chunk adds to the message.
type Delta struct {
	Role      string     `json:"role,omitempty"`
	Content   *string    `json:"content,omitempty"`
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
}

// Request is what the gateway hands a provider: the OpenAI-shaped body
// with the agent's model, system prompt and default parameters applied.
// Body keeps fields the gateway does not interpret so an
// openai-compatible provider receives them unchanged.
type Request struct {
	Model    string
	Messages []Message
	// Supplied is the index of the first message the caller sent (after
	// the agent's system prompt): the injection guard screens from there.
	Supplied  int
	MaxTokens int
	Stream    bool
	Body      map[string]json.RawMessage
}

// param decodes one optional body field into v; false when absent.
func (r *Request) param(name string, v any) bool {
	raw, ok := r.Body[name]
	if !ok || string(raw) == "null" {
		return false
	}
	return json.Unmarshal(raw, v) == nil
}

// Result is what a provider answers: the completion in OpenAI shape (for
// streams, assembled from the chunks) and the provider's request id.
type Result struct {
	Completion *Completion
	RequestID  string
}

// Usage returns the completion's usage, nil when the provider sent none.
func (r *Result) Usage() *Usage {
	if r == nil || r.Completion == nil {
		return nil
	}
	return r.Completion.Usage
}
