package jobs

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"
)

// Task is one kind of background job: what it does, and how often the
// leader schedules it (Every 0: only on demand, e.g. `worksynapse jobs run`;
// otherwise at least MinEvery).
// Run must be idempotent: River retries a failed run, and an operator may
// run a periodic task by hand at any time.
type Task struct {
	Kind        string
	Description string
	Every       time.Duration
	// Params documents the accepted parameters (name -> meaning).
	Params map[string]string
	Run    func(ctx context.Context, p Params) error
}

// MinEvery is the shortest period of a periodic task (River deduplicates
// periodic runs per period, in whole seconds).
const MinEvery = time.Second

// Params are a task run's named parameters (`jobs run KIND --arg k=v`).
type Params map[string]string

// Time parses parameter name as an RFC 3339 date or time; missing gives
// def.
func (p Params) Time(name string, def time.Time) (time.Time, error) {
	v, ok := p[name]
	if !ok || v == "" {
		return def, nil
	}
	for _, layout := range []string{time.DateOnly, time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &ParamError{Name: name, Value: v, Want: "a date (2006-01-02) or an RFC 3339 time"}
}

// ParamError is a parameter a task cannot use; River does not retry it.
type ParamError struct{ Name, Value, Want string }

func (e *ParamError) Error() string {
	return fmt.Sprintf("parameter %s=%q: want %s", e.Name, e.Value, e.Want)
}

// check refuses parameters the task does not declare, so a typo in
// `--arg` fails loudly instead of being ignored.
func (t Task) check(p Params) error {
	var unknown []string
	for k := range p {
		if _, ok := t.Params[k]; !ok {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("jobs: %s does not take %s", t.Kind, strings.Join(unknown, ", "))
}

// taskArgs are the River job arguments of every Task: River keys workers by
// kind, which taskArgs carries outside its JSON so one Go type serves all
// tasks.
type taskArgs struct {
	kind   string
	Params Params `json:"params,omitempty"`
}

// Kind implements river.JobArgs.
func (a taskArgs) Kind() string { return a.kind }

// register adds t's worker and, when it is periodic, its schedule.
func (t Task) register(workers *river.Workers) *river.PeriodicJob {
	river.AddWorkerArgs(workers, taskArgs{kind: t.Kind}, river.WorkFunc(func(ctx context.Context, job *river.Job[taskArgs]) error {
		if err := t.check(job.Args.Params); err != nil {
			return river.JobCancel(err) // retrying cannot fix bad parameters
		}
		err := t.Run(ctx, job.Args.Params)
		if pe := (*ParamError)(nil); errors.As(err, &pe) {
			return river.JobCancel(err)
		}
		return err
	}))
	if t.Every <= 0 {
		return nil
	}
	return river.NewPeriodicJob(river.PeriodicInterval(t.Every),
		func() (river.JobArgs, *river.InsertOpts) {
			// Unique per period: a leader change within the period cannot
			// schedule the same run twice.
			return taskArgs{kind: t.Kind}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: t.Every}}
		}, &river.PeriodicJobOpts{ID: t.Kind})
}
