package audit

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestEveryProjectScopedEntityCarriesItsProject keeps the scopes table in
// step with the schema: an entity whose privacy policy is the project
// rule (rule.ProjectPolicy) hides its rows from non-members, so its
// ActivityLog rows must carry the project too, or the activity feed would
// show them to everyone with activity_log:read.
func TestEveryProjectScopedEntityCarriesItsProject(t *testing.T) {
	files, err := filepath.Glob("../../ent/schema/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("ent/schema not found: %v", err)
	}
	policy := regexp.MustCompile(`func \((\w+)\) Policy\(\) ent\.Policy \{[^}]*rule\.ProjectPolicy\(`)
	found := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range policy.FindAllSubmatch(src, -1) {
			found++
			name := string(m[1])
			if _, ok := scopes[name]; !ok && name != "Project" {
				t.Errorf("%s uses rule.ProjectPolicy but is not in audit's scopes: its activity rows would not carry its project", name)
			}
		}
	}
	if found < 5 {
		t.Fatalf("found %d entities with rule.ProjectPolicy; did the policy's name change?", found)
	}
}
