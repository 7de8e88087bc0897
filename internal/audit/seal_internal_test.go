package audit

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/activitylog"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
)

// TestCanonicalColumns fails when a column is added to an audit table but
// not to its canonical encoding: the column would escape the seals.
func TestCanonicalColumns(t *testing.T) {
	check := func(name string, got map[string]any, want []string) {
		keys := make([]string, 0, len(got))
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(keys, want) {
			t.Errorf("%s encodes %v, columns are %v", name, keys, want)
		}
	}
	project := uuid.New()
	_, _, a := activityLine(&gen.ActivityLog{ProjectID: &project})
	check("activity_log", a, activitylog.Columns)
	// A row without a project encodes as rows sealed before project_id
	// existed: without the key, so their seals still verify.
	_, _, old := activityLine(&gen.ActivityLog{})
	if _, ok := old[activitylog.FieldProjectID]; ok {
		t.Error("a row without a project encodes project_id")
	}
	_, _, s := securityLine(&gen.SecurityAuditLog{})
	check("security_audit_log", s, securityauditlog.Columns)
}

// TestNilOrganizationEncodesAsNull: rows outside any organization held
// NULL in organization_id until the column took the nil UUID instead
// (oasfield.NilIsNull); they encode as null either way, so rows sealed
// before the change still verify, and they belong to no organization.
func TestNilOrganizationEncodesAsNull(t *testing.T) {
	rows, err := canonAll([]*gen.SecurityAuditLog{{OrganizationID: uuid.Nil}}, securityLine)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rows[0].Line), `"organization_id":null`) || rows[0].Org != nil {
		t.Errorf("a row of the nil organization encodes as %s (organization %v)", rows[0].Line, rows[0].Org)
	}
	org := uuid.New()
	rows, err = canonAll([]*gen.ActivityLog{{OrganizationID: org}}, activityLine)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(rows[0].Line), `"organization_id":"`+org.String()+`"`) || rows[0].Org == nil || *rows[0].Org != org {
		t.Errorf("a row of organization %s encodes as %s (organization %v)", org, rows[0].Line, rows[0].Org)
	}
}

// CanonicalLines returns the canonical encoding of the rows of table in
// id order, for tests comparing exports with deleted rows.
func CanonicalLines(ctx context.Context, c *gen.Client, table string) (map[uuid.UUID]string, error) {
	t, err := tableNamed(table)
	if err != nil {
		return nil, err
	}
	rows, err := t.rows(ctx, c, rowFilter{After: uuid.Nil, Before: uuid.Max, Limit: 1 << 20})
	out := make(map[uuid.UUID]string, len(rows))
	for _, r := range rows {
		out[r.ID] = string(r.Line)
	}
	return out, err
}
