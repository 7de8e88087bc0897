package testdb_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryPostgresPackageDropsItsTemplate: a test package that takes
// PostgreSQL databases from testdb must run under testdb.Main, or the
// process's template database outlives it on the server, one per run.
func TestEveryPostgresPackageDropsItsTemplate(t *testing.T) {
	uses := regexp.MustCompile(`testdb\.(NewPostgres|NewUnseededPostgres|ForEachDialect|ForEachDialectUnseeded)\(`)
	dirs := map[string]bool{} // package directory -> has testdb.Main
	root := filepath.Join("..", "..")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir := filepath.Dir(path)
		if uses.Match(b) {
			dirs[dir] = dirs[dir] || false
		}
		if strings.Contains(string(b), "testdb.Main(m)") {
			dirs[dir] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, hasMain := range dirs {
		if !hasMain {
			t.Errorf("%s takes PostgreSQL databases from testdb without func TestMain(m *testing.M) { testdb.Main(m) }", dir)
		}
	}
}
