package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/worksynapse/worksynapse/internal/agents"
	"io"
	"net/http"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentsession"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Headers that link a call to its agent, session and work item.
const (
	HeaderAgent    = "X-Agent-Id"
	HeaderSession  = "X-Agent-Session"
	HeaderWorkItem = "X-Work-Item"
)

// decodeBody reads the OpenAI request body; fields the gateway does not
// interpret stay raw and are passed on.
func decodeBody(r *http.Request) (map[string]json.RawMessage, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err // *http.MaxBytesError becomes a 413
	}
	var body map[string]json.RawMessage
	if err := json.Unmarshal(raw, &body); err != nil || body == nil {
		return nil, problem.BadRequest("the request body is not a JSON object")
	}
	return body, nil
}

// agent loads the agent the call is for: the agent key's own agent, or
// the one named by X-Agent-Id for a user token, if the caller may make it
// act (agents.Authorize: visible, permitted, active).
func (g *Gateway) agent(ctx context.Context, r *http.Request) (*ent.Agent, error) {
	v := viewer.FromContext(ctx)
	if v != nil && v.AgentID != uuid.Nil {
		return agents.Authorize(ctx, g.o.Client, v.AgentID, agents.Act)
	}
	id, err := headerID(r, HeaderAgent, true)
	if err != nil {
		return nil, err
	}
	return agents.Authorize(ctx, g.o.Client, *id, agents.Act)
}

// headerID parses a UUID header; nil when absent and optional.
func headerID(r *http.Request, name string, required bool) (*uuid.UUID, error) {
	s := r.Header.Get(name)
	if s == "" {
		if required {
			return nil, problem.Validation("the agent is missing", problem.FieldError{Field: name, Message: "required with a user token"})
		}
		return nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return nil, problem.Validation("a header is invalid", problem.FieldError{Field: name, Message: "must be a UUID"})
	}
	return &id, nil
}

// reserved are body fields the gateway sets itself.
var reserved = map[string]bool{"model": true, "messages": true, "stream": true, "stream_options": true}

// buildRequest applies the agent's configuration: its model (a request
// naming another model is refused: the agent's model is what is priced
// and budgeted), its system prompt first, its default parameters where
// the request sets none.
func buildRequest(a *ent.Agent, body map[string]json.RawMessage, defaultMax int) (*Request, error) {
	req := &Request{Model: a.Model, Body: map[string]json.RawMessage{}}
	for k, v := range body {
		if !reserved[k] {
			req.Body[k] = v
		}
	}
	for k, v := range a.Parameters {
		if _, set := req.Body[k]; !set && !reserved[k] {
			b, err := json.Marshal(v)
			if err == nil {
				req.Body[k] = b
			}
		}
	}
	var model string
	if raw, ok := body["model"]; ok && (json.Unmarshal(raw, &model) != nil || (model != "" && model != a.Model)) {
		return nil, problem.Validation("the agent's model is used", problem.FieldError{Field: "model", Message: "must be empty or " + a.Model})
	}
	if raw, ok := body["stream"]; ok && json.Unmarshal(raw, &req.Stream) != nil {
		return nil, problem.Validation("the input is invalid", problem.FieldError{Field: "stream", Message: "must be a boolean"})
	}
	var msgs []Message
	if err := json.Unmarshal(body["messages"], &msgs); err != nil || len(msgs) == 0 {
		return nil, problem.Validation("the input is invalid", problem.FieldError{Field: "messages", Message: "must be a non-empty array of messages"})
	}
	for i, m := range msgs {
		if !validRoles[m.Role] {
			return nil, problem.Validation("the input is invalid", problem.FieldError{Field: fmt.Sprintf("messages[%d].role", i), Message: "must be system, developer, user, assistant or tool"})
		}
	}
	if a.SystemPrompt != "" {
		msgs = append([]Message{{Role: "system", Content: TextContent(a.SystemPrompt)}}, msgs...)
		req.Supplied = 1
	}
	req.Messages = msgs
	max, err := maxTokens(req, defaultMax)
	if err != nil {
		return nil, err
	}
	req.MaxTokens = max
	return req, nil
}

var validRoles = map[string]bool{"system": true, "developer": true, "user": true, "assistant": true, "tool": true}

// maxTokens is the completion limit sent and reserved for.
func maxTokens(req *Request, dflt int) (int, error) {
	for _, name := range []string{"max_completion_tokens", "max_tokens"} {
		var n int
		if _, set := req.Body[name]; !set {
			continue
		}
		if !req.param(name, &n) || n < 1 {
			return 0, problem.Validation("the input is invalid", problem.FieldError{Field: name, Message: "must be a positive integer"})
		}
		return n, nil
	}
	return dflt, nil
}

// bytesPerToken is deliberately low: English averages about four bytes
// per token, but code, numbers and non-Latin scripts use fewer (a CJK
// character is three bytes and about one token). Overestimating keeps
// both the context limit and the budget reservation on the safe side.
const bytesPerToken = 3

// perMessageTokens covers the role and framing tokens of each message.
const perMessageTokens = 4

// promptSize is the message text in bytes and a conservative token
// estimate.
func promptSize(msgs []Message) (bytes, tokens int) {
	for _, m := range msgs {
		bytes += len(m.Text())
		for _, tc := range m.ToolCalls {
			bytes += len(tc.Function.Name) + len(tc.Function.Arguments)
		}
	}
	return bytes, (bytes+bytesPerToken-1)/bytesPerToken + perMessageTokens*len(msgs)
}

// promptBound is the most prompt tokens the request can be billed for:
// one per byte of everything forwarded (messages as sent, tools, response
// format and other parameters) plus the framing of each message. It is
// the reservation's prompt, where promptSize is the estimate of a typical
// tokenizer.
func promptBound(req *Request) int {
	n := perMessageTokens * len(req.Messages)
	for _, m := range req.Messages {
		b, _ := json.Marshal(m)
		n += len(b)
	}
	for _, raw := range req.Body {
		n += len(raw)
	}
	return n
}

// checkLimits enforces the agent's context limits and returns the prompt
// token estimate.
func checkLimits(a *ent.Agent, msgs []Message) (int, error) {
	n, tokens := promptSize(msgs)
	if a.MaxContextBytes != nil && n > *a.MaxContextBytes {
		return 0, problem.PayloadTooLarge(fmt.Sprintf("the messages are %d bytes; the agent accepts at most %d", n, *a.MaxContextBytes))
	}
	if a.MaxContextTokens != nil && tokens > *a.MaxContextTokens {
		return 0, problem.New(http.StatusUnprocessableEntity, "context-length-exceeded",
			fmt.Sprintf("the messages are estimated at %d tokens; the agent accepts at most %d", tokens, *a.MaxContextTokens))
	}
	return tokens, nil
}

// links resolves X-Agent-Session and X-Work-Item: both must be rows of the
// agent's organization, checked as reported calls are (ledger.CheckReferences,
// one answer for another tenant's row and an unknown id); the session must
// also be the caller-visible, active session of this agent and the task
// one the caller may read.
func (g *Gateway) links(ctx context.Context, r *http.Request, c *call) error {
	sid, err := headerID(r, HeaderSession, false)
	if err != nil {
		return err
	}
	tid, err := headerID(r, HeaderWorkItem, false)
	if err != nil || (sid == nil && tid == nil) {
		return err
	}
	ref := ledger.Reference{Agent: c.agent, TaskID: tid, SessionID: sid, TaskField: HeaderWorkItem, SessionField: HeaderSession}
	if err := ledger.CheckReferences(ctx, g.o.Client, []ledger.Reference{ref}); err != nil {
		return err
	}
	if sid != nil {
		s, err := g.session(ctx, *sid, c.agent)
		if err != nil {
			return err
		}
		if s.Status != agentsession.StatusActive {
			return problem.Conflict("the session is closed")
		}
		c.session, c.ledger.SessionID = s, sid
	}
	if tid != nil {
		if _, err := g.o.Client.Task.Get(ctx, *tid); err != nil {
			return linkError(err, HeaderWorkItem, ledger.NoSuchTask)
		}
		c.ledger.TaskID = tid
	}
	return nil
}

// session loads a session of agent a the caller may append to: one they
// started, or any when their role reads agent sessions (or they are the
// agent). It is loaded as the system because a user allowed to use an
// agent need not have a role that lists sessions.
func (g *Gateway) session(ctx context.Context, id uuid.UUID, a *ent.Agent) (*ent.AgentSession, error) {
	sys := viewer.NewSystemContext(ctx, "llm gateway: find the caller's session of an agent they may use")
	s, err := g.o.Client.AgentSession.Query().Where(agentsession.ID(id), agentsession.AgentID(a.ID)).Only(sys)
	if err != nil {
		return nil, linkError(err, HeaderSession, ledger.NoSuchSession)
	}
	v := viewer.FromContext(ctx)
	if v == nil {
		return nil, problem.Unauthorized("missing or invalid credentials")
	}
	own := s.StartedBy != nil && *s.StartedBy == v.UserID
	if !own && !v.Can(a.OrganizationID, "agent_session", viewer.ActionRead) && v.AgentID != a.ID {
		return nil, linkError(&ent.NotFoundError{}, HeaderSession, ledger.NoSuchSession)
	}
	return s, nil
}

// linkError turns "not found" (or not visible) into a 422 on the header.
func linkError(err error, header, msg string) error {
	var nf *ent.NotFoundError
	if errors.As(err, &nf) || ent.IsNotFound(err) {
		return ledger.RefusedReference(header, msg)
	}
	return fmt.Errorf("llm: link %s: %w", header, err)
}
