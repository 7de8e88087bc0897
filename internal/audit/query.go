package audit

import (
	"context"
	"net/netip"
	"time"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/predicate"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/pagination"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// The audit search runs with the caller's context: which rows a caller may
// see is decided by rule.AuditLogPolicy alone, so a filter can only narrow
// the visible set (asking for another organization's rows yields none).

// TimeRange bounds created_at: From inclusive, To exclusive; zero is open.
type TimeRange struct {
	From, To time.Time
}

// validate refuses an empty or inverted range (a 422 naming `to`).
func (r TimeRange) validate() error {
	if !r.From.IsZero() && !r.To.IsZero() && !r.To.After(r.From) {
		return problem.Validation("invalid time range", problem.FieldError{Field: "to", Message: "must be after from"})
	}
	return nil
}

// ActivityFilter selects ActivityLog rows; zero fields do not filter.
type ActivityFilter struct {
	ActorUserID, ActorAgentID, OrganizationID, ResourceID uuid.UUID
	ResourceType, Action                                  string
	TimeRange
}

// SecurityFilter selects SecurityAuditLog rows; zero fields do not filter.
type SecurityFilter struct {
	UserID, AgentID, OrganizationID uuid.UUID
	EventType, Severity, IP         string
	TimeRange
}

// fields are the filters that are set, for the export's security event.
func (f ActivityFilter) fields() map[string]any {
	return setFields(map[string]any{
		"actor_user_id": f.ActorUserID, "actor_agent_id": f.ActorAgentID, "organization_id": f.OrganizationID,
		"resource_id": f.ResourceID, "resource_type": f.ResourceType, "action": f.Action, "from": f.From, "to": f.To,
	})
}

// fields are the filters that are set, for the export's security event.
func (f SecurityFilter) fields() map[string]any {
	return setFields(map[string]any{
		"user_id": f.UserID, "agent_id": f.AgentID, "organization_id": f.OrganizationID, "event_type": f.EventType,
		"severity": f.Severity, "ip": f.IP, "from": f.From, "to": f.To,
	})
}

// setFields drops the zero values of m.
func setFields(m map[string]any) map[string]any {
	for k, v := range m {
		switch x := v.(type) {
		case uuid.UUID:
			if x == uuid.Nil {
				delete(m, k)
			}
		case string:
			if x == "" {
				delete(m, k)
			}
		case time.Time:
			if x.IsZero() {
				delete(m, k)
			}
		}
	}
	return m
}

// predicates of the filter, or a 422 problem for an invalid one.
func (f ActivityFilter) predicates() ([]predicate.ActivityLog, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	var ps []predicate.ActivityLog
	add := func(ok bool, p predicate.ActivityLog) {
		if ok {
			ps = append(ps, p)
		}
	}
	add(f.ActorUserID != uuid.Nil, activitylog.ActorUserID(f.ActorUserID))
	add(f.ActorAgentID != uuid.Nil, activitylog.ActorAgentID(f.ActorAgentID))
	add(f.OrganizationID != uuid.Nil, activitylog.OrganizationID(f.OrganizationID))
	add(f.ResourceID != uuid.Nil, activitylog.ResourceID(f.ResourceID))
	add(f.ResourceType != "", activitylog.ResourceType(f.ResourceType))
	add(f.Action != "", activitylog.Action(f.Action))
	add(!f.From.IsZero(), activitylog.CreatedAtGTE(f.From))
	add(!f.To.IsZero(), activitylog.CreatedAtLT(f.To))
	return ps, nil
}

// predicates of the filter, or a 422 problem for an invalid one.
func (f SecurityFilter) predicates() ([]predicate.SecurityAuditLog, error) {
	if err := f.validate(); err != nil {
		return nil, err
	}
	var ps []predicate.SecurityAuditLog
	add := func(ok bool, p predicate.SecurityAuditLog) {
		if ok {
			ps = append(ps, p)
		}
	}
	if f.IP != "" {
		ip, err := netip.ParseAddr(f.IP)
		if err != nil {
			return nil, problem.Validation("invalid ip", problem.FieldError{Field: "ip", Message: "not an IPv4 or IPv6 address"})
		}
		// Stored addresses are in the canonical form the request-id
		// middleware records (netip, IPv4-mapped unmapped), so any spelling
		// of the same address finds the same rows.
		ps = append(ps, securityauditlog.IP(ip.Unmap().String()))
	}
	add(f.UserID != uuid.Nil, securityauditlog.UserID(f.UserID))
	add(f.AgentID != uuid.Nil, securityauditlog.AgentID(f.AgentID))
	add(f.OrganizationID != uuid.Nil, securityauditlog.OrganizationID(f.OrganizationID))
	add(f.EventType != "", securityauditlog.EventType(f.EventType))
	add(f.Severity != "", securityauditlog.SeverityEQ(securityauditlog.Severity(f.Severity)))
	add(!f.From.IsZero(), securityauditlog.CreatedAtGTE(f.From))
	add(!f.To.IsZero(), securityauditlog.CreatedAtLT(f.To))
	return ps, nil
}

// ListActivity is one page of the visible ActivityLog rows matching f,
// newest first.
func (r *Reader) ListActivity(ctx context.Context, f ActivityFilter, p pagination.Params) (pagination.Page[*gen.ActivityLog], error) {
	ps, err := f.predicates()
	if err != nil {
		return pagination.Page[*gen.ActivityLog]{}, err
	}
	page, err := pagination.List(ctx, r.client.ActivityLog.Query().Where(ps...), p, activityID)
	for _, a := range page.Items {
		redactActivity(a)
	}
	return page, err
}

// ListSecurity is one page of the visible SecurityAuditLog rows matching
// f, newest first.
func (r *Reader) ListSecurity(ctx context.Context, f SecurityFilter, p pagination.Params) (pagination.Page[*gen.SecurityAuditLog], error) {
	ps, err := f.predicates()
	if err != nil {
		return pagination.Page[*gen.SecurityAuditLog]{}, err
	}
	page, err := pagination.List(ctx, r.client.SecurityAuditLog.Query().Where(ps...), p, securityID)
	for _, s := range page.Items {
		redactSecurity(s)
	}
	return page, err
}

func activityID(a *gen.ActivityLog) uuid.UUID      { return a.ID }
func securityID(s *gen.SecurityAuditLog) uuid.UUID { return s.ID }

// redactActivity and redactSecurity apply the write-time redaction again
// on the way out, nested objects included: security details are written by
// many callers without the hook's redaction, and rows written by older
// versions or by hand must not leak a secret through the API either.
func redactActivity(a *gen.ActivityLog) {
	redactDeep(a.OldValues)
	redactDeep(a.NewValues)
}

func redactSecurity(s *gen.SecurityAuditLog) { redactDeep(s.Details) }

func redactDeep(values map[string]any) {
	redact(values)
	for _, v := range values {
		redactValue(v)
	}
}

func redactValue(v any) {
	switch x := v.(type) {
	case map[string]any:
		redactDeep(x)
	case []any:
		for _, e := range x {
			redactValue(e)
		}
	}
}

// Reader serves the audit trail's reads and exports, as the viewer: the
// privacy rules decide which rows an organization admin or a SUPER_ADMIN
// sees.
type Reader struct{ client *gen.Client }

// NewReader returns the audit trail's reader on client.
func NewReader(client *gen.Client) *Reader { return &Reader{client: client} }
