// Package migrations carries the versioned PostgreSQL migration directory
// (Atlas format: <version>_<name>.sql files plus atlas.sum) inside the
// binary. Files are written by `worksynapse migrate diff NAME` (see
// internal/dbmigrate); never edit an applied file: atlas.sum refuses it.
package migrations

import "embed"

// FS holds the migration files, their integrity sum atlas.sum, and the
// reviewed lint exceptions of committed files (lint_exceptions.txt) and
// the snapshot of the schema the directory produces (schema_snapshot.txt),
// which drift checks compare a live database with.
//
//go:embed *.sql atlas.sum lint_exceptions.txt schema_snapshot.txt
var FS embed.FS
