package riverschema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/riverschema"
)

const repoMigrations = "../../migrations"

// TestRiverMigrationsInDirectory keeps River's schema in migrations/ equal
// to what the River version in go.mod ships: every version present once,
// each file exactly as generated. After upgrading River, write the new
// versions with
//
//	WORKSYNAPSE_WRITE_RIVER_MIGRATIONS=1 go test ./internal/riverschema -run TestRiverMigrationsInDirectory
func TestRiverMigrationsInDirectory(t *testing.T) {
	have := riverFiles(t)
	write := os.Getenv("WORKSYNAPSE_WRITE_RIVER_MIGRATIONS") == "1"
	stamp := time.Now().UTC()
	for v := 1; v <= riverschema.RiverVersions(); v++ {
		want, err := riverschema.PostgresMigrationSQL(v)
		if err != nil {
			t.Fatal(err)
		}
		file, ok := have[v]
		if !ok && write {
			file = filepath.Join(repoMigrations, fmt.Sprintf("%s_river_%03d.sql", stamp.Add(time.Duration(v)*time.Second).Format("20060102150405"), v))
			if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("wrote %s", file)
			continue
		}
		if !ok {
			t.Errorf("migrations/ lacks River schema version %d: run this test with WORKSYNAPSE_WRITE_RIVER_MIGRATIONS=1", v)
			continue
		}
		if got, _ := os.ReadFile(file); string(got) != want {
			t.Errorf("%s differs from River's migration %d; never edit it (applied files are immutable)", file, v)
		}
	}
	if write {
		if err := dbmigrate.Hash(repoMigrations); err != nil {
			t.Fatal(err)
		}
	}
}

// riverFiles maps River schema versions to the migration files holding them.
func riverFiles(t *testing.T) map[int]string {
	paths, err := filepath.Glob(filepath.Join(repoMigrations, "*.sql"))
	if err != nil {
		t.Fatal(err)
	}
	files := map[int]string{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := strings.CutPrefix(string(b), riverschema.RiverFileMarker)
		if !ok {
			continue
		}
		num, _, _ := strings.Cut(rest, " ")
		v, err := strconv.Atoi(num)
		if err != nil {
			t.Fatalf("%s: bad River version %q", p, num)
		}
		if prev, dup := files[v]; dup {
			t.Errorf("River version %d is in both %s and %s", v, prev, p)
		}
		files[v] = p
	}
	return files
}
