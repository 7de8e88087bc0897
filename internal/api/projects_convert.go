package api

import (
	"encoding/json"

	"github.com/go-faster/jx"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIOrganization converts an organization.
func ToAPIOrganization(o *ent.Organization) *oas.Organization {
	out := &oas.Organization{
		ID: o.ID, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Name: o.Name, Slug: o.Slug,
		Plan: oas.OrganizationPlan(o.Plan), TimeZone: o.TimeZone, AuditRetentionDays: o.AuditRetentionDays,
		LlmCaptureRetentionDays: o.LlmCaptureRetentionDays,
		ManagerTrackingEnabled:  o.ManagerTrackingEnabled,
	}
	if o.Description != "" {
		out.Description = oas.NewOptString(o.Description)
	}
	return out
}

// ToAPIOrganizationMember converts a member as fellow members see them
// (no account status or lockout: that is the administrators' view).
func ToAPIOrganizationMember(ou identity.OrganizationUser) *oas.OrganizationMemberInfo {
	u := ou.User
	out := &oas.OrganizationMemberInfo{
		UserID: u.ID, Email: u.Email, Username: u.Username,
		Status: oas.OrganizationMemberInfoStatus(ou.MembershipStatus), Roles: ou.Roles,
	}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	if u.DisplayName != "" {
		out.DisplayName = oas.NewOptString(u.DisplayName)
	}
	return out
}

// ToAPIProject converts a project.
func ToAPIProject(p *ent.Project) *oas.Project {
	out := &oas.Project{
		ID: p.ID, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, OrganizationID: p.OrganizationID,
		Key: p.Key, Name: p.Name, Visibility: oas.ProjectVisibility(p.Visibility), Status: oas.ProjectStatus(p.Status),
		ArchivedAt: optNilTime(p.ArchivedAt), StartDate: optNilTime(p.StartDate), EndDate: optNilTime(p.EndDate),
		OwnerID: p.OwnerID, Version: p.Version,
	}
	if p.Description != "" {
		out.Description = oas.NewOptString(p.Description)
	}
	if p.DefaultBoardID != nil {
		out.DefaultBoardID = oas.NewOptNilUUID(*p.DefaultBoardID)
	}
	return out
}

// ToAPIProjectMember converts a project member with its (eager-loaded)
// user; a user the viewer may not see is shown by id only.
func ToAPIProjectMember(m *ent.ProjectMember) *oas.ProjectMemberInfo {
	out := &oas.ProjectMemberInfo{UserID: m.UserID, Role: oas.ProjectRole(m.Role), CreatedAt: m.CreatedAt}
	if u := m.Edges.User; u != nil {
		out.Username = u.Username
		if u.DisplayName != "" {
			out.DisplayName = oas.NewOptString(u.DisplayName)
		}
	}
	return out
}

// ToAPIActivity converts an audit row (without the actor's IP and user
// agent, which are for security reviewers, not project members).
func ToAPIActivity(a *ent.ActivityLog) *oas.ActivityEntry {
	out := &oas.ActivityEntry{
		ID: a.ID, Action: a.Action, ActivityType: oas.ActivityEntryActivityType(a.ActivityType),
		ActorType: oas.ActivityEntryActorType(a.ActorType), ResourceType: a.ResourceType, ResourceID: a.ResourceID,
		CreatedAt: a.CreatedAt,
	}
	if a.ActorUserID != nil {
		out.ActorUserID = oas.NewOptUUID(*a.ActorUserID)
	}
	if a.ActorAgentID != nil {
		out.ActorAgentID = oas.NewOptUUID(*a.ActorAgentID)
	}
	if a.OldValues != nil {
		out.OldValues = oas.NewOptActivityEntryOldValues(rawValues(a.OldValues))
	}
	if a.NewValues != nil {
		out.NewValues = oas.NewOptActivityEntryNewValues(rawValues(a.NewValues))
	}
	return out
}

// rawValues encodes audit values (already JSON-decoded from the database,
// so always encodable) for the free-form response objects.
func rawValues(m map[string]any) map[string]jx.Raw {
	out := make(map[string]jx.Raw, len(m))
	for k, v := range m {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("null")
		}
		out[k] = b
	}
	return out
}

// mapItems converts a page's items.
func mapItems[T, U any](items []T, f func(T) *U) []U {
	out := make([]U, 0, len(items))
	for _, it := range items {
		out = append(out, *f(it))
	}
	return out
}

// optPtr is nil for an absent optional value.
func optPtr[T any](o interface{ Get() (T, bool) }) *T {
	if v, ok := o.Get(); ok {
		return &v
	}
	return nil
}

// optEnum converts an optional API enum to the ent enum of the same values.
func optEnum[E ~string, O interface{ Get() (V, bool) }, V ~string](o O) *E {
	if v, ok := o.Get(); ok {
		e := E(v)
		return &e
	}
	return nil
}
