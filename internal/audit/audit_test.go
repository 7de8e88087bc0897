package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/privacy"
	"github.com/worksynapse/worksynapse/internal/audit"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

// logsFor returns the audit rows of one resource, oldest first.
func logsFor(t *testing.T, c *ent.Client, id uuid.UUID) []*ent.ActivityLog {
	t.Helper()
	rows, err := c.ActivityLog.Query().Where(activitylog.ResourceIDEQ(id)).
		Order(ent.Asc(activitylog.FieldID)).All(testfix.System())
	if err != nil {
		t.Fatalf("query activity log: %v", err)
	}
	return rows
}

func TestCreateUpdateDeleteAreAuditedInTheSameTransaction(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		user := testfix.User(t, c, "alice")
		org := testfix.Org(t, c, "Acme")
		ctx := testfix.AsRole(t, c, user, org, "ADMIN")

		var renamed *ent.Organization
		testfix.Tx(t, ctx, c, func(tx *ent.Tx) (err error) {
			renamed, err = tx.Organization.UpdateOneID(org.ID).SetName("Acme Corp").Save(ctx)
			return err
		})
		// Deleting an organization is a platform operation (members may not).
		sys := testfix.System()
		testfix.Tx(t, sys, c, func(tx *ent.Tx) error {
			return tx.Organization.DeleteOneID(org.ID).Exec(sys)
		})

		rows := logsFor(t, c, org.ID)
		if len(rows) != 3 {
			t.Fatalf("want create, update, delete rows, got %d", len(rows))
		}
		create, update, del := rows[0], rows[1], rows[2]
		if create.Action != "organization.create" || create.NewValues["name"] != "Acme" {
			t.Errorf("create row: action %q new %v", create.Action, create.NewValues)
		}
		if update.Action != "organization.update" || update.OldValues["name"] != "Acme" || update.NewValues["name"] != renamed.Name {
			t.Errorf("update row: action %q old %v new %v", update.Action, update.OldValues, update.NewValues)
		}
		if update.ActorUserID == nil || *update.ActorUserID != user.ID || update.ActorType != activitylog.ActorTypeUser {
			t.Errorf("update actor: %v %v", update.ActorType, update.ActorUserID)
		}
		if update.OrganizationID != org.ID {
			t.Errorf("update organization: %v", update.OrganizationID)
		}
		if del.ActivityType != activitylog.ActivityTypeDelete || del.Action != "organization.delete" {
			t.Errorf("delete row: %v %q", del.ActivityType, del.Action)
		}
		if _, ok := del.NewValues["deleted_at"]; !ok {
			t.Errorf("delete row should record deleted_at, got %v", del.NewValues)
		}
	})
}

func TestRolledBackChangeLeavesNoAuditRow(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		ctx := testfix.System()
		boom := errors.New("boom")
		var id uuid.UUID
		err := database.WithTx(ctx, c, func(tx *ent.Tx) error {
			o, err := tx.Organization.Create().SetName("Ghost").SetSlug("ghost").Save(ctx)
			if err != nil {
				return err
			}
			id = o.ID
			if n := len(logsForTx(t, tx, id)); n != 1 {
				t.Errorf("inside the transaction the audit row should exist, got %d", n)
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("want the callback's error, got %v", err)
		}
		if n := len(logsFor(t, c, id)); n != 0 {
			t.Fatalf("rolled back create left %d audit rows", n)
		}
		if n, _ := c.Organization.Query().Count(ctx); n != 0 {
			t.Fatalf("rolled back create left %d organizations", n)
		}
	})
}

func logsForTx(t *testing.T, tx *ent.Tx, id uuid.UUID) []*ent.ActivityLog {
	t.Helper()
	rows, err := tx.ActivityLog.Query().Where(activitylog.ResourceIDEQ(id)).All(testfix.System())
	if err != nil {
		t.Fatalf("query: %v", err)
	}
	return rows
}

func TestWritesOutsideATransactionAreRefused(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		ctx := testfix.System()
		_, err := db.Ent.Organization.Create().SetName("Loose").SetSlug("loose").Save(ctx)
		if err == nil || !strings.Contains(err.Error(), "must run in a transaction") {
			t.Fatalf("want refusal, got %v", err)
		}
		if n, _ := db.Ent.Organization.Query().Count(ctx); n != 0 {
			t.Fatalf("refused write still created %d rows", n)
		}
	})
}

func TestSecretsAreRedacted(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		u := testfix.User(t, c, "bob")
		ctx := testfix.System()
		testfix.Tx(t, ctx, c, func(tx *ent.Tx) error {
			return tx.User.UpdateOneID(u.ID).SetPasswordHash("$2a$12$new-secret-hash").SetMfaSecret([]byte("totp")).Exec(ctx)
		})
		rows := logsFor(t, c, u.ID)
		if len(rows) != 2 {
			t.Fatalf("want create and update rows, got %d", len(rows))
		}
		for _, r := range rows {
			for _, vals := range []map[string]any{r.OldValues, r.NewValues} {
				for _, k := range []string{"password_hash", "mfa_secret"} {
					if v, ok := vals[k]; ok && v != audit.Redacted {
						t.Errorf("%s: %s leaked as %v", r.Action, k, v)
					}
				}
			}
		}
		if rows[1].NewValues["password_hash"] != audit.Redacted {
			t.Errorf("changed secret should be recorded as redacted, got %v", rows[1].NewValues)
		}
	})
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c := db.Ent
		super := testfix.User(t, c, "root")
		org := testfix.Org(t, c, "Sealed")
		row := logsFor(t, c, org.ID)[0]
		for name, ctx := range map[string]context.Context{"system": testfix.System(), "superuser": testfix.Superuser(super)} {
			err := database.WithTx(ctx, c, func(tx *ent.Tx) error {
				return tx.ActivityLog.UpdateOneID(row.ID).Exec(ctx)
			})
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s update of an audit row: want privacy denial, got %v", name, err)
			}
			err = database.WithTx(ctx, c, func(tx *ent.Tx) error {
				return tx.ActivityLog.DeleteOneID(row.ID).Exec(ctx)
			})
			if !errors.Is(err, privacy.Deny) {
				t.Errorf("%s delete of an audit row: want privacy denial, got %v", name, err)
			}
		}
		if got := logsFor(t, c, org.ID)[0]; got.Action != row.Action {
			t.Errorf("audit row changed: %q", got.Action)
		}
	})
}
