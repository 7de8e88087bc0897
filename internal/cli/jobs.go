package cli

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/jobs"
)

func newJobsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "jobs",
		Short: "Inspect and run background jobs",
	}
	cmd.AddCommand(newJobsListCmd(), newJobsRunCmd())
	return cmd
}

// openJobs opens the app with a current schema and its job runner in mode.
func openJobs(cmd *cobra.Command, mode app.JobsMode) (*app.App, *jobs.Runner, error) {
	a, err := prepared(cmd)
	if err != nil {
		return nil, nil, err
	}
	r, err := a.JobRunner(mode)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, r, nil
}

func newJobsListCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List job kinds with their schedule and last run",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, r, err := openJobs(cmd, app.JobsEnqueueOnly)
			if err != nil {
				return err
			}
			defer a.Close()
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "KIND\tSCHEDULE\tLAST RUN\tSTATE\tDESCRIPTION")
			for _, t := range r.Tasks() {
				last, err := r.LastRun(cmd.Context(), t.Kind)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Kind, schedule(t.Every), lastRunAt(last), lastState(last), t.Description)
			}
			return w.Flush()
		},
	}
}

func schedule(every time.Duration) string {
	if every <= 0 {
		return "on demand"
	}
	return "every " + every.String()
}

func lastRunAt(j *rivertype.JobRow) string {
	switch {
	case j == nil:
		return "never"
	case j.AttemptedAt != nil:
		return j.AttemptedAt.UTC().Format(time.RFC3339)
	}
	return "queued " + j.CreatedAt.UTC().Format(time.RFC3339)
}

func lastState(j *rivertype.JobRow) string {
	if j == nil {
		return "-"
	}
	return string(j.State)
}

func newJobsRunCmd() *cobra.Command {
	var (
		args []string
		wait bool
	)
	cmd := &cobra.Command{
		Use:   "run KIND [--arg k=v]... [--wait]",
		Short: "Enqueue one run of a job now (or run it in this process with --wait)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, pos []string) error {
			params, err := parseArgs(args)
			if err != nil {
				return err
			}
			mode := app.JobsEnqueueOnly
			if wait {
				mode = app.JobsWorkOnDemand
			}
			a, r, err := openJobs(cmd, mode)
			if err != nil {
				return err
			}
			defer a.Close()
			id, err := r.RunTask(cmd.Context(), pos[0], params)
			if err != nil {
				return err
			}
			if !wait {
				fmt.Fprintf(cmd.OutOrStdout(), "enqueued %s as job %d\n", pos[0], id)
				return nil
			}
			return runAndWait(cmd, r, id)
		},
	}
	cmd.Flags().StringArrayVar(&args, "arg", nil, "job parameter as key=value (repeatable)")
	cmd.Flags().BoolVar(&wait, "wait", false, "work the job in this process and wait for its outcome")
	return cmd
}

// runAndWait works jobs in this process until job id is finalized.
func runAndWait(cmd *cobra.Command, r *jobs.Runner, id int64) error {
	ctx := cmd.Context()
	if err := r.Start(ctx); err != nil {
		return err
	}
	defer r.Stop(ctx) //nolint:errcheck // the job's outcome is what matters
	job, err := r.Wait(ctx, id)
	if err != nil {
		return err
	}
	if job.State != rivertype.JobStateCompleted {
		msg := "no error recorded"
		if n := len(job.Errors); n > 0 {
			msg = job.Errors[n-1].Error
		}
		return fmt.Errorf("job %d (%s) ended %s: %s", id, job.Kind, job.State, msg)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "job %d (%s) completed\n", id, job.Kind)
	return nil
}

func parseArgs(kvs []string) (jobs.Params, error) {
	p := jobs.Params{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--arg %q: want key=value", kv)
		}
		p[k] = v
	}
	return p, nil
}
