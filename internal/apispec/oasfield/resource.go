package oasfield

import "entgo.io/ent/schema"

// Resource exposes an ent entity in the API contract. The generate step
// (internal/apispec) builds the named schemas from the entity's fields, and
// internal/apiconv gets a generated converter from the ent entity to the
// read schema. Which fields a client may write is declared on the fields
// (Writable, CreateOnly, UpdateOnly); which it never sees, with Hidden or
// ent's Sensitive. Leave Create or Update empty when there is no such body.
//
//	func (Task) Annotations() []schema.Annotation {
//		return []schema.Annotation{oasfield.Resource{
//			Read: "TaskInfo", Create: "TaskCreateRequest", Update: "TaskUpdateRequest",
//			Computed: []oasfield.Prop{{Name: "key", Type: "string", MaxLength: 32, Description: "WS-42"}},
//		}}
//	}
type Resource struct {
	// Read names the response schema: every visible field, always present,
	// null where the ent field is Nillable and unset.
	Read string `json:"read,omitempty"`
	// Create names the POST body: the fields writable on create, required
	// where ent requires a value (not Optional, no Default).
	Create string `json:"create,omitempty"`
	// Update names the PATCH body: the fields writable on update, all
	// optional; null clears an Optional field.
	Update string `json:"update,omitempty"`
	// Computed are read-schema properties the server derives (a task's key,
	// rendered HTML); the handler sets them after the generated converter.
	Computed []Prop `json:"computed,omitempty"`
	// Views are further read schemas of the same entity that leave fields
	// out (e.g. an audit entry without the actor's IP for project members).
	Views []View `json:"views,omitempty"`
	// Description of the read schema; the entity's doc comment is not
	// visible to the generator.
	Description string `json:"description,omitempty"`
}

// View is a read schema that omits some of the entity's visible fields.
type View struct {
	Name        string   `json:"name"`
	Description string   `json:"description,omitempty"`
	Omit        []string `json:"omit,omitempty"`
	Computed    []Prop   `json:"computed,omitempty"`
}

// Name implements ent's schema.Annotation.
func (Resource) Name() string { return ResourceAnnotation }

// ResourceAnnotation is the key under which ent stores Resource.
const ResourceAnnotation = "OASResource"

// Prop is a computed property of a read schema. Type is an OpenAPI type
// ("string", "integer", "number", "boolean", "array", "object") or empty
// with Ref naming a component schema; Items is the item type or schema
// name of an array.
type Prop struct {
	Name        string `json:"name"`
	Type        string `json:"type,omitempty"`
	Format      string `json:"format,omitempty"`
	Ref         string `json:"ref,omitempty"`
	Items       string `json:"items,omitempty"`
	MaxLength   int64  `json:"max_length,omitempty"`
	Nullable    bool   `json:"nullable,omitempty"`
	Optional    bool   `json:"optional,omitempty"`
	Description string `json:"description,omitempty"`
}

// Access says where a client may send a field. Fields without it are
// read-only: the server sets them (ids, tenant, timestamps, counters).
type Access struct {
	Create bool `json:"create,omitempty"`
	Update bool `json:"update,omitempty"`
	Hidden bool `json:"hidden,omitempty"`
	// Required makes the field required in the create body although ent
	// has a default for it or lets it be empty (the API asks for it).
	Required bool `json:"required,omitempty"`
	// RequiredOnUpdate makes the field required in the update body.
	RequiredOnUpdate bool `json:"required_on_update,omitempty"`
	// NoClear keeps an Optional field from being cleared with null in the
	// update body (the API can change it, not remove it).
	NoClear bool `json:"no_clear,omitempty"`
	// Enum names the shared enum schema of an enum field when it is not
	// <Entity><Field> (e.g. "ProjectRole" for ProjectMember.role).
	Enum string `json:"enum,omitempty"`
}

// Name implements ent's schema.Annotation.
func (Access) Name() string { return AccessAnnotation }

// AccessAnnotation is the key under which ent stores Access.
const AccessAnnotation = "OASAccess"

// Merge implements ent's schema.Merger, so Writable() and EnumName() can
// both annotate one field.
func (a Access) Merge(other schema.Annotation) schema.Annotation {
	var o Access
	switch v := other.(type) {
	case Access:
		o = v
	case *Access:
		if v != nil {
			o = *v
		}
	default:
		return a
	}
	a.Create = a.Create || o.Create
	a.Update = a.Update || o.Update
	a.Hidden = a.Hidden || o.Hidden
	a.Required = a.Required || o.Required
	a.RequiredOnUpdate = a.RequiredOnUpdate || o.RequiredOnUpdate
	a.NoClear = a.NoClear || o.NoClear
	if o.Enum != "" {
		a.Enum = o.Enum
	}
	return a
}

// Writable lets clients set the field on create and change it on update.
func Writable() Access { return Access{Create: true, Update: true} }

// CreateOnly lets clients set the field on create only.
func CreateOnly() Access { return Access{Create: true} }

// UpdateOnly lets clients change the field on update only.
func UpdateOnly() Access { return Access{Update: true} }

// Hidden keeps a field out of every response (ent's Sensitive fields are
// always kept out).
func Hidden() Access { return Access{Hidden: true} }

// Required makes clients send the field on create even though ent has a
// default for it or accepts it empty.
func Required() Access { return Access{Required: true} }

// RequiredOnUpdate makes clients send the field in every update.
func RequiredOnUpdate() Access { return Access{RequiredOnUpdate: true} }

// NoClear refuses null for an Optional field in the update body.
func NoClear() Access { return Access{NoClear: true} }

// EnumName names the shared enum schema of an enum field.
func EnumName(name string) Access { return Access{Enum: name} }
