package cli

import (
	"errors"
	"fmt"
	"io"

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
		&cobra.Command{Use: "status", Short: "Show applied and pending migrations", Args: cobra.NoArgs, RunE: withPostgres(migrateStatus)},
		&cobra.Command{Use: "plan", Short: "Print the SQL of pending migrations without applying it", Args: cobra.NoArgs, RunE: withPostgres(migratePlan)},
		&cobra.Command{Use: "apply", Short: "Apply pending migrations", Args: cobra.NoArgs, RunE: withPostgres(migrateApply)},
		newMigrateDiffCmd(),
	)
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
	st, err := dbmigrate.Status(cmd.Context(), a.DB.SQL)
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "current version: %s\napplied: %d\npending: %d\n", orNone(st.Current), len(st.Applied), len(st.Pending))
	for _, f := range st.Pending {
		fmt.Fprintf(out, "  pending %s\n", f.Name())
	}
	return nil
}

func migratePlan(cmd *cobra.Command, a *app.App) error {
	files, err := dbmigrate.Plan(cmd.Context(), a.DB.SQL)
	if err != nil {
		return err
	}
	return printPlan(cmd.OutOrStdout(), files)
}

func printPlan(out io.Writer, files []migrate.File) error {
	if len(files) == 0 {
		_, err := fmt.Fprintln(out, "-- no pending migrations")
		return err
	}
	for _, f := range files {
		if _, err := fmt.Fprintf(out, "-- %s\n%s\n", f.Name(), f.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

func migrateApply(cmd *cobra.Command, a *app.App) error {
	n, err := dbmigrate.Apply(cmd.Context(), a.DB.SQL, a.Log)
	if err != nil {
		return err
	}
	fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s)\n", n)
	return nil
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
			devURL, drop, err := dbmigrate.TempDevDatabase(cmd.Context(), cfg.Database.URL)
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
