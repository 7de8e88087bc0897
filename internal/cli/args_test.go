package cli_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/cli"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testdb"
)

// TestMistypedCommandsFail walks the whole command tree: a typo'd
// subcommand of any group, a group without a subcommand, and a stray
// argument to any command that takes none must fail (exit non-zero), never
// print help and succeed. Nothing runs: argument checks come first.
func TestMistypedCommandsFail(t *testing.T) {
	t.Setenv("WORKSYNAPSE_DATABASE_URL", "")
	t.Chdir(t.TempDir())
	var walk func(c *cobra.Command, path []string)
	checked := 0
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			if sub.Name() == "help" || sub.Name() == "completion" {
				continue
			}
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
		if len(path) == 0 {
			return
		}
		var cases [][]string
		if c.HasSubCommands() {
			cases = append(cases, append(append([]string{}, path...), "typo"), path)
		} else if c.Args != nil && c.Args(c, []string{"stray"}) != nil {
			cases = append(cases, append(append([]string{}, path...), "stray"))
		}
		for _, args := range cases {
			checked++
			root := cli.NewRoot()
			var out bytes.Buffer
			root.SetOut(&out)
			root.SetErr(&out)
			root.SetArgs(args)
			if err := root.ExecuteContext(context.Background()); err == nil {
				t.Errorf("worksynapse %s: no error (exit 0)\n%s", strings.Join(args, " "), out.String())
			}
		}
	}
	walk(cli.NewRoot(), nil)
	if checked < 10 {
		t.Fatalf("checked only %d command lines: did the tree change?", checked)
	}
	// Leaf commands never run with unexpected arguments.
	for _, args := range [][]string{{"migrate", "aply"}, {"jobs", "typo"}, {"audit", "typo"}, {"prices", "typo"}, {"serve", "now"}} {
		root := cli.NewRoot()
		root.SetOut(&bytes.Buffer{})
		root.SetErr(&bytes.Buffer{})
		root.SetArgs(args)
		err := root.ExecuteContext(context.Background())
		if err == nil || !strings.Contains(err.Error(), args[len(args)-1]) {
			t.Errorf("worksynapse %s: err = %v, want one naming %q", strings.Join(args, " "), err, args[len(args)-1])
		}
	}
}

// TestMigrateNeedsOnlyTheDatabaseURL: a DBA runs status, plan and apply on a
// production database with its URL alone; the server's secrets are neither
// needed nor read. Commands that serve or write data still refuse.
func TestMigrateNeedsOnlyTheDatabaseURL(t *testing.T) {
	admin := testdb.RequirePostgres(t)
	url, drop, err := dbmigrate.TempDevDatabase(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	t.Setenv("WORKSYNAPSE_ENVIRONMENT", "production")
	for _, k := range []string{"WORKSYNAPSE_SECRET_KEY", "WORKSYNAPSE_AUDIT_SIGNING_KEY", "WORKSYNAPSE_AUTH_SERVICE_API_KEY"} {
		t.Setenv(k, "")
	}
	for _, args := range [][]string{{"migrate", "plan"}, {"migrate", "apply"}, {"migrate", "status"}} {
		if out, err := runPG(t, url, args...); err != nil {
			t.Errorf("%s in production without secrets: %v\n%.300s", strings.Join(args, " "), err, out)
		}
	}
	if _, err := runPG(t, url, "jobs", "list"); err == nil || !strings.Contains(err.Error(), "secret_key") {
		t.Errorf("jobs list in production without secrets: err = %v, want the secret_key refusal", err)
	}
}
