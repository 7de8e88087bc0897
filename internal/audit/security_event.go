package audit

import (
	"context"
	"fmt"
	"time"

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
	// User and Agent name the subject when it is not the viewer (a failed
	// login has no viewer; a budget denial concerns the agent); zero
	// values take the viewer's.
	User, Agent uuid.UUID
	// At is the event time when the caller's clock matters (tests); zero
	// is now.
	At time.Time
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
	// e.Org is uuid.Nil for an event outside any organization (the
	// column's sentinel, see oasfield.NilIsNull).
	b := tx.SecurityAuditLog.Create().SetEventType(e.Type).SetSeverity(e.Severity).SetOrganizationID(e.Org).
		SetIP(meta.ClientIP).SetUserAgent(meta.UserAgent).SetRequestID(meta.RequestID).SetDetails(e.Details)
	if e.User == uuid.Nil && v != nil {
		e.User = v.UserID
	}
	if e.Agent == uuid.Nil && v != nil {
		e.Agent = v.AgentID
	}
	if e.User != uuid.Nil {
		b.SetUserID(e.User)
	}
	if e.Agent != uuid.Nil {
		b.SetAgentID(e.Agent)
	}
	if !e.At.IsZero() {
		b.SetCreatedAt(e.At)
	}
	if err := b.Exec(sys); err != nil {
		return fmt.Errorf("audit: record %s: %w", e.Type, err)
	}
	return nil
}
