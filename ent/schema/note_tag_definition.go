package schema

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/contrib/entoas"
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
	"github.com/worksynapse/worksynapse/internal/rule"
)

// NoteTagDefinition is a tag of an organization's notes. Names keep the
// case they were typed in but are unique case-insensitively, so "Design"
// and "design" cannot both exist.
type NoteTagDefinition struct{ ent.Schema }

// Mixin of the NoteTagDefinition.
func (NoteTagDefinition) Mixin() []ent.Mixin {
	return []ent.Mixin{IDMixin{}, TimeMixin{}, TenantMixin{}, SoftDeleteMixin{}, AuditMixin{}}
}

// Fields of the NoteTagDefinition.
func (NoteTagDefinition) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").MaxLen(64).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()).
			Comment("Unique in the organization, ignoring case"),
		field.String("name_key").MaxLen(64).NotEmpty().Annotations(entoas.Skip(true)).
			Comment("Lower-cased name, set by the schema hook; carries the uniqueness"),
		field.String("color").MaxLen(7).Default("#6B7280").Match(colorRE).
			Annotations(oasfield.Pattern(colorPattern), oasfield.Writable()).Comment("Hex color, #RRGGBB"),
	}
}

// Annotations of the NoteTagDefinition: its API shapes, named after the
// API's word for it, a tag (see oasfield.Resource).
func (NoteTagDefinition) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{
		Read: "NoteTagInfo", Create: "NoteTagCreateRequest", Update: "NoteTagUpdateRequest",
		Description: "A tag of the organization's notes.",
	}}
}

// Edges of the NoteTagDefinition.
func (NoteTagDefinition) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("notes", Note.Type).Ref("tags").Through("note_links", NoteTag.Type),
	}
}

// Indexes of the NoteTagDefinition.
func (NoteTagDefinition) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("organization_id", "name_key").Unique().Annotations(entsql.IndexWhere("deleted_at IS NULL")),
	}
}

// Hooks of the NoteTagDefinition: name_key follows name on every write, so
// no code path can store a key that disagrees with the name. The hook uses
// the generic mutation API so the schema compiles before code generation.
func (NoteTagDefinition) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if !m.Op().Is(ent.OpCreate | ent.OpUpdate | ent.OpUpdateOne) {
					return next.Mutate(ctx, m)
				}
				if v, ok := m.Field("name"); ok {
					name, ok := v.(string)
					if !ok {
						return nil, fmt.Errorf("note tag: unexpected name type %T", v)
					}
					if err := m.SetField("name_key", strings.ToLower(name)); err != nil {
						return nil, err
					}
				}
				return next.Mutate(ctx, m)
			})
		},
		noteTagLinks.inverse("notes"),
	}
}

// Policy of the NoteTagDefinition.
func (NoteTagDefinition) Policy() ent.Policy { return rule.TenantPolicy("note") }
