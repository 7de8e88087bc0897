package apispec

import (
	"fmt"

	"github.com/ogen-go/ogen"
)

// maxVersionTag bounds an entity tag (`If-Match` in, `ETag` out).
const maxVersionTag = 32

// addCommonComponents defines, once and in Go, the parameters and headers
// every list and every versioned entity share, so no fragment restates
// them: `limit` and `cursor` (keyset pagination, see pages.go), `If-Match`
// (required wherever an operation takes it: the server refuses a write
// without it) and the `ETag` response header (components.headers.ETag).
// Fragments refer to them by name.
func addCommonComponents(spec *ogen.Spec) {
	if spec.Components.Parameters == nil {
		spec.Components.Parameters = map[string]*ogen.Parameter{}
	}
	maxCursor, maxTag := uint64(maxCursorLength), uint64(maxVersionTag)
	spec.Components.Parameters["Limit"] = &ogen.Parameter{
		Name: "limit", In: "query", Description: "Page size (keyset pagination).",
		Schema: &ogen.Schema{Type: "integer", Minimum: num(1), Maximum: num(100), Default: []byte("50")},
	}
	spec.Components.Parameters["Cursor"] = &ogen.Parameter{
		Name: "cursor", In: "query",
		Description: "Opaque cursor from the previous page's `next_cursor`, valid only with the filters it was issued for.",
		Schema:      &ogen.Schema{Type: "string", MaxLength: &maxCursor},
	}
	spec.Components.Parameters["IfMatch"] = &ogen.Parameter{
		Name: "If-Match", In: "header", Required: true,
		Description: "The version the client read (`3`, `\"3\"` or `W/\"3\"`), e.g. the ETag of the last read. " +
			"Required by every operation that takes it (optimistic concurrency); absent or stale is 412 and changes nothing.",
		Schema: &ogen.Schema{Type: "string", MaxLength: &maxTag},
	}
	if spec.Components.Headers == nil {
		spec.Components.Headers = map[string]*ogen.Header{}
	}
	spec.Components.Headers["ETag"] = &ogen.Header{
		Description: "The entity's version as a strong entity tag, e.g. `\"3\"`; send it back in If-Match.",
		Schema:      &ogen.Schema{Type: "string", MaxLength: &maxTag},
	}
}

// commonComponent reports whether name is defined by addCommonComponents;
// a fragment defining it again is refused.
func commonComponent(section, name string) error {
	switch section + "/" + name {
	case "parameters/Limit", "parameters/Cursor", "parameters/IfMatch", "headers/ETag":
		return fmt.Errorf("%s %s is defined once in internal/apispec/common.go: refer to it with $ref", section, name)
	}
	return nil
}
