package softdelete_test

import (
	"testing"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/organization"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/softdelete"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func createOrg(t *testing.T, c *ent.Client, slug string) (*ent.Organization, error) {
	t.Helper()
	ctx := testfix.System()
	var o *ent.Organization
	err := database.WithTx(ctx, c, func(tx *ent.Tx) (err error) {
		o, err = tx.Organization.Create().SetName(slug).SetSlug(slug).Save(ctx)
		return err
	})
	return o, err
}

func TestSoftDeleteHidesKeepsAndFreesUniqueNames(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c, ctx := db.Ent, testfix.System()
		first, err := createOrg(t, c, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := createOrg(t, c, "acme"); !ent.IsConstraintError(err) {
			t.Fatalf("a live duplicate slug must violate the unique index, got %v", err)
		}
		testfix.Tx(t, ctx, c, func(tx *ent.Tx) error { return tx.Organization.DeleteOne(first).Exec(ctx) })

		if _, err := c.Organization.Get(ctx, first.ID); !ent.IsNotFound(err) {
			t.Fatalf("deleted row must be hidden, got %v", err)
		}
		kept, err := c.Organization.Get(softdelete.Skip(ctx), first.ID)
		if err != nil || kept.DeletedAt == nil {
			t.Fatalf("deleted row must stay in the table with deleted_at: %v %+v", err, kept)
		}
		second, err := createOrg(t, c, "acme")
		if err != nil {
			t.Fatalf("the partial unique index must let a deleted slug be reused: %v", err)
		}
		n, err := c.Organization.Query().Where(organization.Slug("acme")).Count(softdelete.Skip(ctx))
		if err != nil || n != 2 {
			t.Fatalf("want the deleted and the new row, got %d (%v)", n, err)
		}
		if live := c.Organization.Query().Where(organization.Slug("acme")).OnlyX(ctx); live.ID != second.ID {
			t.Fatalf("reads must see only the live row")
		}
	})
}

func TestPurgeRemovesTheRowAndIsAudited(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c, ctx := db.Ent, testfix.System()
		o, err := createOrg(t, c, "purge-me")
		if err != nil {
			t.Fatal(err)
		}
		purge := softdelete.Skip(ctx)
		testfix.Tx(t, purge, c, func(tx *ent.Tx) error { return tx.Organization.DeleteOneID(o.ID).Exec(purge) })
		if _, err := c.Organization.Get(purge, o.ID); !ent.IsNotFound(err) {
			t.Fatalf("purged row must be gone even when skipping soft delete, got %v", err)
		}
		n, err := c.ActivityLog.Query().Where(activitylog.ResourceID(o.ID), activitylog.ActivityTypeEQ(activitylog.ActivityTypePurge)).Count(ctx)
		if err != nil || n != 1 {
			t.Fatalf("want one purge audit row, got %d (%v)", n, err)
		}
	})
}

func TestDeleteOfMissingRowIsNotFound(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		c, ctx := db.Ent, testfix.System()
		o, err := createOrg(t, c, "twice")
		if err != nil {
			t.Fatal(err)
		}
		testfix.Tx(t, ctx, c, func(tx *ent.Tx) error { return tx.Organization.DeleteOneID(o.ID).Exec(ctx) })
		err = database.WithTx(ctx, c, func(tx *ent.Tx) error { return tx.Organization.DeleteOneID(o.ID).Exec(ctx) })
		if !ent.IsNotFound(err) {
			t.Fatalf("deleting an already deleted row: want not found, got %v", err)
		}
	})
}
