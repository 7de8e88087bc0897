package apispec

import (
	"sort"
	"strings"
	"testing"

	"entgo.io/ent/entc/gen"
	"github.com/ogen-go/ogen"
)

func ref(kind, name string) string { return "#/components/" + kind + "/" + name }

// specWith is a spec with one operation per path (tag "t") and the error model.
func specWith(paths ogen.Paths, schemas map[string]*ogen.Schema) *ogen.Spec {
	spec := &ogen.Spec{Paths: paths, Components: &ogen.Components{Schemas: schemas}}
	spec.Tags = []ogen.Tag{{Name: "t", Description: "Test."}}
	addErrorModel(spec)
	return spec
}

func TestPruneUnusedKeepsWhatOperationsReach(t *testing.T) {
	obj := func(props ...ogen.Property) *ogen.Schema { return &ogen.Schema{Type: "object", Properties: props} }
	spec := specWith(ogen.Paths{
		"/tasks": &ogen.PathItem{Get: &ogen.Operation{
			OperationID: "listTasks", Summary: "List", Tags: []string{"t"},
			Responses: ogen.Responses{"200": &ogen.Response{Description: "ok", Content: map[string]ogen.Media{
				"application/json": {Schema: &ogen.Schema{Ref: ref("schemas", "TaskPage")}},
			}}},
		}},
	}, map[string]*ogen.Schema{
		"TaskPage": obj(ogen.Property{Name: "items", Schema: &ogen.Schema{Type: "array", Items: &ogen.Items{Item: &ogen.Schema{Ref: ref("schemas", "Task")}}}}),
		"Task":     obj(ogen.Property{Name: "owner", Schema: &ogen.Schema{Ref: ref("schemas", "User")}}),
		"User":     obj(),
		"Note":     obj(), // an entity no operation uses
		"Unused":   obj(), // declared by a fragment: left for the linter to report
	})
	if err := decorateOperations(spec); err != nil {
		t.Fatal(err)
	}
	g := &gen.Graph{Nodes: []*gen.Type{{Name: "Task"}, {Name: "User"}, {Name: "Note"}}}
	if err := pruneUnused(g, spec); err != nil {
		t.Fatal(err)
	}

	if got, want := keys(spec.Components.Schemas), "Problem Task TaskPage Unused User"; got != want {
		t.Errorf("schemas = %s, want %s", got, want)
	}
	// A GET without parameters or body can fail with 400, 401, 403, 429 and 5xx only.
	if got, want := keys(spec.Components.Responses), "Problem400 Problem401 Problem403 Problem429 ProblemDefault"; got != want {
		t.Errorf("responses = %s, want %s", got, want)
	}
}

func TestDecorateOperations(t *testing.T) {
	op := func(tag string, body bool) *ogen.Operation {
		o := &ogen.Operation{OperationID: "createTask", Summary: "Create", Tags: []string{tag}}
		if body {
			o.RequestBody = &ogen.RequestBody{Content: map[string]ogen.Media{"application/json": {Schema: &ogen.Schema{Type: "object"}}}}
		}
		return o
	}

	spec := specWith(ogen.Paths{"/tasks": &ogen.PathItem{Post: op("t", true)}}, map[string]*ogen.Schema{})
	if err := decorateOperations(spec); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for c := range spec.Paths["/tasks"].Post.Responses {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	if got, want := strings.Join(codes, " "), "400 401 403 413 422 429 default"; got != want {
		t.Errorf("responses of an operation with a body = %s, want %s", got, want)
	}

	spec = specWith(ogen.Paths{"/tasks": &ogen.PathItem{Post: op("tasks", false)}}, map[string]*ogen.Schema{})
	err := decorateOperations(spec)
	if err == nil || !strings.Contains(err.Error(), `tag "tasks" is not declared`) {
		t.Errorf("undeclared tag: err = %v", err)
	}

	both := op("t", true)
	both.Security = ogen.SecurityRequirements{{"bearerAuth": {}}, {"apiKeyAuth": {}}, {"serviceKey": {}}}
	spec = specWith(ogen.Paths{"/tasks": &ogen.PathItem{Post: both}}, map[string]*ogen.Schema{})
	err = decorateOperations(spec)
	if err == nil || !strings.Contains(err.Error(), "share the X-API-Key header") {
		t.Errorf("agent and service keys on one operation: err = %v", err)
	}
}

func TestMergeTagsNeedsDescriptionsAndUniqueNames(t *testing.T) {
	spec := &ogen.Spec{}
	if err := mergeTags(spec, "a.yaml", []ogen.Tag{{Name: "auth", Description: "Sign-in."}}); err != nil {
		t.Fatal(err)
	}
	if err := mergeTags(spec, "b.yaml", []ogen.Tag{{Name: "auth", Description: "Again."}}); err == nil {
		t.Error("a tag declared twice must fail")
	}
	if err := mergeTags(spec, "c.yaml", []ogen.Tag{{Name: "tasks"}}); err == nil {
		t.Error("a tag without a description must fail")
	}
}

func keys[V any](m map[string]V) string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestRetryAfterAndProblemTypesAreDocumented(t *testing.T) {
	spec := specWith(ogen.Paths{}, map[string]*ogen.Schema{})
	for _, name := range []string{"Problem429", "ProblemDefault"} {
		if h := spec.Components.Responses[name].Headers["Retry-After"]; h == nil || h.Schema.Type != "integer" {
			t.Errorf("%s documents no Retry-After header", name)
		}
	}
	var typeDesc string
	for _, p := range spec.Components.Schemas["Problem"].Properties {
		if p.Name == "type" {
			typeDesc = p.Schema.Description
		}
	}
	for _, slug := range []string{"validation-error", "precondition-failed", "rate-limited", "invalid-tool-input"} {
		if !strings.Contains(typeDesc, "`"+slug+"`") {
			t.Errorf("Problem.type does not list %s: %s", slug, typeDesc)
		}
	}
}

func TestMergeFragmentRefusesTwoDifferentDefinitionsOfAParameter(t *testing.T) {
	spec := specWith(ogen.Paths{}, map[string]*ogen.Schema{})
	p := func(required bool) *ogen.Components {
		return &ogen.Components{Parameters: map[string]*ogen.Parameter{"Since": {Name: "since", In: "query", Required: required}}}
	}
	if err := mergeFragment(spec, "a.yaml", nil, p(true)); err != nil {
		t.Fatal(err)
	}
	if err := mergeFragment(spec, "b.yaml", nil, p(true)); err != nil {
		t.Errorf("an identical repeat: %v", err)
	}
	if err := mergeFragment(spec, "c.yaml", nil, p(false)); err == nil || !strings.Contains(err.Error(), "parameter Since defined twice") {
		t.Errorf("a different Since: err = %v", err)
	}
	common := &ogen.Components{Parameters: map[string]*ogen.Parameter{"Limit": {Name: "limit", In: "query"}}}
	if err := mergeFragment(spec, "d.yaml", nil, common); err == nil || !strings.Contains(err.Error(), "common.go") {
		t.Errorf("a fragment redefining Limit: err = %v", err)
	}
}

// TestIfMatchIsRequired: the operations taking If-Match (optimistic
// concurrency) answer 412 without it, so the contract marks it required
// and generated clients cannot compile a call that always fails.
func TestIfMatchIsRequired(t *testing.T) {
	spec := specWith(ogen.Paths{}, map[string]*ogen.Schema{})
	addCommonComponents(spec)
	if err := mergeFragments(spec); err != nil {
		t.Fatal(err)
	}
	p := spec.Components.Parameters["IfMatch"]
	if p == nil || p.Name != "If-Match" || !p.Required {
		t.Fatalf("IfMatch parameter: %+v", p)
	}
	for path, item := range spec.Paths {
		for method, op := range operations(item) {
			for _, prm := range op.Parameters {
				if prm.Name == "If-Match" && !prm.Required {
					t.Errorf("%s %s: inline If-Match is optional", method, path)
				}
			}
		}
	}
}
