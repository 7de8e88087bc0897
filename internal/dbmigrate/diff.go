package dbmigrate

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/postgres"
	atlas "ariga.io/atlas/sql/schema"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/lib/pq"

	entmigrate "github.com/worksynapse/worksynapse/ent/migrate"
)

// validName is what a migration name may contain (it becomes part of the
// file name).
var validName = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Diff writes a new migration file into dirPath (the on-disk migrations/
// directory) holding the changes from the directory's state, replayed on
// the clean PostgreSQL database devURL, to the ent schema, and updates
// atlas.sum. It returns the new file's name, or "" when the directory is
// already in sync with the ent schema.
func Diff(ctx context.Context, devURL, dirPath, name string) (string, error) {
	if !validName.MatchString(name) {
		return "", fmt.Errorf("dbmigrate: migration name %q: use letters, digits and underscores", name)
	}
	dir, err := migrate.NewLocalDir(dirPath)
	if err != nil {
		return "", fmt.Errorf("dbmigrate: open migration directory %s: %w", dirPath, err)
	}
	if err := validate(dir); err != nil {
		return "", err
	}
	before, err := fileNames(dir)
	if err != nil {
		return "", err
	}
	if err := entDiff(ctx, devURL, dir, name); err != nil {
		return "", fmt.Errorf("dbmigrate: diff ent schema against %s: %w", dirPath, err)
	}
	return newFile(dir, before)
}

// entDiff lets ent write the migration file into dir.
func entDiff(ctx context.Context, devURL string, dir migrate.Dir, name string) error {
	dev, err := sql.Open("postgres", devURL)
	if err != nil {
		return fmt.Errorf("open dev database: %w", err)
	}
	defer dev.Close()
	// The directory is replayed here rather than by ent (ModeReplay):
	// ent cleans its dev database afterwards by dropping every foreign
	// key, and the keys PostgreSQL copies for each partition of a
	// referenced partitioned table (agent_calls) cannot be dropped alone.
	files, err := dir.Files()
	if err != nil {
		return fmt.Errorf("list migration files: %w", err)
	}
	if err := replayFiles(ctx, dev, files); err != nil {
		return err
	}
	keep, err := handWrittenIndexes(dir)
	if err != nil {
		return err
	}
	// Normalizing needs an empty database of its own (the dev one holds
	// the replayed directory).
	normURL, dropNorm, err := TempDevDatabase(ctx, devURL)
	if err != nil {
		return err
	}
	defer dropNorm()
	norm, err := sql.Open("postgres", normURL)
	if err != nil {
		return fmt.Errorf("open normalization database: %w", err)
	}
	defer norm.Close()
	opts := append(diffOptions(dir), renormalize(ctx, norm), keepIndexes(keep), keepPartitions())
	return entmigrate.NamedDiff(ctx, devURL, name, opts...)
}

// newFile returns the migration file of dir not in before ("" if none).
func newFile(dir migrate.Dir, before map[string]bool) (string, error) {
	after, err := fileNames(dir)
	if err != nil {
		return "", err
	}
	for n := range after {
		if !before[n] {
			return n, nil
		}
	}
	return "", nil
}

// diffOptions makes ent plan Atlas-format files from the replayed
// directory (entDiff replays it; ent inspects the result), including
// dropped columns and indexes, so the directory describes the ent schema
// exactly.
func diffOptions(dir migrate.Dir) []schema.MigrateOption {
	return []schema.MigrateOption{
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeInspect),
		schema.WithDialect(dialect.Postgres),
		schema.WithFormatter(migrate.DefaultFormatter),
		schema.WithDropColumn(true),
		schema.WithDropIndex(true),
	}
}

// renormalize passes ent's desired schema twice through an empty
// database before diffing. PostgreSQL does not print every expression in a
// form that prints the same once parsed again (`type IN ('a', 'b')` in an
// index predicate or a check), and the replayed directory went through the
// database twice (when its file was generated, then when it was replayed),
// so with fewer passes such objects are dropped and re-created by every
// diff (ent issue #3925).
func renormalize(ctx context.Context, empty *sql.DB) schema.MigrateOption {
	return schema.WithDiffHook(func(next schema.Differ) schema.Differ {
		return schema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
			drv, err := postgres.Open(empty)
			if err != nil {
				return nil, fmt.Errorf("open normalization database driver: %w", err)
			}
			for range 2 {
				if desired, err = drv.(atlas.Normalizer).NormalizeSchema(ctx, desired); err != nil {
					return nil, fmt.Errorf("normalize the ent schema: %w", err)
				}
			}
			return next.Diff(current, desired)
		})
	})
}

// createIndex finds the indexes a hand-written migration file creates.
var createIndex = regexp.MustCompile(`(?i)CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"?([A-Za-z0-9_]+)"?`)

// handWrittenIndexes returns the names of the indexes that hand-written
// files of dir create (ent does not know them).
func handWrittenIndexes(dir migrate.Dir) (map[string]bool, error) {
	files, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("list migration files: %w", err)
	}
	names := map[string]bool{}
	for _, f := range files {
		if !IsHandWritten(f.Bytes()) {
			continue
		}
		for _, m := range createIndex.FindAllSubmatch(f.Bytes(), -1) {
			names[string(m[1])] = true
		}
	}
	return names, nil
}

// keepIndexes drops from ent's plan the removal of the hand-written
// indexes: ent's schema does not have them, and must not delete them.
func keepIndexes(keep map[string]bool) schema.MigrateOption {
	return schema.WithDiffHook(func(next schema.Differ) schema.Differ {
		return schema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
			changes, err := next.Diff(current, desired)
			if err != nil {
				return nil, err
			}
			out := changes[:0]
			for _, c := range changes {
				if mt, ok := c.(*atlas.ModifyTable); ok {
					mt.Changes = slices.DeleteFunc(mt.Changes, func(tc atlas.Change) bool {
						di, ok := tc.(*atlas.DropIndex)
						return ok && keep[di.I.Name]
					})
					if len(mt.Changes) == 0 {
						continue
					}
				}
				out = append(out, c)
			}
			return out, nil
		})
	})
}

// keepPartitions gives ent's desired tables the partition key that
// hand-written migrations gave the tables (internal/partition): ent cannot
// declare one, and Atlas refuses a plan that would drop it. It also hides
// the foreign keys PostgreSQL copies for each partition of a referenced
// table.
func keepPartitions() schema.MigrateOption {
	return schema.WithDiffHook(func(next schema.Differ) schema.Differ {
		return schema.DiffFunc(func(current, desired *atlas.Schema) ([]atlas.Change, error) {
			for _, t := range current.Tables {
				// Keys copied per partition of a referenced partitioned
				// table are storage: ent neither declares nor drops them.
				t.ForeignKeys = slices.DeleteFunc(t.ForeignKeys, func(fk *atlas.ForeignKey) bool {
					_, ok := current.Table(fk.RefTable.Name)
					return !ok && fk.RefTable.Schema == current
				})
				p, ok := partitionOf(t.Attrs)
				if !ok {
					continue
				}
				if d, ok := desired.Table(t.Name); ok {
					if _, has := partitionOf(d.Attrs); !has {
						d.AddAttrs(p)
					}
				}
			}
			return next.Diff(current, desired)
		})
	})
}

// partitionOf returns the partition key among a table's attributes.
func partitionOf(attrs []atlas.Attr) (*postgres.Partition, bool) {
	for _, a := range attrs {
		if p, ok := a.(*postgres.Partition); ok {
			return p, true
		}
	}
	return nil, false
}

// Rebuild replaces the ent-generated migrations in dirPath by a single
// file, name, creating the whole ent schema (used to squash the directory
// before the first release). Files that ent did not write (River's schema,
// hand-written DDL: see IsHandWritten) are kept, and the new file takes the
// version of the oldest file it replaces, so it still runs before them. It
// returns the new file's name.
func Rebuild(ctx context.Context, devURL, dirPath, name string) (string, error) {
	tmp, err := os.MkdirTemp("", "worksynapse-migrations-")
	if err != nil {
		return "", fmt.Errorf("dbmigrate: rebuild: %w", err)
	}
	defer os.RemoveAll(tmp)
	file, err := Diff(ctx, devURL, tmp, name)
	if err != nil {
		return "", err
	}
	if file == "" {
		return "", errors.New("dbmigrate: rebuild: the ent schema produced no migration")
	}
	replaced, err := clearGenerated(dirPath)
	if err != nil {
		return "", err
	}
	target := file
	if len(replaced) > 0 {
		version, _, _ := strings.Cut(replaced[0], "_")
		target = version + "_" + name + ".sql"
	}
	if err := copyFile(filepath.Join(tmp, file), filepath.Join(dirPath, target)); err != nil {
		return "", err
	}
	return target, Hash(dirPath)
}

// handWrittenMarkers start the first line of migration files that ent did
// not generate and that a rebuild keeps.
var handWrittenMarkers = []string{"-- river migration, ", "-- hand-written: "}

// IsHandWritten reports whether a migration file's content was not
// generated from the ent schema: River's schema versions and DDL that ent
// cannot express (extensions, expression and GIN indexes), which start
// with "-- hand-written: <why>".
func IsHandWritten(content []byte) bool {
	for _, m := range handWrittenMarkers {
		if bytes.HasPrefix(content, []byte(m)) {
			return true
		}
	}
	return false
}

// clearGenerated removes the ent-generated migration files from dirPath
// and returns their names in version order.
func clearGenerated(dirPath string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(dirPath, "*.sql"))
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: list %s: %w", dirPath, err)
	}
	sort.Strings(paths)
	var removed []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("dbmigrate: read %s: %w", p, err)
		}
		if IsHandWritten(b) {
			continue
		}
		if err := os.Remove(p); err != nil {
			return nil, fmt.Errorf("dbmigrate: remove %s: %w", p, err)
		}
		removed = append(removed, filepath.Base(p))
	}
	return removed, nil
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return fmt.Errorf("dbmigrate: read %s: %w", from, err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		return fmt.Errorf("dbmigrate: write %s: %w", to, err)
	}
	return nil
}

// fileNames returns the set of migration file names in dir.
func fileNames(dir migrate.Dir) (map[string]bool, error) {
	files, err := dir.Files()
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: list migration files: %w", err)
	}
	names := make(map[string]bool, len(files))
	for _, f := range files {
		names[f.Name()] = true
	}
	return names, nil
}

// TempDevDatabase creates an empty database with a random name on the
// server of adminURL (a postgres:// URL whose user may CREATE DATABASE) and
// returns its URL. drop removes it (WITH (FORCE)); call it when done.
func TempDevDatabase(ctx context.Context, adminURL string) (devURL string, drop func(), err error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, errors.New("dbmigrate: dev database: the admin URL must be a postgres:// URL")
	}
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		return "", nil, fmt.Errorf("dbmigrate: dev database: open admin connection: %w", err)
	}
	name := "wsdev_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("dbmigrate: dev database: create %s: %w", name, err)
	}
	dev := *u
	dev.Path = "/" + name
	var once sync.Once
	drop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)")
			_ = admin.Close()
		})
	}
	return dev.String(), drop, nil
}

// randomHex returns 2n random lower-case hex digits.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// Hash rewrites atlas.sum of the on-disk directory dirPath (like `atlas
// migrate hash`), e.g. after adding a hand-written migration file.
func Hash(dirPath string) error {
	dir, err := migrate.NewLocalDir(dirPath)
	if err != nil {
		return fmt.Errorf("dbmigrate: open migration directory %s: %w", dirPath, err)
	}
	sum, err := dir.Checksum()
	if err != nil {
		return fmt.Errorf("dbmigrate: hash %s: %w", dirPath, err)
	}
	if err := migrate.WriteSumFile(dir, sum); err != nil {
		return fmt.Errorf("dbmigrate: write %s: %w", sumFile, err)
	}
	return nil
}
