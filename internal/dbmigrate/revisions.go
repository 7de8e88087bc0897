package dbmigrate

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"ariga.io/atlas/sql/migrate"
	"github.com/lib/pq"
)

// RevisionTable is the table the Atlas CLI keeps applied revisions in.
const RevisionTable = "atlas_schema_revisions"

// cliIdentifier is a bookkeeping row the Atlas CLI stores in the revision
// table to identify it; it is not a migration.
const cliIdentifier = ".atlas_cloud_identifier"

// createRevisionTable is the DDL the Atlas CLI itself creates (its ent
// schema for the table), so `atlas migrate` sees the table as up to date.
const createRevisionTable = `CREATE TABLE IF NOT EXISTS %s (
  "version" character varying NOT NULL,
  "description" character varying NOT NULL,
  "type" bigint NOT NULL DEFAULT 2,
  "applied" bigint NOT NULL DEFAULT 0,
  "total" bigint NOT NULL DEFAULT 0,
  "executed_at" timestamptz NOT NULL,
  "execution_time" bigint NOT NULL,
  "error" text NULL,
  "error_stmt" text NULL,
  "hash" character varying NOT NULL,
  "partial_hashes" jsonb NULL,
  "operator_version" character varying NOT NULL,
  PRIMARY KEY ("version")
)`

const revisionColumns = `"version", "description", "type", "applied", "total", "executed_at",
  "execution_time", "error", "error_stmt", "hash", "partial_hashes", "operator_version"`

// ExecQuerier is a PostgreSQL connection or transaction (*sql.Conn, *sql.Tx,
// *sql.DB).
type ExecQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Revisions is a migrate.RevisionReadWriter over atlas_schema_revisions in
// the connection's current schema. Reads treat a missing table as "nothing
// applied"; the first write creates it.
type Revisions struct {
	conn   ExecQuerier
	schema string
	table  string // quoted, schema-qualified name
	exists bool
}

var _ migrate.RevisionReadWriter = (*Revisions)(nil)

// NewRevisions returns the revision storage of conn's current schema.
func NewRevisions(ctx context.Context, conn ExecQuerier) (*Revisions, error) {
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, fmt.Errorf("dbmigrate: read current schema: %w", err)
	}
	if !schema.Valid {
		return nil, errors.New("dbmigrate: the connection has no current schema (check search_path)")
	}
	return &Revisions{
		conn:   conn,
		schema: schema.String,
		table:  pq.QuoteIdentifier(schema.String) + "." + pq.QuoteIdentifier(RevisionTable),
	}, nil
}

// Ident implements migrate.RevisionReadWriter.
func (r *Revisions) Ident() *migrate.TableIdent {
	return &migrate.TableIdent{Name: RevisionTable, Schema: r.schema}
}

// ReadRevisions implements migrate.RevisionReadWriter: all revisions,
// ordered by version.
func (r *Revisions) ReadRevisions(ctx context.Context) ([]*migrate.Revision, error) {
	if ok, err := r.tableExists(ctx); err != nil || !ok {
		return nil, err
	}
	rows, err := r.conn.QueryContext(ctx, fmt.Sprintf(
		`SELECT %s FROM %s WHERE "version" <> $1 ORDER BY "version"`, revisionColumns, r.table), cliIdentifier)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: read revisions: %w", err)
	}
	defer rows.Close()
	var revs []*migrate.Revision
	for rows.Next() {
		rev, err := scanRevision(rows)
		if err != nil {
			return nil, err
		}
		revs = append(revs, rev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("dbmigrate: read revisions: %w", err)
	}
	return revs, nil
}

// ReadRevision implements migrate.RevisionReadWriter.
func (r *Revisions) ReadRevision(ctx context.Context, version string) (*migrate.Revision, error) {
	if ok, err := r.tableExists(ctx); err != nil {
		return nil, err
	} else if !ok || version == cliIdentifier {
		return nil, migrate.ErrRevisionNotExist
	}
	row := r.conn.QueryRowContext(ctx, fmt.Sprintf(
		`SELECT %s FROM %s WHERE "version" = $1`, revisionColumns, r.table), version)
	rev, err := scanRevision(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, migrate.ErrRevisionNotExist
	}
	return rev, err
}

// WriteRevision implements migrate.RevisionReadWriter (insert or update).
func (r *Revisions) WriteRevision(ctx context.Context, rev *migrate.Revision) error {
	if rev.Version == cliIdentifier {
		return fmt.Errorf("dbmigrate: version %q is reserved by the Atlas CLI", rev.Version)
	}
	if err := r.ensureTable(ctx); err != nil {
		return err
	}
	hashes, err := partialHashes(rev.PartialHashes)
	if err != nil {
		return err
	}
	_, err = r.conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s (%s)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT ("version") DO UPDATE SET "description" = EXCLUDED."description", "type" = EXCLUDED."type",
  "applied" = EXCLUDED."applied", "total" = EXCLUDED."total", "executed_at" = EXCLUDED."executed_at",
  "execution_time" = EXCLUDED."execution_time", "error" = EXCLUDED."error", "error_stmt" = EXCLUDED."error_stmt",
  "hash" = EXCLUDED."hash", "partial_hashes" = EXCLUDED."partial_hashes",
  "operator_version" = EXCLUDED."operator_version"`, r.table, revisionColumns),
		rev.Version, rev.Description, int64(rev.Type), rev.Applied, rev.Total, rev.ExecutedAt,
		int64(rev.ExecutionTime), nullString(rev.Error), nullString(rev.ErrorStmt), rev.Hash, hashes,
		rev.OperatorVersion)
	if err != nil {
		return fmt.Errorf("dbmigrate: write revision %s: %w", rev.Version, err)
	}
	return nil
}

// DeleteRevision implements migrate.RevisionReadWriter.
func (r *Revisions) DeleteRevision(ctx context.Context, version string) error {
	if ok, err := r.tableExists(ctx); err != nil || !ok {
		return err
	}
	if _, err := r.conn.ExecContext(ctx, fmt.Sprintf(`DELETE FROM %s WHERE "version" = $1`, r.table), version); err != nil {
		return fmt.Errorf("dbmigrate: delete revision %s: %w", version, err)
	}
	return nil
}

// tableExists reports whether the revision table exists (cached once true).
func (r *Revisions) tableExists(ctx context.Context) (bool, error) {
	if r.exists {
		return true, nil
	}
	err := r.conn.QueryRowContext(ctx, "SELECT to_regclass($1) IS NOT NULL", r.table).Scan(&r.exists)
	if err != nil {
		return false, fmt.Errorf("dbmigrate: look up %s: %w", RevisionTable, err)
	}
	return r.exists, nil
}

// ensureTable creates the revision table on first use.
func (r *Revisions) ensureTable(ctx context.Context) error {
	if ok, err := r.tableExists(ctx); err != nil || ok {
		return err
	}
	if _, err := r.conn.ExecContext(ctx, fmt.Sprintf(createRevisionTable, r.table)); err != nil {
		return fmt.Errorf("dbmigrate: create %s: %w", RevisionTable, err)
	}
	r.exists = true
	return nil
}

// scanRevision reads one row selected with revisionColumns.
func scanRevision(row interface{ Scan(...any) error }) (*migrate.Revision, error) {
	var (
		rev                 migrate.Revision
		typ, execTime       int64
		errMsg, errStmt     sql.NullString
		hashes              []byte
		applied, total      int64
		executedAt          time.Time
		description, opVers string
	)
	err := row.Scan(&rev.Version, &description, &typ, &applied, &total, &executedAt,
		&execTime, &errMsg, &errStmt, &rev.Hash, &hashes, &opVers)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: scan revision: %w", err)
	}
	if len(hashes) > 0 {
		if err := json.Unmarshal(hashes, &rev.PartialHashes); err != nil {
			return nil, fmt.Errorf("dbmigrate: revision %s: decode partial_hashes: %w", rev.Version, err)
		}
	}
	rev.Description, rev.OperatorVersion = description, opVers
	rev.Type, rev.Applied, rev.Total = migrate.RevisionType(typ), int(applied), int(total)
	rev.ExecutedAt, rev.ExecutionTime = executedAt, time.Duration(execTime)
	rev.Error, rev.ErrorStmt = errMsg.String, errStmt.String
	return &rev, nil
}

// partialHashes encodes the hashes as the CLI does (JSON array, NULL if none).
func partialHashes(h []string) (any, error) {
	if len(h) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: encode partial hashes: %w", err)
	}
	return string(b), nil
}

func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}
