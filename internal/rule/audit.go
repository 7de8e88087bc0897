package rule

import (
	"context"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// SealPolicy guards the audit seals. Seals cover audit rows of every
// organization, so only superusers and system code (verification jobs)
// read them; only the sealing job (system context) creates them, and no
// one, superusers included, updates or deletes them: a changed seal would
// defeat the tamper evidence it exists for.
func SealPolicy() ent.Policy {
	return privacy.Policy{
		Query: privacy.QueryPolicy{
			DenyIfNoViewer(), AllowIfSystem(), AllowIfSuperuser(), DenyAlways(),
		},
		Mutation: privacy.MutationPolicy{
			privacy.OnMutationOperation(AllowIfSystem(), ent.OpCreate),
			DenyAlways(),
		},
	}
}

// retentionPurgeKey marks the context of audit retention's delete.
type retentionPurgeKey struct{}

// WithRetentionPurge marks ctx as audit retention deleting rows it has
// sealed and exported. Only internal/audit's Retention calls it (a test
// keeps it that way); audit rows are otherwise append-only for everyone.
func WithRetentionPurge(ctx context.Context) context.Context {
	return context.WithValue(ctx, retentionPurgeKey{}, true)
}

// AllowRetentionPurge is the one narrow exception to append-only audit
// tables: a bulk delete by system code in a WithRetentionPurge context.
func AllowRetentionPurge() privacy.MutationRule {
	return privacy.MutationRuleFunc(func(ctx context.Context, m ent.Mutation) error {
		if m.Op().Is(ent.OpDelete) && viewer.FromContext(ctx).IsSystem() && ctx.Value(retentionPurgeKey{}) != nil {
			return privacy.Allow
		}
		return privacy.Skip
	})
}
