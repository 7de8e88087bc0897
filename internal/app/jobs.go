package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"entgo.io/ent/dialect"

	"github.com/worksynapse/worksynapse/internal/api"
	"github.com/worksynapse/worksynapse/internal/approvals"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/auth/secretbox"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/jobs"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

// JobsMode says how much of the job system a process runs.
type JobsMode int

const (
	// JobsEnqueueOnly inserts and inspects jobs but works none (CLI,
	// replicas with jobs.enabled off).
	JobsEnqueueOnly JobsMode = iota
	// JobsWorkOnDemand works queued jobs but schedules no periodic ones
	// (`jobs run --wait`).
	JobsWorkOnDemand
	// JobsWorkAll works jobs and, when elected leader, schedules the
	// periodic ones (`serve`).
	JobsWorkAll
)

// JobRunner builds the job runner once, in mode; later calls return the
// same runner whatever their mode.
func (a *App) JobRunner(mode JobsMode) (*jobs.Runner, error) {
	if a.Jobs != nil {
		return a.Jobs, nil
	}
	box, err := secretbox.New(a.Config.SecretKey, secretbox.PurposeMail)
	if err != nil {
		return nil, fmt.Errorf("app: mail queue key: %w", err)
	}
	tasks, err := a.jobTasks()
	if err != nil {
		return nil, err
	}
	var observe func(string, error, time.Duration)
	if a.Metrics != nil {
		observe = a.Metrics.ObserveJob
	}
	r, err := jobs.New(jobs.Options{
		Observe: observe,
		DB:      a.DB, Log: a.Log, Tasks: tasks,
		Mail:         &jobs.MailDelivery{Mailer: a.Mailer, Box: box},
		Work:         mode != JobsEnqueueOnly,
		Periodic:     mode == JobsWorkAll,
		Workers:      a.Config.Jobs.Workers,
		PollInterval: a.Config.Jobs.PollInterval,
	})
	if err != nil {
		return nil, err
	}
	a.Jobs, a.mailQueue = r, jobs.NewMailQueue(r, box)
	return r, nil
}

// serveJobsMode is the mode of a serving process.
func (a *App) serveJobsMode() JobsMode {
	if a.Config.Jobs.Enabled {
		return JobsWorkAll
	}
	return JobsEnqueueOnly
}

// jobTasks are every kind of background task, with the configured
// schedules.
func (a *App) jobTasks() ([]jobs.Task, error) {
	j := a.Config.Jobs
	sealer, err := audit.SealerFromConfig(a.DB.Ent, a.Config, a.Log)
	if err != nil {
		return nil, fmt.Errorf("app: audit sealer: %w", err)
	}
	retention, err := audit.RetentionFromConfig(a.DB.Ent, a.Config, a.Log)
	if err != nil {
		return nil, fmt.Errorf("app: audit retention: %w", err)
	}
	months, err := audit.MonthRetentionFromConfig(a.DB.Ent, a.Config, a.Log)
	if err != nil {
		return nil, fmt.Errorf("app: audit month retention: %w", err)
	}
	return []jobs.Task{{
		Kind:        "session.cleanup",
		Description: "Remove sessions and one-time tokens that expired more than jobs.session_retention ago",
		Every:       j.SessionCleanupInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			c, err := identity.CleanupExpired(ctx, a.DB.Ent, time.Now(), j.SessionRetention)
			if err == nil && c.Sessions+c.Tokens > 0 {
				a.Log.InfoContext(ctx, "removed expired sessions and tokens", "sessions", c.Sessions, "tokens", c.Tokens)
			}
			return err
		},
	}, {
		Kind:        "audit.seal",
		Description: "Seal new audit rows into signed, hash-chained AuditSeals (tamper evidence)",
		Every:       j.AuditSealInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			_, err := sealer.SealPending(ctx)
			return err
		},
	}, {
		Kind:        "audit.retention",
		Description: "Export audit rows past their organization's retention to JSONL, then delete them (sealed rows only)",
		Every:       j.AuditRetentionInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			res, err := retention.Run(ctx)
			if err == nil && res.Rows > 0 {
				a.Log.InfoContext(ctx, "audit retention exported and removed rows", "rows", res.Rows, "files", len(res.Files))
			}
			return err
		},
	}, {
		Kind:        "productivity.rollup",
		Description: "Recompute productivity summaries of yesterday and today (or of --arg day=YYYY-MM-DD) in each organization's time zone",
		Every:       j.ProductivityRollupInterval,
		Params:      map[string]string{"day": "the day to recompute (YYYY-MM-DD); default: yesterday and today"},
		Run: func(ctx context.Context, p jobs.Params) error {
			day, given, err := dayParam(p)
			switch {
			case err != nil:
				return err
			case !given:
				return worktracking.RollupRecent(ctx, a.DB.Ent, time.Now())
			}
			if err := worktracking.CheckRawKept(ctx, a.DB.Ent, a.DB.Dialect, day); err != nil {
				return err
			}
			return worktracking.Rollup(ctx, a.DB.Ent, day)
		},
	}, {
		Kind:        "budget.release_expired",
		Description: "Release LLM budget reservations whose call never settled (their TTL passed)",
		Every:       j.BudgetReleaseInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			_, err := ledger.ReleaseExpired(ctx, a.DB.Ent, time.Now())
			return err
		},
	}, {
		Kind:        "cost.rollup",
		Description: "Roll LLM calls of yesterday and today, and of past days that received calls after their rollup (or only --arg day=YYYY-MM-DD), up into AgentCostLog",
		Every:       j.CostRollupInterval,
		Params:      map[string]string{"day": "the day to roll up (YYYY-MM-DD); default: yesterday and today"},
		Run: func(ctx context.Context, p jobs.Params) error {
			now := time.Now().UTC()
			days := []time.Time{now.AddDate(0, 0, -1), now}
			day, given, err := dayParam(p)
			if err != nil {
				return err
			}
			if given {
				days = []time.Time{day}
			}
			for _, d := range days {
				if _, err := ledger.RollupDay(ctx, a.DB.Ent, a.DB.Dialect, d); err != nil {
					return err
				}
			}
			if given {
				return nil
			}
			// Older days that received calls after their rollup (late reports).
			_, err = ledger.RollupDirty(ctx, a.DB.Ent, a.DB.Dialect)
			return err
		},
	}, {
		Kind:        "approvals.expire",
		Description: "Reject agent tool actions whose approval timed out (timeout = deny; also applied on read)",
		Every:       j.ApprovalExpiryInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			_, err := approvals.ExpirePending(ctx, a.DB.Ent, time.Now())
			return err
		},
	}, {
		Kind:        "llm.capture_purge",
		Description: "Remove captured LLM prompts and responses older than each organization's llm_capture_retention_days (calls and costs stay)",
		Every:       j.CapturePurgeInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			p, err := ledger.PurgeCaptures(ctx, a.DB.Ent, a.DB.Dialect, time.Now())
			if err == nil && p.Calls+p.Messages > 0 {
				a.Log.InfoContext(ctx, "purged LLM captures past retention", "calls", p.Calls, "messages", p.Messages)
			}
			return err
		},
	}, {
		Kind:        "partitions.maintain",
		Description: "Create the partitions of the coming months (and the stream's coming blocks of ids) and drop whole months past audit.*_retention_months (sealed and exported first), ledger.call_retention_months and worktracking.raw_retention_months (PostgreSQL only)",
		Every:       j.PartitionMaintenanceInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			if a.DB.Dialect != dialect.Postgres {
				return nil // SQLite keeps plain tables
			}
			if _, err := partition.EnsureAll(ctx, a.DB.SQL, time.Now()); err != nil {
				return err
			}
			if _, err := months.Run(ctx); err != nil {
				return err
			}
			if _, err := ledger.DropExpiredMonths(ctx, a.DB.Ent, a.Config.Ledger.CallRetentionMonths, time.Now()); err != nil {
				return err
			}
			_, err := worktracking.DropExpiredRawMonths(ctx, a.DB.Ent, a.Config.WorkTracking.RawRetentionMonths, time.Now())
			return err
		},
	}, {
		Kind:        "stream.prune",
		Description: "Remove real-time stream events older than stream.retention (on PostgreSQL a block of ids at a time, once all its events are older) and expired stream tickets",
		Every:       j.StreamPruneInterval,
		Run: func(ctx context.Context, _ jobs.Params) error {
			_, err := stream.PruneEvents(ctx, a.DB, time.Now().Add(-a.Config.Stream.Retention))
			return err
		},
	}}, nil
}

// jobsProbe reports recent job failures in /readyz without failing
// readiness: a failing job is an operator's matter, not a reason to take
// the replica out of the load balancer.
func (a *App) jobsProbe() api.Probe {
	return api.Probe{Name: "jobs", Informational: true, Check: func(ctx context.Context) error {
		if a.Jobs == nil {
			return nil
		}
		f, err := a.Jobs.RecentFailures(ctx, time.Hour)
		if err != nil {
			a.Log.WarnContext(ctx, "job failure check failed", "error", err)
			return errors.New("job state unavailable")
		}
		if f.Count == 0 {
			return nil
		}
		return fmt.Errorf("%d failed job attempt(s) in the last hour; latest: %s (job %d)", f.Count, f.LatestKind, f.LatestID)
	}}
}

// dayParam reads the optional `day` parameter of the rollup tasks.
func dayParam(p jobs.Params) (day time.Time, given bool, err error) {
	if _, ok := p["day"]; !ok {
		return time.Time{}, false, nil
	}
	day, err = p.Time("day", time.Time{})
	return day, true, err
}
