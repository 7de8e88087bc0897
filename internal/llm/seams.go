package llm

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
)

// Ledger reserves budget before a call and records the call after it. The
// composition root binds it to internal/ledger; tests use a fake.
type Ledger interface {
	// Reserve holds the worst-case cost of c. When a budget does not
	// allow it, it records the denied call itself and returns an error
	// wrapping a *BudgetError (or an *UnpricedError: no price, so no
	// budget could bound it).
	Reserve(ctx context.Context, c Call) (reservation uuid.UUID, err error)
	// Record writes the call and settles (or, on failure, releases) the
	// reservation; reservation is uuid.Nil for calls refused before
	// Reserve (blocked by the guard).
	Record(ctx context.Context, c Call, reservation uuid.UUID, o Outcome) (callID uuid.UUID, err error)
}

// Call identifies one gateway call for the ledger.
type Call struct {
	OrganizationID, AgentID   uuid.UUID
	UserID, SessionID, TaskID *uuid.UUID
	Provider, Model           string
	PromptTokensEstimate      int
	// PromptTokensMax is the worst case of the prompt: one token per byte
	// of everything forwarded (no tokenizer makes more tokens of text than
	// it has bytes). Budgets reserve for it, so a provider counting more
	// prompt tokens than estimated cannot take spending past a limit.
	PromptTokensMax int
	MaxTokens       int
}

// Status is how a call ended. The values follow AgentCall.status where it
// has them (success, failed, denied, timeout); blocked is a call the
// injection guard refused.
type Status string

// Statuses of an Outcome.
const (
	StatusSuccess Status = "success"
	StatusFailed  Status = "failed"
	StatusTimeout Status = "timeout"
	StatusDenied  Status = "denied"
	StatusBlocked Status = "blocked"
)

// Outcome is everything recorded about a finished call. RequestMessages
// and Response are already reduced by the agent's capture policy.
type Outcome struct {
	Status                                       Status
	RequestMessages, Response                    any
	PromptTokens, CompletionTokens, CachedTokens int
	// UsageEstimated: the provider sent no usage; the tokens are estimated
	// from the bytes (the provider bills them anyway).
	UsageEstimated                             bool
	Latency, TimeToFirstToken                  time.Duration
	ProviderRequestID, ErrorCode, ErrorMessage string
	InjectionFindings                          any
	StartedAt                                  time.Time
}

// BudgetError says which budget refused a reservation (amounts in
// micro-USD). Reserve returns it wrapped; the gateway answers 429.
type BudgetError struct {
	Budget                            string
	Limit, Spent, Reserved, Requested int64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("budget %s exceeded: limit %d, spent %d, reserved %d, requested %d",
		e.Budget, e.Limit, e.Spent, e.Reserved, e.Requested)
}

// UnpricedError says that the agent's model has no price while budgets
// apply to it, so the call cannot be bounded. Reserve returns it wrapped
// (after recording the denied call); the gateway answers 422
// model-unpriced: waiting does not help, a price must be added.
type UnpricedError struct {
	Provider, Model string
	Budgets         []string
}

func (e *UnpricedError) Error() string {
	return fmt.Sprintf("%s model %q has no price under budgets %v", e.Provider, e.Model, e.Budgets)
}

// asBudgetError finds a *BudgetError in err's chain.
func asBudgetError(err error) (*BudgetError, bool) {
	var be *BudgetError
	return be, errors.As(err, &be)
}

// Guard inspects the messages of a call before it is forwarded. findings
// are stored with the call whatever block says; block refuses the call
// (the guard applies the agent's injection_policy).
type Guard interface {
	Check(ctx context.Context, a *ent.Agent, messages []Message) (findings any, block bool)
}

// NopGuard finds nothing: the default until a detector is configured.
type NopGuard struct{}

// Check implements Guard.
func (NopGuard) Check(context.Context, *ent.Agent, []Message) (any, bool) { return nil, false }

// CaptureFunc reduces message content to what the agent's capture policy
// allows to be stored (the signature of guard.CaptureMessages).
type CaptureFunc func(policy agent.CapturePolicy, msgs any) any

// defaultCapture keeps full captures and drops everything else: without a
// redactor configured, storing nothing is the only safe "redacted".
func defaultCapture(policy agent.CapturePolicy, msgs any) any {
	if policy == agent.CapturePolicyFull {
		return msgs
	}
	return nil
}
