package guard

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/worksynapse/worksynapse/ent/agent"
)

// Message is one chat message as the guard sees it.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// MessageMeta is what the metadata capture policy keeps of a message: its
// role and size, never its text.
type MessageMeta struct {
	Role  string `json:"role"`
	Bytes int    `json:"bytes"`
	Chars int    `json:"chars"`
}

// Capture returns the form of msgs to store under policy: full keeps the
// messages as they are, redacted masks secrets in every content (Redact),
// metadata keeps only roles and sizes ([]MessageMeta). An unknown policy
// falls back to metadata, the form that cannot leak.
func Capture(policy agent.CapturePolicy, msgs []Message) any {
	switch policy {
	case agent.CapturePolicyFull:
		return append([]Message(nil), msgs...)
	case agent.CapturePolicyRedacted:
		out := make([]Message, len(msgs))
		for i, m := range msgs {
			out[i] = Message{Role: m.Role, Content: Redact(m.Content)}
		}
		return out
	default:
		out := make([]MessageMeta, len(msgs))
		for i, m := range msgs {
			out[i] = MessageMeta{Role: m.Role, Bytes: len(m.Content), Chars: utf8.RuneCountInString(m.Content)}
		}
		return out
	}
}

// CaptureMessages applies policy to messages of any JSON shape, such as a
// provider's request with content parts, tool calls and names. full returns
// msgs unchanged; redacted returns the JSON value with every string
// redacted; metadata returns, for each message object of a list, its role
// and the total size of its strings (other shapes: their total size).
// Values that cannot be encoded as JSON are kept as metadata only.
func CaptureMessages(policy agent.CapturePolicy, msgs any) any {
	if m, ok := msgs.([]Message); ok {
		return Capture(policy, m)
	}
	if policy == agent.CapturePolicyFull {
		return msgs
	}
	raw, err := json.Marshal(msgs)
	var v any
	if err == nil {
		err = json.Unmarshal(raw, &v)
	}
	if err != nil {
		return []MessageMeta{}
	}
	if policy == agent.CapturePolicyRedacted {
		return redactValue(v)
	}
	return metadataOf(v)
}

// redactValue redacts every string of a decoded JSON value, keys included
// (a secret can be a map key as easily as a value).
func redactValue(v any) any {
	switch t := v.(type) {
	case string:
		return Redact(t)
	case []any:
		for i := range t {
			t[i] = redactValue(t[i])
		}
		return t
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[Redact(k)] = redactValue(x)
		}
		return out
	}
	return v
}

func metadataOf(v any) any {
	list, ok := v.([]any)
	if !ok {
		b, c := sizeOf(v)
		return MessageMeta{Bytes: b, Chars: c}
	}
	out := make([]MessageMeta, len(list))
	for i, x := range list {
		m := MessageMeta{}
		if obj, ok := x.(map[string]any); ok {
			m.Role, _ = obj["role"].(string)
			delete(obj, "role")
		}
		m.Bytes, m.Chars = sizeOf(x)
		out[i] = m
	}
	return out
}

// sizeOf sums the bytes and characters of every string in a JSON value.
func sizeOf(v any) (bytes, chars int) {
	switch t := v.(type) {
	case string:
		return len(t), utf8.RuneCountInString(t)
	case []any:
		for _, x := range t {
			b, c := sizeOf(x)
			bytes, chars = bytes+b, chars+c
		}
	case map[string]any:
		for _, x := range t {
			b, c := sizeOf(x)
			bytes, chars = bytes+b, chars+c
		}
	}
	return bytes, chars
}
