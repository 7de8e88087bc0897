package api

import (
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIAuditActivity converts an ActivityLog row (redacted by
// internal/audit) with the fields auditors need: organization, IP, user
// agent and request id (all generated).
func ToAPIAuditActivity(a *ent.ActivityLog) *oas.AuditActivityEntry {
	return apiconv.AuditActivityEntry(a)
}

// ToAPISecurityEvent converts a SecurityAuditLog row (redacted by
// internal/audit; all generated).
func ToAPISecurityEvent(s *ent.SecurityAuditLog) *oas.SecurityEvent { return apiconv.SecurityEvent(s) }

// optID is an optional id; nil is absent.
func optID(id *uuid.UUID) oas.OptUUID {
	if id == nil {
		return oas.OptUUID{}
	}
	return oas.NewOptUUID(*id)
}

// optStr is an optional string; empty is absent (as in the export).
func optStr(s string) oas.OptString {
	if s == "" {
		return oas.OptString{}
	}
	return oas.NewOptString(s)
}
