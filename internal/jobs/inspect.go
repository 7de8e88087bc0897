package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/pagination"
)

// ErrBadCursor is returned for a list cursor whose River position cannot
// be decoded (the envelope itself is checked by internal/pagination).
var ErrBadCursor = errors.New("jobs: invalid cursor")

// ErrNotFound is returned for a job id that does not exist (any more:
// River prunes finished jobs after a day).
var ErrNotFound = errors.New("jobs: no such job")

// ListParams filter and page a job list, newest first.
type ListParams struct {
	Kind   string
	State  rivertype.JobState
	Limit  int
	Cursor string
}

// Page is one page of jobs; NextCursor is empty on the last page.
type Page struct {
	Jobs       []*rivertype.JobRow
	NextCursor string
}

// List returns recent job runs, newest first.
func (r *Runner) List(ctx context.Context, p ListParams) (Page, error) {
	params := river.NewJobListParams().OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(p.Limit)
	if p.Kind != "" {
		params = params.Kinds(p.Kind)
	}
	if p.State != "" {
		params = params.States(p.State)
	}
	if p.Cursor != "" {
		key, err := pagination.DecodeKey(ctx, p.Cursor)
		if err != nil {
			return Page{}, err
		}
		var c river.JobListCursor
		if err := c.UnmarshalText([]byte(key)); err != nil {
			return Page{}, ErrBadCursor
		}
		params = params.After(&c)
	}
	res, err := r.client.JobList(ctx, params)
	if err != nil {
		return Page{}, fmt.Errorf("jobs: list: %w", err)
	}
	page := Page{Jobs: res.Jobs}
	if len(res.Jobs) == p.Limit && res.LastCursor != nil {
		next, err := res.LastCursor.MarshalText()
		if err != nil {
			return Page{}, fmt.Errorf("jobs: encode cursor: %w", err)
		}
		page.NextCursor = pagination.EncodeKey(ctx, string(next))
	}
	return page, nil
}

// Retry makes a failed, cancelled or finished job available to run again
// at once (a running job is left alone).
func (r *Runner) Retry(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	job, err := r.client.JobRetry(ctx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	return job, nil
}

// failed reports a job whose last attempt failed: given up, cancelled, or
// waiting for its next attempt (River marks a retry due soon available).
func failed(j *rivertype.JobRow) bool {
	switch j.State {
	case rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled:
		return true
	case rivertype.JobStateAvailable, rivertype.JobStateScheduled:
		return len(j.Errors) > 0
	}
	return false
}

// ErrNotFailed refuses to retry a job that did not fail: a completed job
// run again would repeat its effects (send a mail twice).
var ErrNotFailed = errors.New("jobs: only failed or cancelled jobs can be retried")

// RetryFailedTx makes a failed or cancelled job available again inside tx,
// so the retry commits with what accompanies it (its security event).
func (r *Runner) RetryFailedTx(ctx context.Context, tx *ent.Tx, id int64) (*rivertype.JobRow, error) {
	stx, ok := tx.SQLTx()
	if !ok {
		return nil, errors.New("jobs: the ent transaction does not run on database/sql")
	}
	job, err := r.client.JobGetTx(ctx, stx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: get %d: %w", id, err)
	}
	if !failed(job) {
		return nil, fmt.Errorf("%w (job %d is %s)", ErrNotFailed, id, job.State)
	}
	job, err = r.client.JobRetryTx(ctx, stx, id)
	if errors.Is(err, rivertype.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: retry %d: %w", id, err)
	}
	return job, nil
}

// LastRun returns the newest job of kind, or nil if none is kept.
func (r *Runner) LastRun(ctx context.Context, kind string) (*rivertype.JobRow, error) {
	page, err := r.List(ctx, ListParams{Kind: kind, Limit: 1})
	if err != nil || len(page.Jobs) == 0 {
		return nil, err
	}
	return page.Jobs[0], nil
}

// Failures summarizes recent failed attempts.
type Failures struct {
	Count      int
	LatestID   int64
	LatestKind string
}

// failureScan bounds how many failed jobs RecentFailures looks at.
const failureScan = 100

// RecentFailures counts the jobs not (yet) completed whose last attempt
// failed within window: waiting for a retry, retrying, given up or
// cancelled by their worker.
func (r *Runner) RecentFailures(ctx context.Context, window time.Duration) (Failures, error) {
	res, err := r.client.JobList(ctx, river.NewJobListParams().
		States(rivertype.JobStateRetryable, rivertype.JobStateDiscarded, rivertype.JobStateCancelled,
			rivertype.JobStateAvailable, rivertype.JobStateRunning, rivertype.JobStateScheduled).
		OrderBy(river.JobListOrderByID, river.SortOrderDesc).First(failureScan))
	if err != nil {
		return Failures{}, fmt.Errorf("jobs: list failures: %w", err)
	}
	since := time.Now().Add(-window)
	var f Failures
	for _, j := range res.Jobs {
		if len(j.Errors) == 0 || j.Errors[len(j.Errors)-1].At.Before(since) {
			continue
		}
		if f.Count == 0 {
			f.LatestID, f.LatestKind = j.ID, j.Kind
		}
		f.Count++
	}
	return f, nil
}

// CountByState counts the jobs River keeps, per state, for metrics.
func CountByState(ctx context.Context, db *sql.DB) (map[string]int, error) {
	rows, err := db.QueryContext(ctx, "SELECT state, count(*) FROM river_job GROUP BY state")
	if err != nil {
		return nil, fmt.Errorf("jobs: count by state: %w", err)
	}
	defer rows.Close()
	counts := map[string]int{}
	for rows.Next() {
		var (
			state string
			n     int
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("jobs: count by state: %w", err)
		}
		counts[state] = n
	}
	return counts, rows.Err()
}
