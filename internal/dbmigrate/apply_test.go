package dbmigrate_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ariga.io/atlas/sql/migrate"
	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"entgo.io/ent/dialect/sql/schema"
	"entgo.io/ent/schema/field"

	"github.com/worksynapse/worksynapse/internal/dbmigrate"
	"github.com/worksynapse/worksynapse/internal/riverschema"
)

func TestApplyOnEmptyDatabase(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	files := embeddedFiles(t)

	st, err := dbmigrate.Status(ctx, db)
	if err != nil {
		t.Fatalf("Status before apply: %v", err)
	}
	if st.Current != "" || len(st.Applied) != 0 || len(st.Pending) != len(files) {
		t.Fatalf("Status before apply = current %q, %d applied, %d pending; want none applied, %d pending",
			st.Current, len(st.Applied), len(st.Pending), len(files))
	}
	plan, err := dbmigrate.Plan(ctx, db)
	if err != nil || !slices.Equal(versions(plan), versions(files)) {
		t.Fatalf("Plan = %v, %v; want every file", versions(plan), err)
	}
	if tables := tableNames(ctx, t, db); len(tables) != 0 {
		t.Fatalf("Status/Plan changed the database: tables %v", tables)
	}

	var logs bytes.Buffer
	n, err := dbmigrate.Apply(ctx, db, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatalf("Apply: %v", err)
	}
	if n != len(files) {
		t.Fatalf("Apply applied %d files, want %d", n, len(files))
	}
	if !strings.Contains(logs.String(), files[0].Name()) {
		t.Errorf("Apply did not log the files it applied; log:\n%s", logs.String())
	}

	st, err = dbmigrate.Status(ctx, db)
	if err != nil {
		t.Fatalf("Status after apply: %v", err)
	}
	if len(st.Pending) != 0 {
		t.Errorf("pending after apply: %d files", len(st.Pending))
	}
	if !slices.Equal(st.Applied, versions(files)) || st.Current != files[len(files)-1].Version() {
		t.Errorf("Status after apply = current %q applied %v; want all of %v", st.Current, st.Applied, versions(files))
	}
	if n, err := dbmigrate.Apply(ctx, db, nil); err != nil || n != 0 {
		t.Errorf("second Apply = %d, %v; want 0, nil", n, err)
	}
	assertRevisions(ctx, t, db, files)
}

// assertRevisions checks atlas_schema_revisions holds one complete row per
// file, as the Atlas CLI would.
func assertRevisions(ctx context.Context, t *testing.T, db *sql.DB, files []migrate.File) {
	t.Helper()
	dir, err := dbmigrate.Dir()
	if err != nil {
		t.Fatal(err)
	}
	sum, err := dir.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.QueryContext(ctx, `SELECT version, description, type, applied, total, hash, operator_version,
		error IS NULL, partial_hashes IS NULL FROM public.atlas_schema_revisions ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var (
			version, desc, hash, op string
			typ, applied, total     int
			noErr, noPartial        bool
		)
		if err := rows.Scan(&version, &desc, &typ, &applied, &total, &hash, &op, &noErr, &noPartial); err != nil {
			t.Fatal(err)
		}
		got = append(got, version)
		f := files[slices.IndexFunc(files, func(f migrate.File) bool { return f.Version() == version })]
		want, _ := sum.SumByName(f.Name())
		if desc != f.Desc() || typ != int(migrate.RevisionTypeExecute) || applied != total || total == 0 ||
			hash != want || op != dbmigrate.OperatorVersion || !noErr || !noPartial {
			t.Errorf("revision %s = desc %q type %d applied %d/%d hash %q operator %q; want a complete execute revision of %s",
				version, desc, typ, applied, total, hash, op, f.Name())
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, versions(files)) {
		t.Errorf("revisions %v, want %v", got, versions(files))
	}
}

// TestMigrationsInSyncWithEntSchema fails when ent/schema changed without a
// new migration file: the directory, replayed on an empty database, must
// produce exactly the ent schema.
func TestMigrationsInSyncWithEntSchema(t *testing.T) {
	ctx := t.Context()
	start := time.Now()
	dir := copyRepoMigrations(t)
	name, err := dbmigrate.Diff(ctx, devDatabase(t), dir, "pending_changes")
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if name != "" {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		t.Fatalf("migrations/ is out of sync with ent/schema. Generate the migration and commit it:\n\n"+
			"\tworksynapse migrate diff NAME    (or: make migration name=NAME)\n\n"+
			"The missing changes are:\n%s", b)
	}
	t.Logf("diff against the replayed directory: %v", time.Since(start))

	// ent's diff never drops tables: check the table set too.
	db, _ := emptyDB(t)
	if _, err := dbmigrate.Apply(ctx, db, nil); err != nil {
		t.Fatalf("Apply: %v", err)
	}
	want := append(append(entTableNames(), dbmigrate.RevisionTable), riverschema.RiverTables...)
	slices.Sort(want)
	if got := tableNames(ctx, t, db); !slices.Equal(got, want) {
		t.Errorf("tables after migrating = %v\nent schema tables   = %v\n"+
			"ent's diff never drops the table of a removed entity: add a migration file "+
			"<version>_<name>.sql with the DROP TABLE by hand, then rewrite atlas.sum "+
			"(`atlas migrate hash`, or dbmigrate.Hash).", got, want)
	}
	t.Logf("total: %v", time.Since(start))
}

func TestConcurrentApplyAppliesEachFileOnce(t *testing.T) {
	ctx := t.Context()
	_, u := emptyDB(t)
	files := embeddedFiles(t)
	const callers = 4
	var (
		wg    sync.WaitGroup
		total int
		mu    sync.Mutex
		errs  []error
	)
	for range callers {
		// One pool per caller, like separate processes.
		db, err := sql.Open("postgres", u)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		wg.Go(func() {
			n, err := dbmigrate.Apply(ctx, db, nil)
			mu.Lock()
			defer mu.Unlock()
			total += n
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("concurrent Apply failed: %v", errs)
	}
	if total != len(files) {
		t.Errorf("concurrent callers applied %d files in total, want %d (each once)", total, len(files))
	}
	db := openDB(t, u)
	assertRevisions(ctx, t, db, files)
	var locks int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&locks); err != nil {
		t.Fatal(err)
	}
	if locks != 0 {
		t.Errorf("%d advisory locks still held after Apply", locks)
	}
}

func openDB(t *testing.T, u string) *sql.DB {
	t.Helper()
	db, err := sql.Open("postgres", u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// memDir builds a valid migration directory from name -> SQL.
func memDir(t *testing.T, files map[string]string) migrate.Dir {
	t.Helper()
	dir := &migrate.MemDir{}
	for name, body := range files {
		if err := dir.WriteFile(name, []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := dir.Checksum()
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.WriteSumFile(dir, sum); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestFailingFileIsRolledBack(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	dir := memDir(t, map[string]string{
		"1_a.sql": "CREATE TABLE a (id int);\n",
		"2_b.sql": "CREATE TABLE b (id int);\nINSERT INTO b VALUES (1);\nSELECT no_such_function();\n",
	})
	n, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{})
	if err == nil || !strings.Contains(err.Error(), "2_b.sql") {
		t.Fatalf("Apply = %d, %v; want an error naming 2_b.sql", n, err)
	}
	if n != 1 {
		t.Errorf("applied %d files before the failure, want 1", n)
	}
	if got := tableNames(ctx, t, db); !slices.Equal(got, []string{"a", dbmigrate.RevisionTable}) {
		t.Errorf("tables = %v; the failed file must leave nothing behind", got)
	}
	if strings.Contains(err.Error(), "current transaction is aborted") {
		t.Errorf("the error carries a second, confusing error: %v", err)
	}
	st, err := dbmigrate.StatusDir(ctx, db, dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Current != "1" || len(st.Pending) != 1 || st.Pending[0].Name() != "2_b.sql" {
		t.Errorf("Status = current %q pending %v; want current 1, pending 2_b.sql", st.Current, versions(st.Pending))
	}
	// The failure is recorded as the Atlas CLI records it, and shown.
	if len(st.Failed) != 1 || !strings.Contains(st.Failed[0].Error, "no_such_function") ||
		!strings.Contains(st.Failed[0].ErrorStmt, "SELECT no_such_function()") || st.Failed[0].Applied != 0 {
		t.Fatalf("Failed = %+v; want 2 with its error and statement", st.Failed)
	}
	if err := st.Err(); !errors.Is(err, dbmigrate.ErrNotCurrent) || !strings.Contains(err.Error(), "migrate resolve 2") {
		t.Errorf("Status.Err = %v; want the failure and how to resolve it", err)
	}
	// The next apply refuses until a person resolves it.
	if _, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{}); !errors.Is(err, dbmigrate.ErrFailedMigration) {
		t.Fatalf("apply after a failure = %v; want ErrFailedMigration", err)
	}
	if _, err := db.ExecContext(ctx, "CREATE FUNCTION no_such_function() RETURNS int LANGUAGE sql AS 'SELECT 1'"); err != nil {
		t.Fatal(err)
	}
	if err := dbmigrate.Resolve(ctx, db, "2"); err != nil {
		t.Fatalf("Resolve: %v", err)
	}
	if n, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{}); err != nil || n != 1 {
		t.Fatalf("apply after resolving = %d, %v; want 1, nil", n, err)
	}
	if st, err := dbmigrate.StatusDir(ctx, db, dir); err != nil || st.Err() != nil || st.Current != "2" {
		t.Errorf("status after the fix = %+v, %v", st, err)
	}
}

func TestDatabaseAheadOfTheBinary(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	newer := memDir(t, map[string]string{"1_a.sql": "CREATE TABLE a (id int);\n", "2_b.sql": "CREATE TABLE b (id int);\n"})
	if _, err := dbmigrate.ApplyDir(ctx, db, newer, dbmigrate.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	older := memDir(t, map[string]string{"1_a.sql": "CREATE TABLE a (id int);\n"})
	st, err := dbmigrate.StatusDir(ctx, db, older)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.Ahead, []string{"2"}) || st.ServingErr() == nil || !strings.Contains(st.Err().Error(), "does not know") {
		t.Errorf("status of a database ahead = ahead %v, err %v", st.Ahead, st.Err())
	}
	if _, err := dbmigrate.ApplyDir(ctx, db, older, dbmigrate.ApplyOptions{}); !errors.Is(err, dbmigrate.ErrNotCurrent) {
		t.Errorf("an older binary applying = %v; want ErrNotCurrent", err)
	}
}

func TestLockWaitGivesUpAndNamesTheHolder(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	holder, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, "SET application_name = 'dba-console'"); err != nil {
		t.Fatal(err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_lock($1)", dbmigrate.LockID); err != nil {
		t.Fatal(err)
	}
	dir := memDir(t, map[string]string{"1_a.sql": "CREATE TABLE a (id int);\n"})
	_, err = dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{LockTimeout: 700 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "gave up") || !strings.Contains(err.Error(), `"dba-console"`) {
		t.Fatalf("apply while the lock is held = %v; want a timeout naming the holder", err)
	}
	if _, err := holder.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", dbmigrate.LockID); err != nil {
		t.Fatal(err)
	}
	if n, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{LockTimeout: time.Second}); err != nil || n != 1 {
		t.Fatalf("apply after the lock was released = %d, %v", n, err)
	}
}

func TestBaselineAdoptsAnExistingDatabase(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	if _, err := db.ExecContext(ctx, "CREATE TABLE a (id int)"); err != nil {
		t.Fatal(err)
	}
	dir := memDir(t, map[string]string{"1_a.sql": "CREATE TABLE a (id int);\n", "2_b.sql": "CREATE TABLE b (id int);\n"})
	if _, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{}); err == nil || !strings.Contains(err.Error(), "--baseline VERSION") {
		t.Fatalf("apply on an unmanaged database = %v; want the error to name --baseline", err)
	}
	if n, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{Baseline: "1"}); err != nil || n != 1 {
		t.Fatalf("apply --baseline 1 = %d, %v; want only 2 run", n, err)
	}
	if st, err := dbmigrate.StatusDir(ctx, db, dir); err != nil || st.Err() != nil {
		t.Errorf("status after the baseline = %+v, %v", st, err)
	}
}

func TestTxModeNoneFileRunsOutsideTransaction(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	dir := memDir(t, map[string]string{
		"1_a.sql": "CREATE TABLE a (id int);\n",
		"2_idx.sql": "-- atlas:txmode none\n\n" +
			"CREATE INDEX CONCURRENTLY a_id ON a (id);\n",
	})
	if n, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{}); err != nil || n != 2 {
		t.Fatalf("Apply = %d, %v; want 2, nil (CREATE INDEX CONCURRENTLY cannot run in a transaction)", n, err)
	}
}

func TestStatusRefusesUnmanagedDatabase(t *testing.T) {
	db, _ := emptyDB(t)
	if _, err := db.ExecContext(t.Context(), "CREATE TABLE users (id int)"); err != nil {
		t.Fatal(err)
	}
	_, err := dbmigrate.Status(t.Context(), db)
	if err == nil || !strings.Contains(err.Error(), "no applied revisions") {
		t.Fatalf("Status on a database with tables but no revisions = %v; want a not-clean error", err)
	}
}

// atlasCLIRevisionTable is the Atlas CLI's own definition of its revision
// table (cmd/atlas/internal/migrate/ent/migrate/schema.go).
func atlasCLIRevisionTable() *schema.Table {
	cols := []*schema.Column{
		{Name: "version", Type: field.TypeString},
		{Name: "description", Type: field.TypeString},
		{Name: "type", Type: field.TypeUint, Default: 2},
		{Name: "applied", Type: field.TypeInt, Default: 0},
		{Name: "total", Type: field.TypeInt, Default: 0},
		{Name: "executed_at", Type: field.TypeTime},
		{Name: "execution_time", Type: field.TypeInt64},
		{Name: "error", Type: field.TypeString, Nullable: true, Size: 2147483647},
		{Name: "error_stmt", Type: field.TypeString, Nullable: true, Size: 2147483647},
		{Name: "hash", Type: field.TypeString},
		{Name: "partial_hashes", Type: field.TypeJSON, Nullable: true},
		{Name: "operator_version", Type: field.TypeString},
	}
	return &schema.Table{Name: dbmigrate.RevisionTable, Columns: cols, PrimaryKey: cols[:1]}
}

// TestRevisionTableMatchesAtlasCLI: the CLI migrates its revision table
// before `atlas migrate status/apply`; ours must need no change.
func TestRevisionTableMatchesAtlasCLI(t *testing.T) {
	ctx := t.Context()
	db, _ := emptyDB(t)
	dir := memDir(t, map[string]string{"1_a.sql": "CREATE TABLE a (id int);\n"})
	if _, err := dbmigrate.ApplyDir(ctx, db, dir, dbmigrate.ApplyOptions{}); err != nil {
		t.Fatal(err)
	}
	var planned []string
	m, err := schema.NewMigrate(entsql.OpenDB(dialect.Postgres, db),
		schema.WithDropColumn(true), schema.WithDropIndex(true),
		schema.WithApplyHook(func(schema.Applier) schema.Applier {
			return schema.ApplyFunc(func(_ context.Context, _ dialect.ExecQuerier, p *migrate.Plan) error {
				for _, c := range p.Changes {
					planned = append(planned, c.Cmd)
				}
				return nil // record only
			})
		}))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Create(ctx, atlasCLIRevisionTable()); err != nil {
		t.Fatal(err)
	}
	if len(planned) > 0 {
		t.Errorf("the Atlas CLI would alter our revision table:\n%s", strings.Join(planned, "\n"))
	}

	// The CLI adds a bookkeeping row; it is not a migration.
	_, err = db.ExecContext(ctx, `INSERT INTO atlas_schema_revisions VALUES
		('.atlas_cloud_identifier', 'b9f5c3a0-7d1e-4c1a-9a57-3f2b8c6d9e10', 2, 0, 0, now(), 0, NULL, NULL, '', NULL, 'Atlas CLI')`)
	if err != nil {
		t.Fatal(err)
	}
	st, err := dbmigrate.StatusDir(ctx, db, dir)
	if err != nil || st.Current != "1" || !slices.Equal(st.Applied, []string{"1"}) || len(st.Pending) != 0 {
		t.Errorf("Status with the CLI identifier row = %+v, %v; want only version 1 applied", st, err)
	}
}

// TestDiffWritesMissingChanges drops the last statement of the newest
// ent-generated migration (rehashing the directory) and expects Diff to
// write it back.
func TestDiffWritesMissingChanges(t *testing.T) {
	ctx := t.Context()
	tmp := copyRepoMigrations(t)
	var last string
	var b []byte
	for _, f := range embeddedFiles(t) {
		if !dbmigrate.IsHandWritten(f.Bytes()) {
			last, b = filepath.Join(tmp, f.Name()), f.Bytes()
		}
	}
	cut := bytes.LastIndex(b, []byte("\n-- "))
	if cut < 0 {
		t.Skip("the newest migration has a single statement")
	}
	if err := os.WriteFile(last, b[:cut+1], 0o644); err != nil {
		t.Fatal(err)
	}
	dir, err := migrate.NewLocalDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(dir); err == nil {
		t.Fatal("editing a file did not invalidate atlas.sum")
	}
	if err := dbmigrate.Hash(tmp); err != nil {
		t.Fatal(err)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Fatalf("Hash did not rewrite atlas.sum: %v", err)
	}

	name, err := dbmigrate.Diff(ctx, devDatabase(t), tmp, "restore")
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if !strings.HasSuffix(name, "_restore.sql") {
		t.Fatalf("Diff wrote %q, want a new <version>_restore.sql file", name)
	}
	if err := migrate.Validate(dir); err != nil {
		t.Errorf("atlas.sum not updated by Diff: %v", err)
	}
	if again, err := dbmigrate.Diff(ctx, devDatabase(t), tmp, "again"); err != nil || again != "" {
		b, _ := os.ReadFile(filepath.Join(tmp, again))
		t.Errorf("Diff after restoring = %q, %v; want no change, got:\n%s", again, err, b)
	}
}
