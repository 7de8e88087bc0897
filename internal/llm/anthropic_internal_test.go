package llm

import (
	"encoding/json"
	"strings"
	"testing"
)

// The OpenAI conversation with a tool round trip maps onto alternating
// Anthropic turns: system text lifted out, the assistant's tool call a
// tool_use block, the tool's answer a tool_result in the next user turn.
func TestToAnthropicMapsToolRoundTrip(t *testing.T) {
	req := &Request{Model: "claude-x", MaxTokens: 100, Body: map[string]json.RawMessage{
		"temperature": json.RawMessage(`0.5`),
		"stop":        json.RawMessage(`["A","B"]`),
		"tools":       json.RawMessage(`[{"type":"function","function":{"name":"create_task","description":"Create","parameters":{"type":"object","properties":{"title":{"type":"string"}}}}}]`),
	}, Messages: []Message{
		{Role: "system", Content: TextContent("Be terse.")},
		{Role: "user", Content: json.RawMessage(`[{"type":"text","text":"Make a task"}]`)},
		{Role: "assistant", ToolCalls: []ToolCall{{ID: "call_1", Type: "function", Function: FunctionCall{Name: "create_task", Arguments: `{"title":"Ship"}`}}}},
		{Role: "tool", ToolCallID: "call_1", Content: TextContent(`{"id":42}`)},
		{Role: "user", Content: TextContent("Thanks")},
	}}
	raw, err := toAnthropic(req)
	if err != nil {
		t.Fatal(err)
	}
	var got anthRequest
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.System != "Be terse." || got.MaxTokens != 100 || *got.Temperature != 0.5 || len(got.StopSequences) != 2 ||
		len(got.Tools) != 1 || got.Tools[0].Name != "create_task" || string(got.Tools[0].InputSchema) == "" {
		t.Fatalf("request fields: %s", raw)
	}
	if len(got.Messages) != 3 {
		t.Fatalf("want user, assistant, user turns: %s", raw)
	}
	u1, as, u2 := got.Messages[0], got.Messages[1], got.Messages[2]
	if u1.Role != "user" || u1.Content[0].Text != "Make a task" ||
		as.Role != "assistant" || as.Content[0].Type != "tool_use" || as.Content[0].ID != "call_1" || string(as.Content[0].Input) != `{"title":"Ship"}` ||
		u2.Role != "user" || len(u2.Content) != 2 || u2.Content[0].Type != "tool_result" || u2.Content[0].ToolUseID != "call_1" || u2.Content[1].Text != "Thanks" {
		t.Errorf("turns: %s", raw)
	}
}

func TestAnthropicResponseMapsToOpenAI(t *testing.T) {
	r := anthResponse{ID: "msg_1", Model: "claude-x", StopReason: "tool_use", Content: []anthBlock{
		{Type: "text", Text: "Creating it."},
		{Type: "tool_use", ID: "toolu_1", Name: "create_task", Input: json.RawMessage(`{"title":"Ship"}`)},
	}, Usage: anthUsage{InputTokens: 10, OutputTokens: 5, CacheReadInputTokens: 20, CacheCreationInputTokens: 3}}
	c := r.openAI()
	ch := c.Choices[0]
	if ch.FinishReason != "tool_calls" || ch.Message.Text() != "Creating it." || len(ch.Message.ToolCalls) != 1 ||
		ch.Message.ToolCalls[0].Function.Arguments != `{"title":"Ship"}` {
		t.Errorf("choice: %+v", ch)
	}
	if c.Usage.PromptTokens != 33 || c.Usage.CompletionTokens != 5 || c.Usage.TotalTokens != 38 || c.Usage.Cached() != 20 {
		t.Errorf("usage: %+v", c.Usage)
	}
}

func TestReadSSEJoinsDataLinesAndStopsAtDone(t *testing.T) {
	in := "event: a\ndata: {\"x\":\ndata: 1}\n\n: comment\n\ndata: [DONE]\n\ndata: never\n\n"
	var got []sseEvent
	if err := readSSE(strings.NewReader(in), func(e sseEvent) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Event != "a" || string(got[0].Data) != "{\"x\":\n1}" {
		t.Errorf("events: %+v", got)
	}
}
