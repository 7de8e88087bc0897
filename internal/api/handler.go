// Package api implements the ogen-generated oas.Handler: each operation maps
// its typed parameters onto the ent client and back. Authorization is not
// checked here — ent privacy rules do that — and errors are returned as-is,
// to be mapped to problem+json in one place (errors.go).
package api

import (
	"context"
	"log/slog"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
	"github.com/worksynapse/worksynapse/internal/projects"
)

// Probe is one readiness check (database reachable, migrations current...).
type Probe struct {
	Name  string
	Check func(ctx context.Context) error
}

// Handler implements every operation of the API; domains live in their own
// files (system.go, auth.go, projects.go, ...).
type Handler struct {
	oas.UnimplementedHandler

	client   *ent.Client
	identity *identity.Service
	projects *projects.Service
	log      *slog.Logger
	probes   []Probe
}

var _ oas.Handler = (*Handler)(nil)

// Deps are what the handler needs from the composition root.
type Deps struct {
	Client   *ent.Client
	Identity *identity.Service
	Log      *slog.Logger
	Probes   []Probe
}

// NewHandler builds the API handler.
func NewHandler(d Deps) *Handler {
	return &Handler{
		client: d.Client, identity: d.Identity, projects: projects.New(d.Client), log: d.Log, probes: d.Probes,
	}
}
