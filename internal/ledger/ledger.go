// Package ledger prices, budgets and records every LLM call of an agent:
// the model price catalog, reserve-then-settle budgets that cannot be
// overspent under concurrency, calls reported by runtimes, re-pricing,
// the daily cost rollup and cost analytics. Money is integer micro-USD.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// DefaultReservationTTL is how long a reservation counts against budgets
// when its call never settles it (a crashed gateway must not lock a budget).
const DefaultReservationTTL = 15 * time.Minute

// Ledger is the service the gateway reserves and records calls with.
type Ledger struct {
	client *ent.Client
	// dialect is the database's: calls stored for a rolled-up day take
	// that day's rollup lock (see markRolledDaysDirty) on PostgreSQL.
	dialect string
	// TTL of a reservation; DefaultReservationTTL when zero.
	ReservationTTL time.Duration
	// Now is the clock (tests move it); time.Now when nil.
	Now func() time.Time
	// AllowUnpricedWithBudget lets a call of a model without a price
	// proceed although a budget applies to it (config
	// ledger.unpriced_with_budget: allow). By default such a call is
	// denied: its cost cannot be reserved, so a budget could not bound it.
	AllowUnpricedWithBudget bool
}

// New returns a Ledger on client, whose database is of dialectName.
func New(client *ent.Client, dialectName string) *Ledger {
	return &Ledger{client: client, dialect: dialectName, ReservationTTL: DefaultReservationTTL, Now: time.Now}
}

func (l *Ledger) now() time.Time {
	if l.Now == nil {
		return time.Now()
	}
	return l.Now()
}

func (l *Ledger) ttl() time.Duration {
	if l.ReservationTTL <= 0 {
		return DefaultReservationTTL
	}
	return l.ReservationTTL
}

// CallRequest is what the gateway knows of a call before forwarding it.
type CallRequest struct {
	OrganizationID, AgentID         uuid.UUID
	UserID, SessionID, TaskID       *uuid.UUID
	Provider, Model                 string
	PromptTokensEstimate, MaxTokens int
	// PromptTokensMax bounds the prompt tokens the request can cost (one
	// token per byte of everything forwarded); reservations take the
	// larger of it and PromptTokensEstimate.
	PromptTokensMax int
}

// CallResult is how a call ended.
type CallResult struct {
	Status                                       agentcall.Status
	RequestMessages, Response                    any
	PromptTokens, CompletionTokens, CachedTokens int
	// UsageEstimated: the provider sent no usage, the tokens are estimated.
	UsageEstimated                             bool
	Latency, TimeToFirstToken                  time.Duration
	ProviderRequestID, ErrorCode, ErrorMessage string
	InjectionFindings                          any
	StartedAt                                  time.Time
}

// ErrBudgetExceeded is wrapped by every budget denial (errors.Is).
var ErrBudgetExceeded = errors.New("ledger: budget exceeded")

// BudgetError names the budget a reservation did not fit in; it wraps
// ErrBudgetExceeded. Budget is "agent:monthly", "agent:daily",
// "organization:monthly" or "organization:daily".
type BudgetError struct {
	Budget                            string
	Limit, Spent, Reserved, Requested int64
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("ledger: budget %s exceeded: limit %d, spent %d, reserved %d, requested %d micro-USD",
		e.Budget, e.Limit, e.Spent, e.Reserved, e.Requested)
}

// Unwrap makes errors.Is(err, ErrBudgetExceeded) hold.
func (e *BudgetError) Unwrap() error { return ErrBudgetExceeded }

// ErrModelUnpriced is wrapped by every denial of an unpriced model under a
// budget (errors.Is).
var ErrModelUnpriced = errors.New("ledger: model unpriced")

// UnpricedError refuses a call of a model without a price in force while
// budgets apply to it (they name "agent:monthly" ... as BudgetError
// does); it wraps ErrModelUnpriced.
type UnpricedError struct {
	Provider, Model string
	Budgets         []string
}

func (e *UnpricedError) Error() string {
	return fmt.Sprintf("ledger: %s model %q has no price, so the budgets %v cannot bound its cost",
		e.Provider, e.Model, e.Budgets)
}

// Unwrap makes errors.Is(err, ErrModelUnpriced) hold.
func (e *UnpricedError) Unwrap() error { return ErrModelUnpriced }

// system is the context of the ledger's own bookkeeping: budget sums and
// call rows cover the whole organization whatever the caller may read, and
// the caller's right to use the agent was checked before (gateway or
// CheckUse), so the accounting itself bypasses tenant rules.
func system(ctx context.Context, why string) context.Context {
	return viewer.NewSystemContext(ctx, "ledger: "+why)
}
