package sessioncache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
)

// Register adds, to a PostgreSQL client, the hooks that announce every
// change a session snapshot depends on: a session revoked or its expiry
// moved, a user's status, superuser flag, password or deletion, and any
// change to memberships, role assignments, roles and their permissions.
// The announcement is a NOTIFY in the change's own transaction.
func Register(c *ent.Client) {
	c.Session.Use(announce(sessionTarget))
	c.User.Use(announce(userTarget))
	everything := announce(func(ent.Mutation) (target, bool) { return target{kind: kindAll}, true })
	c.OrganizationMember.Use(everything)
	c.UserRole.Use(everything)
	c.Role.Use(everything)
	c.RolePermission.Use(everything)
	c.Permission.Use(everything)
}

// sessionFields and userFields are the fields a snapshot depends on; a
// change to any other (last_seen_at, failed_login_attempts, …) announces
// nothing.
var (
	sessionFields = []string{"revoked_at", "expires_at"}
	userFields    = []string{"status", "is_superuser", "password_hash", "password_changed_at", "deleted_at"}
)

func sessionTarget(m ent.Mutation) (target, bool) {
	return scoped(m, kindSession, sessionFields)
}

func userTarget(m ent.Mutation) (target, bool) {
	return scoped(m, kindUser, userFields)
}

// scoped names the row a mutation of sessions or users changes: creating
// one makes nothing stale; changing one row's listed fields, or deleting
// it, names it; a change to many rows names everything.
func scoped(m ent.Mutation, kind byte, fields []string) (target, bool) {
	if m.Op().Is(ent.OpCreate) {
		return target{}, false
	}
	if !m.Op().Is(ent.OpDelete|ent.OpDeleteOne) && !touches(m, fields) {
		return target{}, false
	}
	if m.Op().Is(ent.OpUpdateOne | ent.OpDeleteOne) {
		if one, ok := m.(interface{ ID() (uuid.UUID, bool) }); ok {
			if id, ok := one.ID(); ok {
				return target{kind: kind, id: id}, true
			}
		}
	}
	return target{kind: kindAll}, true
}

func touches(m ent.Mutation, fields []string) bool {
	for _, f := range fields {
		if _, set := m.Field(f); set || m.FieldCleared(f) {
			return true
		}
	}
	return slices.ContainsFunc(m.AddedFields(), func(f string) bool { return slices.Contains(fields, f) })
}

// announce runs the mutation, then notifies Channel of what it made stale
// through the mutation's own client (its transaction, if any), so the
// notification is delivered exactly when the change commits. The writer's
// request, when it carries a Pending (Barrier), is told to wait for the
// replicas' acknowledgements.
func announce(targetOf func(ent.Mutation) (target, bool)) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
			t, ok := targetOf(m)
			v, err := next.Mutate(ctx, m)
			if err != nil || !ok {
				return v, err
			}
			client, ok := m.(interface{ Client() *ent.Client })
			if !ok {
				return nil, fmt.Errorf("sessioncache: %s mutation has no client", m.Type())
			}
			nonce := newNonce()
			announced.sent(nonce)
			pending := pendingFrom(ctx)
			pending.expect(nonce)
			xid, database, err := notify(ctx, client.Client(), invalidation(nonce, t))
			if err != nil {
				return nil, fmt.Errorf("sessioncache: announce the %s change: %w", m.Type(), err)
			}
			announced.sentIn(nonce, database)
			pending.transaction(nonce, xid)
			return v, nil
		})
	}
}

// notify sends payload in c's transaction and returns the transaction's
// id, by which a writer tells a rolled-back announcement from a slow one,
// and the database's name.
func notify(ctx context.Context, c *ent.Client, payload string) (xid int64, database string, err error) {
	rows, err := c.QueryContext(ctx, "SELECT txid_current(), current_database() FROM pg_notify($1, $2)", Channel, payload)
	if err != nil {
		return 0, "", err
	}
	defer rows.Close()
	if rows.Next() {
		err = rows.Scan(&xid, &database)
	}
	return xid, database, errors.Join(err, rows.Err())
}

// newNonce names one announcement, so its acknowledgements can be told
// from others'.
func newNonce() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
