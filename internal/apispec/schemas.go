package apispec

import (
	"encoding/json"
	"fmt"
	"math"

	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
)

// shapeEntitySchemas turns entoas' entity schemas into our API resources:
// fields only (edges are exposed as their `<edge>_id` fields, never as
// nested objects), no sensitive fields, and every validation keyword the ent
// schema declares, so ogen rejects bad input before a handler runs.
func shapeEntitySchemas(g *gen.Graph, spec *ogen.Spec) error {
	for _, n := range g.Nodes {
		if _, exposed := n.Annotations[oasfield.ResourceAnnotation]; exposed {
			continue // built by addResources
		}
		s, ok := spec.Components.Schemas[n.Name]
		if !ok {
			continue
		}
		keep := map[string]*gen.Field{n.ID.Name: n.ID}
		for _, f := range n.Fields {
			if !f.Sensitive() {
				keep[f.Name] = f
			}
		}
		var props ogen.Properties
		for _, p := range s.Properties {
			f, ok := keep[p.Name]
			if !ok {
				continue
			}
			// entoas shares one schema object per Go type; copy it before
			// adding this field's limits so they stay on this field.
			p.Schema = clone(p.Schema)
			if err := constrain(n, f, p.Schema); err != nil {
				return err
			}
			props = append(props, p)
		}
		s.Properties = props
		s.Required = filterRequired(s.Required, keep)
		s.Description = fmt.Sprintf("%s resource.", n.Name)
	}
	return nil
}

func filterRequired(req []string, keep map[string]*gen.Field) []string {
	var out []string
	for _, r := range req {
		if _, ok := keep[r]; ok {
			out = append(out, r)
		}
	}
	return out
}

// constrain copies ent's own limits (MaxLen is kept as Size) and our
// oasfield annotation onto a property schema. A string without a maximum
// length fails generation: unbounded input is a denial-of-service risk.
func constrain(n *gen.Type, f *gen.Field, s *ogen.Schema) error {
	if s == nil || s.Ref != "" {
		return nil
	}
	c, err := constraints(f)
	if err != nil {
		return err
	}
	if f.Nillable || f.Optional {
		s.Nullable = f.Nillable
	}
	if c != nil && c.NilIsNull {
		if !f.IsUUID() {
			return fmt.Errorf("apispec: %s.%s: NilIsNull on a %s field (UUID only)", n.Name, f.Name, f.Type)
		}
		s.Nullable = true
	}
	target := s
	if s.Type == "array" && s.Items != nil && s.Items.Item != nil {
		target = s.Items.Item
	}
	if target.Type == "string" && target.Format == "" && len(target.Enum) == 0 {
		if size := f.Column().Size; size > 0 && size < math.MaxInt32 {
			max := uint64(size)
			target.MaxLength = &max
		} else if !f.IsJSON() {
			return fmt.Errorf("apispec: %s.%s: string field without MaxLen", n.Name, f.Name)
		}
	}
	if c == nil {
		return nil
	}
	if c.MinLength != nil {
		v := uint64(*c.MinLength)
		target.MinLength = &v
	}
	if c.Pattern != "" {
		target.Pattern = c.Pattern
	}
	if c.Format != "" {
		target.Format = c.Format
	}
	if c.Minimum != nil {
		target.Minimum = num(*c.Minimum)
	}
	if c.Maximum != nil {
		target.Maximum = num(*c.Maximum)
	}
	return nil
}

// nilIsNull reports whether the contract shows f's nil UUID as null
// (oasfield.NilIsNull).
func nilIsNull(f *gen.Field) bool {
	c, err := constraints(f)
	return err == nil && c != nil && c.NilIsNull
}

func constraints(f *gen.Field) (*oasfield.Constraints, error) {
	raw, ok := f.Annotations[oasfield.AnnotationName]
	if !ok {
		return nil, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var c oasfield.Constraints
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("apispec: %s annotation: %w", f.Name, err)
	}
	return &c, nil
}

func num(v float64) ogen.Num {
	b, _ := json.Marshal(v)
	return ogen.Num(b)
}

// clone copies a property schema deep enough to constrain it in place.
func clone(s *ogen.Schema) *ogen.Schema {
	if s == nil {
		return nil
	}
	c := *s
	if s.Items != nil && s.Items.Item != nil {
		c.Items = &ogen.Items{Item: clone(s.Items.Item)}
	}
	return &c
}
