package seed_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/docgen"
	"github.com/worksynapse/worksynapse/internal/seed"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const securityDoc = "../../docs/security.md"

// TestPermissionMatrixDocIsCurrent keeps the permission table of
// docs/security.md identical to seed.Matrix, so the documentation cannot
// drift from what is seeded; WORKSYNAPSE_UPDATE_DOCS=1 go test
// ./internal/seed rewrites it.
func TestPermissionMatrixDocIsCurrent(t *testing.T) {
	docgen.Check(t, securityDoc, "permission-matrix", seed.MarkdownTable())
}

// TestSchemaResourcesAreInTheMatrix: every resource an ent schema's policy
// names must be seeded, or nobody but SUPER_ADMIN could ever use it.
func TestSchemaResourcesAreInTheMatrix(t *testing.T) {
	files, err := filepath.Glob("../../ent/schema/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("schema files: %v", err)
	}
	uses := regexp.MustCompile(`rule\.(?:TenantPolicy|AuditLogPolicy|ProjectPolicy)\("([a-z_]+)"`)
	seen := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range uses.FindAllStringSubmatch(string(src), -1) {
			seen++
			if !slices.Contains(seed.Resources, m[1]) {
				t.Errorf("%s: resource %q is not in seed.Resources", filepath.Base(f), m[1])
			}
		}
	}
	// Notes, chat and work tracking have policies of their own
	// (internal/rule, internal/chat/chatrule) that name their resources
	// there, not in ent/schema (TaskComment's too).
	if seen < 20 {
		t.Errorf("found only %d policy resources; did the policy constructors change?", seen)
	}
}

func TestRunIsIdempotent(t *testing.T) {
	testdb.ForEachDialectUnseeded(t, func(t *testing.T, db *database.DB) {
		first, err := seed.Run(context.Background(), db.Ent)
		if err != nil {
			t.Fatal(err)
		}
		if first.Permissions != len(seed.Resources)*len(seed.Actions) || first.Roles != 5 || first.Grants == 0 {
			t.Errorf("first run: %+v", first)
		}
		again, err := seed.Run(context.Background(), db.Ent)
		if err != nil || again != (seed.Result{}) {
			t.Errorf("second run must create nothing: %+v %v", again, err)
		}
	})
}
