package dbmigrate

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"ariga.io/atlas/sql/postgres"
	atlas "ariga.io/atlas/sql/schema"
)

// Lint attributes schema changes to statements by inspecting the dev
// database after each one. Inspecting the whole schema (about 70 tables and
// their partitions) costs ~0.1 s, and the partitioned tables' migrations
// have hundreds of statements; a statement of the kinds below changes only
// the tables it names, so only those are inspected again.

// tableStatement matches the statements whose changes stay within the
// tables (and their indexes) they name.
var tableStatement = regexp.MustCompile(`(?is)^\s*(ALTER\s+TABLE|CREATE\s+TABLE|DROP\s+TABLE|CREATE\s+(UNIQUE\s+)?INDEX|DROP\s+INDEX|ALTER\s+INDEX)\b`)

// dataStatement matches statements that change no schema object, but
// for selectInto, which creates a table.
var (
	dataStatement = regexp.MustCompile(`(?is)^\s*(INSERT|UPDATE|DELETE|SET|SELECT)\b`)
	selectInto    = regexp.MustCompile(`(?is)^\s*SELECT\b.*\bINTO\b`)
)

// identifier matches a quoted or bare SQL identifier.
var identifier = regexp.MustCompile(`"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*)`)

// inspectAfter returns the schema after stmt ran on current: current
// itself after a data statement, current with the tables stmt names
// inspected again after a table statement, and the whole schema inspected
// again after anything else (a DO block, a type, a function).
func (l *linter) inspectAfter(ctx context.Context, stmt string, current *atlas.Realm) (*atlas.Realm, error) {
	switch {
	case dataStatement.MatchString(stmt) && !selectInto.MatchString(stmt):
		return current, nil
	case !tableStatement.MatchString(stmt) || len(current.Schemas) != 1:
		return l.inspect(ctx)
	}
	names := namedTables(stmt, current.Schemas[0])
	s, err := l.dev.InspectSchema(ctx, current.Schemas[0].Name, &atlas.InspectOptions{Tables: names})
	if err != nil {
		return nil, fmt.Errorf("dbmigrate: lint: inspect dev database: %w", err)
	}
	stripPartitions(s.Tables)
	return withTables(current, names, s.Tables), nil
}

// namedTables are the tables stmt may change: every identifier in it that
// names a table of s or an index of one (its table), and any other
// identifier, which may name a table stmt creates (inspecting a name that
// is no table finds nothing).
func namedTables(stmt string, s *atlas.Schema) []string {
	indexes := map[string]string{}
	for _, t := range s.Tables {
		for _, idx := range t.Indexes {
			indexes[idx.Name] = t.Name
		}
		if t.PrimaryKey != nil && t.PrimaryKey.Name != "" {
			indexes[t.PrimaryKey.Name] = t.Name
		}
	}
	var names []string
	for _, m := range identifier.FindAllStringSubmatch(stmt, -1) {
		name := strings.ReplaceAll(m[1], `""`, `"`)
		if m[1] == "" {
			name = strings.ToLower(m[2])
		}
		if table, ok := indexes[name]; ok {
			name = table
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// withTables is current with the tables named replaced by inspected (a
// named table not inspected is gone). current is not modified: tables
// not named are shared.
func withTables(current *atlas.Realm, named []string, inspected []*atlas.Table) *atlas.Realm {
	cs := current.Schemas[0]
	ns := *cs
	ns.Tables = nil
	for _, t := range cs.Tables {
		if !slices.Contains(named, t.Name) {
			ns.Tables = append(ns.Tables, t)
		}
	}
	for _, t := range inspected {
		t.Schema = &ns
		ns.Tables = append(ns.Tables, t)
	}
	slices.SortFunc(ns.Tables, func(a, b *atlas.Table) int { return strings.Compare(a.Name, b.Name) })
	next := *current
	next.Schemas = []*atlas.Schema{&ns}
	return &next
}

// stripPartitions hides the partition key from Atlas's diff, which refuses
// to compare a table with its partitioned successor (internal/partition);
// the analyzers judge the statements, which a partition key does not
// change.
func stripPartitions(tables []*atlas.Table) {
	for _, t := range tables {
		t.Attrs = slices.DeleteFunc(t.Attrs, func(a atlas.Attr) bool {
			_, ok := a.(*postgres.Partition)
			return ok
		})
	}
}
