package cli_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/cli"
	"github.com/worksynapse/worksynapse/internal/docgen"
)

// TestCLIReferenceIsCurrent keeps docs/cli.md identical to the binary's
// own help: `worksynapse --help` and the help of every command under it.
// WORKSYNAPSE_UPDATE_DOCS=1 go test -run TestCLIReferenceIsCurrent
// ./internal/cli rewrites the section.
func TestCLIReferenceIsCurrent(t *testing.T) {
	var b strings.Builder
	root := cli.NewRoot()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		path := strings.Fields(cmd.CommandPath())[1:]
		fmt.Fprintf(&b, "### `%s`\n\n```text\n$ %s --help\n%s```\n\n", cmd.CommandPath(), cmd.CommandPath(), helpOf(t, path))
		for _, sub := range cmd.Commands() {
			// help and shell completion are cobra's own; their listing
			// in the root's help is enough.
			if sub.IsAvailableCommand() && sub.Name() != "help" && sub.Name() != "completion" {
				walk(sub)
			}
		}
	}
	walk(root)
	docgen.Check(t, "../../docs/cli.md", "cli-help", b.String())
}

// helpOf runs `worksynapse <path> --help` on a fresh command tree, so the
// text includes what only execution adds (the --help and --version flags).
func helpOf(t *testing.T, path []string) string {
	t.Helper()
	root := cli.NewRoot()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(append(path, "--help"))
	if err := root.Execute(); err != nil {
		t.Fatalf("%v --help: %v\n%s", path, err, out.String())
	}
	return out.String()
}
