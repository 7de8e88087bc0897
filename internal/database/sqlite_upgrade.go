package database

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/google/uuid"
)

// sqliteLinkTables are the link tables that became edge schemas with an id
// and organization_id of their own (PostgreSQL: the Atlas migration
// 20261207215555_link_tables_tenant_key), with the table their first
// column points into.
var sqliteLinkTables = []struct{ table, from, parent string }{
	{"task_labels", "task_id", "tasks"},
	{"note_tags", "note_id", "notes"},
	{"agent_tool_bindings", "agent_id", "agents"},
}

// sqliteSentinelTables held NULL in organization_id for rows outside any
// organization and now hold the nil UUID (oasfield.NilIsNull; PostgreSQL:
// 20261207220945_global_rows_nil_organization).
var sqliteSentinelTables = []string{"activity_logs", "security_audit_logs", "roles"}

// upgradeSQLite prepares a SQLite file written by an earlier version for
// ent's auto-migration, which rebuilds a table whose columns tighten by
// copying its rows, and fails on a row the new table refuses.
func upgradeSQLite(ctx context.Context, db *sql.DB) error {
	if err := upgradeSQLiteLinks(ctx, db); err != nil {
		return err
	}
	for _, table := range sqliteSentinelTables {
		has, err := sqliteColumnCount(ctx, db, table, "organization_id")
		if err != nil || has == 0 {
			return err
		}
		if _, err := db.ExecContext(ctx, `UPDATE `+table+` SET organization_id = $1 WHERE organization_id IS NULL`,
			uuid.Nil); err != nil {
			return fmt.Errorf("database: upgrade sqlite %s: %w", table, err)
		}
	}
	return nil
}

// upgradeSQLiteLinks prepares a SQLite file written by an earlier version
// for ent's auto-migration, which rebuilds a table whose primary key
// changes by copying the rows it can: the new NOT NULL columns id and
// organization_id are added and filled first (the organization of the row
// each link hangs off), so the copy keeps every link.
func upgradeSQLiteLinks(ctx context.Context, db *sql.DB) error {
	for _, l := range sqliteLinkTables {
		old, err := sqliteLacksColumn(ctx, db, l.table, "organization_id")
		if err != nil || !old {
			return err
		}
		if err := fillSQLiteLinkKeys(ctx, db, l.table, l.from, l.parent); err != nil {
			return fmt.Errorf("database: upgrade sqlite %s: %w", l.table, err)
		}
	}
	return nil
}

// sqliteLacksColumn reports whether table exists without column.
func sqliteLacksColumn(ctx context.Context, db *sql.DB, table, column string) (bool, error) {
	tables, err := sqliteColumnCount(ctx, db, table, "")
	if err != nil || tables == 0 {
		return false, err
	}
	columns, err := sqliteColumnCount(ctx, db, table, column)
	return columns == 0, err
}

// sqliteColumnCount is the number of columns named column of table (of
// any name when column is ""): 0 when there is no such table.
func sqliteColumnCount(ctx context.Context, db *sql.DB, table, column string) (int, error) {
	var n int
	err := db.QueryRowContext(ctx, `SELECT count(*) FROM pragma_table_info($1) WHERE $2 = '' OR name = $2`,
		table, column).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("database: inspect sqlite %s: %w", table, err)
	}
	return n, nil
}

func fillSQLiteLinkKeys(ctx context.Context, db *sql.DB, table, from, parent string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	stmts := []string{
		`ALTER TABLE ` + table + ` ADD COLUMN id uuid`,
		`ALTER TABLE ` + table + ` ADD COLUMN organization_id uuid`,
		`UPDATE ` + table + ` SET organization_id = (SELECT p.organization_id FROM ` + parent + ` p WHERE p.id = ` + table + `.` + from + `)`,
	}
	for _, s := range stmts {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			return err
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT rowid FROM `+table)
	if err != nil {
		return err
	}
	var rowids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		rowids = append(rowids, id)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, r := range rowids {
		if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET id = $1 WHERE rowid = $2`, uuid.Must(uuid.NewV7()), r); err != nil {
			return err
		}
	}
	return tx.Commit()
}
