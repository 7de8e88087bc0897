package dbmigrate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	_ "ariga.io/atlas/sql/postgres/postgrescheck" // registers the PostgreSQL analyzers
	atlas "ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlcheck"
	"ariga.io/atlas/sql/sqlclient"
)

// Severities of a lint finding. An analyzer configured to fail (Atlas's
// `error = true`, the default of the destructive analyzer) makes its
// findings errors; the others are warnings, as in `atlas migrate lint`.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
)

// Finding is one diagnostic of Atlas's analyzers on a migration file.
type Finding struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Pos      int    `json:"pos"` // byte offset of the statement in the file
	Code     string `json:"code"`
	Analyzer string `json:"analyzer"`
	Severity string `json:"severity"`
	Report   string `json:"report"`
	Text     string `json:"text"`
	// Accepted says why the finding does not fail the lint: an
	// `atlas:nolint` directive in the file, or a reviewed exception.
	Accepted string `json:"accepted,omitempty"`
}

// Failing reports whether f fails the lint.
func (f Finding) Failing() bool { return f.Severity == SeverityError && f.Accepted == "" }

// LintResult is the outcome of Lint.
type LintResult struct {
	Files    []string  `json:"files"`
	Findings []Finding `json:"findings"`
	// Problems are defects of the exception list (an exception that no
	// finding matches any more), which fail the lint too.
	Problems []string `json:"problems,omitempty"`
}

// ErrLint is wrapped by LintResult.Err.
var ErrLint = errors.New("migration lint failed")

// Err is non-nil when a finding fails the lint or the exception list is stale.
func (r *LintResult) Err() error {
	var msgs []string
	for _, f := range r.Findings {
		if f.Failing() {
			msgs = append(msgs, fmt.Sprintf("%s:%d %s %s", f.File, f.Line, f.Code, f.Text))
		}
	}
	msgs = append(msgs, r.Problems...)
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrLint, strings.Join(msgs, "; "))
}

// ByFile returns the findings of one file.
func (r *LintResult) ByFile(name string) []Finding {
	var out []Finding
	for _, f := range r.Findings {
		if f.File == name {
			out = append(out, f)
		}
	}
	return out
}

// LintOptions select what Lint analyzes.
type LintOptions struct {
	// Latest lints only the newest N files (the others are replayed as
	// the starting point); 0 lints the whole directory.
	Latest int
	// Exceptions are the reviewed exceptions (see ParseExceptions).
	Exceptions Exceptions
}

// Lint replays dir on the empty PostgreSQL database devURL and runs Atlas's
// PostgreSQL analyzers (destructive DS…, data-dependent MF…, backward
// incompatible BC…, constraint drops CD…) on each linted file, statement by
// statement, like `atlas migrate lint`. dir must be validated already.
func Lint(ctx context.Context, devURL string, dir migrate.Dir, opts LintOptions) (*LintResult, error) {
	files, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: read migration directory: %w", err)
	}
	split := 0
	if opts.Latest > 0 && opts.Latest < len(files) {
		split = len(files) - opts.Latest
	}
	res, err := LintFiles(ctx, devURL, files[:split], files[split:], opts.Exceptions)
	if err != nil {
		return nil, err
	}
	if split == 0 {
		// Only a lint of the whole directory sees every file an
		// exception may name.
		res.Problems = append(res.Problems, opts.Exceptions.unused()...)
	}
	return res, nil
}

// LintFiles replays base on the empty database devURL, then lints files.
func LintFiles(ctx context.Context, devURL string, base, files []migrate.File, exc Exceptions) (*LintResult, error) {
	db, err := sql.Open("postgres", devURL)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: open dev database: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // one session: a file's SET statements hold for the next ones
	drv, err := postgres.Open(db)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: open atlas postgres driver: %w", err)
	}
	l := &linter{dev: &sqlclient.Client{Name: postgres.DriverName, DB: db, Driver: drv}, exc: exc}
	if l.analyzers, err = sqlcheck.AnalyzerFor(postgres.DriverName, nil); err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: analyzers: %w", err)
	}
	for _, f := range base {
		if err := l.replay(ctx, f); err != nil {
			return nil, err
		}
	}
	current, err := l.inspect(ctx)
	if err != nil {
		return nil, err
	}
	res := &LintResult{Findings: []Finding{}}
	for i, f := range files {
		sf := &sqlcheck.File{File: f}
		// A first file on an empty database only creates: compare its
		// end state at once instead of inspecting after each of its
		// hundreds of statements (as the Atlas CLI does).
		if len(base) == 0 && i == 0 {
			current, err = l.wholeFile(ctx, sf, current)
		} else {
			current, err = l.perStatement(ctx, sf, current)
		}
		if err != nil {
			return nil, err
		}
		res.Files = append(res.Files, f.Name())
		findings, err := l.analyze(ctx, sf)
		if err != nil {
			return nil, err
		}
		res.Findings = append(res.Findings, findings...)
	}
	return res, nil
}

type linter struct {
	dev       *sqlclient.Client
	analyzers []sqlcheck.Analyzer
	exc       Exceptions
}

// stmts scans f's statements the way the executor does.
func (l *linter) stmts(f migrate.File) ([]*migrate.Stmt, error) {
	stmts, err := migrate.FileStmtDecls(l.dev, f)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: scan %s: %w", f.Name(), err)
	}
	return stmts, nil
}

func (l *linter) exec(ctx context.Context, f migrate.File, s *migrate.Stmt) error {
	if _, err := l.dev.ExecContext(ctx, s.Text); err != nil {
		return fmt.Errorf("dbmigrate: lint: %s line %d does not replay on the dev database: %w",
			f.Name(), lineOf(f.Bytes(), s.Pos), err)
	}
	return nil
}

func (l *linter) replay(ctx context.Context, f migrate.File) error {
	stmts, err := l.stmts(f)
	if err != nil {
		return err
	}
	for _, s := range stmts {
		if err := l.exec(ctx, f, s); err != nil {
			return err
		}
	}
	return nil
}

func (l *linter) inspect(ctx context.Context) (*atlas.Realm, error) {
	r, err := l.dev.InspectRealm(ctx, &atlas.InspectRealmOption{Schemas: []string{"public"}})
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: inspect dev database: %w", err)
	}
	for _, s := range r.Schemas {
		stripPartitions(s.Tables)
	}
	return r, nil
}

func (l *linter) wholeFile(ctx context.Context, f *sqlcheck.File, start *atlas.Realm) (*atlas.Realm, error) {
	if err := l.replay(ctx, f.File); err != nil {
		return nil, err
	}
	current, err := l.inspect(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := l.dev.RealmDiff(start, current)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: diff %s: %w", f.Name(), err)
	}
	f.Changes = append(f.Changes, &sqlcheck.Change{Changes: changes, Stmt: &migrate.Stmt{Pos: 0}})
	f.Sum, f.From, f.To = changes, start, current
	return current, nil
}

// perStatement executes f one statement at a time and attaches to each
// statement the schema changes it made.
func (l *linter) perStatement(ctx context.Context, f *sqlcheck.File, start *atlas.Realm) (*atlas.Realm, error) {
	stmts, err := l.stmts(f.File)
	if err != nil {
		return nil, err
	}
	current := start
	for _, s := range stmts {
		if err := l.exec(ctx, f.File, s); err != nil {
			return nil, err
		}
		next, err := l.inspectAfter(ctx, s.Text, current)
		if err != nil {
			return nil, err
		}
		changes, err := l.dev.RealmDiff(current, next)
		if err != nil {
			return nil, fmt.Errorf("dbmigrate: lint: diff %s: %w", f.Name(), err)
		}
		f.Changes = append(f.Changes, &sqlcheck.Change{Stmt: s, Changes: detectRenames(s.Text, changes)})
		current = next
	}
	if f.Sum, err = l.dev.RealmDiff(start, current); err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: diff %s: %w", f.Name(), err)
	}
	f.From, f.To = start, current
	return current, nil
}

// analyze runs every analyzer on f and marks the accepted findings.
func (l *linter) analyze(ctx context.Context, f *sqlcheck.File) ([]Finding, error) {
	nolint := nolintRules(f)
	var out []Finding
	for _, az := range l.analyzers {
		name := analyzerName(az)
		var reports []sqlcheck.Report
		err := az.Analyze(ctx, &sqlcheck.Pass{File: f, Dev: l.dev, Reporter: sqlcheck.ReportWriterFunc(func(r sqlcheck.Report) {
			reports = append(reports, r)
		})})
		severity := SeverityWarning
		if err != nil {
			if len(reports) == 0 {
				return nil, fmt.Errorf("dbmigrate: lint: %s analyzer on %s: %w", name, f.Name(), err)
			}
			severity = SeverityError
		}
		for _, r := range reports {
			for _, d := range r.Diagnostics {
				fd := Finding{File: f.Name(), Line: lineOf(f.Bytes(), d.Pos), Pos: d.Pos, Code: d.Code,
					Analyzer: name, Severity: severity, Report: r.Text, Text: d.Text}
				switch {
				case nolint.skips(d.Pos, d.Code, name):
					fd.Accepted = "atlas:nolint directive in the file"
				default:
					if reason, ok := l.exc.accept(f.Name(), d.Code); ok {
						fd.Accepted = "reviewed exception: " + reason
					}
				}
				out = append(out, fd)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Finding) int { return a.Pos - b.Pos })
	return out, nil
}

func analyzerName(az sqlcheck.Analyzer) string {
	if n, ok := az.(sqlcheck.NamedAnalyzer); ok {
		return n.Name()
	}
	return fmt.Sprintf("%T", az)
}

// nolint holds the `atlas:nolint` directives of a file with the Atlas
// CLI's meaning: a file directive (in the header, before a blank line)
// covers every statement, a directive in a statement's comments covers
// that statement; without arguments it silences everything, otherwise the
// listed codes (DS103) or analyzer names (destructive).
type nolint struct {
	all   bool
	rules map[int][]string // statement position -> codes/analyzers
}

func nolintRules(f *sqlcheck.File) nolint {
	n := nolint{rules: map[int][]string{}}
	var fileRules []string
	if lf, ok := f.File.(*migrate.LocalFile); ok {
		for _, d := range lf.Directive("nolint") {
			if strings.TrimSpace(d) == "" {
				n.all = true
			}
			fileRules = append(fileRules, strings.Fields(d)...)
		}
	}
	for _, c := range f.Changes {
		n.rules[c.Stmt.Pos] = append(n.rules[c.Stmt.Pos], fileRules...)
		for _, d := range c.Stmt.Directive("nolint") {
			if strings.TrimSpace(d) == "" {
				n.rules[c.Stmt.Pos] = append(n.rules[c.Stmt.Pos], "*")
			}
			n.rules[c.Stmt.Pos] = append(n.rules[c.Stmt.Pos], strings.Fields(d)...)
		}
	}
	return n
}

func (n nolint) skips(pos int, code, analyzer string) bool {
	rules := n.rules[pos]
	return n.all || slices.Contains(rules, "*") || slices.Contains(rules, code) || slices.Contains(rules, analyzer)
}

// lineOf returns the 1-based line of byte offset pos in b.
func lineOf(b []byte, pos int) int {
	pos = min(max(pos, 0), len(b))
	return strings.Count(string(b[:pos]), "\n") + 1
}

// MarshalJSON keeps Findings an array (never null) for CI consumers.
func (r *LintResult) MarshalJSON() ([]byte, error) {
	type plain LintResult
	p := plain(*r)
	if p.Findings == nil {
		p.Findings = []Finding{}
	}
	if p.Files == nil {
		p.Files = []string{}
	}
	return json.Marshal(p)
}

// LintPending lints the pending files of the embedded directory on a replay
// of the files before them, for `migrate plan`.
func LintPending(ctx context.Context, devURL string, pending []migrate.File) (*LintResult, error) {
	if len(pending) == 0 {
		return &LintResult{}, nil
	}
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	files, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: read migration directory: %w", err)
	}
	exc, err := EmbeddedLintExceptions()
	if err != nil {
		return nil, err
	}
	first := pending[0].Version()
	base := slices.DeleteFunc(files, func(f migrate.File) bool { return f.Version() >= first })
	return LintFiles(ctx, devURL, base, pending, exc)
}
