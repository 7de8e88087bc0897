package dbmigrate_test

import (
	"errors"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"ariga.io/atlas/sql/migrate"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/migrations"
)

func TestEmbeddedDirValidatesAgainstAtlasSum(t *testing.T) {
	dir, err := dbmigrate.Dir()
	if err != nil {
		t.Fatalf("Dir: %v", err)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Fatalf("atlas.sum does not validate: %v", err)
	}
	atlasName := regexp.MustCompile(`^\d{14}_[A-Za-z0-9_]+\.sql$`)
	for _, f := range embeddedFiles(t) {
		if !atlasName.MatchString(f.Name()) {
			t.Errorf("%s is not an Atlas migration file name (<14-digit version>_<name>.sql)", f.Name())
		}
	}
}

// embeddedCopy returns the embedded migration files as a mutable fs.
func embeddedCopy(t *testing.T) fstest.MapFS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(migrations.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTamperedDirIsRefused(t *testing.T) {
	first := embeddedFiles(t)[0].Name()
	tests := []struct {
		name   string
		tamper func(m fstest.MapFS)
		want   string
	}{
		{"edited file", func(m fstest.MapFS) {
			m[first].Data = append(m[first].Data, []byte("\nDROP TABLE users;\n")...)
		}, "file " + first + " was edited"},
		{"added file", func(m fstest.MapFS) {
			m["99990101000000_sneaky.sql"] = &fstest.MapFile{Data: []byte("SELECT 1;\n")}
		}, "99990101000000_sneaky.sql was added"},
		{"removed file", func(m fstest.MapFS) { delete(m, first) }, "file " + first + " was removed"},
		{"missing atlas.sum", func(m fstest.MapFS) { delete(m, migrate.HashFileName) }, "has no atlas.sum"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := embeddedCopy(t)
			if _, err := dbmigrate.DirFS(m); err != nil {
				t.Fatalf("untampered copy refused: %v", err)
			}
			tt.tamper(m)
			_, err := dbmigrate.DirFS(m)
			if err == nil {
				t.Fatal("tampered directory was accepted")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			if tt.name != "missing atlas.sum" && !errors.Is(err, migrate.ErrChecksumMismatch) {
				t.Errorf("error %v is not migrate.ErrChecksumMismatch", err)
			}
		})
	}
}

func TestDiffRejectsBadName(t *testing.T) {
	for _, name := range []string{"", "add users", "../x", "a;b"} {
		if _, err := dbmigrate.Diff(t.Context(), "postgres://unused", t.TempDir(), name); err == nil {
			t.Errorf("Diff accepted name %q", name)
		}
	}
}
