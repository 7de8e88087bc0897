package apispec

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ogen-go/ogen"
)

// pageSuffix names a keyset page envelope: an operation answering
// `$ref: '#/components/schemas/TaskPage'` gets TaskPage generated here.
const pageSuffix = "Page"

// maxCursorLength bounds the opaque cursors the server hands out (and the
// `cursor` parameter accepts: see the Cursor parameter in common.yaml).
const maxCursorLength = 512

// addPageEnvelopes defines every page envelope the operations refer to, so
// all lists share one shape: `items` (required) and `next_cursor` (always
// nullable, null on the last page). Fragments only name the page in the
// response; the items are `<Stem>Info`, `<Stem>Entry` or `<Stem>` (see pageItem).
// A fragment may define a page itself only to add summary fields (e.g. a
// total); its `items` and `next_cursor` are then replaced by the shared ones.
func addPageEnvelopes(spec *ogen.Spec) error {
	for _, name := range referencedPages(spec) {
		item, err := pageItem(spec, name)
		if err != nil {
			return err
		}
		page, defined := spec.Components.Schemas[name]
		if defined && !hasSummaryFields(page) {
			return fmt.Errorf("apispec: schema %s is a plain page envelope: remove it from the fragment, it is generated", name)
		}
		if !defined {
			page = &ogen.Schema{Type: "object"}
		}
		setEnvelope(page, item)
		spec.Components.Schemas[name] = page
	}
	return nil
}

// referencedPages lists, sorted, the `…Page` schemas that a JSON response
// of some operation refers to.
func referencedPages(spec *ogen.Spec) []string {
	seen := map[string]bool{}
	var names []string
	for _, path := range sortedPaths(spec) {
		for _, op := range operations(spec.Paths[path]) {
			for _, resp := range op.Responses {
				if resp == nil {
					continue
				}
				for _, media := range resp.Content {
					name := strings.TrimPrefix(refOf(media.Schema), "#/components/schemas/")
					if strings.HasSuffix(name, pageSuffix) && !seen[name] {
						seen[name] = true
						names = append(names, name)
					}
				}
			}
		}
	}
	sort.Strings(names)
	return names
}

func refOf(s *ogen.Schema) string {
	if s == nil {
		return ""
	}
	return s.Ref
}

// pageItem is the item schema of a page: `<Stem>Info`, `<Stem>Entry` or
// `<Stem>`, the first that exists.
func pageItem(spec *ogen.Spec, page string) (string, error) {
	stem := strings.TrimSuffix(page, pageSuffix)
	for _, candidate := range []string{stem + "Info", stem + "Entry", stem} {
		if _, ok := spec.Components.Schemas[candidate]; ok {
			return candidate, nil
		}
	}
	return "", fmt.Errorf("apispec: page %s: no item schema %sInfo, %sEntry or %s", page, stem, stem, stem)
}

// hasSummaryFields reports whether a hand-written page carries more than
// the envelope's own properties.
func hasSummaryFields(s *ogen.Schema) bool {
	for _, p := range s.Properties {
		if p.Name != "items" && p.Name != "next_cursor" {
			return true
		}
	}
	return false
}

// setEnvelope puts the shared `items` and `next_cursor` first in s,
// keeping any summary properties after them.
func setEnvelope(s *ogen.Schema, item string) {
	max := uint64(maxCursorLength)
	props := ogen.Properties{
		{Name: "items", Schema: &ogen.Schema{
			Type:  "array",
			Items: &ogen.Items{Item: &ogen.Schema{Ref: "#/components/schemas/" + item}},
		}},
		{Name: "next_cursor", Schema: &ogen.Schema{
			Type:        "string",
			Nullable:    true,
			MaxLength:   &max,
			Description: "Cursor of the next page (pass it as `cursor`); null on the last page.",
		}},
	}
	required := []string{"items"}
	for _, p := range s.Properties {
		if p.Name != "items" && p.Name != "next_cursor" {
			props = append(props, p)
		}
	}
	for _, r := range s.Required {
		if r != "items" && r != "next_cursor" {
			required = append(required, r)
		}
	}
	s.Type = "object"
	s.Properties = props
	s.Required = required
	if s.Description == "" {
		s.Description = fmt.Sprintf("One page of %s, in keyset order.", item)
	}
}
