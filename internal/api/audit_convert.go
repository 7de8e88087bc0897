package api

import (
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIAuditActivity converts an ActivityLog row (redacted by
// internal/audit) with the fields auditors need: organization, IP, user
// agent and request id.
func ToAPIAuditActivity(a *ent.ActivityLog) *oas.AuditActivityEntry {
	out := &oas.AuditActivityEntry{
		ID: a.ID, CreatedAt: a.CreatedAt, OrganizationID: optID(a.OrganizationID),
		ActorType:   oas.AuditActivityEntryActorType(a.ActorType),
		ActorUserID: optID(a.ActorUserID), ActorAgentID: optID(a.ActorAgentID),
		ActivityType: oas.AuditActivityEntryActivityType(a.ActivityType), Action: a.Action,
		ResourceType: a.ResourceType, ResourceID: a.ResourceID,
		IP: optStr(a.IP), UserAgent: optStr(a.UserAgent), RequestID: optStr(a.RequestID),
	}
	if a.OldValues != nil {
		out.OldValues = oas.NewOptAuditActivityEntryOldValues(rawValues(a.OldValues))
	}
	if a.NewValues != nil {
		out.NewValues = oas.NewOptAuditActivityEntryNewValues(rawValues(a.NewValues))
	}
	return out
}

// ToAPISecurityEvent converts a SecurityAuditLog row (redacted by
// internal/audit).
func ToAPISecurityEvent(s *ent.SecurityAuditLog) *oas.SecurityEvent {
	out := &oas.SecurityEvent{
		ID: s.ID, CreatedAt: s.CreatedAt, OrganizationID: optID(s.OrganizationID),
		EventType: s.EventType, Severity: oas.SecurityEventSeverity(s.Severity),
		UserID: optID(s.UserID), AgentID: optID(s.AgentID),
		IP: optStr(s.IP), UserAgent: optStr(s.UserAgent), RequestID: optStr(s.RequestID),
	}
	if s.Details != nil {
		out.Details = oas.NewOptSecurityEventDetails(rawValues(s.Details))
	}
	return out
}

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
