// Package viewer carries the authenticated principal of a request in its
// context. Privacy rules in ent read it; only the API's security handler,
// the CLI and background jobs create one.
package viewer

import (
	"bytes"
	"context"
	"slices"

	"github.com/google/uuid"
)

// Role is the name of a role the viewer holds in an organization: a seeded
// system role (ADMIN, MANAGER, DEVELOPER, VIEWER) or a custom one.
type Role string

// Membership is what the viewer is in one organization: its roles and the
// union of their permissions.
type Membership struct {
	OrganizationID uuid.UUID
	Roles          []Role
	Permissions    Permissions
}

// Permission is one (resource, action) pair, as in the Permission table.
type Permission struct {
	Resource, Action string
}

// Permissions is a set of permissions.
type Permissions map[Permission]struct{}

// Action names the rules use (the values of Permission.action).
const (
	ActionCreate = "create"
	ActionRead   = "read"
	ActionUpdate = "update"
	ActionDelete = "delete"
	ActionManage = "manage"
)

// Add puts (resource, action) in the set, creating the set when nil.
func (p *Permissions) Add(resource, action string) {
	if *p == nil {
		*p = Permissions{}
	}
	(*p)[Permission{resource, action}] = struct{}{}
}

// Allows reports whether the set grants action on resource. As Keycloak's
// manage-* roles include view-*, "manage" implies create, read, update
// and delete of the same resource (not "approve").
func (p Permissions) Allows(resource, action string) bool {
	if _, ok := p[Permission{resource, action}]; ok {
		return true
	}
	switch action {
	case ActionCreate, ActionRead, ActionUpdate, ActionDelete:
		_, ok := p[Permission{resource, ActionManage}]
		return ok
	}
	return false
}

// Viewer is the principal on whose behalf ent runs a query or mutation.
type Viewer struct {
	// UserID is set for user principals (and for agents acting for a user).
	UserID uuid.UUID
	// AgentID is set when an AI agent acts through its own credentials.
	AgentID uuid.UUID
	// SessionID is the login session the access token belongs to.
	SessionID uuid.UUID
	// Superuser is the platform-wide SUPER_ADMIN flag (User.is_superuser).
	Superuser bool
	// Service marks the service-to-service principal (X-API-Key).
	Service bool
	// Memberships are loaded once per request, keyed by organization.
	Memberships map[uuid.UUID]Membership

	// system marks trusted internal code (migrations, seeding, jobs, the
	// audit hook). It is unexported so only NewSystemContext can set it.
	system bool
	reason string
}

type ctxKey struct{}

// NewContext returns ctx carrying v.
func NewContext(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, v)
}

// FromContext returns the viewer in ctx, or nil when there is none.
func FromContext(ctx context.Context) *Viewer {
	v, _ := ctx.Value(ctxKey{}).(*Viewer)
	return v
}

// NewSystemContext is the one way to bypass tenant and RBAC rules. Every
// caller says why the bypass is needed in reason, a string literal at the
// call site (a helper wrapping it takes the reason from its own callers;
// TestEveryBypassSaysWhy checks both); reason is kept for audit rows and
// logs.
func NewSystemContext(ctx context.Context, reason string) context.Context {
	return NewContext(ctx, &Viewer{system: true, reason: reason})
}

// NewService returns the service-to-service principal: a request whose
// X-API-Key is the configured auth.service_api_key, on an operation that
// accepts it. It is no user, no agent and member of no organization, so
// every tenant rule denies it; code that lets it write narrows it with
// InOrganizations to the organizations of that write.
func NewService() *Viewer { return &Viewer{Service: true} }

// InOrganizations returns a copy of the service principal holding perms in
// orgs and nothing else, so the privacy rules confine its writes to those
// organizations and the audit trail records actor_type service. It panics
// on any other viewer: users and agents have their own memberships.
func (v *Viewer) InOrganizations(orgs []uuid.UUID, perms ...Permission) *Viewer {
	if v == nil || !v.Service || v.system || v.UserID != uuid.Nil || v.AgentID != uuid.Nil {
		panic("viewer: InOrganizations is for the service principal")
	}
	out := &Viewer{Service: true, Memberships: make(map[uuid.UUID]Membership, len(orgs))}
	for _, org := range orgs {
		m := Membership{OrganizationID: org}
		for _, p := range perms {
			m.Permissions.Add(p.Resource, p.Action)
		}
		out.Memberships[org] = m
	}
	return out
}

// IsService reports whether v is the service-to-service principal.
func (v *Viewer) IsService() bool { return v != nil && v.Service }

// IsSystem reports whether v is the trusted internal principal.
func (v *Viewer) IsSystem() bool { return v != nil && v.system }

// SystemReason is why the system context was created.
func (v *Viewer) SystemReason() string {
	if v == nil {
		return ""
	}
	return v.reason
}

// OrganizationIDs lists the organizations the viewer belongs to.
func (v *Viewer) OrganizationIDs() []uuid.UUID {
	if v == nil {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(v.Memberships))
	for id := range v.Memberships {
		ids = append(ids, id)
	}
	return ids
}

// IsMember reports whether the viewer belongs to organization id.
func (v *Viewer) IsMember(id uuid.UUID) bool {
	if v == nil {
		return false
	}
	_, ok := v.Memberships[id]
	return ok
}

// Can reports whether the viewer may do action on resource in organization
// org. System code and the SUPER_ADMIN may do everything; others need a role
// granting it in that organization (permissions are loaded per request, so
// a role change takes effect on the next one).
func (v *Viewer) Can(org uuid.UUID, resource, action string) bool {
	if v == nil {
		return false
	}
	if v.system || v.Superuser {
		return true
	}
	m, ok := v.Memberships[org]
	return ok && m.Permissions.Allows(resource, action)
}

// OrganizationsWhere lists the organizations in which the viewer may do
// action on resource (the SQL filter of reads, updates and deletes).
func (v *Viewer) OrganizationsWhere(resource, action string) []uuid.UUID {
	if v == nil {
		return nil
	}
	var ids []uuid.UUID
	for id, m := range v.Memberships {
		if m.Permissions.Allows(resource, action) {
			ids = append(ids, id)
		}
	}
	// Sorted so the same viewer always produces the same SQL.
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return ids
}

// HasRole reports whether the viewer holds role in organization id.
func (v *Viewer) HasRole(id uuid.UUID, role Role) bool {
	if v == nil {
		return false
	}
	for _, r := range v.Memberships[id].Roles {
		if r == role {
			return true
		}
	}
	return false
}
