package api

import (
	"encoding/json"

	"github.com/go-faster/jx"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/apiconv"
	"github.com/worksynapse/worksynapse/internal/identity"
	"github.com/worksynapse/worksynapse/internal/oas"
)

// ToAPIOrganization converts an organization (all generated).
func ToAPIOrganization(o *ent.Organization) *oas.Organization { return apiconv.Organization(o) }

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

// ToAPIProject converts a project (all generated).
func ToAPIProject(p *ent.Project) *oas.Project { return apiconv.Project(p) }

// ToAPIProjectMember converts a project member, adding the username and
// display name of its (eager-loaded) user; a user the viewer may not see
// is shown by id only.
func ToAPIProjectMember(m *ent.ProjectMember) *oas.ProjectMemberInfo {
	out := apiconv.ProjectMemberInfo(m)
	if u := m.Edges.User; u != nil {
		out.Username = u.Username
		if u.DisplayName != "" {
			out.DisplayName = oas.NewOptString(u.DisplayName)
		}
	}
	return out
}

// ToAPIActivity converts an audit row for the activity feeds (the
// ActivityEntry view: without the actor's IP and user agent, which are for
// security reviewers, not project members).
func ToAPIActivity(a *ent.ActivityLog) *oas.ActivityEntry { return apiconv.ActivityEntry(a) }

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
