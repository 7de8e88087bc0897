package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// anthropicVersion is the Messages API version the mapping below follows.
const anthropicVersion = "2023-06-01"

// Anthropic speaks Anthropic's Messages API, mapped to and from the
// OpenAI shape so the gateway and its callers see one protocol.
type Anthropic struct {
	cfg ProviderConfig
	hc  *http.Client
}

// NewAnthropic returns an Anthropic provider; cfg.BaseURL is the API root
// (e.g. https://api.anthropic.com).
func NewAnthropic(cfg ProviderConfig) *Anthropic {
	return &Anthropic{cfg: cfg, hc: newHTTPClient()}
}

func (p *Anthropic) header() http.Header {
	h := http.Header{}
	h.Set("anthropic-version", anthropicVersion)
	if p.cfg.APIKey != "" {
		h.Set("x-api-key", p.cfg.APIKey)
	}
	return h
}

func (p *Anthropic) url() string {
	return strings.TrimRight(p.cfg.BaseURL, "/") + "/v1/messages"
}

type anthBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	Content   string          `json:"content,omitempty"`
}

type anthMessage struct {
	Role    string      `json:"role"`
	Content []anthBlock `json:"content"`
}

type anthTool struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"input_schema"`
}

type anthRequest struct {
	Model         string        `json:"model"`
	System        string        `json:"system,omitempty"`
	Messages      []anthMessage `json:"messages"`
	MaxTokens     int           `json:"max_tokens"`
	Temperature   *float64      `json:"temperature,omitempty"`
	TopP          *float64      `json:"top_p,omitempty"`
	StopSequences []string      `json:"stop_sequences,omitempty"`
	Tools         []anthTool    `json:"tools,omitempty"`
	Stream        bool          `json:"stream,omitempty"`
}

type anthUsage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
}

// openAI converts the usage: Anthropic's input_tokens exclude cache reads
// and writes, OpenAI's prompt_tokens include them.
func (u anthUsage) openAI() *Usage {
	prompt := u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens
	return &Usage{PromptTokens: prompt, CompletionTokens: u.OutputTokens, TotalTokens: prompt + u.OutputTokens,
		PromptTokensDetails: &TokenDetails{CachedTokens: u.CacheReadInputTokens}}
}

type anthResponse struct {
	ID         string      `json:"id"`
	Model      string      `json:"model"`
	Content    []anthBlock `json:"content"`
	StopReason string      `json:"stop_reason"`
	Usage      anthUsage   `json:"usage"`
}

// toAnthropic maps an OpenAI request: system messages become the system
// field, tool results user turns, assistant tool calls tool_use blocks.
func toAnthropic(req *Request) ([]byte, error) {
	out := anthRequest{Model: req.Model, MaxTokens: req.MaxTokens, Stream: req.Stream}
	var system []string
	for _, m := range req.Messages {
		switch m.Role {
		case "system", "developer":
			system = append(system, m.Text())
		case "tool":
			out.Messages = appendTurn(out.Messages, "user", anthBlock{Type: "tool_result", ToolUseID: m.ToolCallID, Content: m.Text()})
		case "assistant":
			var blocks []anthBlock
			if t := m.Text(); t != "" {
				blocks = append(blocks, anthBlock{Type: "text", Text: t})
			}
			for _, tc := range m.ToolCalls {
				input := json.RawMessage(tc.Function.Arguments)
				if !json.Valid(input) {
					input = json.RawMessage("{}")
				}
				blocks = append(blocks, anthBlock{Type: "tool_use", ID: tc.ID, Name: tc.Function.Name, Input: input})
			}
			out.Messages = appendTurn(out.Messages, "assistant", blocks...)
		default:
			out.Messages = appendTurn(out.Messages, "user", anthBlock{Type: "text", Text: m.Text()})
		}
	}
	out.System = strings.Join(system, "\n\n")
	req.param("temperature", &out.Temperature)
	req.param("top_p", &out.TopP)
	var stop any
	if req.param("stop", &stop) {
		switch s := stop.(type) {
		case string:
			out.StopSequences = []string{s}
		case []any:
			for _, v := range s {
				out.StopSequences = append(out.StopSequences, fmt.Sprint(v))
			}
		}
	}
	var tools []struct {
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
	}
	if req.param("tools", &tools) {
		for _, t := range tools {
			schema := t.Function.Parameters
			if len(schema) == 0 {
				schema = json.RawMessage(`{"type":"object"}`)
			}
			out.Tools = append(out.Tools, anthTool{Name: t.Function.Name, Description: t.Function.Description, InputSchema: schema})
		}
	}
	return json.Marshal(out)
}

// appendTurn merges consecutive blocks of one role: Anthropic requires
// user and assistant turns to alternate.
func appendTurn(msgs []anthMessage, role string, blocks ...anthBlock) []anthMessage {
	if n := len(msgs); n > 0 && msgs[n-1].Role == role {
		msgs[n-1].Content = append(msgs[n-1].Content, blocks...)
		return msgs
	}
	return append(msgs, anthMessage{Role: role, Content: blocks})
}

// finishReason maps Anthropic's stop_reason to OpenAI's finish_reason.
func finishReason(stop string) string {
	switch stop {
	case "max_tokens":
		return "length"
	case "tool_use":
		return "tool_calls"
	case "":
		return ""
	}
	return "stop"
}

func (r *anthResponse) openAI() *Completion {
	msg := Message{Role: "assistant"}
	var text strings.Builder
	for _, b := range r.Content {
		switch b.Type {
		case "text":
			text.WriteString(b.Text)
		case "tool_use":
			msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: b.ID, Type: "function",
				Function: FunctionCall{Name: b.Name, Arguments: string(b.Input)}})
		}
	}
	if text.Len() > 0 || len(msg.ToolCalls) == 0 {
		msg.Content = TextContent(text.String())
	}
	return &Completion{ID: r.ID, Object: "chat.completion", Created: time.Now().Unix(), Model: r.Model,
		Choices: []Choice{{Message: msg, FinishReason: finishReason(r.StopReason)}}, Usage: r.Usage.openAI()}
}

// Complete implements Provider.
func (p *Anthropic) Complete(ctx context.Context, req *Request) (*Result, error) {
	body, err := toAnthropic(req)
	if err != nil {
		return nil, err
	}
	resp, err := post(ctx, p.hc, p.url(), p.header(), body, anthropicError, "request-id")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var r anthResponse
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return nil, fmt.Errorf("llm: decode message: %w", err)
	}
	return &Result{Completion: r.openAI(), RequestID: requestID(resp, r.ID)}, nil
}

func anthropicError(status int, body []byte) *ProviderError {
	var env struct {
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		return &ProviderError{Status: status, Code: env.Error.Type, Message: env.Error.Message}
	}
	return &ProviderError{Status: status, Code: "http_" + fmt.Sprint(status), Message: http.StatusText(status)}
}

// Stream implements Provider: each Anthropic event becomes zero or one
// OpenAI chunk; the usage (input from message_start, output from
// message_delta) is sent as a last chunk without choices.
func (p *Anthropic) Stream(ctx context.Context, req *Request, emit func(*Chunk) error) (*Result, error) {
	body, err := toAnthropic(req)
	if err != nil {
		return nil, err
	}
	resp, err := post(ctx, p.hc, p.url(), p.header(), body, anthropicError, "request-id")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	s := &anthStream{acc: newAccumulator(), created: time.Now().Unix(), model: req.Model}
	err = readSSE(resp.Body, func(ev sseEvent) error {
		c, err := s.chunk(ev)
		if err != nil || c == nil {
			return err
		}
		s.acc.add(c)
		return emit(c)
	})
	if err == nil && !s.done {
		err = errStreamEnded
	}
	if err == nil {
		c := s.base()
		c.Choices = []ChunkChoice{}
		c.Usage = s.usage.openAI()
		s.acc.add(c)
		err = emit(c)
	}
	return &Result{Completion: s.acc.completion(), RequestID: requestID(resp, s.id)}, err
}

// anthStream is the state of one mapped stream.
type anthStream struct {
	acc     *accumulator
	id      string
	model   string
	created int64
	usage   anthUsage
	tools   map[int]int // content block index -> OpenAI tool call index
	done    bool
}

func (s *anthStream) base() *Chunk {
	return &Chunk{ID: s.id, Object: "chat.completion.chunk", Created: s.created, Model: s.model}
}

func (s *anthStream) delta(d Delta, finish *string) *Chunk {
	c := s.base()
	c.Choices = []ChunkChoice{{Delta: d, FinishReason: finish}}
	return c
}

type anthEvent struct {
	Type    string `json:"type"`
	Index   int    `json:"index"`
	Message *struct {
		ID    string    `json:"id"`
		Model string    `json:"model"`
		Usage anthUsage `json:"usage"`
	} `json:"message"`
	ContentBlock *anthBlock `json:"content_block"`
	Delta        *struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage *anthUsage `json:"usage"`
	Error *struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// chunk maps one event; nil for events without an OpenAI counterpart.
func (s *anthStream) chunk(ev sseEvent) (*Chunk, error) {
	var e anthEvent
	if err := json.Unmarshal(ev.Data, &e); err != nil {
		return nil, fmt.Errorf("llm: decode event: %w", err)
	}
	switch e.Type {
	case "message_start":
		if e.Message != nil {
			s.id, s.usage = e.Message.ID, e.Message.Usage
			if e.Message.Model != "" {
				s.model = e.Message.Model
			}
		}
		return s.delta(Delta{Role: "assistant"}, nil), nil
	case "content_block_start":
		if e.ContentBlock == nil || e.ContentBlock.Type != "tool_use" {
			return nil, nil
		}
		if s.tools == nil {
			s.tools = map[int]int{}
		}
		i := len(s.tools)
		s.tools[e.Index] = i
		return s.delta(Delta{ToolCalls: []ToolCall{{Index: &i, ID: e.ContentBlock.ID, Type: "function",
			Function: FunctionCall{Name: e.ContentBlock.Name}}}}, nil), nil
	case "content_block_delta":
		return s.contentDelta(e), nil
	case "message_delta":
		if e.Usage != nil {
			s.usage.OutputTokens = e.Usage.OutputTokens
		}
		if e.Delta == nil || e.Delta.StopReason == "" {
			return nil, nil
		}
		f := finishReason(e.Delta.StopReason)
		return s.delta(Delta{}, &f), nil
	case "message_stop":
		s.done = true
	case "error":
		pe := &ProviderError{Status: http.StatusBadGateway, Code: "stream_error", Message: "the provider failed mid-stream"}
		if e.Error != nil {
			pe.Code, pe.Message = e.Error.Type, e.Error.Message
		}
		return nil, pe
	}
	return nil, nil
}

func (s *anthStream) contentDelta(e anthEvent) *Chunk {
	if e.Delta == nil {
		return nil
	}
	switch e.Delta.Type {
	case "text_delta":
		text := e.Delta.Text
		return s.delta(Delta{Content: &text}, nil)
	case "input_json_delta":
		i, ok := s.tools[e.Index]
		if !ok {
			return nil
		}
		return s.delta(Delta{ToolCalls: []ToolCall{{Index: &i, Function: FunctionCall{Arguments: e.Delta.PartialJSON}}}}, nil)
	}
	return nil
}
