package ledger

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/budgetreservation"
	"github.com/worksynapse/worksynapse/ent/organization"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/authz"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// BudgetLine is the state of one budget in its current period.
type BudgetLine struct {
	Budget      string // "agent:monthly", "agent:daily", "organization:monthly", "organization:daily"
	Period      string // "monthly" or "daily"
	Start, End  time.Time
	Limit       int64
	Spent       int64 // priced calls started in [Start, End)
	Reserved    int64 // open, unexpired reservations (in flight now)
	WarnPercent int
}

// appliedBudgets names the budgets the scopes set ("agent:monthly", ...),
// whatever their use.
func appliedBudgets(scopes ...budgetScope) []string {
	var out []string
	for _, s := range scopes {
		for i, limit := range s.limits {
			if limit != nil {
				out = append(out, s.name+":"+periodNames[i])
			}
		}
	}
	return out
}

// Remaining is what may still be reserved (never negative).
func (b BudgetLine) Remaining() int64 { return max(b.Limit-b.Spent-b.Reserved, 0) }

// BudgetStatus is every budget that applies to an agent or organization.
type BudgetStatus struct {
	OrganizationID uuid.UUID
	AgentID        *uuid.UUID
	TimeZone       string
	Lines          []BudgetLine
}

// budgetScope is whose calls a budget counts: one agent's or the whole
// organization's.
type budgetScope struct {
	name   string // "agent" or "organization"
	calls  predicate.AgentCall
	holds  predicate.BudgetReservation
	limits [2]*int64 // monthly, daily
	warn   int
}

func agentScope(a *ent.Agent) budgetScope {
	return budgetScope{name: "agent", calls: agentcall.AgentID(a.ID), holds: budgetreservation.AgentID(a.ID),
		limits: [2]*int64{a.MonthlyBudgetMicros, a.DailyBudgetMicros}, warn: a.BudgetWarnPercent}
}

func orgScope(o *ent.Organization) budgetScope {
	return budgetScope{name: "organization", calls: agentcall.OrganizationID(o.ID),
		holds:  budgetreservation.OrganizationID(o.ID),
		limits: [2]*int64{o.MonthlyBudgetMicros, o.DailyBudgetMicros}, warn: o.BudgetWarnPercent}
}

// Location is the organization's time zone (UTC when unset or unknown).
func Location(o *ent.Organization) *time.Location {
	if loc, err := time.LoadLocation(o.TimeZone); err == nil && o.TimeZone != "" {
		return loc
	}
	return time.UTC
}

// periods are the calendar month and day containing now in loc.
func periods(now time.Time, loc *time.Location) [2][2]time.Time {
	n := now.In(loc)
	month := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
	day := time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, loc)
	return [2][2]time.Time{{month, month.AddDate(0, 1, 0)}, {day, day.AddDate(0, 0, 1)}}
}

var periodNames = [2]string{"monthly", "daily"}

// lines measures the budgets of the scopes that are set, at now.
func lines(ctx context.Context, c *ent.Client, now time.Time, loc *time.Location, scopes ...budgetScope) ([]BudgetLine, error) {
	per := periods(now, loc)
	var out []BudgetLine
	for _, s := range scopes {
		var reserved int64
		measured := false
		for i, limit := range s.limits {
			if limit == nil {
				continue
			}
			// Reservations are summed before calls: a settlement committing
			// between the two reads (hold settled, cost added) is then counted
			// twice, never missed, so a race can only over-estimate use.
			if !measured {
				r, err := sumInt64(ctx, c.BudgetReservation.Query().Where(s.holds,
					budgetreservation.StatusEQ(budgetreservation.StatusReserved),
					budgetreservation.ExpiresAtGT(now)).Modify(), budgetreservation.FieldAmountMicros)
				if err != nil {
					return nil, err
				}
				reserved, measured = r, true
			}
			spent, err := sumInt64(ctx, c.AgentCall.Query().Where(s.calls,
				agentcall.StartedAtGTE(per[i][0]), agentcall.StartedAtLT(per[i][1])).Modify(), agentcall.FieldCostMicros)
			if err != nil {
				return nil, err
			}
			out = append(out, BudgetLine{Budget: s.name + ":" + periodNames[i], Period: periodNames[i],
				Start: per[i][0].UTC(), End: per[i][1].UTC(), Limit: *limit, Spent: spent, Reserved: reserved,
				WarnPercent: s.warn})
		}
	}
	return out, nil
}

// selector is any ent query after Modify(): its SQL can be reshaped.
type selector interface {
	Scan(ctx context.Context, v any) error
}

// sumInt64 is SUM(column) of the query's rows, 0 for none, in SQL.
func sumInt64[Q interface {
	Modify(...func(*sql.Selector)) Q
}](ctx context.Context, q Q, column string) (int64, error) {
	var rows []struct {
		V int64 `sql:"v"`
	}
	sel := any(q.Modify(func(s *sql.Selector) {
		s.Select(sql.As(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) AS BIGINT)", s.C(column)), "v"))
	})).(selector)
	if err := sel.Scan(ctx, &rows); err != nil {
		return 0, fmt.Errorf("ledger: sum %s: %w", column, err)
	}
	if len(rows) == 0 {
		return 0, nil
	}
	return rows[0].V, nil
}

// lockOnPostgres takes the row lock that serializes reservations of one
// organization and agent: the sums below are read after the previous
// holder committed. NO KEY UPDATE, not UPDATE: it serializes reservations
// just as well but does not block the foreign-key checks of every insert
// that references the organization or agent (tasks, messages, calls).
// SQLite needs none: it runs one write transaction at a time (and has no
// FOR UPDATE).
func lockOnPostgres(s *sql.Selector) {
	if s.Dialect() == dialect.Postgres {
		s.For(sql.LockNoKeyUpdate)
	}
}

// lockBudgets locks the organization, then the agent (always in this
// order, so two reservations cannot deadlock) and returns both.
func lockBudgets(ctx context.Context, tx *ent.Tx, orgID, agentID uuid.UUID) (*ent.Organization, *ent.Agent, error) {
	org, err := tx.Organization.Query().Where(organization.ID(orgID)).Modify(lockOnPostgres).Only(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: organization %s: %w", orgID, err)
	}
	ag, err := tx.Agent.Query().Where(agent.ID(agentID), agent.OrganizationID(orgID)).
		Modify(lockOnPostgres).Only(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("ledger: agent %s: %w", agentID, err)
	}
	return org, ag, nil
}

// Reserve holds the worst-case cost of a call (estimated prompt tokens
// plus max_tokens at the current price) against every budget of the agent
// and its organization. It succeeds only if spent + reserved + amount stays
// within each of them; the check and the hold happen in one transaction
// under the organization's and agent's row locks, so concurrent calls
// cannot together overspend. A denial is recorded as a denied AgentCall
// and a SecurityAuditLog event and returned as a *BudgetError wrapping
// ErrBudgetExceeded. A model without a price cannot be estimated: when a
// budget applies, the call is denied the same way (recorded, security
// event "budget.model_unpriced") with an *UnpricedError wrapping
// ErrModelUnpriced, unless AllowUnpricedWithBudget; without a budget, or
// when allowed, no reservation is made (nil, nil) and the call is
// recorded unpriced.
func (l *Ledger) Reserve(ctx context.Context, req CallRequest) (*ent.BudgetReservation, error) {
	sctx := system(ctx, "reserve budget")
	now := l.now()
	var (
		res    *ent.BudgetReservation
		denied error
	)
	err := database.WithTx(sctx, l.client, func(tx *ent.Tx) error {
		res, denied = nil, nil
		org, ag, err := lockBudgets(sctx, tx, req.OrganizationID, req.AgentID)
		if err != nil {
			return err
		}
		price, err := PriceAt(sctx, tx.Client(), req.Provider, req.Model, now)
		if err != nil {
			return err
		}
		if price == nil {
			budgets := appliedBudgets(agentScope(ag), orgScope(org))
			if len(budgets) == 0 || l.AllowUnpricedWithBudget {
				return nil
			}
			ue := &UnpricedError{Provider: req.Provider, Model: req.Model, Budgets: budgets}
			denied = ue
			return l.recordUnpricedDenial(ctx, tx, req, ue, now)
		}
		amount := worstCase(price, max(req.PromptTokensEstimate, req.PromptTokensMax), req.MaxTokens)
		if amount <= 0 {
			return nil
		}
		ls, err := lines(sctx, tx.Client(), now, Location(org), agentScope(ag), orgScope(org))
		if err != nil {
			return err
		}
		for _, b := range ls {
			if b.Spent+b.Reserved+amount > b.Limit {
				be := &BudgetError{Budget: b.Budget, Limit: b.Limit, Spent: b.Spent, Reserved: b.Reserved, Requested: amount}
				denied = be
				return l.recordDenial(ctx, tx, req, price, be, now)
			}
		}
		res, err = tx.BudgetReservation.Create().SetOrganizationID(org.ID).SetAgentID(ag.ID).
			SetAmountMicros(amount).SetExpiresAt(now.Add(l.ttl())).Save(sctx)
		if err != nil {
			return err
		}
		return l.warnCrossed(ctx, tx, req, ls, amount, now)
	})
	if err != nil {
		return nil, err
	}
	if denied != nil {
		return nil, fmt.Errorf("ledger: reserve for agent %s: %w", req.AgentID, denied)
	}
	return res, nil
}

// recordDenial writes the refused call (no provider call, cost 0) and the
// security event, in the reservation's transaction.
func (l *Ledger) recordDenial(ctx context.Context, tx *ent.Tx, req CallRequest, price *ent.ModelPrice, e *BudgetError, now time.Time) error {
	sctx := system(ctx, "record denied call")
	err := tx.AgentCall.Create().SetOrganizationID(req.OrganizationID).SetAgentID(req.AgentID).
		SetNillableUserID(req.UserID).SetNillableSessionID(req.SessionID).SetNillableTaskID(req.TaskID).
		SetSource(agentcall.SourceGateway).SetProvider(agentcall.Provider(req.Provider)).SetModel(req.Model).
		SetStatus(agentcall.StatusDenied).SetErrorCode("budget_exceeded").SetErrorMessage(e.Error()).
		SetCostMicros(0).SetModelPriceID(price.ID).SetStartedAt(now).SetCreatedAt(now).Exec(sctx)
	if err != nil {
		return fmt.Errorf("ledger: record denied call: %w", err)
	}
	return l.securityEvent(ctx, tx, req, "budget.exceeded", securityauditlog.SeverityWarning, now, map[string]any{
		"budget": e.Budget, "limit_micros": e.Limit, "spent_micros": e.Spent,
		"reserved_micros": e.Reserved, "requested_micros": e.Requested, "model": req.Model,
	})
}

// recordUnpricedDenial writes the refused call of an unpriced model (no
// provider call; unpriced like every call without a price) and the
// security event, in the reservation's transaction.
func (l *Ledger) recordUnpricedDenial(ctx context.Context, tx *ent.Tx, req CallRequest, e *UnpricedError, now time.Time) error {
	sctx := system(ctx, "record denied call")
	c := tx.AgentCall.Create().SetOrganizationID(req.OrganizationID).SetAgentID(req.AgentID).
		SetNillableUserID(req.UserID).SetNillableSessionID(req.SessionID).SetNillableTaskID(req.TaskID).
		SetSource(agentcall.SourceGateway).SetProvider(agentcall.Provider(req.Provider)).SetModel(req.Model).
		SetStatus(agentcall.StatusDenied).SetErrorCode("model_unpriced").SetErrorMessage(e.Error()).
		SetStartedAt(now).SetCreatedAt(now)
	applyPrice(c.Mutation(), nil, Usage{})
	if err := c.Exec(sctx); err != nil {
		return fmt.Errorf("ledger: record denied call: %w", err)
	}
	return l.securityEvent(ctx, tx, req, "budget.model_unpriced", securityauditlog.SeverityWarning, now, map[string]any{
		"budgets": e.Budgets, "provider": req.Provider, "model": req.Model, "denied": true,
	})
}

// warnCrossed writes one warning event per budget and period once the
// budget's use (with this reservation) reaches its warning share. The row
// locks make "no warning yet this period" a safe check.
func (l *Ledger) warnCrossed(ctx context.Context, tx *ent.Tx, req CallRequest, ls []BudgetLine, amount int64, now time.Time) error {
	for _, b := range ls {
		used := b.Spent + b.Reserved + amount
		if used*100 < b.Limit*int64(b.WarnPercent) {
			continue
		}
		typ := "budget.warning." + b.Budget
		q := tx.SecurityAuditLog.Query().Where(securityauditlog.EventType(typ),
			securityauditlog.CreatedAtGTE(b.Start), securityauditlog.CreatedAtLT(b.End))
		if b.Budget[:5] == "agent" {
			q.Where(securityauditlog.AgentID(req.AgentID))
		} else {
			q.Where(securityauditlog.OrganizationID(req.OrganizationID))
		}
		seen, err := q.Exist(system(ctx, "budget warning lookup"))
		if err != nil || seen {
			return err
		}
		err = l.securityEvent(ctx, tx, req, typ, securityauditlog.SeverityWarning, now, map[string]any{
			"budget": b.Budget, "limit_micros": b.Limit, "used_micros": used, "warn_percent": b.WarnPercent,
			"period_start": b.Start.Format(time.RFC3339),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// securityEvent writes a SecurityAuditLog row about the agent: the user is
// the viewer or, for a call on someone's behalf, the request's.
func (l *Ledger) securityEvent(ctx context.Context, tx *ent.Tx, req CallRequest, typ string,
	sev securityauditlog.Severity, now time.Time, details map[string]any) error {
	e := audit.SecurityEvent{Type: typ, Severity: sev, Org: req.OrganizationID, Agent: req.AgentID, At: now, Details: details}
	if v := viewer.FromContext(ctx); (v == nil || v.UserID == uuid.Nil) && req.UserID != nil {
		e.User = *req.UserID
	}
	return audit.RecordSecurityEvent(ctx, tx, e)
}

// ReleaseExpired releases reservations still open after their expiry (their
// call never settled them), for the periodic job. They stopped counting
// against budgets at expires_at already; this makes the state explicit.
func ReleaseExpired(ctx context.Context, client *ent.Client, now time.Time) (int, error) {
	// The job runs for every organization.
	sctx := viewer.NewSystemContext(ctx, "ledger: release expired reservations")
	var n int
	err := database.WithTx(sctx, client, func(tx *ent.Tx) error {
		var err error
		n, err = tx.BudgetReservation.Update().Where(
			budgetreservation.StatusEQ(budgetreservation.StatusReserved),
			budgetreservation.ExpiresAtLTE(now)).SetStatus(budgetreservation.StatusReleased).Save(sctx)
		return err
	})
	return n, err
}

// AgentBudget is the state of every budget that applies to an agent. The
// caller must be able to read the agent (privacy); the sums cover the
// whole organization.
func (l *Ledger) AgentBudget(ctx context.Context, agentID uuid.UUID) (*BudgetStatus, error) {
	ag, err := l.client.Agent.Get(ctx, agentID)
	if err != nil {
		return nil, err
	}
	sctx := system(ctx, "budget status")
	org, err := l.client.Organization.Get(sctx, ag.OrganizationID)
	if err != nil {
		return nil, err
	}
	ls, err := lines(sctx, l.client, l.now(), Location(org), agentScope(ag), orgScope(org))
	if err != nil {
		return nil, err
	}
	return &BudgetStatus{OrganizationID: org.ID, AgentID: &ag.ID, TimeZone: Location(org).String(), Lines: ls}, nil
}

// OrganizationBudget is the state of the organization-wide budgets. The
// caller needs agent_call:read in the organization.
func (l *Ledger) OrganizationBudget(ctx context.Context, orgID uuid.UUID) (*BudgetStatus, error) {
	if err := authz.RequireInOrganization(ctx, orgID, "agent_call", viewer.ActionRead, "reading budgets"); err != nil {
		return nil, err
	}
	sctx := system(ctx, "budget status")
	org, err := l.client.Organization.Get(sctx, orgID)
	if err != nil {
		return nil, err
	}
	ls, err := lines(sctx, l.client, l.now(), Location(org), orgScope(org))
	if err != nil {
		return nil, err
	}
	return &BudgetStatus{OrganizationID: org.ID, TimeZone: Location(org).String(), Lines: ls}, nil
}

// OrganizationBudgetInput sets the organization-wide budgets (nil = none).
type OrganizationBudgetInput struct {
	Monthly, Daily *int64
	WarnPercent    int
}

// SetOrganizationBudget changes the organization's budgets; privacy asks
// organization:update, and the audit hook records the change.
func (l *Ledger) SetOrganizationBudget(ctx context.Context, orgID uuid.UUID, in OrganizationBudgetInput) (*BudgetStatus, error) {
	if err := authz.RequireInOrganization(ctx, orgID, "organization", viewer.ActionUpdate, "changing budgets"); err != nil {
		return nil, err
	}
	err := database.WithTx(ctx, l.client, func(tx *ent.Tx) error {
		u := tx.Organization.UpdateOneID(orgID).SetBudgetWarnPercent(in.WarnPercent)
		if in.Monthly != nil {
			u.SetMonthlyBudgetMicros(*in.Monthly)
		} else {
			u.ClearMonthlyBudgetMicros()
		}
		if in.Daily != nil {
			u.SetDailyBudgetMicros(*in.Daily)
		} else {
			u.ClearDailyBudgetMicros()
		}
		return u.Exec(ctx)
	})
	if err != nil {
		return nil, err
	}
	return l.OrganizationBudget(ctx, orgID)
}
