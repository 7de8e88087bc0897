// Package dbmigrate plans and applies the versioned PostgreSQL migrations in
// the repository's migrations/ directory (embedded in the binary) with the
// Atlas Go library, so the Atlas CLI is not needed at run time. Applied
// revisions are kept in atlas_schema_revisions with the Atlas CLI's layout,
// so `atlas migrate status` works on the same database.
package dbmigrate

import (
	"errors"
	"fmt"
	"io/fs"
	"path"

	"ariga.io/atlas/sql/migrate"

	"github.com/worksynapse/worksynapse/migrations"
)

// sumFile is the name of the directory's integrity file.
const sumFile = migrate.HashFileName

// Dir returns the embedded migration directory, validated against its
// atlas.sum: a file edited, added or removed without updating the sum is
// refused.
func Dir() (migrate.Dir, error) {
	return DirFS(migrations.FS)
}

// DirFS loads the *.sql files and atlas.sum at the root of fsys into an
// in-memory Atlas directory and validates it against atlas.sum.
func DirFS(fsys fs.FS) (migrate.Dir, error) {
	dir, err := loadMemDir(fsys)
	if err != nil {
		return nil, err
	}
	if err := validate(dir); err != nil {
		return nil, err
	}
	return dir, nil
}

// loadMemDir copies the migration files of fsys into a MemDir.
func loadMemDir(fsys fs.FS) (*migrate.MemDir, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: read migration directory: %w", err)
	}
	dir := &migrate.MemDir{}
	for _, e := range entries {
		if e.IsDir() || (path.Ext(e.Name()) != ".sql" && e.Name() != sumFile) {
			continue
		}
		b, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("dbmigrate: read migration file %s: %w", e.Name(), err)
		}
		if err := dir.WriteFile(e.Name(), b); err != nil {
			return nil, fmt.Errorf("dbmigrate: load migration file %s: %w", e.Name(), err)
		}
	}
	return dir, nil
}

// validate checks dir against atlas.sum and explains a mismatch.
func validate(dir migrate.Dir) error {
	err := migrate.Validate(dir)
	var cerr *migrate.ChecksumError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &cerr):
		return fmt.Errorf("dbmigrate: migration directory does not match %s: file %s was %s "+
			"(generate changes with `worksynapse migrate diff NAME`; never edit a committed file; "+
			"if an edit of a never-applied file is intended, rehash with `atlas migrate hash`): %w",
			sumFile, cerr.File, cerr.Reason, err)
	case errors.Is(err, migrate.ErrChecksumNotFound):
		return fmt.Errorf("dbmigrate: migration directory has no %s: %w", sumFile, err)
	default:
		return fmt.Errorf("dbmigrate: validate migration directory: %w", err)
	}
}
