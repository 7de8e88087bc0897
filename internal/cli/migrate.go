package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/app"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
)

// errNotPostgres: the versioned directory is PostgreSQL SQL; the embedded
// SQLite database is created from the ent schema directly.
var errNotPostgres = errors.New("versioned migrations apply to PostgreSQL: set database.url (WORKSYNAPSE_DATABASE_URL)")

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Inspect and apply the versioned PostgreSQL migrations in migrations/",
		// A DBA needs only the database URL, even in production.
		Annotations: map[string]string{databaseOnly: "true"},
	}
	cmd.AddCommand(
		&cobra.Command{Use: "status", Short: "Show applied and pending migrations; exit non-zero unless the database is current",
			Args: cobra.NoArgs, RunE: withPostgres(migrateStatus)},
		&cobra.Command{Use: "plan", Short: "Print the SQL of pending migrations with the lint findings above the statements they concern; apply nothing",
			Args: cobra.NoArgs, RunE: withPostgres(migratePlan)},
		newMigrateApplyCmd(),
		newMigrateLintCmd(),
		&cobra.Command{Use: "resolve VERSION", Short: "Clear a recorded migration failure after fixing its cause, so apply runs it again",
			Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
				return withPostgres(func(cmd *cobra.Command, a *app.App) error {
					if err := dbmigrate.Resolve(cmd.Context(), a.DB.Session, args[0]); err != nil {
						return err
					}
					fmt.Fprintf(cmd.OutOrStdout(), "resolved %s: the next apply runs it again\n", args[0])
					return nil
				})(cmd, args)
			}},
		newMigrateDiffCmd(),
	)
	cmd.PersistentFlags().String("dev-url", "", "PostgreSQL server on which lint, plan and status create their temporary dev database "+
		"(default: the server of database.direct_url, else database.url; needs CREATE DATABASE)")
	return cmd
}

func newMigrateApplyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "apply [--dry-run] [--baseline VERSION] [--lock-timeout 5m]",
		Short: "Apply pending migrations",
		Args:  cobra.NoArgs,
		RunE: withPostgres(func(cmd *cobra.Command, a *app.App) error {
			if dry, _ := cmd.Flags().GetBool("dry-run"); dry {
				return migratePlan(cmd, a)
			}
			baseline, _ := cmd.Flags().GetString("baseline")
			timeout, _ := cmd.Flags().GetDuration("lock-timeout")
			n, err := dbmigrate.ApplyWith(cmd.Context(), a.DB.Session, dbmigrate.ApplyOptions{
				Log: a.Log, Baseline: baseline, LockTimeout: timeout,
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s)\n", n)
			return nil
		}),
	}
	cmd.Flags().Bool("dry-run", false, "print the SQL that would run (like `migrate plan`) and change nothing")
	cmd.Flags().String("baseline", "", "adopt a database created without these migrations: record the files up to VERSION as applied without running them")
	cmd.Flags().Duration("lock-timeout", dbmigrate.DefaultLockTimeout, "give up when another migration holds the lock this long")
	return cmd
}

func withPostgres(run func(cmd *cobra.Command, a *app.App) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		a, err := openApp(cmd)
		if err != nil {
			return err
		}
		defer a.Close()
		if a.DB.Dialect != dialect.Postgres {
			return errNotPostgres
		}
		return run(cmd, a)
	}
}

func migrateStatus(cmd *cobra.Command, a *app.App) error {
	st, err := dbmigrate.Status(cmd.Context(), a.DB.Session)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "current version: %s\napplied: %d\npending: %d\n", orNone(st.Current), len(st.Applied), len(st.Pending))
	for _, f := range st.Pending {
		fmt.Fprintf(out, "  pending %s\n", f.Name())
	}
	for _, v := range st.Ahead {
		fmt.Fprintf(out, "  unknown to this binary %s (the database is ahead)\n", v)
	}
	for _, r := range st.Failed {
		fmt.Fprintf(out, "  failed %s: %s\n", r.Version, r.Error)
	}
	newDev := func() (string, func(), error) { return devDatabase(cmd) }
	switch err := dbmigrate.CheckDrift(cmd.Context(), a.DB.Session, &st, newDev); {
	case errors.Is(err, dbmigrate.ErrDriftNotChecked):
		fmt.Fprintf(out, "drift: not checked (%s)\n", strings.TrimPrefix(err.Error(), dbmigrate.ErrDriftNotChecked.Error()+": "))
	case err != nil:
		return err
	case len(st.Drift) == 0:
		fmt.Fprintln(out, "drift: none (the live schema is what the applied files produce)")
	default:
		fmt.Fprintf(out, "drift: %d difference(s) from what the applied files produce\n", len(st.Drift))
		for _, d := range st.Drift {
			fmt.Fprintf(out, "  %s\n", d)
		}
	}
	return st.Err()
}

// migratePlan prints the pending SQL with the lint findings next to the
// statements they concern, and fails when a finding is an unreviewed error.
// Without a dev database it still prints the plan, saying lint was skipped.
func migratePlan(cmd *cobra.Command, a *app.App) error {
	files, err := dbmigrate.Plan(cmd.Context(), a.DB.Session)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if len(files) == 0 {
		_, err := fmt.Fprintln(out, "-- no pending migrations")
		return err
	}
	res, lintErr := lintPlan(cmd, files)
	if lintErr != nil {
		fmt.Fprintf(out, "-- lint skipped: %s\n", strings.ReplaceAll(lintErr.Error(), "\n", " "))
		res = &dbmigrate.LintResult{}
	}
	if err := printPlan(out, files, res); err != nil {
		return err
	}
	return res.Err()
}

func lintPlan(cmd *cobra.Command, files []migrate.File) (*dbmigrate.LintResult, error) {
	devURL, drop, err := devDatabase(cmd)
	if err != nil {
		return nil, err
	}
	defer drop()
	return dbmigrate.LintPending(cmd.Context(), devURL, files)
}

func printPlan(out io.Writer, files []migrate.File, res *dbmigrate.LintResult) error {
	for _, f := range files {
		if _, err := fmt.Fprintf(out, "-- %s\n%s\n", f.Name(), annotate(f.Bytes(), res.ByFile(f.Name()))); err != nil {
			return err
		}
	}
	if len(res.Files) > 0 {
		printLint(commentWriter{out}, res)
	}
	return nil
}

// commentWriter prefixes every line with "-- " (the lint summary at the
// end of a plan keeps the plan valid SQL).
type commentWriter struct{ w io.Writer }

func (c commentWriter) Write(p []byte) (int, error) {
	s := strings.TrimSuffix(string(p), "\n")
	_, err := io.WriteString(c.w, "-- "+strings.ReplaceAll(s, "\n", "\n-- ")+"\n")
	return len(p), err
}

func newMigrateDiffCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff NAME",
		Short: "Write a new migration file from the ent schema (developers; needs PostgreSQL for a temporary dev database)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, _, err := loadConfig(cmd)
			if err != nil {
				return err
			}
			if cfg.UsesSQLite() {
				return errNotPostgres
			}
			dir, _ := cmd.Flags().GetString("dir")
			devURL, drop, err := dbmigrate.TempDevDatabase(cmd.Context(), cfg.Database.SessionURL())
			if err != nil {
				return err
			}
			defer drop()
			name, err := dbmigrate.Diff(cmd.Context(), devURL, dir, args[0])
			if err != nil {
				return err
			}
			if name == "" {
				fmt.Fprintln(cmd.OutOrStdout(), "no schema changes")
				return nil
			}
			// Drift checks compare live databases with the schema the
			// directory produces: keep its snapshot in step.
			if err := dbmigrate.WriteSnapshot(cmd.Context(), cfg.Database.SessionURL(), dir); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s/%s\n", dir, name)
			return nil
		},
	}
	cmd.Flags().String("dir", "migrations", "migration directory to write into")
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
