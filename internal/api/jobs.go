package api

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/riverqueue/river/rivertype"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/jobs"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Background jobs (platform administration; logic in internal/jobs).

// requireSuperuser guards operations on data of every organization.
func requireSuperuser(ctx context.Context) error {
	if v := viewer.FromContext(ctx); v == nil || !v.Superuser {
		return problem.Forbidden("only platform administrators (SUPER_ADMIN) manage background jobs")
	}
	return nil
}

// ListJobKinds implements GET /admin/job-kinds.
func (h *Handler) ListJobKinds(ctx context.Context) (oas.ListJobKindsRes, error) {
	if err := requireSuperuser(ctx); err != nil {
		return nil, err
	}
	out := &oas.JobKindList{Items: []oas.JobKind{}}
	for _, t := range h.jobs.Tasks() {
		k := oas.JobKind{Kind: t.Kind, Description: t.Description, Periodic: t.Every > 0}
		if t.Every > 0 {
			k.EverySeconds = oas.NewOptInt(int(t.Every.Seconds()))
		}
		last, err := h.jobs.LastRun(ctx, t.Kind)
		if err != nil {
			return nil, err
		}
		if last != nil {
			k.LastRun = oas.NewOptJobRun(toAPIJobRun(last))
		}
		out.Items = append(out.Items, k)
	}
	return out, nil
}

// ListJobRuns implements GET /admin/jobs.
func (h *Handler) ListJobRuns(ctx context.Context, params oas.ListJobRunsParams) (oas.ListJobRunsRes, error) {
	if err := requireSuperuser(ctx); err != nil {
		return nil, err
	}
	page, err := h.jobs.List(ctx, jobs.ListParams{Kind: params.Kind.Or(""), State: rivertype.JobState(params.State.Or("")),
		Limit: params.Limit.Or(pagination.DefaultLimit), Cursor: params.Cursor.Or("")})
	if errors.Is(err, jobs.ErrBadCursor) {
		return nil, problem.Validation("invalid cursor", problem.FieldError{Field: "cursor", Message: "not a cursor of this list"})
	}
	if err != nil {
		return nil, err
	}
	out := &oas.JobRunPage{Items: make([]oas.JobRun, 0, len(page.Jobs)), NextCursor: nextCursor(page.NextCursor)}
	for _, j := range page.Jobs {
		out.Items = append(out.Items, toAPIJobRun(j))
	}
	return out, nil
}

// RetryJobRun implements POST /admin/jobs/{job_id}/retry: the retry and its
// security event commit together.
func (h *Handler) RetryJobRun(ctx context.Context, params oas.RetryJobRunParams) (oas.RetryJobRunRes, error) {
	if err := requireSuperuser(ctx); err != nil {
		return nil, err
	}
	var job *rivertype.JobRow
	err := database.WithTx(ctx, h.client, func(tx *ent.Tx) (err error) {
		if job, err = h.jobs.RetryFailedTx(ctx, tx, params.JobID); err != nil {
			return err
		}
		return audit.RecordSecurityEvent(ctx, tx, audit.SecurityEvent{Type: "job.retried",
			Details: map[string]any{"job_id": job.ID, "kind": job.Kind, "attempt": job.Attempt}})
	})
	switch {
	case errors.Is(err, jobs.ErrNotFound):
		return nil, problem.NotFound("no such job run (finished runs are kept for a day)")
	case errors.Is(err, jobs.ErrNotFailed):
		return nil, problem.Conflict(err.Error())
	}
	if err != nil {
		return nil, err
	}
	out := toAPIJobRun(job)
	return &out, nil
}

// maxJobError bounds the error text shown for a run.
const maxJobError = 2000

func toAPIJobRun(j *rivertype.JobRow) oas.JobRun {
	out := oas.JobRun{ID: j.ID, Kind: j.Kind, State: oas.JobState(j.State), Queue: j.Queue, Attempt: j.Attempt,
		MaxAttempts: j.MaxAttempts, CreatedAt: j.CreatedAt, ScheduledAt: j.ScheduledAt}
	if j.AttemptedAt != nil {
		out.AttemptedAt = oas.NewOptDateTime(*j.AttemptedAt)
	}
	if j.FinalizedAt != nil {
		out.FinalizedAt = oas.NewOptDateTime(*j.FinalizedAt)
	}
	if n := len(j.Errors); n > 0 {
		msg := []rune(j.Errors[n-1].Error)
		out.LastError = oas.NewOptString(string(msg[:min(len(msg), maxJobError)]))
	}
	// Only task runs' parameters are shown: other jobs' arguments may be
	// sealed secrets (queued mail) or large.
	var args struct {
		Params map[string]string `json:"params"`
	}
	if json.Unmarshal(j.EncodedArgs, &args) == nil && len(args.Params) > 0 {
		out.Params = oas.NewOptJobRunParams(args.Params)
	}
	return out
}
