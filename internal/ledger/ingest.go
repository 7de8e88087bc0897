package ledger

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agentcall"
	"github.com/worksynapse/worksynapse/ent/agentsession"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/ent/task"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// MaxBatch is the most calls one report may carry.
const MaxBatch = 500

// ReportedCall is a call a runtime made to a provider itself.
type ReportedCall struct {
	AgentID                                      uuid.UUID
	ClientCallID                                 string
	Provider, Model                              string
	PromptTokens, CompletionTokens, CachedTokens int
	Status                                       agentcall.Status
	StartedAt                                    time.Time
	LatencyMs                                    *int
	SessionID, TaskID                            *uuid.UUID
	ErrorCode, ErrorMessage, ProviderRequestID   string
}

// ReportResult is the stored record of one reported call; Duplicate is
// true when an earlier report with the same client call id had stored it.
type ReportResult struct {
	Call      *ent.AgentCall
	Duplicate bool
}

// checkTokens refuses counts that contradict each other: cached tokens
// are the part of the prompt served from the provider's cache, so never
// more than the prompt (analytics would show cached > prompt).
func checkTokens(calls []ReportedCall) error {
	var bad []problem.FieldError
	for i, c := range calls {
		if c.CachedTokens <= c.PromptTokens {
			continue
		}
		field := "cached_tokens"
		if len(calls) > 1 {
			field = fmt.Sprintf("calls[%d].cached_tokens", i)
		}
		bad = append(bad, problem.FieldError{Field: field, Message: "must not exceed prompt_tokens"})
	}
	if len(bad) > 0 {
		return problem.Validation("cached tokens are part of the prompt tokens", bad...)
	}
	return nil
}

// Report records calls reported by a runtime (source=reported), priced as
// gateway calls are, in one transaction. It is idempotent by client call id
// per agent (see claimKeys): only calls not stored yet are inserted, then
// the stored rows are read back, so a retry (even a concurrent one) gets the
// first record and never a second row. Results follow the input order.
func (l *Ledger) Report(ctx context.Context, calls []ReportedCall) ([]ReportResult, error) {
	if len(calls) == 0 || len(calls) > MaxBatch {
		return nil, problem.Validation(fmt.Sprintf("a report carries 1 to %d calls", MaxBatch))
	}
	if err := checkTokens(calls); err != nil {
		return nil, err
	}
	named := map[uuid.UUID]*ent.Agent{}
	keys := map[[2]string]bool{}
	for _, c := range calls {
		if _, ok := named[c.AgentID]; !ok {
			ag, err := agents.Authorize(ctx, l.client, c.AgentID, agents.Report)
			if err != nil {
				return nil, err
			}
			named[c.AgentID] = ag
		}
		keys[[2]string{c.Provider, c.Model}] = true
	}
	if err := CheckReferences(ctx, l.client, reportedReferences(calls, named)); err != nil {
		return nil, err
	}
	var user *uuid.UUID
	v := viewer.FromContext(ctx)
	if v != nil && v.UserID != uuid.Nil {
		user = &v.UserID
	}
	sctx := system(ctx, "record reported calls")
	// wctx writes and reads back the calls. The service principal is no
	// member of any organization: it writes as itself holding agent_call
	// create and read in the named named' organizations only, so the
	// privacy rules check every row's organization.
	wctx := sctx
	if v.IsService() {
		orgs := make([]uuid.UUID, 0, len(named))
		for _, ag := range named {
			orgs = append(orgs, ag.OrganizationID)
		}
		wctx = viewer.NewContext(ctx, v.InOrganizations(orgs,
			viewer.Permission{Resource: "agent_call", Action: viewer.ActionCreate},
			viewer.Permission{Resource: "agent_call", Action: viewer.ActionRead}))
	}
	var out []ReportResult
	err := database.WithTx(sctx, l.client, func(tx *ent.Tx) error {
		book, err := loadPrices(sctx, tx.Client(), keys)
		if err != nil {
			return err
		}
		stored, err := claimKeys(wctx, tx, l.dialect, calls)
		if err != nil {
			return err
		}
		ids := make([]uuid.UUID, len(calls))
		var builders []*ent.AgentCallCreate
		now := l.now()
		for i, c := range calls {
			key := reportKey{c.AgentID, c.ClientCallID}
			if stored[key] {
				continue // stored before, or earlier in this report
			}
			stored[key] = true
			ids[i] = uuid.Must(uuid.NewV7())
			b := reportedCreate(tx, c, named[c.AgentID].OrganizationID, user, now).SetID(ids[i])
			applyPrice(b.Mutation(), book.at(c.Provider, c.Model, c.StartedAt),
				Usage{int64(c.PromptTokens), int64(c.CompletionTokens), int64(c.CachedTokens)})
			builders = append(builders, b)
		}
		if len(builders) > 0 {
			if err := tx.AgentCall.CreateBulk(builders...).Exec(wctx); err != nil {
				return fmt.Errorf("ledger: insert reported calls: %w", err)
			}
		}
		if out, err = readBack(wctx, tx, calls, ids); err != nil {
			return err
		}
		if err := auditReported(ctx, tx, out); err != nil {
			return err
		}
		if err := l.flagUnpriced(ctx, tx, named, user, out); err != nil {
			return err
		}
		return markRolledDaysDirty(sctx, tx, l.dialect, reportedDays(calls, named))
	})
	return out, err
}

// reportedDays groups the reported calls' start times by organization
// (for markRolledDaysDirty).
func reportedDays(calls []ReportedCall, agents map[uuid.UUID]*ent.Agent) map[uuid.UUID][]time.Time {
	out := map[uuid.UUID][]time.Time{}
	for _, c := range calls {
		org := agents[c.AgentID].OrganizationID
		out[org] = append(out[org], c.StartedAt)
	}
	return out
}

// Reference is one call's links to check: the agent that made it and the
// task and session it names, with the fields (body fields, headers) that
// name them, for the refusal.
type Reference struct {
	Agent                   *ent.Agent
	TaskID, SessionID       *uuid.UUID
	TaskField, SessionField string
}

// Refusals of a reference: one answer whether the row belongs to another
// organization or does not exist, so a refusal is no existence oracle.
const (
	NoSuchTask      = "no such task in the agent's organization"
	NoSuchSession   = "no such session of the agent"
	refusedRefsText = "the call names a task or session it cannot have"
)

// RefusedReference is the refusal of one reference (field names it),
// for a check that must answer exactly as CheckReferences does.
func RefusedReference(field, msg string) error {
	return problem.Validation(refusedRefsText, problem.FieldError{Field: field, Message: msg})
}

// CheckReferences refuses (422, naming the field) a call whose session or
// task is not a row of its agent's organization (the session also of its
// agent). Reported calls and the gateway share it, so both answer alike.
// It reads as the system (soft-deleted rows too): it decides what a call
// may link to, whatever the caller may list.
func CheckReferences(ctx context.Context, client *ent.Client, refs []Reference) error {
	ctx = softdelete.Skip(system(ctx, "check call references"))
	tasks, sessions, err := loadReferences(ctx, client, refs)
	if err != nil {
		return err
	}
	var errs []problem.FieldError
	for _, r := range refs {
		org := r.Agent.OrganizationID
		if t := rowOf(tasks, r.TaskID); r.TaskID != nil && (t == nil || t.OrganizationID != org) {
			errs = append(errs, problem.FieldError{Field: r.TaskField, Message: NoSuchTask})
		}
		if s := rowOf(sessions, r.SessionID); r.SessionID != nil &&
			(s == nil || s.OrganizationID != org || s.AgentID != r.Agent.ID) {
			errs = append(errs, problem.FieldError{Field: r.SessionField, Message: NoSuchSession})
		}
	}
	if len(errs) > 0 {
		return problem.Validation(refusedRefsText, errs...)
	}
	return nil
}

// loadReferences reads the tasks and sessions refs name, by id.
func loadReferences(ctx context.Context, client *ent.Client, refs []Reference) (map[uuid.UUID]*ent.Task, map[uuid.UUID]*ent.AgentSession, error) {
	var taskIDs, sessionIDs []uuid.UUID
	for _, r := range refs {
		if r.TaskID != nil {
			taskIDs = append(taskIDs, *r.TaskID)
		}
		if r.SessionID != nil {
			sessionIDs = append(sessionIDs, *r.SessionID)
		}
	}
	tasks, sessions := map[uuid.UUID]*ent.Task{}, map[uuid.UUID]*ent.AgentSession{}
	if len(taskIDs) > 0 {
		rows, err := client.Task.Query().Where(task.IDIn(taskIDs...)).
			Select(task.FieldID, task.FieldOrganizationID).All(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: tasks of calls: %w", err)
		}
		for _, t := range rows {
			tasks[t.ID] = t
		}
	}
	if len(sessionIDs) > 0 {
		rows, err := client.AgentSession.Query().Where(agentsession.IDIn(sessionIDs...)).
			Select(agentsession.FieldID, agentsession.FieldOrganizationID, agentsession.FieldAgentID).All(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("ledger: sessions of calls: %w", err)
		}
		for _, s := range rows {
			sessions[s.ID] = s
		}
	}
	return tasks, sessions, nil
}

// reportedReferences names each reported call's links by its body field
// (calls[i].field in a batch).
func reportedReferences(calls []ReportedCall, agents map[uuid.UUID]*ent.Agent) []Reference {
	field := func(i int, name string) string {
		if len(calls) == 1 {
			return name
		}
		return fmt.Sprintf("calls[%d].%s", i, name)
	}
	refs := make([]Reference, len(calls))
	for i, c := range calls {
		refs[i] = Reference{Agent: agents[c.AgentID], TaskID: c.TaskID, SessionID: c.SessionID,
			TaskField: field(i, "task_id"), SessionField: field(i, "session_id")}
	}
	return refs
}

func rowOf[T any](rows map[uuid.UUID]*T, id *uuid.UUID) *T {
	if id == nil {
		return nil
	}
	return rows[*id]
}

// flagUnpriced writes a "budget.model_unpriced" security event for the
// calls this report stored of models without a price, by agents under a
// budget: one per agent, provider and model, with their number. A
// reported call already happened, so unlike at the gateway it cannot be
// denied; refusing the report would only lose the record of what was
// spent. The event says that the budget could not count it. Nothing is
// written with AllowUnpricedWithBudget, nor for retries of stored calls.
func (l *Ledger) flagUnpriced(ctx context.Context, tx *ent.Tx, agents map[uuid.UUID]*ent.Agent,
	user *uuid.UUID, res []ReportResult) error {
	if l.AllowUnpricedWithBudget {
		return nil
	}
	type key struct {
		agent           uuid.UUID
		provider, model string
	}
	counts := map[key]int{}
	var order []key
	for _, r := range res {
		if r.Duplicate || !r.Call.Unpriced {
			continue
		}
		k := key{r.Call.AgentID, string(r.Call.Provider), r.Call.Model}
		if counts[k] == 0 {
			order = append(order, k)
		}
		counts[k]++
	}
	orgs := map[uuid.UUID]*ent.Organization{}
	now := l.now()
	for _, k := range order {
		ag := agents[k.agent]
		org := orgs[ag.OrganizationID]
		if org == nil {
			var err error
			if org, err = tx.Organization.Get(system(ctx, "budgets of reported calls"), ag.OrganizationID); err != nil {
				return err
			}
			orgs[org.ID] = org
		}
		budgets := appliedBudgets(agentScope(ag), orgScope(org))
		if len(budgets) == 0 {
			continue
		}
		req := CallRequest{OrganizationID: org.ID, AgentID: ag.ID, UserID: user, Provider: k.provider, Model: k.model}
		err := l.securityEvent(ctx, tx, req, "budget.model_unpriced", securityauditlog.SeverityWarning, now, map[string]any{
			"budgets": budgets, "provider": k.provider, "model": k.model, "denied": false, "reported_calls": counts[k],
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// auditReported writes one agent_call.report ActivityLog row per agent
// for the calls this report stored (a pure retry writes none). Ledger rows
// are not audited by the hook, but reported calls are the reporter's claim
// of tokens spent, so who made it (user or service) is recorded: ctx is the
// reporter's, not the bookkeeping's system context. One row per agent and
// report, not per call, keeps a 500-call batch at one more insert.
func auditReported(ctx context.Context, tx *ent.Tx, res []ReportResult) error {
	type sum struct {
		org                      uuid.UUID
		ids                      []uuid.UUID
		prompt, completion, cost int64
		unpriced                 int
	}
	var order []uuid.UUID
	byAgent := map[uuid.UUID]*sum{}
	for _, r := range res {
		if r.Duplicate {
			continue
		}
		c := r.Call
		s := byAgent[c.AgentID]
		if s == nil {
			s = &sum{org: c.OrganizationID}
			byAgent[c.AgentID] = s
			order = append(order, c.AgentID)
		}
		s.ids = append(s.ids, c.ID)
		s.prompt += int64(c.PromptTokens)
		s.completion += int64(c.CompletionTokens)
		if c.CostMicros == nil {
			s.unpriced++
		} else {
			s.cost += *c.CostMicros
		}
	}
	acts := make([]audit.Activity, 0, len(order))
	for _, agentID := range order {
		s := byAgent[agentID]
		acts = append(acts, audit.Activity{Action: "agent_call.report", ResourceType: "Agent", ResourceID: agentID,
			Org: s.org, NewValues: map[string]any{
				"calls": len(s.ids), "call_ids": s.ids, "prompt_tokens": s.prompt, "completion_tokens": s.completion,
				"cost_micros": s.cost, "unpriced_calls": s.unpriced,
			}})
	}
	return audit.RecordActivity(ctx, tx, acts...)
}

func reportedCreate(tx *ent.Tx, c ReportedCall, org uuid.UUID, user *uuid.UUID, now time.Time) *ent.AgentCallCreate {
	b := tx.AgentCall.Create().SetOrganizationID(org).SetAgentID(c.AgentID).SetNillableUserID(user).
		SetNillableSessionID(c.SessionID).SetNillableTaskID(c.TaskID).SetSource(agentcall.SourceReported).
		SetClientCallID(c.ClientCallID).SetProvider(agentcall.Provider(c.Provider)).SetModel(c.Model).
		SetPromptTokens(c.PromptTokens).SetCompletionTokens(c.CompletionTokens).SetCachedTokens(c.CachedTokens).
		SetStatus(c.Status).SetStartedAt(c.StartedAt.UTC()).SetCreatedAt(now).SetNillableLatencyMs(c.LatencyMs).
		SetErrorCode(truncate(c.ErrorCode, 100)).SetErrorMessage(truncate(c.ErrorMessage, 2000)).
		SetProviderRequestID(truncate(c.ProviderRequestID, 200))
	return b
}

// reportKey identifies a reported call: its client call id is unique per
// agent.
type reportKey struct {
	agent uuid.UUID
	id    string
}

// claimKeys locks the keys of calls until the transaction ends and returns
// those already stored. agent_calls is partitioned by id on PostgreSQL
// (internal/partition), which cannot enforce a unique index without the
// partition key, so a transaction-scoped advisory lock per key (taken in
// one order, so two reports never deadlock) serializes the reports of one
// key, and the read after it sees any committed row. SQLite needs no lock:
// its single connection never interleaves transactions.
func claimKeys(ctx context.Context, tx *ent.Tx, dialectName string, calls []ReportedCall) (map[reportKey]bool, error) {
	if dialectName == dialect.Postgres {
		locks := make([]int64, 0, len(calls))
		for _, c := range calls {
			locks = append(locks, database.AdvisoryKey("agent_call", c.AgentID.String(), c.ClientCallID))
		}
		if err := database.LockXact(ctx, tx, false, locks...); err != nil {
			return nil, fmt.Errorf("ledger: lock client call ids: %w", err)
		}
	}
	rows, err := storedCalls(ctx, tx, calls)
	if err != nil {
		return nil, err
	}
	out := make(map[reportKey]bool, len(rows))
	for k := range rows {
		out[k] = true
	}
	return out, nil
}

// storedCalls loads the stored rows of the calls' keys.
func storedCalls(ctx context.Context, tx *ent.Tx, calls []ReportedCall) (map[reportKey]*ent.AgentCall, error) {
	byAgent := map[uuid.UUID][]string{}
	for _, c := range calls {
		byAgent[c.AgentID] = append(byAgent[c.AgentID], c.ClientCallID)
	}
	stored := map[reportKey]*ent.AgentCall{}
	for ag, cids := range byAgent {
		rows, err := tx.AgentCall.Query().Where(agentcall.AgentID(ag), agentcall.ClientCallIDIn(cids...)).All(ctx)
		if err != nil {
			return nil, fmt.Errorf("ledger: read reported calls: %w", err)
		}
		for _, r := range rows {
			stored[reportKey{ag, *r.ClientCallID}] = r
		}
	}
	return stored, nil
}

// readBack loads the stored row of every (agent, client call id); a row
// whose id is not the one this report generated was stored before.
func readBack(ctx context.Context, tx *ent.Tx, calls []ReportedCall, ids []uuid.UUID) ([]ReportResult, error) {
	stored, err := storedCalls(ctx, tx, calls)
	if err != nil {
		return nil, err
	}
	out := make([]ReportResult, len(calls))
	for i, c := range calls {
		r := stored[reportKey{c.AgentID, c.ClientCallID}]
		if r == nil {
			return nil, fmt.Errorf("ledger: reported call %q was not stored", c.ClientCallID)
		}
		out[i] = ReportResult{Call: r, Duplicate: r.ID != ids[i]}
	}
	return out, nil
}
