package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"github.com/spf13/cobra"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/migrations"
)

func newMigrateLintCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "lint [--latest N] [--format json] [--dir DIR]",
		Short: "Run Atlas's analyzers (DS, MF, BC, CD) over the migration directory on a temporary dev database; exit non-zero on errors",
		Args:  cobra.NoArgs,
		RunE:  migrateLint,
	}
	cmd.Flags().Int("latest", 0, "lint only the newest N files (0: the whole directory)")
	cmd.Flags().String("format", "text", "output format: text or json")
	cmd.Flags().String("dir", "", "lint this on-disk directory instead of the one built into the binary (e.g. migrations/ before committing)")
	return cmd
}

func migrateLint(cmd *cobra.Command, _ []string) error {
	format, _ := cmd.Flags().GetString("format")
	if format != "text" && format != "json" {
		return fmt.Errorf("--format %q: use text or json", format)
	}
	latest, _ := cmd.Flags().GetInt("latest")
	if latest < 0 {
		return fmt.Errorf("--latest %d: use a positive number (0 lints everything)", latest)
	}
	dir, exc, err := lintDir(cmd)
	if err != nil {
		return err
	}
	devURL, drop, err := devDatabase(cmd)
	if err != nil {
		return err
	}
	defer drop()
	res, err := dbmigrate.Lint(cmd.Context(), devURL, dir, dbmigrate.LintOptions{Latest: latest, Exceptions: exc})
	if err != nil {
		return err
	}
	if format == "json" {
		enc := json.NewEncoder(cmd.OutOrStdout())
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		printLint(cmd.OutOrStdout(), res)
	}
	return res.Err()
}

// lintDir returns the directory to lint (--dir, or the embedded one) and
// its exception list.
func lintDir(cmd *cobra.Command) (migrate.Dir, dbmigrate.Exceptions, error) {
	path, _ := cmd.Flags().GetString("dir")
	fsys := os.DirFS(path)
	if path == "" {
		fsys = migrations.FS
	}
	dir, err := dbmigrate.DirFS(fsys)
	if err != nil {
		return nil, nil, err
	}
	exc, err := dbmigrate.LintExceptions(fsys)
	return dir, exc, err
}

// devDatabase creates the temporary dev database lint replays files on: on
// the server of --dev-url if given, else on database.url's server (the
// user needs CREATE DATABASE there). drop removes it.
func devDatabase(cmd *cobra.Command) (string, func(), error) {
	server, _ := cmd.Flags().GetString("dev-url")
	if server == "" {
		cfg, _, err := loadConfig(cmd)
		if err != nil {
			return "", nil, err
		}
		if cfg.UsesSQLite() {
			return "", nil, errNotPostgres
		}
		server = cfg.Database.SessionURL()
	}
	u, drop, err := dbmigrate.TempDevDatabase(cmd.Context(), server)
	if err != nil {
		return "", nil, fmt.Errorf("%w (lint needs a PostgreSQL server where it may create a temporary database: pass --dev-url)", err)
	}
	return u, drop, nil
}

// printLint writes the findings the way `atlas migrate lint` does: file,
// line, code and text, plus the verdict.
func printLint(out io.Writer, res *dbmigrate.LintResult) {
	var errs, warns, accepted int
	for _, f := range res.Findings {
		fmt.Fprintf(out, "%s:%d: %s %s: %s (%s)\n", f.File, f.Line, f.Code, f.Severity, f.Text, f.Report)
		if f.Accepted != "" {
			fmt.Fprintf(out, "    accepted: %s\n", f.Accepted)
			accepted++
		}
		switch {
		case f.Failing():
			errs++
		case f.Accepted == "":
			warns++
		}
	}
	for _, p := range res.Problems {
		fmt.Fprintf(out, "%s\n", p)
	}
	fmt.Fprintf(out, "linted %d file(s): %d finding(s), %d error(s), %d warning(s), %d accepted\n",
		len(res.Files), len(res.Findings), errs, warns, accepted)
	fmt.Fprintln(out, "codes: https://atlasgo.io/lint/analyzers")
}

// annotate inserts each finding as an SQL comment above the line of the
// statement it concerns, so a plan stays valid SQL.
func annotate(content []byte, findings []dbmigrate.Finding) string {
	byLine := map[int][]string{}
	for _, f := range findings {
		note := fmt.Sprintf("-- lint %s %s: %s", f.Code, f.Severity, f.Text)
		if f.Accepted != "" {
			note += " [accepted: " + f.Accepted + "]"
		}
		byLine[f.Line] = append(byLine[f.Line], strings.ReplaceAll(note, "\n", " "))
	}
	var b strings.Builder
	for i, line := range strings.SplitAfter(string(content), "\n") {
		for _, n := range byLine[i+1] {
			b.WriteString(n + "\n")
		}
		b.WriteString(line)
	}
	return b.String()
}
