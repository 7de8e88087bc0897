package config

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/docgen"
)

// TestConfigurationReferenceIsCurrent keeps docs/configuration.md's table
// identical to the code: every key of defaults with its environment
// variable, built-in default and the doc comment of its struct field. A key
// or default added, or a comment changed, without the doc fails here;
// WORKSYNAPSE_UPDATE_DOCS=1 go test ./internal/config rewrites the table.
func TestConfigurationReferenceIsCurrent(t *testing.T) {
	docs := fieldDocs(t)
	meanings := map[string]string{}
	walkKeys(reflect.TypeFor[Config](), "", "", docs, meanings)

	var b strings.Builder
	b.WriteString("| key | environment variable | default | meaning |\n|---|---|---|---|\n")
	for _, s := range defaults {
		meaning, ok := meanings[s.key]
		if !ok || meaning == "" {
			t.Errorf("config key %s: its struct field has no doc comment; write one (it is the key's documentation)", s.key)
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s |\n", s.key, EnvVar(s.key), formatDefault(s.value), cell(meaning))
	}
	docgen.Check(t, "../../docs/configuration.md", "config-reference", b.String())
}

// fieldDocs maps "Type.Field" to the field's doc comment (or its trailing
// line comment), read from this package's non-test sources.
func fieldDocs(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return false
			}
			for _, field := range st.Fields.List {
				text := field.Doc.Text()
				if text == "" {
					text = field.Comment.Text()
				}
				for _, id := range field.Names {
					docs[ts.Name.Name+"."+id.Name] = strings.Join(strings.Fields(text), " ")
				}
			}
			return false
		})
	}
	return docs
}

// walkKeys records the meaning of every leaf key under typ. A leaf of a
// nested group (auth.lockout.*, llm.anthropic.*) is prefixed with its
// group's comment, since the leaf's own comment is shared by every group of
// that type.
func walkKeys(typ reflect.Type, prefix, groupDoc string, docs, out map[string]string) {
	for f := range typ.Fields() {
		key := prefix + f.Tag.Get("mapstructure")
		doc := docs[typ.Name()+"."+f.Name]
		if f.Type.Kind() == reflect.Struct {
			inner := ""
			if prefix != "" { // a group inside a section
				inner = doc
			}
			walkKeys(f.Type, key+".", inner, docs, out)
			continue
		}
		if groupDoc != "" && doc != "" {
			doc = groupDoc + " " + doc
		}
		out[key] = doc
	}
}

// formatDefault writes a default the way config.yaml spells it.
func formatDefault(v any) string {
	switch v := v.(type) {
	case string:
		if v == "" {
			return "*(empty)*"
		}
		return "`" + v + "`"
	case time.Duration:
		s := v.String()
		if strings.HasSuffix(s, "m0s") {
			s = strings.TrimSuffix(s, "0s")
		}
		if strings.HasSuffix(s, "h0m") {
			s = strings.TrimSuffix(s, "0m")
		}
		return "`" + s + "`"
	case []string:
		if len(v) == 0 {
			return "`[]`"
		}
		return "`" + strings.Join(v, ", ") + "`"
	default:
		return fmt.Sprintf("`%v`", v)
	}
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
