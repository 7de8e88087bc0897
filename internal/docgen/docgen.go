// Package docgen keeps generated sections of the Markdown documentation
// identical to what the code says. A section sits between two markers:
//
//	<!-- NAME:start (any note, e.g. how to regenerate) -->
//	...generated text...
//	<!-- NAME:end -->
//
// Tests render the section from the code and call Check, which fails while the
// file differs and rewrites it when WORKSYNAPSE_UPDATE_DOCS=1 is set, so a doc
// cannot go stale unnoticed and refreshing it is one command.
package docgen

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// UpdateEnv is the environment variable that makes Check rewrite stale
// sections instead of failing.
const UpdateEnv = "WORKSYNAPSE_UPDATE_DOCS"

// Check compares the section NAME of the Markdown file at path with want.
// The markers must already be in the file: where a section goes is an
// editorial decision, its contents are not.
func Check(t testing.TB, path, name, want string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	bodyStart, bodyEnd, err := find(doc, name)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	got := doc[bodyStart:bodyEnd]
	if got == want {
		return
	}
	if os.Getenv(UpdateEnv) == "1" {
		doc = doc[:bodyStart] + want + doc[bodyEnd:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: rewrote section %q", path, name)
		return
	}
	t.Errorf("%s: section %q is stale; run %s=1 go test on this package to rewrite it\nwant:\n%s\ngot:\n%s",
		path, name, UpdateEnv, want, got)
}

// find returns the byte range between the end of the start marker's line
// and the beginning of the end marker.
func find(doc, name string) (start, end int, err error) {
	open, closing := "<!-- "+name+":start", "<!-- "+name+":end -->"
	i := strings.Index(doc, open)
	if i < 0 {
		return 0, 0, fmt.Errorf("no %q marker", open)
	}
	nl := strings.Index(doc[i:], "-->\n")
	if nl < 0 {
		return 0, 0, fmt.Errorf("start marker of %q is not closed by -->", name)
	}
	start = i + nl + len("-->\n")
	j := strings.Index(doc[start:], closing)
	if j < 0 {
		return 0, 0, fmt.Errorf("no %q marker after the start", closing)
	}
	return start, start + j, nil
}
