package docgen

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestMakeHelpListsEveryTarget: `make help` prints the targets whose rule
// line carries a `## one line` comment, so every .PHONY target (what a
// person runs) needs one, or it is invisible to a newcomer.
func TestMakeHelpListsEveryTarget(t *testing.T) {
	raw, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")
	phony := regexp.MustCompile(`(?m)^\.PHONY:(.*)$`)
	var targets []string
	for _, m := range phony.FindAllStringSubmatch(text, -1) {
		targets = append(targets, strings.Fields(m[1])...)
	}
	if len(targets) == 0 {
		t.Fatal("no .PHONY targets found in the Makefile")
	}
	// The same pattern as the help target's awk program.
	helped := map[string]bool{}
	rule := regexp.MustCompile(`(?m)^([a-z0-9][a-z0-9 -]*):[^#\n]*## \S`)
	for _, m := range rule.FindAllStringSubmatch(text, -1) {
		for _, name := range strings.Fields(m[1]) {
			helped[name] = true
		}
	}
	var missing []string
	for _, name := range targets {
		if !helped[name] {
			missing = append(missing, name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("Makefile targets without a `## one line` help comment: %v", missing)
	}
}
