package dbmigrate_test

import (
	"maps"
	"slices"
	"testing"

	"entgo.io/ent/dialect/sql/schema"

	"github.com/worksynapse/worksynapse/ent/migrate"
)

// globalTables hold no tenant's data, or data of several tenants at once,
// and so carry no organization_id (docs/scaling.md, section 5).
var globalTables = map[string]string{
	"users":            "a user belongs to many organizations",
	"sessions":         "a user's, across organizations",
	"auth_tokens":      "a user's (verification, password reset)",
	"login_histories":  "a user's sign-ins, before any organization is chosen",
	"organizations":    "the tenants themselves",
	"permissions":      "the fixed resource × action catalogue",
	"role_permissions": "grants of system and organization roles alike (the role carries the tenant)",
	"model_prices":     "the global price list of LLM models",
	"audit_seals":      "hash chains over the audit tables, across organizations",
	"stream_tickets":   "a user's single-use stream tickets",
}

// tenantKeyGaps are tenant tables that do not yet carry organization_id NOT
// NULL, each with the reason. It is empty and may only stay so: rows
// outside any organization (failed logins, the system roles) hold the nil
// UUID, the documented sentinel of oasfield.NilIsNull.
var tenantKeyGaps = map[string]string{}

// TestEveryTenantTableHasATenantKey: every table of the ent schema that is
// not global carries organization_id NOT NULL with an index (or primary
// key) leading on it, so tenant-wide reads, exports, deletion and any
// future sharding by organization find a tenant's rows by index. A new
// table fails here until it has one or is listed, with a reason, above.
func TestEveryTenantTableHasATenantKey(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, table := range migrate.Tables {
		seen[table.Name] = true
		if _, global := globalTables[table.Name]; global {
			continue
		}
		problem := tenantKeyProblem(table)
		_, gap := tenantKeyGaps[table.Name]
		switch {
		case problem != "" && !gap:
			t.Errorf("table %s: %s; add the tenant mixin (ent/schema/mixin.go) or list it in globalTables with why", table.Name, problem)
		case problem == "" && gap:
			t.Errorf("table %s now has its tenant key: remove it from tenantKeyGaps and docs/scaling.md", table.Name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(globalTables)) {
		if !seen[name] {
			t.Errorf("globalTables lists %s, which the schema no longer has", name)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(tenantKeyGaps)) {
		if !seen[name] {
			t.Errorf("tenantKeyGaps lists %s, which the schema no longer has", name)
		}
	}
}

// tenantKeyProblem says what table lacks of a tenant key ("" for nothing).
func tenantKeyProblem(table *schema.Table) string {
	var col *schema.Column
	for _, c := range table.Columns {
		if c.Name == "organization_id" {
			col = c
		}
	}
	switch {
	case col == nil:
		return "no organization_id column"
	case col.Nullable:
		return "organization_id is nullable"
	}
	if len(table.PrimaryKey) > 0 && table.PrimaryKey[0].Name == "organization_id" {
		return ""
	}
	for _, idx := range table.Indexes {
		if len(idx.Columns) > 0 && idx.Columns[0].Name == "organization_id" && idx.Annotation == nil {
			return ""
		}
		if len(idx.Columns) > 0 && idx.Columns[0].Name == "organization_id" && idx.Annotation.Where == "" {
			return ""
		}
	}
	return "no index leads on organization_id (a partial index does not serve every read)"
}
