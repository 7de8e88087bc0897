package apispec

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"

	"entgo.io/contrib/entoas"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema/field"
	"github.com/go-faster/yaml"
	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
)

// Resource is an ent entity the API exposes (oasfield.Resource on its
// schema) with the fields each of its shapes carries. The spec pass and the
// converter generator both read it, so the contract and the converters
// cannot disagree about a field.
type Resource struct {
	Node   *gen.Type
	Shapes oasfield.Resource
	// Visible are the fields of the read schema, id first, in schema order.
	Visible []*gen.Field
}

// Access is the oasfield.Access annotation of f (zero when absent).
func Access(f *gen.Field) oasfield.Access {
	var a oasfield.Access
	decodeAnnotation(f.Annotations, oasfield.AccessAnnotation, &a)
	return a
}

// Resources lists the exposed entities of g, sorted by name.
func Resources(g *gen.Graph) ([]Resource, error) {
	var out []Resource
	for _, n := range g.Nodes {
		var shapes oasfield.Resource
		if !decodeAnnotation(n.Annotations, oasfield.ResourceAnnotation, &shapes) {
			continue
		}
		if shapes.Read == "" {
			return nil, fmt.Errorf("apispec: %s: oasfield.Resource needs a Read schema name", n.Name)
		}
		r := Resource{Node: n, Shapes: shapes, Visible: []*gen.Field{n.ID}}
		for _, f := range n.Fields {
			if visible(f) {
				r.Visible = append(r.Visible, f)
			}
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Node.Name < out[j].Node.Name })
	return out, nil
}

// visible reports whether a field appears in read schemas.
func visible(f *gen.Field) bool {
	if f.Sensitive() || Access(f).Hidden {
		return false
	}
	if a, err := entoas.FieldAnnotation(f); err == nil && a != nil && a.Skip {
		return false
	}
	return true
}

// decodeAnnotation decodes the annotation stored under name into v; ent
// keeps annotations as decoded JSON, so a round trip restores the type.
func decodeAnnotation(annotations gen.Annotations, name string, v any) bool {
	raw, ok := annotations[name]
	if !ok || raw == nil {
		return false
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, v) == nil
}

// shapeMode is which of an entity's shapes a property is built for.
type shapeMode int

const (
	readShape shapeMode = iota
	createShape
	updateShape
)

// addResources defines the read, create and update schemas (and shared
// enums) of every exposed entity. They are added before the fragments, so
// a fragment that still defines one fails generation as a duplicate.
func addResources(g *gen.Graph, spec *ogen.Spec) error {
	resources, err := Resources(g)
	if err != nil {
		return err
	}
	for _, r := range resources {
		// entoas's own schema of the entity is replaced, never merged.
		delete(spec.Components.Schemas, r.Node.Name)
	}
	for _, r := range resources {
		if err := addResource(spec, r); err != nil {
			return err
		}
	}
	return nil
}

func addResource(spec *ogen.Spec, r Resource) error {
	read, err := readSchema(spec, r, nil, r.Shapes.Computed)
	if err != nil {
		return err
	}
	if r.Shapes.Description != "" {
		read.Description = r.Shapes.Description
	}
	if err := define(spec, r.Shapes.Read, read); err != nil {
		return err
	}
	for _, v := range r.Shapes.Views {
		view, err := readSchema(spec, r, v.Omit, v.Computed)
		if err != nil {
			return err
		}
		if v.Description != "" {
			view.Description = v.Description
		}
		if err := define(spec, v.Name, view); err != nil {
			return err
		}
	}
	for _, w := range []struct {
		name string
		mode shapeMode
	}{{r.Shapes.Create, createShape}, {r.Shapes.Update, updateShape}} {
		if w.name == "" {
			continue
		}
		body, err := writeSchema(spec, r, w.mode)
		if err != nil {
			return err
		}
		if err := define(spec, w.name, body); err != nil {
			return err
		}
	}
	return nil
}

// readSchema is a response shape: every visible field is always present
// (typed clients need no optional checks), null where ent allows nil.
func readSchema(spec *ogen.Spec, r Resource, omit []string, computed []oasfield.Prop) (*ogen.Schema, error) {
	s := &ogen.Schema{Type: "object", Description: fmt.Sprintf("%s resource.", r.Node.Name)}
	skip := map[string]bool{}
	for _, name := range omit {
		skip[name] = true
	}
	for _, f := range r.Visible {
		if skip[f.Name] {
			continue
		}
		p, err := propSchema(spec, r, f, readShape)
		if err != nil {
			return nil, err
		}
		if a := Access(f); !a.Create && !a.Update {
			p = withReadOnly(p)
		}
		s.Properties = append(s.Properties, ogen.Property{Name: f.Name, Schema: p})
		s.Required = append(s.Required, f.Name)
	}
	for _, c := range computed {
		p, err := computedSchema(c)
		if err != nil {
			return nil, fmt.Errorf("apispec: %s.%s: %w", r.Node.Name, c.Name, err)
		}
		s.Properties = append(s.Properties, ogen.Property{Name: c.Name, Schema: p})
		if !c.Optional {
			s.Required = append(s.Required, c.Name)
		}
	}
	return s, nil
}

// withReadOnly marks a server-set property; a $ref cannot carry siblings
// in OpenAPI 3.0, so a referenced enum stays as it is.
func withReadOnly(p *ogen.Schema) *ogen.Schema {
	if p.Ref == "" {
		markReadOnly(p)
	}
	return p
}

// readOnlyMark flags a property schema as server-set. ogen's Schema type has
// no readOnly keyword, so the flag rides on the schema's extensions and
// WriteYAML turns it into `readOnly: true`.
const readOnlyMark = "x-worksynapse-read-only"

func markReadOnly(p *ogen.Schema) {
	if p.Common.Extensions == nil {
		p.Common.Extensions = map[string]yaml.Node{}
	}
	p.Common.Extensions[readOnlyMark] = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"}
}

func isReadOnly(p *ogen.Schema) bool {
	_, ok := p.Common.Extensions[readOnlyMark]
	return ok
}

// writeSchema is a request body: the fields clients may send on create
// (required where ent needs a value) or update (all optional; null clears
// an Optional field).
func writeSchema(spec *ogen.Spec, r Resource, mode shapeMode) (*ogen.Schema, error) {
	what := "Creates"
	if mode == updateShape {
		what = "Changes"
	}
	s := &ogen.Schema{Type: "object", Description: fmt.Sprintf("%s a %s; fields left out keep their value.", what, r.Node.Name)}
	if mode == createShape {
		s.Description = fmt.Sprintf("Creates a %s; fields left out get their default.", r.Node.Name)
	}
	for _, f := range r.Node.Fields {
		a := Access(f)
		if (mode == createShape && !a.Create) || (mode == updateShape && !a.Update) {
			continue
		}
		if f.Immutable && mode == updateShape {
			return nil, fmt.Errorf("apispec: %s.%s is Immutable but annotated writable on update", r.Node.Name, f.Name)
		}
		p, err := propSchema(spec, r, f, mode)
		if err != nil {
			return nil, err
		}
		s.Properties = append(s.Properties, ogen.Property{Name: f.Name, Schema: p})
		if requiredIn(f, mode) {
			s.Required = append(s.Required, f.Name)
		}
	}
	if len(s.Properties) == 0 {
		return nil, fmt.Errorf("apispec: %s: no field is writable for this body", r.Node.Name)
	}
	// An unknown field is a client bug (a typo, or a read-only field sent
	// back): 400 rather than silently ignoring it.
	closed := false
	s.AdditionalProperties = &ogen.AdditionalProperties{Bool: &closed}
	return s, nil
}

// requiredIn reports whether a body must carry the field: on create where
// ent needs a value (not Optional, no Default) or the API asks for one
// (oasfield.Required); on update only with oasfield.RequiredOnUpdate.
func requiredIn(f *gen.Field, mode shapeMode) bool {
	a := Access(f)
	switch mode {
	case createShape:
		return (!f.Optional && !f.Default) || a.Required
	case updateShape:
		return a.RequiredOnUpdate
	}
	return true
}

// nullable reports whether a property may be null in mode: in responses
// where ent allows nil, in updates where ent can clear the field (unless
// the API does not let clients clear it).
func nullable(f *gen.Field, mode shapeMode) bool {
	switch mode {
	case readShape:
		return f.Nillable || nilIsNull(f)
	case updateShape:
		a := Access(f)
		return f.Optional && !a.NoClear && !a.RequiredOnUpdate
	}
	return false
}

// propSchema is the schema of one ent field in one shape.
func propSchema(spec *ogen.Spec, r Resource, f *gen.Field, mode shapeMode) (*ogen.Schema, error) {
	null := nullable(f, mode)
	if f.IsEnum() && !null {
		name, err := defineEnum(spec, r, f)
		if err != nil {
			return nil, err
		}
		return &ogen.Schema{Ref: "#/components/schemas/" + name}, nil
	}
	s, err := baseSchema(r.Node, f)
	if err != nil {
		return nil, err
	}
	if err := constrain(r.Node, f, s); err != nil {
		return nil, err
	}
	s.Nullable = null
	s.Description = f.Comment()
	if mode == createShape && f.Default {
		if d := defaultText(f); d != "" {
			s.Description = strings.TrimSpace(strings.TrimSuffix(s.Description, ".") + ". Defaults to " + d + ".")
			s.Description = strings.TrimPrefix(s.Description, ". ")
		}
	}
	return s, nil
}

// baseSchema maps an ent field type onto an OpenAPI type and format.
func baseSchema(n *gen.Type, f *gen.Field) (*ogen.Schema, error) {
	switch t := f.Type.Type; {
	case t == field.TypeString:
		return &ogen.Schema{Type: "string"}, nil
	case t == field.TypeUUID:
		return &ogen.Schema{Type: "string", Format: "uuid"}, nil
	case t == field.TypeTime:
		return &ogen.Schema{Type: "string", Format: "date-time"}, nil
	case t == field.TypeBool:
		return &ogen.Schema{Type: "boolean"}, nil
	case t == field.TypeInt64 || t == field.TypeUint64:
		return &ogen.Schema{Type: "integer", Format: "int64"}, nil
	case t.Integer():
		return &ogen.Schema{Type: "integer"}, nil
	case t.Float():
		return &ogen.Schema{Type: "number", Format: "double"}, nil
	case t == field.TypeEnum:
		s := &ogen.Schema{Type: "string"}
		for _, v := range f.EnumValues() {
			s.Enum = append(s.Enum, json.RawMessage(fmt.Sprintf("%q", v)))
		}
		return s, nil
	case t == field.TypeJSON:
		return jsonSchema(n, f)
	}
	return nil, fmt.Errorf("apispec: %s.%s: no OpenAPI type for ent type %s (hide the field or expose it as a computed property)", n.Name, f.Name, f.Type)
}

// jsonSchema is the schema of a JSON field: an entoas.Schema annotation
// wins; string lists and free-form objects need none.
func jsonSchema(n *gen.Type, f *gen.Field) (*ogen.Schema, error) {
	if a, err := entoas.FieldAnnotation(f); err == nil && a != nil && a.Schema != nil {
		return clone(a.Schema), nil
	}
	if rt := f.Type.RType; rt != nil {
		switch {
		case rt.Kind == reflect.Slice && rt.Ident == "[]string":
			return &ogen.Schema{Type: "array", Items: &ogen.Items{Item: &ogen.Schema{Type: "string"}}}, nil
		case rt.Kind == reflect.Map && strings.HasPrefix(rt.Ident, "map[string]"):
			return &ogen.Schema{Type: "object", AdditionalProperties: &ogen.AdditionalProperties{Schema: ogen.Schema{}}}, nil
		}
	}
	return nil, fmt.Errorf("apispec: %s.%s: JSON field of type %s needs an entoas.Schema annotation", n.Name, f.Name, f.Type)
}

// defineEnum adds the shared enum schema of an enum field (named
// <Entity><Field> unless oasfield.EnumName says otherwise) and returns its
// name. Every shape and list filter refers to the one schema.
func defineEnum(spec *ogen.Spec, r Resource, f *gen.Field) (string, error) {
	name := Access(f).Enum
	if name == "" {
		name = r.Node.Name + camel(f.Name)
	}
	s, err := baseSchema(r.Node, f)
	if err != nil {
		return "", err
	}
	s.Description = f.Comment()
	if prev, ok := spec.Components.Schemas[name]; ok {
		if !sameJSON(prev.Enum, s.Enum) {
			return "", fmt.Errorf("apispec: enum schema %s defined twice with different values", name)
		}
		return name, nil
	}
	spec.Components.Schemas[name] = s
	return name, nil
}

// computedSchema builds a computed property's schema.
func computedSchema(c oasfield.Prop) (*ogen.Schema, error) {
	var s *ogen.Schema
	switch {
	case c.Ref != "":
		return &ogen.Schema{Ref: "#/components/schemas/" + c.Ref}, nil
	case c.Type == "array":
		item := &ogen.Schema{Type: c.Items}
		if strings.ToUpper(c.Items[:1]) == c.Items[:1] {
			item = &ogen.Schema{Ref: "#/components/schemas/" + c.Items}
		} else if c.Items == "uuid" {
			item = &ogen.Schema{Type: "string", Format: "uuid"}
		}
		s = &ogen.Schema{Type: "array", Items: &ogen.Items{Item: item}}
	case c.Type == "object":
		s = &ogen.Schema{Type: "object", AdditionalProperties: &ogen.AdditionalProperties{Schema: ogen.Schema{}}}
	case c.Type != "":
		s = &ogen.Schema{Type: c.Type, Format: c.Format}
	default:
		return nil, fmt.Errorf("computed property needs a Type or a Ref")
	}
	if c.Type == "string" && c.Format == "" {
		if c.MaxLength <= 0 {
			return nil, fmt.Errorf("computed string needs MaxLength")
		}
		max := uint64(c.MaxLength)
		s.MaxLength = &max
	}
	s.Nullable = c.Nullable
	markReadOnly(s)
	s.Description = c.Description
	return s, nil
}

// defaultText renders a simple ent default for a description ("" when it
// is computed by a function).
func defaultText(f *gen.Field) string {
	switch v := f.DefaultValue().(type) {
	case string:
		if v == "" {
			return "empty"
		}
		return "`" + v + "`"
	case bool, int, int64, float64:
		return fmt.Sprintf("`%v`", v)
	}
	return ""
}

// define adds a schema under a name nobody defined yet.
func define(spec *ogen.Spec, name string, s *ogen.Schema) error {
	if _, dup := spec.Components.Schemas[name]; dup {
		return fmt.Errorf("apispec: schema %s defined twice", name)
	}
	spec.Components.Schemas[name] = s
	return nil
}
