package llm

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentmessage"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// maxStoredContent is AgentMessage.content's bound.
const maxStoredContent = 500000

// newTurn is the part of the request the session has not seen yet: the
// messages after the last assistant turn (clients resend the whole
// conversation each call), without the agent's own system prompt.
func newTurn(c *call) []Message {
	msgs := c.req.Messages
	if c.agent.SystemPrompt != "" {
		msgs = msgs[1:]
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "assistant" {
			return msgs[i+1:]
		}
	}
	return msgs
}

// appendTranscript adds the call's new input messages and the answer to
// its session, with token counts (prompt tokens on the last input message,
// completion tokens on the answer), and adds them to the session totals.
func (g *Gateway) appendTranscript(ctx context.Context, c *call, callID uuid.UUID, out Outcome, res *Result) error {
	// The caller was authorized for the agent and the session was loaded
	// through their privacy rules; the transcript is the gateway's own
	// record and must not depend on the caller's role allowing writes.
	sys := viewer.NewSystemContext(ctx, "llm gateway: append an authorized call to its session transcript")
	ref, err := g.callRef(sys, callID)
	if err != nil {
		return err
	}
	input := newTurn(c)
	return database.WithTx(sys, g.o.Client, func(tx *ent.Tx) error {
		var rows []*ent.AgentMessageCreate
		for i, m := range input {
			row := g.message(tx, c, m, ref)
			if i == len(input)-1 {
				row.SetPromptTokens(out.PromptTokens)
			}
			rows = append(rows, row)
		}
		if res != nil && res.Completion != nil && len(res.Completion.Choices) > 0 {
			rows = append(rows, g.message(tx, c, res.Completion.Choices[0].Message, ref).SetCompletionTokens(out.CompletionTokens))
		}
		if err := tx.AgentMessage.CreateBulk(rows...).Exec(sys); err != nil {
			return err
		}
		return tx.AgentSession.UpdateOneID(c.session.ID).
			AddTotalPromptTokens(out.PromptTokens).AddTotalCompletionTokens(out.CompletionTokens).Exec(sys)
	})
}

// callRef is the AgentCall the messages point at, nil when the ledger
// did not write one under that id (the column is a foreign key).
func (g *Gateway) callRef(ctx context.Context, id uuid.UUID) (*uuid.UUID, error) {
	ok, err := g.o.Client.AgentCall.Query().Where(agentcall.ID(id)).Exist(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return &id, nil
}

// message builds one AgentMessage, its text reduced by the capture policy.
func (g *Gateway) message(tx *ent.Tx, c *call, m Message, ref *uuid.UUID) *ent.AgentMessageCreate {
	role := m.Role
	if role == "developer" {
		role = "system"
	}
	row := tx.AgentMessage.Create().SetOrganizationID(c.agent.OrganizationID).SetSessionID(c.session.ID).
		SetRole(agentmessage.Role(role)).SetNillableCallID(ref)
	if s, ok := g.o.Capture(c.agent.CapturePolicy, m.Text()).(string); ok && s != "" {
		if len(s) > maxStoredContent {
			s = strings.ToValidUTF8(s[:maxStoredContent], "")
		}
		row.SetContent(s)
	}
	if m.ToolCallID != "" {
		row.SetToolCallID(m.ToolCallID)
	}
	if len(m.ToolCalls) > 0 {
		// Tool arguments can carry secrets like any text: they go through
		// the capture policy too.
		var calls []map[string]any
		if b, err := json.Marshal(m.ToolCalls); err == nil && json.Unmarshal(b, &calls) == nil {
			if kept, ok := g.o.Capture(c.agent.CapturePolicy, calls).([]map[string]any); ok {
				row.SetToolCalls(kept)
			}
		}
	}
	return row
}
