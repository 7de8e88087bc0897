package apispec

import (
	"os"
	"strings"
	"testing"

	"github.com/go-faster/yaml"
	"github.com/ogen-go/ogen"
)

// listing is a spec with one list operation answering page.
func listing(page string, schemas map[string]*ogen.Schema) *ogen.Spec {
	return specWith(ogen.Paths{"/things": &ogen.PathItem{Get: &ogen.Operation{
		OperationID: "listThings", Summary: "List", Tags: []string{"t"},
		Responses: ogen.Responses{"200": &ogen.Response{Description: "ok", Content: map[string]ogen.Media{
			"application/json": {Schema: &ogen.Schema{Ref: ref("schemas", page)}},
		}}},
	}}}, schemas)
}

func TestPageEnvelopesAreGenerated(t *testing.T) {
	spec := listing("ThingPage", map[string]*ogen.Schema{"ThingInfo": {Type: "object"}, "Thing": {Type: "object"}})
	if err := addPageEnvelopes(spec); err != nil {
		t.Fatal(err)
	}
	page := spec.Components.Schemas["ThingPage"]
	if page == nil || len(page.Properties) != 2 {
		t.Fatalf("ThingPage = %+v, want items and next_cursor", page)
	}
	if got := page.Properties[0].Schema.Items.Item.Ref; got != ref("schemas", "ThingInfo") {
		t.Errorf("items refer to %s, want ThingInfo (preferred over Thing)", got)
	}
	if c := page.Properties[1].Schema; c.Type != "string" || !c.Nullable || c.MaxLength == nil || *c.MaxLength != maxCursorLength {
		t.Errorf("next_cursor = %+v, want a nullable string of at most %d", c, maxCursorLength)
	}
	if strings.Join(page.Required, ",") != "items" {
		t.Errorf("required = %v, want [items]", page.Required)
	}
}

func TestPageEnvelopeRules(t *testing.T) {
	// A fragment that writes out a plain envelope is told to delete it.
	plain := &ogen.Schema{Type: "object", Properties: ogen.Properties{{Name: "items", Schema: &ogen.Schema{Type: "array"}}}}
	spec := listing("ThingPage", map[string]*ogen.Schema{"Thing": {Type: "object"}, "ThingPage": plain})
	if err := addPageEnvelopes(spec); err == nil || !strings.Contains(err.Error(), "generated") {
		t.Errorf("hand-written plain page: err = %v", err)
	}

	// A page with summary fields keeps them, after the shared envelope.
	withTotal := &ogen.Schema{Type: "object", Required: []string{"items", "total"}, Properties: ogen.Properties{
		{Name: "items", Schema: &ogen.Schema{Type: "array"}},
		{Name: "next_cursor", Schema: &ogen.Schema{Type: "string"}},
		{Name: "total", Schema: &ogen.Schema{Type: "integer"}},
	}}
	spec = listing("ThingPage", map[string]*ogen.Schema{"ThingEntry": {Type: "object"}, "ThingPage": withTotal})
	if err := addPageEnvelopes(spec); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range withTotal.Properties {
		names = append(names, p.Name)
	}
	if got := strings.Join(names, ","); got != "items,next_cursor,total" {
		t.Errorf("properties = %s", got)
	}
	if !withTotal.Properties[1].Schema.Nullable || strings.Join(withTotal.Required, ",") != "items,total" {
		t.Errorf("summary page did not get the shared envelope: %+v", withTotal)
	}

	// A page without an item schema fails generation.
	spec = listing("GhostPage", map[string]*ogen.Schema{})
	if err := addPageEnvelopes(spec); err == nil {
		t.Error("page without item schema: no error")
	}
}

// TestEveryPageInTheContractHasOneShape reads the committed contract: every
// `…Page` schema has the same next_cursor, so clients need one pager.
func TestEveryPageInTheContractHasOneShape(t *testing.T) {
	raw, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]*ogen.Schema `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	pages := 0
	for name, s := range doc.Components.Schemas {
		if !strings.HasSuffix(name, pageSuffix) {
			continue
		}
		pages++
		var cursor *ogen.Schema
		for _, p := range s.Properties {
			if p.Name == "next_cursor" {
				cursor = p.Schema
			}
		}
		if cursor == nil || !cursor.Nullable || cursor.Type != "string" || cursor.MaxLength == nil || *cursor.MaxLength != maxCursorLength {
			t.Errorf("%s.next_cursor = %+v, want the shared nullable cursor", name, cursor)
		}
	}
	if pages < 40 {
		t.Errorf("found %d page schemas, expected the contract's ~42", pages)
	}
}
