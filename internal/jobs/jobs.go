// Package jobs runs the product's background work on River
// (github.com/riverqueue/river): periodic maintenance (session cleanup,
// audit sealing and retention, productivity rollups) and work that a
// request enqueues in its own transaction (mail), so a job exists exactly
// when the change that asked for it committed.
//
// River's tables live in the same database: on PostgreSQL they come from
// the versioned migration directory (see schema.go), on SQLite they are
// created with the rest of the embedded schema.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"time"

	"entgo.io/ent/dialect"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/database"
)

// Options configure a Runner.
type Options struct {
	DB  *database.DB
	Log *slog.Logger
	// Tasks are the job kinds this process knows (and, when working, runs).
	Tasks []Task
	// Mail delivers queued mail; nil leaves mail jobs to other processes.
	Mail *MailDelivery
	// Work runs jobs in this process with Workers at once, polling every
	// PollInterval; without it the Runner only enqueues and inspects.
	Work         bool
	Workers      int
	PollInterval time.Duration
	// RetryPolicy spaces the attempts of a failing job; nil keeps River's
	// (attempt^4 seconds). Tests shorten it.
	RetryPolicy river.ClientRetryPolicy
	// Observe, when set, is told the outcome of every attempt this
	// process works (metrics).
	Observe func(kind string, err error, took time.Duration)
	// Periodic schedules the periodic tasks (on whichever working process
	// River elects leader, so N replicas run each periodic job once).
	Periodic bool
}

// Runner enqueues, runs and inspects jobs.
type Runner struct {
	client *river.Client[*sql.Tx]
	tasks  map[string]Task
	log    *slog.Logger
	work   bool
}

// New builds a Runner; call Start to begin working when Options.Work.
func New(o Options) (*Runner, error) {
	log := o.Log.With("component", "jobs")
	workers := river.NewWorkers()
	tasks := make(map[string]Task, len(o.Tasks))
	var periodic []*river.PeriodicJob
	for _, t := range o.Tasks {
		if _, dup := tasks[t.Kind]; dup {
			return nil, fmt.Errorf("jobs: task %s registered twice", t.Kind)
		}
		if t.Every > 0 && t.Every < MinEvery {
			return nil, fmt.Errorf("jobs: task %s runs every %s, less than %s", t.Kind, t.Every, MinEvery)
		}
		tasks[t.Kind] = t
		if pj := t.register(workers); pj != nil && o.Periodic {
			periodic = append(periodic, pj)
		}
	}
	if o.Mail != nil {
		river.AddWorker(workers, o.Mail.worker())
	}
	cfg := &river.Config{
		Workers:      workers,
		Logger:       log,
		ErrorHandler: errorLogger{log: log},
		JobTimeout:   10 * time.Minute,
		RetryPolicy:  o.RetryPolicy,
	}
	if o.Observe != nil {
		cfg.Middleware = []rivertype.Middleware{&observer{fn: o.Observe}}
	}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: max(o.Workers, 1)}}
		cfg.PeriodicJobs = periodic
		cfg.FetchPollInterval = o.PollInterval
		cfg.FetchCooldown = min(o.PollInterval, river.FetchCooldownDefault)
	}
	client, err := river.NewClient(driverFor(o.DB), cfg)
	if err != nil {
		return nil, fmt.Errorf("jobs: river client: %w", err)
	}
	return &Runner{client: client, tasks: tasks, log: log, work: o.Work}, nil
}

// driverFor picks River's driver for the database: database/sql on our
// lib/pq pool for PostgreSQL, riversqlite for the embedded SQLite file.
func driverFor(db *database.DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect == dialect.Postgres {
		return riverdatabasesql.New(db.SQL)
	}
	return riversqlite.New(db.SQL)
}

// Start begins working jobs (no-op for an enqueue-only Runner).
func (r *Runner) Start(ctx context.Context) error {
	if !r.work {
		return nil
	}
	if err := r.client.Start(ctx); err != nil {
		return fmt.Errorf("jobs: start: %w", err)
	}
	return nil
}

// Stop lets running jobs finish until ctx ends, then cancels them.
func (r *Runner) Stop(ctx context.Context) error {
	if !r.work {
		return nil
	}
	if err := r.client.Stop(ctx); err != nil {
		if cerr := r.client.StopAndCancel(context.WithoutCancel(ctx)); cerr != nil {
			return errors.Join(fmt.Errorf("jobs: stop: %w", err), cerr)
		}
	}
	return nil
}

// EnqueueTx inserts a job in tx: it exists only if tx commits, so work is
// never done for a rolled-back change nor lost for a committed one.
func (r *Runner) EnqueueTx(ctx context.Context, tx *ent.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	stx, ok := tx.SQLTx()
	if !ok {
		return errors.New("jobs: the ent transaction does not run on database/sql")
	}
	if _, err := r.client.InsertTx(ctx, stx, args, opts); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// RunTask enqueues one run of the task kind now and returns its job id.
func (r *Runner) RunTask(ctx context.Context, kind string, p Params) (int64, error) {
	t, ok := r.tasks[kind]
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownKind, kind)
	}
	if err := t.check(p); err != nil {
		return 0, err
	}
	res, err := r.client.Insert(ctx, taskArgs{kind: kind, Params: p}, nil)
	if err != nil {
		return 0, fmt.Errorf("jobs: enqueue %s: %w", kind, err)
	}
	return res.Job.ID, nil
}

// ErrUnknownKind is returned for a task kind no one registered.
var ErrUnknownKind = errors.New("jobs: unknown job kind")

// Wait polls job id until an attempt is over: the job is finalized
// (completed, cancelled or discarded) or has failed at least once and waits
// for its retry; or until ctx ends.
func (r *Runner) Wait(ctx context.Context, id int64) (*rivertype.JobRow, error) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		job, err := r.client.JobGet(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("jobs: job %d: %w", id, err)
		}
		if job.FinalizedAt != nil || (job.State != rivertype.JobStateRunning && len(job.Errors) > 0) {
			return job, nil
		}
		select {
		case <-ctx.Done():
			return job, ctx.Err()
		case <-tick.C:
		}
	}
}

// Tasks returns the registered tasks ordered by kind.
func (r *Runner) Tasks() []Task {
	out := make([]Task, 0, len(r.tasks))
	for _, t := range r.tasks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out
}

// observer reports each worked attempt to Options.Observe.
type observer struct {
	river.MiddlewareDefaults
	fn func(kind string, err error, took time.Duration)
}

func (o *observer) Work(ctx context.Context, job *rivertype.JobRow, doInner func(context.Context) error) error {
	start := time.Now()
	err := doInner(ctx)
	o.fn(job.Kind, err, time.Since(start))
	return err
}

// errorLogger logs every failed attempt with the job's id and kind; River
// then retries with backoff or discards the job after its last attempt.
type errorLogger struct{ log *slog.Logger }

func (e errorLogger) HandleError(ctx context.Context, job *rivertype.JobRow, err error) *river.ErrorHandlerResult {
	e.log.ErrorContext(ctx, "job failed", "job_id", job.ID, "kind", job.Kind,
		"attempt", job.Attempt, "max_attempts", job.MaxAttempts, "error", err)
	return nil
}

func (e errorLogger) HandlePanic(ctx context.Context, job *rivertype.JobRow, v any, trace string) *river.ErrorHandlerResult {
	e.log.ErrorContext(ctx, "job panicked", "job_id", job.ID, "kind", job.Kind,
		"attempt", job.Attempt, "panic", fmt.Sprint(v), "trace", trace)
	return nil
}
