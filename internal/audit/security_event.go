package audit

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/requestmeta"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// SecurityEvent is one SecurityAuditLog row: what happened, how serious,
// to which organization, with which details. Who did it and from where
// come from the context (viewer, request metadata).
type SecurityEvent struct {
	Type     string
	Severity securityauditlog.Severity
	Org      uuid.UUID // optional
	Details  map[string]any
}

// RecordSecurityEvent writes e in tx with the caller's identity and the
// request's metadata. The SecurityAuditLog accepts inserts from system
// code only, so it writes through a system context derived from ctx.
func RecordSecurityEvent(ctx context.Context, tx *gen.Tx, e SecurityEvent) error {
	v := viewer.FromContext(ctx)
	meta := requestmeta.FromContext(ctx)
	// Why a system context: see above; the viewer is recorded as the actor.
	sys := viewer.NewSystemContext(ctx, "security event "+e.Type)
	if e.Severity == "" {
		e.Severity = securityauditlog.SeverityInfo
	}
	b := tx.SecurityAuditLog.Create().SetEventType(e.Type).SetSeverity(e.Severity).
		SetIP(meta.ClientIP).SetUserAgent(meta.UserAgent).SetRequestID(meta.RequestID).SetDetails(e.Details)
	if e.Org != uuid.Nil {
		b.SetOrganizationID(e.Org)
	}
	if v != nil && v.UserID != uuid.Nil {
		b.SetUserID(v.UserID)
	}
	if v != nil && v.AgentID != uuid.Nil {
		b.SetAgentID(v.AgentID)
	}
	if err := b.Exec(sys); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Type, err)
	}
	return nil
}
