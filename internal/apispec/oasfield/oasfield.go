// Package oasfield is the ent field annotation for OpenAPI constraints that
// ent cannot express in its own descriptors (ent keeps MaxLen as a size, but
// Match/MinLen/Range only as opaque validator funcs). The spec pipeline in
// internal/apispec copies them onto the generated schema so ogen validates
// input before a handler runs. It imports nothing heavy on purpose: the ent
// schema package, and so the server binary, depends on it.
package oasfield

import "entgo.io/ent/schema"

// Constraints annotates an ent field with OpenAPI validation keywords.
type Constraints struct {
	MinLength *int64   `json:"min_length,omitempty"`
	Pattern   string   `json:"pattern,omitempty"`
	Format    string   `json:"format,omitempty"`
	Minimum   *float64 `json:"minimum,omitempty"`
	Maximum   *float64 `json:"maximum,omitempty"`
	Example   any      `json:"example,omitempty"`
	// NilIsNull: see NilIsNull.
	NilIsNull bool `json:"nil_is_null,omitempty"`
}

// Name implements ent's schema.Annotation.
func (Constraints) Name() string { return AnnotationName }

// AnnotationName is the key under which ent stores Constraints.
const AnnotationName = "OASConstraints"

// NotEmpty requires at least one character (pairs with ent's NotEmpty).
func NotEmpty() Constraints { n := int64(1); return Constraints{MinLength: &n} }

// Pattern constrains a string with an ECMA-262 compatible regular expression.
func Pattern(re string) Constraints { n := int64(1); return Constraints{MinLength: &n, Pattern: re} }

// Format sets an OpenAPI string format such as "email" or "uri".
func Format(f string) Constraints { return Constraints{Format: f} }

// Date documents a time field that holds a calendar date (format: date).
func Date() Constraints { return Constraints{Format: "date"} }

// Range bounds a number (pairs with ent's Range/Min/Max).
func Range(lo, hi float64) Constraints { return Constraints{Minimum: &lo, Maximum: &hi} }

// Min bounds a number from below (pairs with ent's Min/NonNegative).
func Min(lo float64) Constraints { return Constraints{Minimum: &lo} }

// NilIsNull marks a UUID column that is NOT NULL in the database and holds
// the nil UUID (00000000-0000-0000-0000-000000000000) for "none", so that
// an index leading on it finds every row: the organization_id of the audit
// logs and roles, which rows outside any organization (a failed login, a
// system role) also have. The contract shows the nil UUID as null, as it
// did when the column was nullable.
func NilIsNull() Constraints { return Constraints{NilIsNull: true} }

// Merge implements ent's schema.Merger, so one field can carry several
// constraints (e.g. NotEmpty and Format); a later value wins per keyword.
func (c Constraints) Merge(other schema.Annotation) schema.Annotation {
	var o Constraints
	switch v := other.(type) {
	case Constraints:
		o = v
	case *Constraints:
		if v != nil {
			o = *v
		}
	default:
		return c
	}
	if o.MinLength != nil {
		c.MinLength = o.MinLength
	}
	if o.Pattern != "" {
		c.Pattern = o.Pattern
	}
	if o.Format != "" {
		c.Format = o.Format
	}
	if o.Minimum != nil {
		c.Minimum = o.Minimum
	}
	if o.Maximum != nil {
		c.Maximum = o.Maximum
	}
	if o.Example != nil {
		c.Example = o.Example
	}
	c.NilIsNull = c.NilIsNull || o.NilIsNull
	return c
}
