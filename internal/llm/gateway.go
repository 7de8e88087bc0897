package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Path is where the gateway is mounted (beside the ogen router: ogen
// cannot stream server-sent events per event).
const Path = "/llm/v1/chat/completions"

// OperationID names the operation in logs, metrics and openapi.yaml.
const OperationID = "createChatCompletion"

// Options are the gateway's dependencies.
type Options struct {
	Client    *ent.Client
	Providers map[agent.Provider]Provider
	// Ledger is required: without it the gateway refuses every call,
	// since no completion may be returned unrecorded.
	Ledger  Ledger
	Guard   Guard       // nil: NopGuard
	Capture CaptureFunc // nil: keep full captures only
	// Authenticate puts the caller's viewer into the request context.
	Authenticate func(r *http.Request) (context.Context, error)
	// WriteError answers err as problem+json (the API's error writer).
	WriteError func(w http.ResponseWriter, r *http.Request, err error)
	// Timeout bounds each provider call (504 beyond).
	Timeout time.Duration
	// DefaultMaxTokens is reserved and sent when neither the request nor
	// the agent's parameters set max_tokens.
	DefaultMaxTokens int
	Log              *slog.Logger
}

// Gateway is the POST /llm/v1/chat/completions handler.
type Gateway struct{ o Options }

// New returns the gateway handler.
func New(o Options) *Gateway {
	if o.Guard == nil {
		o.Guard = NopGuard{}
	}
	if o.Capture == nil {
		o.Capture = defaultCapture
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	if o.DefaultMaxTokens <= 0 {
		o.DefaultMaxTokens = 4096
	}
	return &Gateway{o: o}
}

// call is the state of one request through the gateway.
type call struct {
	agent    *ent.Agent
	req      *Request
	ledger   Call
	findings any
	started  time.Time
	session  *ent.AgentSession
}

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	requestmeta.SetOperation(r.Context(), OperationID)
	ctx, err := g.o.Authenticate(r)
	if err != nil {
		g.o.WriteError(w, r, err)
		return
	}
	r = r.WithContext(ctx)
	c, err := g.prepare(ctx, r)
	if err != nil {
		g.o.WriteError(w, r, err)
		return
	}
	if err := g.admit(ctx, c); err != nil {
		g.o.WriteError(w, r, err)
		return
	}
	reservation, err := g.o.Ledger.Reserve(ctx, c.ledger)
	if err != nil {
		g.o.WriteError(w, r, reserveProblem(err))
		return
	}
	g.extendDeadlines(w)
	c.started = time.Now() // latency and time to first token are the provider's
	if c.req.Stream {
		g.stream(w, r, c, reservation)
		return
	}
	g.complete(w, r, c, reservation)
}

// prepare authorizes the caller for the agent and builds the provider
// request: steps 1 (agent active, caller permitted) and 2 (size limits).
func (g *Gateway) prepare(ctx context.Context, r *http.Request) (*call, error) {
	if g.o.Ledger == nil {
		return nil, problem.New(http.StatusServiceUnavailable, problem.SlugServiceUnavailable, "the LLM gateway has no ledger configured")
	}
	body, err := decodeBody(r)
	if err != nil {
		return nil, err
	}
	a, err := g.agent(ctx, r)
	if err != nil {
		return nil, err
	}
	req, err := buildRequest(a, body, g.o.DefaultMaxTokens)
	if err != nil {
		return nil, err
	}
	if _, ok := g.o.Providers[a.Provider]; !ok {
		return nil, problem.New(http.StatusServiceUnavailable, problem.SlugServiceUnavailable,
			fmt.Sprintf("provider %s is not configured", a.Provider))
	}
	estimate, err := checkLimits(a, req.Messages)
	if err != nil {
		return nil, err
	}
	c := &call{agent: a, req: req, started: time.Now()}
	c.ledger = Call{OrganizationID: a.OrganizationID, AgentID: a.ID, Provider: string(a.Provider), Model: a.Model,
		PromptTokensEstimate: estimate, PromptTokensMax: promptBound(req), MaxTokens: req.MaxTokens}
	if v := viewer.FromContext(ctx); v != nil && v.UserID != uuid.Nil {
		uid := v.UserID
		c.ledger.UserID = &uid
	}
	if err := g.links(ctx, r, c); err != nil {
		return nil, err
	}
	return c, nil
}

// admit runs the injection guard (step 3); a blocked call is recorded.
func (g *Gateway) admit(ctx context.Context, c *call) error {
	// Every message the caller supplied, whatever its role; not the
	// agent's own system prompt.
	findings, block := g.o.Guard.Check(ctx, c.agent, c.req.Messages[c.req.Supplied:])
	c.findings = findings
	if !block {
		return nil
	}
	_, err := g.record(ctx, c, uuid.Nil, Outcome{Status: StatusBlocked, ErrorCode: "prompt_injection",
		ErrorMessage: "blocked by the agent's injection policy"}, nil)
	if err != nil {
		return err
	}
	return problem.New(http.StatusUnprocessableEntity, "prompt-injection",
		"the request looks like a prompt injection and the agent's policy blocks it")
}

// reserveProblem maps a Reserve failure: a budget refusal is a 429 naming
// the budget, an unpriced model under a budget a 422 model-unpriced (a
// distinct type: retrying later would not help, unlike a 429); anything
// else is the ledger's own error.
func reserveProblem(err error) error {
	var ue *UnpricedError
	if errors.As(err, &ue) {
		return problem.New(http.StatusUnprocessableEntity, "model-unpriced",
			fmt.Sprintf("the %s model %q has no price, so the %s budget(s) cannot bound this call; add its price (POST /model-prices)",
				ue.Provider, ue.Model, strings.Join(ue.Budgets, ", ")))
	}
	be, ok := asBudgetError(err)
	if !ok {
		return err
	}
	return problem.New(http.StatusTooManyRequests, "budget-exceeded",
		fmt.Sprintf("the %s budget does not allow this call (limit %d, spent %d, reserved %d, requested %d micro-USD)",
			be.Budget, be.Limit, be.Spent, be.Reserved, be.Requested))
}

// extendDeadlines lets a long completion outlive the server's read and
// write timeouts (an expired read deadline would cancel the request).
func (g *Gateway) extendDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	until := time.Now().Add(g.o.Timeout + 30*time.Second)
	_ = rc.SetReadDeadline(until)
	_ = rc.SetWriteDeadline(until)
}

// providerCtx bounds the provider call by llm.timeout; it also ends when
// the client goes away (ctx is the request's).
func (g *Gateway) providerCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if g.o.Timeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, g.o.Timeout)
}

// complete forwards a non-streamed call, records it, then answers.
func (g *Gateway) complete(w http.ResponseWriter, r *http.Request, c *call, reservation uuid.UUID) {
	ctx := r.Context()
	pctx, cancel := g.providerCtx(ctx)
	defer cancel()
	res, err := g.o.Providers[c.agent.Provider].Complete(pctx, c.req)
	latency := time.Since(c.started)
	out := g.outcome(ctx, pctx, res, err, false)
	out.Latency, out.TimeToFirstToken = latency, latency
	if err == nil && res.Usage() == nil {
		// The provider answered and bills it: never record it as free.
		estimateTokens(&out, c, res)
	}
	callID, rerr := g.record(ctx, c, reservation, out, res)
	switch {
	case rerr != nil:
		g.o.WriteError(w, r, rerr)
	case err != nil:
		g.o.WriteError(w, r, failureProblem(out))
	default:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Agent-Call-Id", callID.String())
		_ = json.NewEncoder(w).Encode(res.Completion)
	}
}

// outcome classifies how the provider call ended and takes the tokens
// from the provider's usage. Without usage (a stream cut short), tokens
// are estimated from bytes when the provider had started answering,
// since it bills them.
func (g *Gateway) outcome(ctx, pctx context.Context, res *Result, err error, started bool) Outcome {
	out := Outcome{Status: StatusSuccess}
	if res != nil {
		out.ProviderRequestID = res.RequestID
	}
	if u := res.Usage(); u != nil {
		out.PromptTokens, out.CompletionTokens, out.CachedTokens = u.PromptTokens, u.CompletionTokens, u.Cached()
	}
	if err == nil {
		return out
	}
	var pe *ProviderError
	switch {
	case errors.Is(ctx.Err(), context.Canceled):
		out.Status, out.ErrorCode, out.ErrorMessage = StatusFailed, "client_disconnected", "the client went away before the completion ended"
	case errors.Is(pctx.Err(), context.DeadlineExceeded):
		out.Status, out.ErrorCode, out.ErrorMessage = StatusTimeout, "timeout", fmt.Sprintf("no complete answer within %s", g.o.Timeout)
	case errors.As(err, &pe):
		out.Status, out.ErrorCode, out.ErrorMessage = StatusFailed, pe.Code, pe.Message
		if out.ProviderRequestID == "" {
			out.ProviderRequestID = pe.RequestID
		}
	default:
		g.o.Log.WarnContext(ctx, "llm provider call failed", "error", err)
		out.Status, out.ErrorCode, out.ErrorMessage = StatusFailed, "provider_unavailable", "the provider could not be reached or answered malformed data"
	}
	return out
}

// failureProblem is the answer to a failed call: 504 for a timeout, 502
// for everything the provider did wrong.
func failureProblem(o Outcome) *problem.Problem {
	if o.Status == StatusTimeout {
		return problem.New(http.StatusGatewayTimeout, problem.SlugGatewayTimeout, "the model provider did not answer in time")
	}
	return problem.New(http.StatusBadGateway, problem.SlugBadGateway, "the model provider failed: "+o.ErrorCode+": "+o.ErrorMessage)
}

// record hands the call to the ledger (even when the client is gone: the
// context keeps the viewer but not the cancellation) and appends the
// session transcript. Only a ledger failure is an error.
func (g *Gateway) record(ctx context.Context, c *call, reservation uuid.UUID, out Outcome, res *Result) (uuid.UUID, error) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
	defer cancel()
	out.StartedAt = c.started
	out.InjectionFindings = c.findings
	out.RequestMessages = g.o.Capture(c.agent.CapturePolicy, generic(c.req.Messages))
	if res != nil && res.Completion != nil {
		out.Response = g.o.Capture(c.agent.CapturePolicy, generic(res.Completion))
	}
	id, err := g.o.Ledger.Record(rctx, c.ledger, reservation, out)
	if err != nil {
		g.o.Log.ErrorContext(ctx, "llm: recording the call failed", "error", err, "agent_id", c.agent.ID)
		return uuid.Nil, fmt.Errorf("llm: record call: %w", err)
	}
	if c.session != nil && out.Status != StatusBlocked {
		if err := g.appendTranscript(rctx, c, id, out, res); err != nil {
			g.o.Log.ErrorContext(ctx, "llm: appending the session transcript failed", "error", err, "session_id", c.session.ID)
		}
	}
	return id, nil
}

// generic turns v into plain JSON values (maps, slices, strings), the
// shape the capture policy and the ledger's JSON columns work on without
// knowing this package's types.
func generic(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}
