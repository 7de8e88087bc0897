package dbmigrate_test

// Migrations that reshape tables holding data are tested here on data
// stored before them.

import (
	"database/sql"
	"testing"

	"ariga.io/atlas/sql/migrate"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/agent"
	"github.com/worksynapse/worksynapse/ent/agenttool"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

// linkMigration gave the link tables an id and their tenant key.
const linkMigration = "20261207215555_link_tables_tenant_key.sql"

// TestLinkMigrationKeepsLinks: links stored before the migration (the old
// two-column tables) are kept by it, each with a UUIDv7 id and the
// organization of the row it hangs off.
func TestLinkMigrationKeepsLinks(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	sqlDB, u := emptyDB(t)
	files := applyUntil(t, sqlDB, linkMigration)

	// The tables the links point into are unchanged by the migration, so
	// today's client can write them.
	db, err := database.Open(ctx, database.Config{URL: u, MaxOpenConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sys := testfix.System()
	org := testfix.Org(t, db.Ent, "Acme")
	owner := testfix.User(t, db.Ent, "owner")
	var task, label, note, tag, ag, tool uuid.UUID
	testfix.Tx(t, sys, db.Ent, func(tx *ent.Tx) error {
		p := tx.Project.Create().SetOrganizationID(org.ID).SetKey("MG").SetName("Migrate").SetOwnerID(owner.ID).SaveX(sys)
		task = tx.Task.Create().SetOrganizationID(org.ID).SetProjectID(p.ID).SetNumber(1).SetTitle("t").
			SetReporterID(owner.ID).SaveX(sys).ID
		label = tx.Label.Create().SetOrganizationID(org.ID).SetProjectID(p.ID).SetName("l").SaveX(sys).ID
		note = tx.Note.Create().SetOrganizationID(org.ID).SetTitle("n").SetOwnerID(owner.ID).SaveX(sys).ID
		tag = tx.NoteTagDefinition.Create().SetOrganizationID(org.ID).SetName("tag").SaveX(sys).ID
		ag = tx.Agent.Create().SetOrganizationID(org.ID).SetName("bot").
			SetProvider(agent.ProviderOpenaiCompatible).SetModel("gpt-x").SaveX(sys).ID
		tool = tx.AgentTool.Create().SetOrganizationID(org.ID).SetName("search").
			SetRiskLevel(agenttool.RiskLevelLow).SaveX(sys).ID
		return nil
	})
	for q, args := range map[string][]any{
		`INSERT INTO task_labels (task_id, label_id) VALUES ($1, $2)`:               {task, label},
		`INSERT INTO note_tags (note_id, note_tag_definition_id) VALUES ($1, $2)`:   {note, tag},
		`INSERT INTO agent_tool_bindings (agent_id, agent_tool_id) VALUES ($1, $2)`: {ag, tool},
	} {
		if _, err := sqlDB.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	applyAll(t, sqlDB, files)
	check := func(name string, linkOrg, id uuid.UUID) {
		t.Helper()
		if linkOrg != org.ID || id.Version() != 7 {
			t.Errorf("%s after the migration: organization %s (want %s), id %s (want a UUIDv7)", name, linkOrg, org.ID, id)
		}
	}
	tl := db.Ent.TaskLabel.Query().OnlyX(sys)
	check("task label", tl.OrganizationID, tl.ID)
	nt := db.Ent.NoteTag.Query().OnlyX(sys)
	check("note tag", nt.OrganizationID, nt.ID)
	tb := db.Ent.AgentToolBinding.Query().OnlyX(sys)
	check("tool binding", tb.OrganizationID, tb.ID)
	if tl.TaskID != task || tl.LabelID != label || nt.NoteID != note || nt.NoteTagDefinitionID != tag ||
		tb.AgentID != ag || tb.AgentToolID != tool {
		t.Errorf("links changed ends: %+v %+v %+v", tl, nt, tb)
	}
}

// applyUntil applies the embedded migrations before the file named stop
// and returns them all.
func applyUntil(t *testing.T, db *sql.DB, stop string) []migrate.File {
	t.Helper()
	files := embeddedFiles(t)
	before := map[string]string{}
	for _, f := range files {
		if f.Name() == stop {
			break
		}
		before[f.Name()] = string(f.Bytes())
	}
	if len(before) == len(files) {
		t.Fatalf("%s is not in the migration directory", stop)
	}
	if _, err := dbmigrate.ApplyDir(t.Context(), db, memDir(t, before), dbmigrate.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	return files
}

// applyAll applies the rest of files.
func applyAll(t *testing.T, db *sql.DB, files []migrate.File) {
	t.Helper()
	all := map[string]string{}
	for _, f := range files {
		all[f.Name()] = string(f.Bytes())
	}
	if _, err := dbmigrate.ApplyDir(t.Context(), db, memDir(t, all), dbmigrate.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestStreamEventMigrationKeepsIDs: the events stored before stream_events
// was partitioned stay, in the legacy partition, and the next event id
// follows the last one handed out, so clients resume where they were.
func TestStreamEventMigrationKeepsIDs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, _ := emptyDB(t)
	files := applyUntil(t, db, "20261207223000_partition_stream_events.sql")
	insert := func() int64 {
		t.Helper()
		var id int64
		if err := db.QueryRowContext(ctx, `INSERT INTO stream_events (created_at, organization_id, type, payload)
			VALUES (now(), $1, 'test', '{}') RETURNING id`, uuid.New()).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	var last int64
	for range 3 {
		last = insert()
	}
	// An id handed out to a transaction that rolled back is not reused.
	if _, err := db.ExecContext(ctx, `SELECT nextval(pg_get_serial_sequence('stream_events', 'id'))`); err != nil {
		t.Fatal(err)
	}
	applyAll(t, db, files)
	if next := insert(); next != last+2 {
		t.Errorf("first id after the migration = %d, want %d", next, last+2)
	}
	var legacy int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM stream_events_legacy`).Scan(&legacy); err != nil || legacy != 4 {
		t.Errorf("legacy partition holds %d events (%v), want the 3 old ones and the new one", legacy, err)
	}
}
