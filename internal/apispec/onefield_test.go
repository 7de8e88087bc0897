package apispec

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"entgo.io/ent"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/entc/load"
	"entgo.io/ent/schema"
	"entgo.io/ent/schema/field"
	"github.com/google/uuid"
	"github.com/ogen-go/ogen"
	ogengen "github.com/ogen-go/ogen/gen"

	"github.com/worksynapse/worksynapse/internal/apispec/oasfield"
)

// Widget is a fixture entity: the generate pipeline (ent graph -> schemas
// -> ogen types -> converters) runs on it without touching the real tree.
type Widget struct{ ent.Schema }

// widgetExtra are fields a test adds to Widget before loading it.
var widgetExtra []ent.Field

func (Widget) Fields() []ent.Field {
	return append([]ent.Field{
		field.UUID("id", uuid.UUID{}).Default(uuid.New).Immutable(),
		field.String("name").MaxLen(80).NotEmpty().Annotations(oasfield.NotEmpty(), oasfield.Writable()),
		field.Enum("state").Values("on", "off").Default("on").Annotations(oasfield.Writable()),
		field.String("secret").MaxLen(64).Sensitive(),
	}, widgetExtra...)
}

func (Widget) Annotations() []schema.Annotation {
	return []schema.Annotation{oasfield.Resource{Read: "WidgetInfo", Create: "WidgetCreateRequest", Update: "WidgetUpdateRequest"}}
}

// fixtureGraph loads Widget with extra fields, as entc would.
func fixtureGraph(t *testing.T, extra ...ent.Field) *gen.Graph {
	t.Helper()
	widgetExtra = extra
	defer func() { widgetExtra = nil }()
	raw, err := load.MarshalSchema(Widget{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := load.UnmarshalSchema(raw)
	if err != nil {
		t.Fatal(err)
	}
	g, err := gen.NewGraph(&gen.Config{Package: "example.com/fixture/ent"}, s)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// fixturePipeline runs the spec pass, ogen and the converter generator on
// g and returns the spec, ogen's schema types and the converters.
func fixturePipeline(t *testing.T, g *gen.Graph) (*ogen.Spec, string, string) {
	t.Helper()
	spec := &ogen.Spec{
		OpenAPI: "3.0.3", Info: ogen.Info{Title: "fixture", Version: "0.0.1"},
		Components: &ogen.Components{Schemas: map[string]*ogen.Schema{}},
		Paths: ogen.Paths{"/widgets": &ogen.PathItem{Post: &ogen.Operation{
			OperationID: "createWidget",
			RequestBody: &ogen.RequestBody{Required: true, Content: map[string]ogen.Media{
				"application/json": {Schema: &ogen.Schema{Ref: "#/components/schemas/WidgetCreateRequest"}}}},
			Responses: ogen.Responses{"201": &ogen.Response{Description: "created", Content: map[string]ogen.Media{
				"application/json": {Schema: &ogen.Schema{Ref: "#/components/schemas/WidgetInfo"}}}}},
		}}},
	}
	if err := addResources(g, spec); err != nil {
		t.Fatal(err)
	}
	gen, err := ogengen.NewGenerator(spec, ogengen.Options{})
	if err != nil {
		t.Fatalf("ogen: %v", err)
	}
	dir := t.TempDir()
	if err := gen.WriteSource(dirFS(dir), "oas"); err != nil {
		t.Fatalf("ogen: %v", err)
	}
	types := filepath.Join(dir, "oas_schemas_gen.go")
	conv, err := GenerateConverters(g, types)
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(types)
	if err != nil {
		t.Fatal(err)
	}
	return spec, string(src), string(conv)
}

type dirFS string

func (d dirFS) WriteFile(name string, src []byte) error {
	return os.WriteFile(filepath.Join(string(d), name), src, 0o644)
}

// TestOneFieldOneEdit: adding one field to an exposed entity's ent schema
// is the only edit needed for it to reach the read schema (with ent's
// limit), the ogen type and the converter; without an access annotation
// it is read-only, so no request body gains it.
func TestOneFieldOneEdit(t *testing.T) {
	_, beforeTypes, beforeConv := fixturePipeline(t, fixtureGraph(t))
	if strings.Contains(beforeTypes, `json:"x"`) || strings.Contains(beforeConv, "out.X") {
		t.Fatal("fixture already has x")
	}
	spec, types, conv := fixturePipeline(t, fixtureGraph(t, field.String("x").Optional().MaxLen(33)))

	x := property(spec.Components.Schemas["WidgetInfo"], "x")
	if x == nil || x.Type != "string" || x.MaxLength == nil || *x.MaxLength != 33 {
		t.Fatalf("WidgetInfo.x = %+v, want a string with maxLength 33", x)
	}
	if !isReadOnly(x) || !contains(spec.Components.Schemas["WidgetInfo"].Required, "x") {
		t.Error("x should be read-only and always present in WidgetInfo")
	}
	for _, body := range []string{"WidgetCreateRequest", "WidgetUpdateRequest"} {
		if property(spec.Components.Schemas[body], "x") != nil {
			t.Errorf("%s has x, which is not writable", body)
		}
	}
	if !regexp.MustCompile(`\bX\s+string\s+` + "`json:\"x\"`").MatchString(types) {
		t.Errorf("ogen type lacks X string:\n%s", types)
	}
	if !strings.Contains(conv, "out.X = e.X") {
		t.Errorf("converter does not set X:\n%s", conv)
	}
	if strings.Contains(conv, "Secret") || property(spec.Components.Schemas["WidgetInfo"], "secret") != nil {
		t.Error("a sensitive field reached the contract")
	}
}

// TestWritableFieldShapes: an Optional, Nillable, writable field is
// optional on create, nullable (null clears) on update and nullable in the
// read schema; a required field without default is required on create.
func TestWritableFieldShapes(t *testing.T) {
	spec, _, conv := fixturePipeline(t, fixtureGraph(t,
		field.Int("size").Optional().Nillable().Annotations(oasfield.Writable(), oasfield.Min(0))))
	schemas := spec.Components.Schemas
	if got := schemas["WidgetCreateRequest"].Required; len(got) != 1 || got[0] != "name" {
		t.Errorf("create required = %v, want [name]", got)
	}
	if p := property(schemas["WidgetCreateRequest"], "size"); p == nil || p.Nullable {
		t.Errorf("create size = %+v, want optional, not nullable", p)
	}
	if p := property(schemas["WidgetUpdateRequest"], "size"); p == nil || !p.Nullable || p.Minimum == nil {
		t.Errorf("update size = %+v, want nullable with minimum", p)
	}
	if p := property(schemas["WidgetInfo"], "size"); p == nil || !p.Nullable || isReadOnly(p) {
		t.Errorf("read size = %+v, want nullable, writable", p)
	}
	if p := property(schemas["WidgetInfo"], "state"); p == nil || p.Ref != "#/components/schemas/WidgetState" {
		t.Errorf("read state = %+v, want the shared enum WidgetState", p)
	}
	if !strings.Contains(conv, "out.Size.SetToNull()") || !strings.Contains(conv, "oas.WidgetState(e.State)") {
		t.Errorf("converter:\n%s", conv)
	}
}

func property(s *ogen.Schema, name string) *ogen.Schema {
	if s == nil {
		return nil
	}
	for _, p := range s.Properties {
		if p.Name == name {
			return p.Schema
		}
	}
	return nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
