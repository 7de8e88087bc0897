package api

import (
	"context"
	"time"

	"github.com/worksynapse/worksynapse/internal/oas"
)

// probeTimeout bounds each readiness check so a hung dependency makes the
// probe fail fast instead of hanging the orchestrator's request.
const probeTimeout = 2 * time.Second

// GetHealth implements GET /healthz: the process is alive, nothing more.
func (h *Handler) GetHealth(context.Context) (oas.GetHealthRes, error) {
	return &oas.HealthStatus{Status: oas.HealthStatusStatusOk}, nil
}

// GetReadiness implements GET /readyz: every probe but the informational
// ones (recent job failures) must pass.
func (h *Handler) GetReadiness(ctx context.Context) (oas.GetReadinessRes, error) {
	checks := oas.HealthStatusChecks{}
	ready := true
	for _, p := range h.probes {
		pctx, cancel := context.WithTimeout(ctx, probeTimeout)
		err := p.Check(pctx)
		cancel()
		if err != nil {
			ready = ready && p.Informational
			checks[p.Name] = err.Error()
			h.log.WarnContext(ctx, "readiness check failed", "check", p.Name, "error", err)
			continue
		}
		checks[p.Name] = "ok"
	}
	status := &oas.HealthStatus{Status: oas.HealthStatusStatusOk, Checks: oas.NewOptHealthStatusChecks(checks)}
	if !ready {
		status.Status = oas.HealthStatusStatusUnavailable
		return (*oas.GetReadinessServiceUnavailable)(status), nil
	}
	return (*oas.GetReadinessOK)(status), nil
}
