package e2e

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestREADMETourRunsAsWritten runs the README's "60-second tour" block,
// byte for byte except the address, with bash, curl and jq against a fresh
// `worksynapse serve` on embedded SQLite (what `make run` starts), and
// checks that each step answered what its comment promises.
func TestREADMETourRunsAsWritten(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the tour needs %s: %v", tool, err)
		}
	}
	script := tourScript(t)
	const addr = "API=http://127.0.0.1:8080;"
	if !strings.Contains(script, addr) {
		t.Fatalf("the tour no longer starts with %q; update this test", addr)
	}
	r := startReplica(t, buildBinary(t), []string{"WORKSYNAPSE_DATABASE_URL="})
	script = strings.Replace(script, addr, "API="+r.base+";", 1)

	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the tour failed: %v\n%s\nserver log:\n%s", err, out, r.logs)
	}
	got := string(out)
	for _, want := range []string{
		`"status":"ok"`,          // readyz
		`"username":"ada"`,       // register, me
		`"key":"WS-1"`,           // the task
		`"priority":"high"`,      // the PATCH with a current If-Match
		`"status":412`,           // the PATCH with a stale one
		`"action":"task.update"`, // the activity feed
		`"action":"task.create"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the tour's output lacks %s:\n%s", want, got)
		}
	}
	if n := strings.Count(got, `"status":4`) + strings.Count(got, `"status":5`); n != 1 {
		t.Errorf("want exactly one problem (the stale If-Match), got %d:\n%s", n, got)
	}
}

// tourScript returns the first sh block under the README's tour heading.
func tourScript(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(raw), "\n## A 60-second tour\n")
	if !ok {
		t.Fatal(`README.md has no "## A 60-second tour" section`)
	}
	_, rest, ok = strings.Cut(rest, "```sh\n")
	if !ok {
		t.Fatal("the tour has no ```sh block")
	}
	block, _, ok := strings.Cut(rest, "```\n")
	if !ok {
		t.Fatal("the tour's ```sh block is not closed")
	}
	return block
}
