package dbmigrate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"

	atlas "ariga.io/atlas/sql/schema"

	"github.com/worksynapse/worksynapse/migrations"
)

// ExceptionsFile is the reviewed list of accepted lint findings in files
// that are already committed, next to atlas.sum in migrations/.
//
// Why a list and not `-- atlas:nolint` in those files: a committed file may
// be applied somewhere, and applied files never change. Atlas itself would
// not notice (it re-checks only the statements of a partly applied file,
// HistoryChangedError; see ariga/atlas#2243), but the file's hash recorded
// in atlas_schema_revisions would stop matching atlas.sum, a DBA comparing
// the two would see an edited history, and River's files must stay
// byte-identical to River's own SQL (internal/riverschema). New files carry
// their directive; the list is for files written before lint existed.
const ExceptionsFile = "lint_exceptions.txt"

// Exception accepts the findings of one code in one committed file.
type Exception struct {
	File, Code, Reason string
	used               *bool
}

// Exceptions is the parsed exception list.
type Exceptions []Exception

var exceptionLine = regexp.MustCompile(`^(\S+)\s+(\S+)\s+(\S.*)$`)

// ParseExceptions reads the exception list: one `FILE CODE REASON` per
// line, `#` comments and blank lines ignored. A reason is required, and
// each file+code appears once.
func ParseExceptions(b []byte) (Exceptions, error) {
	var out Exceptions
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := exceptionLine.FindStringSubmatch(line)
		if f == nil {
			return nil, fmt.Errorf("dbmigrate: %s line %d: want `FILE CODE REASON`", ExceptionsFile, n)
		}
		key := f[1] + " " + f[2]
		if seen[key] {
			return nil, fmt.Errorf("dbmigrate: %s line %d: %s listed twice", ExceptionsFile, n, key)
		}
		seen[key] = true
		out = append(out, Exception{File: f[1], Code: f[2], Reason: f[3], used: new(bool)})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("dbmigrate: read %s: %w", ExceptionsFile, err)
	}
	return out, nil
}

// LintExceptions returns the exception list of fsys (nil if it has none).
func LintExceptions(fsys fs.FS) (Exceptions, error) {
	b, err := fs.ReadFile(fsys, ExceptionsFile)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, fmt.Errorf("dbmigrate: read %s: %w", ExceptionsFile, err)
	}
	return ParseExceptions(b)
}

// EmbeddedLintExceptions is the exception list of the embedded directory.
func EmbeddedLintExceptions() (Exceptions, error) { return LintExceptions(migrations.FS) }

func (e Exceptions) accept(file, code string) (string, bool) {
	for _, x := range e {
		if x.File == file && x.Code == code {
			*x.used = true
			return x.Reason, true
		}
	}
	return "", false
}

// unused lists exceptions no finding matched: stale entries would accept
// a future finding nobody reviewed.
func (e Exceptions) unused() []string {
	var out []string
	for _, x := range e {
		if !*x.used {
			out = append(out, fmt.Sprintf("%s: exception %s %s matches no finding: remove it", ExceptionsFile, x.File, x.Code))
		}
	}
	return out
}

// Renames cannot be told from a drop and an add by comparing two
// inspections; the Atlas CLI's SQL parser repairs the changes of a RENAME
// statement, which the library lacks. These patterns do the same for the
// RENAME forms PostgreSQL has, so a rename is reported as the
// backward-incompatible change it is (BC101/BC102) rather than as a
// destructive drop (DS102/DS103).
var (
	ident        = `(?:"[^"]+"|[A-Za-z_][A-Za-z0-9_$]*)`
	qualified    = `(?:` + ident + `\.)?(` + ident + `)`
	renameColumn = regexp.MustCompile(`(?is)^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?` + qualified +
		`\s+RENAME\s+(?:COLUMN\s+)?(` + ident + `)\s+TO\s+(` + ident + `)\s*;?\s*$`)
	renameTable = regexp.MustCompile(`(?is)^\s*ALTER\s+TABLE\s+(?:IF\s+EXISTS\s+)?(?:ONLY\s+)?` + qualified +
		`\s+RENAME\s+TO\s+(` + ident + `)\s*;?\s*$`)
)

func unquote(s string) string { return strings.Trim(s, `"`) }

// detectRenames turns the drop+add that a RENAME statement shows as into
// the rename it is.
func detectRenames(stmt string, changes atlas.Changes) atlas.Changes {
	if m := renameTable.FindStringSubmatch(stmt); m != nil {
		return renameTableChange(changes, unquote(m[1]), unquote(m[2]))
	}
	if m := renameColumn.FindStringSubmatch(stmt); m != nil && !strings.EqualFold(m[2], "CONSTRAINT") {
		return renameColumnChange(changes, unquote(m[1]), unquote(m[2]), unquote(m[3]))
	}
	return changes
}

func renameTableChange(changes atlas.Changes, from, to string) atlas.Changes {
	di := slices.IndexFunc(changes, func(c atlas.Change) bool {
		d, ok := c.(*atlas.DropTable)
		return ok && d.T.Name == from
	})
	ai := slices.IndexFunc(changes, func(c atlas.Change) bool {
		a, ok := c.(*atlas.AddTable)
		return ok && a.T.Name == to
	})
	if di < 0 || ai < 0 {
		return changes
	}
	rename := &atlas.RenameTable{From: changes[di].(*atlas.DropTable).T, To: changes[ai].(*atlas.AddTable).T}
	out := atlas.Changes{rename}
	for i, c := range changes {
		if i != di && i != ai {
			out = append(out, c)
		}
	}
	return out
}

func renameColumnChange(changes atlas.Changes, table, from, to string) atlas.Changes {
	for _, c := range changes {
		mt, ok := c.(*atlas.ModifyTable)
		if !ok || mt.T.Name != table {
			continue
		}
		di := slices.IndexFunc(mt.Changes, func(c atlas.Change) bool {
			d, ok := c.(*atlas.DropColumn)
			return ok && d.C.Name == from
		})
		ai := slices.IndexFunc(mt.Changes, func(c atlas.Change) bool {
			a, ok := c.(*atlas.AddColumn)
			return ok && a.C.Name == to
		})
		if di < 0 || ai < 0 {
			continue
		}
		rename := &atlas.RenameColumn{From: mt.Changes[di].(*atlas.DropColumn).C, To: mt.Changes[ai].(*atlas.AddColumn).C}
		kept := atlas.Changes{rename}
		for i, c := range mt.Changes {
			if i != di && i != ai {
				kept = append(kept, c)
			}
		}
		mt.Changes = kept
	}
	return changes
}
