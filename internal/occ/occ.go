// Package occ is the optimistic concurrency control of the entities that
// clients edit concurrently (those with schema.VersionMixin: projects,
// tasks, boards, sprints, milestones, labels). A client sends the version
// it read (If-Match); the write is one conditional UPDATE
// ("... WHERE id = ? AND version = ?", incrementing the version), so of
// two clients that read the same version only the first wins and the other
// gets 412 with nothing changed. Nothing is locked between read and write.
package occ

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/problem"
)

// Field is the version column of every versioned entity.
const Field = "version"

// Mutation is the mutation of a versioned entity (every generated
// mutation has WhereP).
type Mutation interface {
	ent.Mutation
	WhereP(...func(*sql.Selector))
}

// Updater is a generated UpdateOne builder of a versioned entity.
type Updater[T any, M Mutation] interface {
	Mutation() M
	Save(context.Context) (T, error)
}

// Reload reads the row again as the viewer (in the same transaction) and
// returns its current version; a row that is gone answers its not-found
// error.
type Reload func(context.Context) (int, error)

// Reloader is the Reload of one row: get reads it (tx.Board.Get, so as the
// viewer and in the caller's transaction) and versionOf picks its version.
func Reloader[T any](get func(context.Context, uuid.UUID) (T, error), id uuid.UUID, versionOf func(T) int) Reload {
	return func(ctx context.Context) (int, error) {
		row, err := get(ctx, id)
		if err != nil {
			return 0, err
		}
		return versionOf(row), nil
	}
}

// Save runs upd only if the row is still at want and increments its
// version. read is the version the row had when the caller read it in
// the same transaction (a mismatch is 412 before any write); what names
// the entity in the problem ("sprint"). When the conditional update
// matches no row, Explain says why.
func Save[T any, M Mutation](ctx context.Context, upd Updater[T, M], what string, read, want int, reload Reload) (T, error) {
	var zero T
	if read != want {
		return zero, Stale(what, read)
	}
	m := upd.Mutation()
	m.WhereP(sql.FieldEQ(Field, want))
	if err := m.AddField(Field, 1); err != nil {
		return zero, fmt.Errorf("occ: %s has no version: %w", what, err)
	}
	out, err := upd.Save(ctx)
	if ent.IsNotFound(err) {
		return zero, Explain(ctx, what, &want, reload)
	}
	return out, err
}

// Explain turns the miss of an update or delete of a row the viewer had
// just read into what happened: the row is gone (404), a concurrent writer
// changed it since (412, when want is the version the client sent), or the
// privacy filter left it out because the viewer may read but not change it
// (403).
func Explain(ctx context.Context, what string, want *int, reload Reload) error {
	now, err := reload(ctx)
	switch {
	case err != nil:
		return err
	case want != nil && now != *want:
		return Stale(what, now)
	}
	return privacy.Denyf("occ: the %s is read-only for the viewer", what)
}

// Stale is the 412 of a write based on an outdated version.
func Stale(what string, current int) error {
	return problem.PreconditionFailed(fmt.Sprintf(
		"the %s was changed since it was read (now at version %d): fetch it again and retry with its new version", what, current))
}
