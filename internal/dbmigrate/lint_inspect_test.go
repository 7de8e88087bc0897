package dbmigrate

import (
	"slices"
	"testing"

	atlas "ariga.io/atlas/sql/schema"
)

// TestNamedTables: a statement's tables are found by name, through their
// indexes and primary keys, quoted or not; a table the statement creates
// is among them though the schema does not have it yet.
func TestNamedTables(t *testing.T) {
	tasks := &atlas.Table{Name: "tasks", PrimaryKey: &atlas.Index{Name: "tasks_pkey"}}
	tasks.Indexes = []*atlas.Index{{Name: "task_project_id", Table: tasks}}
	s := &atlas.Schema{Name: "public", Tables: []*atlas.Table{tasks, {Name: "users"}}}
	for stmt, want := range map[string]string{
		`ALTER INDEX "task_project_id" RENAME TO "task_project"`: "tasks",
		`ALTER INDEX tasks_pkey RENAME TO tasks_old_pkey`:        "tasks",
		`CREATE TABLE "tasks_legacy" (LIKE "tasks")`:             "tasks_legacy",
		`ALTER TABLE "Users" ADD COLUMN x int`:                   "",
		`ALTER TABLE users ADD COLUMN x int`:                     "users",
	} {
		got := namedTables(stmt, s)
		if want != "" && !slices.Contains(got, want) {
			t.Errorf("%s: tables %v lack %s", stmt, got, want)
		}
		if want == "" && slices.Contains(got, "users") {
			t.Errorf(`%s: "Users" (quoted, so case-sensitive) is not users: %v`, stmt, got)
		}
	}
}
