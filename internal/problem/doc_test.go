package problem_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/worksynapse/worksynapse/internal/docgen"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// TestIntegratorGuideListsEveryProblemType keeps the problem-type table of
// docs/integrators.md identical to problem.Types;
// WORKSYNAPSE_UPDATE_DOCS=1 go test ./internal/problem rewrites it.
func TestIntegratorGuideListsEveryProblemType(t *testing.T) {
	var b strings.Builder
	b.WriteString("| `type` (after `" + problem.TypeBase + "`) | when |\n|---|---|\n")
	for _, d := range problem.Types {
		fmt.Fprintf(&b, "| `%s` | %s |\n", d.Slug, strings.ReplaceAll(d.Description, "|", `\|`))
	}
	docgen.Check(t, "../../docs/integrators.md", "problem-types", b.String())
}
