package llm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// sse writes server-sent events, flushing each one so it reaches the
// client at once. The first write commits the 200 response.
type sse struct {
	w       http.ResponseWriter
	rc      *http.ResponseController
	started bool
	err     error // the first write error: the client is gone
}

func (s *sse) start() {
	if s.started {
		return
	}
	s.started = true
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no") // keep reverse proxies from buffering
	h.Set("Trailer", "X-Agent-Call-Id")
	s.w.WriteHeader(http.StatusOK)
}

func (s *sse) data(payload []byte) error {
	if s.err != nil {
		return s.err
	}
	s.start()
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", payload); err != nil {
		s.err = err
		return err
	}
	if err := s.rc.Flush(); err != nil {
		s.err = err
	}
	return s.err
}

// streamError is the OpenAI-style error event sent when a stream fails
// after it started (the status line is already sent).
func streamError(code, msg string) []byte {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"message": msg, "type": "gateway_error", "code": code}})
	return b
}

// stream forwards a streamed call chunk by chunk, records it when the
// provider's stream ends (also when the client went away), and only then
// sends the final [DONE].
func (g *Gateway) stream(w http.ResponseWriter, r *http.Request, c *call, reservation uuid.UUID) {
	ctx := r.Context()
	pctx, cancel := g.providerCtx(ctx)
	defer cancel()
	out := &sse{w: w, rc: http.NewResponseController(w)}
	var ttft time.Duration
	res, err := g.o.Providers[c.agent.Provider].Stream(pctx, c.req, func(ch *Chunk) error {
		if ttft == 0 {
			ttft = time.Since(c.started)
		}
		b, err := json.Marshal(ch)
		if err != nil {
			return err
		}
		return out.data(b)
	})
	o := g.outcome(ctx, pctx, res, err, out.started)
	if out.err != nil {
		o.Status, o.ErrorCode, o.ErrorMessage = StatusFailed, "client_disconnected", "the client went away before the completion ended"
	}
	o.Latency, o.TimeToFirstToken = time.Since(c.started), ttft
	if res.Usage() == nil && ttft > 0 {
		estimateTokens(&o, c, res)
	}
	callID, rerr := g.record(ctx, c, reservation, o, res)
	switch {
	case !out.started && rerr != nil:
		g.o.WriteError(w, r, rerr)
	case !out.started && err != nil:
		g.o.WriteError(w, r, failureProblem(o))
	case out.err != nil || ctx.Err() != nil:
		// Nobody is listening any more; the call is recorded.
	case rerr != nil:
		_ = out.data(streamError("not_recorded", "the call could not be recorded"))
	case err != nil:
		_ = out.data(streamError(o.ErrorCode, failureProblem(o).Detail))
	default:
		w.Header().Set("X-Agent-Call-Id", callID.String())
		_ = out.data([]byte("[DONE]"))
	}
}

// estimateTokens fills in tokens for a call (streamed or not) that ended
// without the provider's usage: the provider bills what it generated, so the ledger
// must not see zero.
func estimateTokens(o *Outcome, c *call, res *Result) {
	o.UsageEstimated = true
	o.PromptTokens = c.ledger.PromptTokensEstimate
	if res != nil && res.Completion != nil && len(res.Completion.Choices) > 0 {
		_, o.CompletionTokens = promptSize([]Message{res.Completion.Choices[0].Message})
	}
}
