package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/mixin"

	"github.com/worksynapse/worksynapse/internal/audit"
)

// AuditMixin writes an ActivityLog row for every create, update and delete
// of the entity, inside the mutation's transaction (see internal/audit).
// It must come after SoftDeleteMixin so soft deletes are audited as deletes.
type AuditMixin struct{ mixin.Schema }

// Hooks of the AuditMixin.
func (AuditMixin) Hooks() []ent.Hook {
	return []ent.Hook{audit.Hook()}
}
