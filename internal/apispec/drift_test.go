package apispec

import (
	"fmt"
	"io/fs"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"entgo.io/ent/schema/field"
	"github.com/go-faster/yaml"
)

// contractSchema is the part of a committed openapi.yaml schema the drift
// test compares.
type contractSchema struct {
	Ref        string                     `yaml:"$ref"`
	Type       string                     `yaml:"type"`
	Format     string                     `yaml:"format"`
	Enum       []string                   `yaml:"enum"`
	MaxLength  *int64                     `yaml:"maxLength"`
	Pattern    string                     `yaml:"pattern"`
	Nullable   bool                       `yaml:"nullable"`
	Required   []string                   `yaml:"required"`
	Properties map[string]*contractSchema `yaml:"properties"`
	Items      *contractSchema            `yaml:"items"`
}

func loadContract(t *testing.T) map[string]*contractSchema {
	t.Helper()
	raw, err := os.ReadFile("../../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]*contractSchema `yaml:"schemas"`
		} `yaml:"components"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Components.Schemas
}

// entGraph is the real ent graph, loaded once per test process (loading
// compiles and runs a small program: seconds, not milliseconds).
var entGraph = sync.OnceValues(func() (*gen.Graph, error) {
	return entc.LoadGraph("../../ent/schema", &gen.Config{})
})

func loadEntGraph(t *testing.T) *gen.Graph {
	t.Helper()
	g, err := entGraph()
	if err != nil {
		t.Fatalf("load ent graph: %v", err)
	}
	return g
}

// TestContractMatchesEnt: for every field of every exposed entity, the
// committed contract says what the ent schema declares: type and format,
// enum values, maximum length, pattern, nullability and presence. The
// expectations are computed from the ent graph, so a new entity or field
// is covered without touching this test; a hand edit of openapi.yaml, a
// stale regeneration or a generator change that loses a keyword fails it.
func TestContractMatchesEnt(t *testing.T) {
	g := loadEntGraph(t)
	contract := loadContract(t)
	resources, err := Resources(g)
	if err != nil {
		t.Fatal(err)
	}
	if len(resources) == 0 {
		t.Fatal("no entity is exposed with oasfield.Resource")
	}
	for _, r := range resources {
		read := contract[r.Shapes.Read]
		if read == nil {
			t.Errorf("%s: read schema %s is not in openapi.yaml", r.Node.Name, r.Shapes.Read)
			continue
		}
		for _, f := range r.Visible {
			checkProperty(t, contract, r.Shapes.Read, read, f, readShape)
		}
		bodies := map[string]shapeMode{r.Shapes.Create: createShape, r.Shapes.Update: updateShape}
		for name, mode := range bodies {
			if name == "" {
				continue
			}
			body := contract[name]
			if body == nil {
				t.Errorf("%s: body %s is not in openapi.yaml", r.Node.Name, name)
				continue
			}
			for _, f := range r.Node.Fields {
				a := Access(f)
				if (mode == createShape && a.Create) || (mode == updateShape && a.Update) {
					checkProperty(t, contract, name, body, f, mode)
				} else if body.Properties[f.Name] != nil {
					t.Errorf("%s.%s: the field is not writable there but the body has it", name, f.Name)
				}
			}
		}
		computed := map[string]bool{}
		for _, c := range r.Shapes.Computed {
			computed[c.Name] = true
		}
		for _, f := range r.Node.Fields {
			if !visible(f) && !computed[f.Name] && read.Properties[f.Name] != nil {
				t.Errorf("%s.%s: hidden or sensitive field in the read schema", r.Shapes.Read, f.Name)
			}
		}
	}
}

func checkProperty(t *testing.T, contract map[string]*contractSchema, schema string, s *contractSchema, f *gen.Field, mode shapeMode) {
	t.Helper()
	where := schema + "." + f.Name
	p := s.Properties[f.Name]
	if p == nil {
		t.Errorf("%s: missing", where)
		return
	}
	required := contains(s.Required, f.Name)
	a := Access(f)
	wantRequired := mode == readShape || (mode == createShape && ((!f.Optional && !f.Default) || a.Required)) ||
		(mode == updateShape && a.RequiredOnUpdate)
	if required != wantRequired {
		t.Errorf("%s: required %v, ent says %v", where, required, wantRequired)
	}
	wantNull := (mode == readShape && (f.Nillable || nilIsNull(f))) || (mode == updateShape && f.Optional && !a.NoClear && !a.RequiredOnUpdate)
	if f.IsEnum() {
		values := p.Enum
		if p.Ref != "" {
			enum := contract[strings.TrimPrefix(p.Ref, "#/components/schemas/")]
			if enum == nil {
				t.Errorf("%s: enum %s missing", where, p.Ref)
				return
			}
			values = enum.Enum
		} else if p.Nullable != wantNull || !wantNull {
			t.Errorf("%s: an inline enum must be exactly the nullable case", where)
		}
		if fmt.Sprint(values) != fmt.Sprint(f.EnumValues()) {
			t.Errorf("%s: enum %v, ent says %v", where, values, f.EnumValues())
		}
		return
	}
	if p.Nullable != wantNull {
		t.Errorf("%s: nullable %v, ent says %v", where, p.Nullable, wantNull)
	}
	typ, format := expectedType(f)
	if typ == "" {
		return // JSON: shaped by its annotation
	}
	if p.Type != typ || p.Format != format {
		t.Errorf("%s: %s/%s, ent says %s/%s", where, p.Type, p.Format, typ, format)
	}
	if size := f.Column().Size; typ == "string" && format == "" && size > 0 && size < math.MaxInt32 {
		if p.MaxLength == nil || *p.MaxLength != size {
			t.Errorf("%s: maxLength %s, ent MaxLen is %d", where, show(p.MaxLength), size)
		}
	}
	if c, _ := constraints(f); c != nil && c.Pattern != p.Pattern {
		t.Errorf("%s: pattern %q, ent annotation says %q", where, p.Pattern, c.Pattern)
	}
}

// expectedType is the OpenAPI type and format of an ent field ("" for JSON).
func expectedType(f *gen.Field) (string, string) {
	c, _ := constraints(f)
	switch t := f.Type.Type; {
	case t == field.TypeString:
		if c != nil && c.Format != "" {
			return "string", c.Format
		}
		return "string", ""
	case t == field.TypeUUID:
		return "string", "uuid"
	case t == field.TypeTime:
		if c != nil && c.Format == "date" {
			return "string", "date"
		}
		return "string", "date-time"
	case t == field.TypeBool:
		return "boolean", ""
	case t == field.TypeInt64 || t == field.TypeUint64:
		return "integer", "int64"
	case t.Integer():
		return "integer", ""
	case t.Float():
		return "number", "double"
	}
	return "", ""
}

// handWritten are fragment schemas whose properties happen to be fields of
// one entity but whose rules are not the entity's, each with why. Adding
// one needs a reason a reviewer accepts; the default is to generate.
var handWritten = map[string]string{
	"ChatChannelCreateRequest": "public and private only (direct channels have their own operation); a name is required, ent allows none for direct channels",
	"ChatChannelUpdateRequest": "a channel's name cannot be cleared, ent's is Optional for direct channels",
	"ChatMessageCreateRequest": "the API requires a body; ent's defaults to empty for file-only messages",
	"TimeLogCreateRequest":     "an interval or a number of minutes; ent stores the interval",
	"TimeLogUserTotal":         "an aggregate (minutes per user), not a row",
	"TimerStartRequest":        "starts a timer: the server sets started_at and leaves ended_at open",
	"OrganizationBudgetInput":  "a PUT of the organization's budgets, which the Organization read schema hides",
}

// TestFragmentsDefineNoEntityShape: hand-written fragments hold operations
// and non-entity shapes only. A fragment schema whose properties are all
// fields of one exposed entity is an entity shape written by hand: declare
// it on the ent schema instead (oasfield.Resource / View), or, when its
// rules are not the entity's, list it in handWritten with the reason.
func TestFragmentsDefineNoEntityShape(t *testing.T) {
	g := loadEntGraph(t)
	resources, err := Resources(g)
	if err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(fragments, "fragments/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	defer func() {
		for name := range handWritten {
			if !seen[name] {
				t.Errorf("handWritten lists %s, which no fragment defines: remove it", name)
			}
		}
	}()
	for _, file := range files {
		raw, err := fragments.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var frag struct {
			Components struct {
				Schemas map[string]*contractSchema `yaml:"schemas"`
			} `yaml:"components"`
		}
		if err := yaml.Unmarshal(raw, &frag); err != nil {
			t.Fatal(err)
		}
		names := make([]string, 0, len(frag.Components.Schemas))
		for name := range frag.Components.Schemas {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			seen[name] = true
			if _, ok := handWritten[name]; ok {
				continue
			}
			if entity := shapeOf(frag.Components.Schemas[name], resources); entity != "" {
				t.Errorf("%s: schema %s only has fields of %s: generate it from ent/schema", file, name, entity)
			}
		}
	}
}

// shapeOf names the exposed entity all of s's (two or more) properties are
// visible fields of, with the same type.
func shapeOf(s *contractSchema, resources []Resource) string {
	if s == nil || len(s.Properties) < 2 {
		return ""
	}
	for _, r := range resources {
		fields := map[string]*gen.Field{}
		for _, f := range r.Visible {
			fields[f.Name] = f
		}
		all := true
		for name, p := range s.Properties {
			f := fields[name]
			if f == nil || !sameType(p, f) {
				all = false
				break
			}
		}
		if all {
			return r.Node.Name
		}
	}
	return ""
}

func sameType(p *contractSchema, f *gen.Field) bool {
	if f.IsEnum() {
		return p.Ref != "" || len(p.Enum) > 0
	}
	typ, _ := expectedType(f)
	return typ == "" || p.Type == typ
}

func show(p *int64) string {
	if p == nil {
		return "absent"
	}
	return fmt.Sprint(*p)
}
