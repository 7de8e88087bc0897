// Package apispec shapes the OpenAPI contract that entoas derives from the
// ent schema: it is the one entoas.Mutations pass of the generate pipeline.
// It adds what entoas cannot know (validation keywords, the problem+json
// error model, security, and the hand-written non-CRUD operations kept in
// fragments/*.yaml) so openapi.yaml stays the single generated contract.
package apispec

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"entgo.io/ent/entc/gen"
	"github.com/go-faster/yaml"
	"github.com/ogen-go/ogen"
)

// Version is the API contract version; bump it on breaking changes.
const Version = "0.2.0"

//go:embed fragments/*.yaml
var fragments embed.FS

// Base is the document entoas fills in.
func Base() *ogen.Spec {
	return &ogen.Spec{
		OpenAPI: "3.0.3",
		Info: ogen.Info{
			Title:   "WorkSynapse API",
			Version: Version,
			Description: "Multi-tenant API for projects, tasks, chat, notes and governed AI agents. " +
				"Errors are RFC 9457 problem details (application/problem+json); the `type` URIs are listed " +
				"on the Problem schema. 429 and 503 answers carry Retry-After (seconds) when retrying later helps. " +
				"Lists use keyset pagination: pass `cursor` from the previous page's `next_cursor`.",
			License: &ogen.License{Name: "Proprietary"},
			Contact: &ogen.Contact{Name: "WorkSynapse API maintainers"},
		},
		Servers: []ogen.Server{{URL: "/", Description: "This server"}},
	}
}

// Mutate is the entoas.Mutations pass.
func Mutate(g *gen.Graph, spec *ogen.Spec) error {
	if err := addResources(g, spec); err != nil {
		return err
	}
	if err := shapeEntitySchemas(g, spec); err != nil {
		return err
	}
	addErrorModel(spec)
	addCommonComponents(spec)
	addSecurity(spec)
	if err := mergeFragments(spec); err != nil {
		return err
	}
	if err := addPageEnvelopes(spec); err != nil {
		return err
	}
	if err := decorateOperations(spec); err != nil {
		return err
	}
	return pruneUnused(g, spec)
}

// mergeFragments adds the hand-written operations, schemas and tags. A name
// that is defined twice is an error rather than a silent overwrite.
func mergeFragments(spec *ogen.Spec) error {
	files, err := fs.Glob(fragments, "fragments/*.yaml")
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, name := range files {
		raw, err := fragments.ReadFile(name)
		if err != nil {
			return err
		}
		var frag struct {
			Tags       []ogen.Tag      `yaml:"tags"`
			Paths      ogen.Paths      `yaml:"paths"`
			Components ogen.Components `yaml:"components"`
		}
		if err := yaml.Unmarshal(raw, &frag); err != nil {
			return fmt.Errorf("apispec: %s: %w", name, err)
		}
		if err := mergeTags(spec, name, frag.Tags); err != nil {
			return err
		}
		if err := mergeFragment(spec, name, frag.Paths, &frag.Components); err != nil {
			return err
		}
	}
	sort.Slice(spec.Tags, func(i, j int) bool { return spec.Tags[i].Name < spec.Tags[j].Name })
	return nil
}

// mergeTags adds a fragment's tag declarations. Each tag is declared once,
// with a description: API docs and generated clients group operations by it.
func mergeTags(spec *ogen.Spec, file string, tags []ogen.Tag) error {
	for _, t := range tags {
		if t.Description == "" {
			return fmt.Errorf("apispec: %s: tag %q needs a description", file, t.Name)
		}
		for _, have := range spec.Tags {
			if have.Name == t.Name {
				return fmt.Errorf("apispec: %s: tag %q declared twice", file, t.Name)
			}
		}
		spec.Tags = append(spec.Tags, t)
	}
	return nil
}

func mergeFragment(spec *ogen.Spec, file string, paths ogen.Paths, c *ogen.Components) error {
	if spec.Paths == nil {
		spec.Paths = ogen.Paths{}
	}
	for p, item := range paths {
		if _, dup := spec.Paths[p]; dup {
			return fmt.Errorf("apispec: %s: path %s defined twice", file, p)
		}
		spec.Paths[p] = item
	}
	for n, s := range c.Schemas {
		if _, dup := spec.Components.Schemas[n]; dup {
			return fmt.Errorf("apispec: %s: schema %s defined twice", file, n)
		}
		spec.Components.Schemas[n] = s
	}
	// A parameter or response two fragments define differently would
	// silently be the last one's (an If-Match once lost its `required`
	// that way); identical repeats are harmless.
	for n, p := range c.Parameters {
		if err := commonComponent("parameters", n); err != nil {
			return fmt.Errorf("apispec: %s: %w", file, err)
		}
		if spec.Components.Parameters == nil {
			spec.Components.Parameters = map[string]*ogen.Parameter{}
		}
		if prev, dup := spec.Components.Parameters[n]; dup && !sameJSON(prev, p) {
			return fmt.Errorf("apispec: %s: parameter %s defined twice, differently", file, n)
		}
		spec.Components.Parameters[n] = p
	}
	for n, r := range c.Responses {
		if prev, dup := spec.Components.Responses[n]; dup && !sameJSON(prev, r) {
			return fmt.Errorf("apispec: %s: response %s defined twice, differently", file, n)
		}
		spec.Components.Responses[n] = r
	}
	return nil
}

// sameJSON reports whether a and b serialize alike.
func sameJSON(a, b any) bool {
	x, errX := json.Marshal(a)
	y, errY := json.Marshal(b)
	return errX == nil && errY == nil && bytes.Equal(x, y)
}

// Discard is the entoas writer: entoas always serializes JSON, but the
// pipeline writes YAML itself from the final *ogen.Spec.
type Discard struct{}

func (Discard) Write(p []byte) (int, error) { return len(p), nil }

// WriteYAML writes spec deterministically: ogen keeps property order and
// yaml sorts map keys, so the same schema always yields the same bytes.
func WriteYAML(spec *ogen.Spec, path string) error {
	readOnly := readOnlyProperties(spec)
	// Round-trip through JSON first: ogen's JSON marshalers drop empty
	// sections that its YAML tags would otherwise print as nulls.
	js, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("apispec: marshal json: %w", err)
	}
	var clean ogen.Spec
	if err := json.Unmarshal(js, &clean); err != nil {
		return fmt.Errorf("apispec: reload json: %w", err)
	}
	var doc yaml.Node
	if err := doc.Encode(&clean); err != nil {
		return fmt.Errorf("apispec: marshal yaml: %w", err)
	}
	markPublicOperations(&doc)
	applyReadOnly(&doc, readOnly)
	var buf bytes.Buffer
	buf.WriteString("# Code generated by `go generate ./...` from ent/schema and internal/apispec. DO NOT EDIT.\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("apispec: marshal yaml: %w", err)
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// readOnlyProperties lists, per component schema, the properties marked
// server-set (see markReadOnly); the JSON round trip drops the marks.
func readOnlyProperties(spec *ogen.Spec) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for name, s := range spec.Components.Schemas {
		for _, p := range s.Properties {
			if p.Schema != nil && isReadOnly(p.Schema) {
				if out[name] == nil {
					out[name] = map[string]bool{}
				}
				out[name][p.Name] = true
			}
		}
	}
	return out
}

// applyReadOnly writes `readOnly: true` on the marked properties.
func applyReadOnly(doc *yaml.Node, marked map[string]map[string]bool) {
	schemas := mapValue(mapValue(doc, "components"), "schemas")
	if schemas == nil {
		return
	}
	for i := 0; i+1 < len(schemas.Content); i += 2 {
		props := marked[schemas.Content[i].Value]
		if props == nil {
			continue
		}
		properties := mapValue(schemas.Content[i+1], "properties")
		if properties == nil {
			continue
		}
		for j := 0; j+1 < len(properties.Content); j += 2 {
			if props[properties.Content[j].Value] {
				p := properties.Content[j+1]
				p.Content = append(p.Content,
					&yaml.Node{Kind: yaml.ScalarNode, Value: "readOnly"},
					&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: "true"})
			}
		}
	}
}

// markPublicOperations writes an explicit `security: []` on operations that
// need no credentials. ogen's types drop an empty list when serializing, and
// readers (and linters) should not have to infer that an operation is public.
func markPublicOperations(doc *yaml.Node) {
	paths := mapValue(doc, "paths")
	if paths == nil {
		return
	}
	for i := 1; i < len(paths.Content); i += 2 {
		item := paths.Content[i]
		for j := 1; j < len(item.Content); j += 2 {
			op := item.Content[j]
			if op.Kind != yaml.MappingNode || mapValue(op, "security") != nil {
				continue
			}
			op.Content = append(op.Content,
				&yaml.Node{Kind: yaml.ScalarNode, Value: "security"},
				&yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle})
		}
	}
}

// mapValue returns the value node of key in a mapping (or document) node.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// camel turns an ent name like "task_comment" into "TaskComment".
func camel(s string) string {
	parts := strings.Split(s, "_")
	for i, p := range parts {
		if p != "" {
			parts[i] = strings.ToUpper(p[:1]) + p[1:]
		}
	}
	return strings.Join(parts, "")
}
