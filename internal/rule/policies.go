package rule

import (
	"context"

	"entgo.io/ent/entql"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// TenantPolicy is the baseline of every organization-scoped entity: no
// viewer, no access; system and superuser pass; everyone else is confined
// to their organizations. Finer RBAC rules slot in before AllowTenantMember.
func TenantPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), FilterTenant(),
			privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), FilterTenant(),
			AllowTenantMember(), DenyAlways(),
		},
	}
}

// idFilter is the entql filter of any entity (all have an id).
type idFilter interface {
	WhereID(entql.ValueP)
}

// OrganizationPolicy: members see their organizations; any signed-in user
// may create one (becoming its admin); changes are confined to own ones.
func OrganizationPolicy() ent.Policy {
	ownOrgs := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(fieldIn("id", viewer.FromContext(ctx).OrganizationIDs()))
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), ownOrgs, privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(allowUsers(), ent.OpCreate),
			ownOrgs, privacy.OnMutationOperation(allowUsers(), ent.OpUpdateOne|ent.OpUpdate),
			DenyAlways(),
		},
	}
}

// allowUsers allows a signed-in human user (not an agent or service).
func allowUsers() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, _ ent.Mutation) error {
		if v := viewer.FromContext(ctx); v != nil && v.UserID != [16]byte{} && v.AgentID == [16]byte{} {
			return privacy.Allow
		}
		return privacy.Skip
	})
}

// UserPolicy: a user sees themself and the members of their organizations;
// accounts are created and changed by system code (registration, admin
// operations) or a superuser, and by the user for their own row.
func UserPolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.Or(
			entql.FieldEQ("id", v.UserID),
			entql.HasEdgeWith("memberships", fieldIn("organization_id", v.OrganizationIDs())),
		))
		return privacy.Skip
	})
	self := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.(idFilter).WhereID(entql.ValueEQ(viewer.FromContext(ctx).UserID))
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(),
			privacy.OnMutationOperation(privacy.MutationPolicy{self, allowUsers()}, ent.OpUpdateOne),
			DenyAlways(),
		},
	}
}

// ownerFilter is implemented by rows that belong to one user.
type ownerFilter interface {
	WhereUserID(entql.ValueP)
}

// OwnerPolicy is for per-user security rows (sessions, login history,
// tokens): users read their own; only system code writes them.
func OwnerPolicy() ent.Policy {
	own := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.(ownerFilter).WhereUserID(entql.ValueEQ(viewer.FromContext(ctx).UserID))
		return privacy.Skip
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), own, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), DenyAlways()},
	}
}

// GlobalCatalogPolicy is for platform-wide reference data (permissions,
// model prices): every viewer reads it; system code and superusers write.
func GlobalCatalogPolicy() ent.Policy {
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), DenyAlways()},
	}
}

// AuditLogPolicy makes audit tables append-only: rows are inserted by the
// audit hook and security code (system context) and never updated or
// deleted by anyone, superusers included. Readers see their
// organizations' rows and their own actions.
func AuditLogPolicy(actorField string) ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		v := viewer.FromContext(ctx)
		f.Where(entql.Or(
			fieldIn("organization_id", v.OrganizationIDs()),
			entql.FieldEQ(actorField, v.UserID),
		))
		return privacy.Skip
	})
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, privacy.AlwaysAllowRule(),
		},
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(AllowIfSystem(), ent.OpCreate),
			DenyAlways(),
		},
	}
}

// RolePolicy: everyone sees the system roles and their organizations'
// custom roles; role administration arrives with the identity issue's
// admin operations and is system/superuser-only until then.
func RolePolicy() ent.Policy {
	visible := privacy.FilterFunc(func(ctx context.Context, f privacy.Filter) error {
		f.Where(entql.Or(
			entql.FieldNil("organization_id"),
			fieldIn("organization_id", viewer.FromContext(ctx).OrganizationIDs()),
		))
		return privacy.Skip
	})
	return privacy.Policy{
		Query:    privacy.QueryPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), visible, privacy.AlwaysAllowRule()},
		Mutation: privacy.MutationPolicy{DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), DenyAlways()},
	}
}
