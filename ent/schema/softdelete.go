package schema

import (
	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"

	"context"
	"fmt"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/mixin"
	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/hook"
	"github.com/worksynapse/worksynapse/ent/intercept"
	"github.com/worksynapse/worksynapse/internal/softdelete"
)

// SoftDeleteMixin is ent's documented soft-delete pattern: reads exclude
// rows with deleted_at set (interceptor), deletes become updates (hook), and
// softdelete.Skip(ctx) lets admin and system code see or purge them.
// Unique indexes of such entities must be partial (`deleted_at IS NULL`) so
// a deleted name can be reused.
type SoftDeleteMixin struct{ mixin.Schema }

// Fields of the SoftDeleteMixin.
func (SoftDeleteMixin) Fields() []ent.Field {
	return []ent.Field{
		field.Time("deleted_at").Optional().Nillable().Annotations(oasfield.Hidden()),
	}
}

// Interceptors of the SoftDeleteMixin.
func (d SoftDeleteMixin) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		intercept.TraverseFunc(func(ctx context.Context, q intercept.Query) error {
			if !softdelete.Skipped(ctx) {
				d.exclude(q)
			}
			return nil
		}),
	}
}

// softDeletable is what the hook needs of every generated mutation.
type softDeletable interface {
	SetOp(ent.Op)
	Client() *gen.Client
	SetDeletedAt(time.Time)
	WhereP(...func(*sql.Selector))
	IDs(context.Context) ([]uuid.UUID, error)
	SetID(uuid.UUID)
}

// Hooks of the SoftDeleteMixin.
func (d SoftDeleteMixin) Hooks() []ent.Hook {
	return []ent.Hook{
		hook.On(func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if softdelete.Skipped(ctx) {
					return next.Mutate(ctx, m)
				}
				mx, ok := m.(softDeletable)
				if !ok {
					return nil, fmt.Errorf("softdelete: unexpected mutation type %T", m)
				}
				return d.softDelete(ctx, m, mx)
			})
		}, ent.OpDeleteOne|ent.OpDelete),
	}
}

// softDelete turns a delete into an update of deleted_at. A single-row
// delete becomes an UpdateOne so the audit hook sees the row's id and old
// values; the delete builder still receives the affected-row count it
// expects.
func (d SoftDeleteMixin) softDelete(ctx context.Context, m ent.Mutation, mx softDeletable) (ent.Value, error) {
	d.exclude(mx)
	mx.SetDeletedAt(time.Now())
	if m.Op().Is(ent.OpDelete) {
		mx.SetOp(ent.OpUpdate)
		return mx.Client().Mutate(ctx, m)
	}
	ids, err := mx.IDs(ctx)
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	mx.SetID(ids[0])
	mx.SetOp(ent.OpUpdateOne)
	if _, err := mx.Client().Mutate(ctx, m); err != nil {
		return 0, err
	}
	return 1, nil
}

// exclude adds the storage-level "not deleted" predicate.
func (SoftDeleteMixin) exclude(w interface{ WhereP(...func(*sql.Selector)) }) {
	w.WhereP(sql.FieldIsNull("deleted_at"))
}
