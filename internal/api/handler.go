// Package api implements the ogen-generated oas.Handler: each operation maps
// its typed parameters onto a domain service (built once, in NewHandler)
// and back. Authorization is not checked here — ent privacy rules do that,
// through the services, which run every query as the viewer — with one
// exception: background jobs are River rows, not ent entities, so their
// operations check for a SUPER_ADMIN themselves (requireSuperuser). Errors
// are returned as-is, to be mapped to problem+json in one place (errors.go).
package api

import (
	"context"
	"log/slog"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/agents"
	"github.com/worksynapse/worksynapse/internal/approvals"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/chat"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/jobs"
	"github.com/worksynapse/worksynapse/internal/ledger"
	"github.com/worksynapse/worksynapse/internal/notes"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/projects"
	"github.com/worksynapse/worksynapse/internal/storage"
	"github.com/worksynapse/worksynapse/internal/stream"
	"github.com/worksynapse/worksynapse/internal/tasks"
	"github.com/worksynapse/worksynapse/internal/worktracking"
)

// Probe is one readiness check (database reachable, migrations current...).
// An Informational probe's failure is shown in the details but does not
// make the replica unready.
type Probe struct {
	Name          string
	Check         func(ctx context.Context) error
	Informational bool
}

// Handler implements every operation of the API; domains live in their own
// files (system.go, auth.go, projects.go, ...).
type Handler struct {
	oas.UnimplementedHandler

	client *ent.Client
	// dialect is the database's (Deps.Dialect).
	dialect  string
	identity *identity.Service
	projects *projects.Service
	log      *slog.Logger
	probes   []Probe
	files    storage.Storage
	// maxUpload caps one uploaded file (storage.max_upload_bytes).
	maxUpload int64
	tasks     *tasks.Service
	jobs      *jobs.Runner
	work      *worktracking.Service
	notes     *notes.Service
	chat      *chat.Service
	agents    *agents.Service
	approvals *approvals.Service
	ledger    *ledger.Ledger
	audit     *audit.Reader
}

var _ oas.Handler = (*Handler)(nil)

// Deps are what the handler needs from the composition root.
type Deps struct {
	Client   *ent.Client
	Identity *identity.Service
	Log      *slog.Logger
	Probes   []Probe
	// Files stores attachments; MaxUploadBytes caps one file.
	Files          storage.Storage
	MaxUploadBytes int64
	// Dialect is the database's (dialect.Postgres or dialect.SQLite).
	Dialect string
	// Jobs lists and retries background jobs (admin operations).
	Jobs *jobs.Runner
	// WorkTracking is the worktracking section of the configuration.
	WorkTracking config.WorkTrackingConfig
	// Chat configures messages and their files.
	Chat config.ChatConfig
	// Events records chat changes for the real-time stream (nil: default).
	Events *stream.Publisher
	// Approvals configures agent tool actions.
	Approvals config.ApprovalsConfig
	// Ledger is the process's cost ledger (budgets, reported calls), the
	// one the LLM gateway records with.
	Ledger *ledger.Ledger
}

// NewHandler builds the API handler.
func NewHandler(d Deps) *Handler {
	chatSvc := chat.New(d.Client, d.Dialect, chat.Options{
		MaxMessageLength: d.Chat.MaxMessageLength, FileContentTypes: d.Chat.FileContentTypes,
		Files: d.Files, MaxUploadBytes: d.MaxUploadBytes, Events: d.Events,
	})
	return &Handler{client: d.Client, dialect: d.Dialect, identity: d.Identity, log: d.Log, probes: d.Probes,
		files: d.Files, maxUpload: d.MaxUploadBytes, tasks: tasks.New(d.Client, d.Dialect),
		jobs: d.Jobs, work: worktracking.New(d.Client, d.Dialect, d.WorkTracking), notes: notes.New(d.Client, d.Dialect),
		agents: agents.New(d.Client), chat: chatSvc, approvals: approvals.New(d.Client, d.Approvals), ledger: d.Ledger, audit: audit.NewReader(d.Client), projects: projects.New(d.Client, chatSvc)}
}
