// Package cli is the worksynapse command line: serve, migrate, create-admin
// and seed, on cobra, with configuration from internal/config.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/config"
)

// Version is set at build time with -ldflags "-X ...cli.Version=v1.2.3".
var Version = "dev"

// NewRoot builds the command tree.
func NewRoot() *cobra.Command {
	root := &cobra.Command{
		Use:           "worksynapse",
		Short:         "WorkSynapse API server and administration tool",
		SilenceUsage:  true,
		SilenceErrors: true,
		Version:       Version,
	}
	root.PersistentFlags().String("config", "", "configuration file (default ./config.yaml when present)")
	root.PersistentFlags().String("database.url", "", "database URL (overrides WORKSYNAPSE_DATABASE_URL)")
	root.AddCommand(newServeCmd(), newMigrateCmd(), newCreateAdminCmd(), newSeedCmd(), newHealthcheckCmd(), newJobsCmd())
	root.AddCommand(newAuditCmd())
	root.AddCommand(newPricesCmd())
	strictArgs(root)
	return root
}

// strictArgs makes every mistyped command line fail. Cobra only rejects an
// unknown subcommand at the root: `worksynapse migrate aply` would print
// help and exit 0, so a CI step with a typo "passes". Command groups
// therefore refuse any argument (naming it) and a missing subcommand, and
// leaf commands that declare no argument rule take none.
func strictArgs(cmd *cobra.Command) {
	for _, sub := range cmd.Commands() {
		strictArgs(sub)
	}
	switch {
	case cmd.HasSubCommands() && !cmd.Runnable() && cmd.HasParent():
		cmd.Args = cobra.ArbitraryArgs
		cmd.RunE = func(cmd *cobra.Command, args []string) error {
			cmd.SetOut(cmd.ErrOrStderr())
			_ = cmd.Usage()
			if len(args) > 0 {
				return fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return fmt.Errorf("%q needs a subcommand", cmd.CommandPath())
		}
	case cmd.Runnable() && cmd.Args == nil:
		cmd.Args = cobra.NoArgs
	}
}

// databaseOnly is the annotation of command groups that touch only the
// database schema: their configuration is validated without the server's
// secrets (see config.Config.ValidateDatabase).
const databaseOnly = "worksynapse/database-only"

// isDatabaseOnly reports whether cmd or one of its parents is marked
// databaseOnly.
func isDatabaseOnly(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[databaseOnly] == "true" {
			return true
		}
	}
	return false
}

// Execute runs the CLI and returns the process exit code.
func Execute(ctx context.Context) int {
	if err := NewRoot().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

// loadConfig reads the configuration with the command's flags on top.
func loadConfig(cmd *cobra.Command) (*config.Config, *slog.Logger, error) {
	flags := pflag.NewFlagSet("merged", pflag.ContinueOnError)
	flags.AddFlagSet(cmd.Flags())
	flags.AddFlagSet(cmd.InheritedFlags())
	path, _ := flags.GetString("config")
	cfg, warnings, err := config.Load(config.LoadOptions{ConfigFile: path, Flags: flags, DatabaseOnly: isDatabaseOnly(cmd)})
	if err != nil {
		return nil, nil, err
	}
	log := newLogger(cfg.Log, cmd.ErrOrStderr())
	for _, w := range warnings {
		log.Warn(w)
	}
	return cfg, log, nil
}

func newLogger(c config.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(strings.ToUpper(c.Level)))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// openApp loads the configuration and connects to the database.
func openApp(cmd *cobra.Command) (*app.App, error) {
	cfg, log, err := loadConfig(cmd)
	if err != nil {
		return nil, err
	}
	return app.Open(cmd.Context(), cfg, log)
}
