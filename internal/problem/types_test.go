package problem_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/problem"
)

// TestEveryAnsweredTypeIsDocumented reads the repository's Go code for
// problem.New(status, slug, ...) and fails for a slug missing from
// problem.Types, which the OpenAPI contract publishes: a new problem type
// must be documented for clients in the same change.
func TestEveryAnsweredTypeIsDocumented(t *testing.T) {
	documented := map[string]bool{}
	for _, d := range problem.Types {
		if documented[d.Slug] {
			t.Errorf("%s documented twice", d.Slug)
		}
		documented[d.Slug] = true
	}
	consts := map[string]string{} // string constants by name, any package
	var slugArgs []ast.Expr
	fset := token.NewFileSet()
	for _, root := range []string{"../../internal", "../../cmd"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
				strings.Contains(path, "internal/oas/") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.ValueSpec:
					for i, name := range n.Names {
						if i < len(n.Values) {
							if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[name.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				case *ast.CallExpr:
					if isProblemNew(n.Fun, f.Name.Name) && len(n.Args) >= 2 {
						slugArgs = append(slugArgs, n.Args[1])
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(slugArgs) < 10 {
		t.Fatalf("found only %d problem.New calls: is the walk broken?", len(slugArgs))
	}
	for _, arg := range slugArgs {
		slug, ok := "", false
		switch a := arg.(type) {
		case *ast.BasicLit:
			slug, _ = strconv.Unquote(a.Value)
			ok = true
		case *ast.Ident:
			slug, ok = consts[a.Name]
		case *ast.SelectorExpr:
			slug, ok = consts[a.Sel.Name]
		}
		if !ok {
			t.Errorf("%s: problem type not a constant: document it in problem.Types", fset.Position(arg.Pos()))
			continue
		}
		if !documented[slug] {
			t.Errorf("%s: problem type %q is not in problem.Types", fset.Position(arg.Pos()), slug)
		}
	}
}

// isProblemNew matches problem.New, or New inside package problem.
func isProblemNew(fun ast.Expr, pkg string) bool {
	switch f := fun.(type) {
	case *ast.SelectorExpr:
		x, ok := f.X.(*ast.Ident)
		return ok && x.Name == "problem" && f.Sel.Name == "New"
	case *ast.Ident:
		return pkg == "problem" && f.Name == "New"
	}
	return false
}
