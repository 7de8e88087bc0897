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
	var tables, columns int
	err := db.QueryRowContext(ctx,
		`SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $1),
		        (SELECT count(*) FROM pragma_table_info($1) WHERE name = $2)`, table, column).Scan(&tables, &columns)
	if err != nil {
		return false, fmt.Errorf("database: inspect sqlite %s: %w", table, err)
	}
	return tables == 1 && columns == 0, nil
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
