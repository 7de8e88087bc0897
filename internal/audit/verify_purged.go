package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// purgedFile is one retention export, named <first>_<last>_<org>.jsonl
// after the id range it holds.
type purgedFile struct {
	first, last uuid.UUID
	path        string
}

// purgedRows feeds Verify the rows retention deleted, read back from the
// exports in the order seals need them: only files overlapping the seal
// being checked are held in memory.
type purgedRows struct {
	files []purgedFile // by first id
	next  int
	cache map[uuid.UUID]row
}

// openPurged lists the exports of one table (none when dir is empty).
func openPurged(dir, table string) (*purgedRows, error) {
	p := &purgedRows{cache: map[uuid.UUID]row{}}
	if dir == "" {
		return p, nil
	}
	entries, err := os.ReadDir(filepath.Join(dir, table))
	if errors.Is(err, os.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: list retention exports: %w", err)
	}
	for _, e := range entries {
		first, last, ok := parseExportName(e.Name())
		if ok {
			p.files = append(p.files, purgedFile{first: first, last: last, path: filepath.Join(dir, table, e.Name())})
		}
	}
	slices.SortFunc(p.files, func(a, b purgedFile) int { return bytes.Compare(a.first[:], b.first[:]) })
	return p, nil
}

// exportName names the export of rows first..last of org.
func exportName(first, last, org uuid.UUID) string {
	return fmt.Sprintf("%s_%s_%s.jsonl", first, last, org)
}

func parseExportName(name string) (first, last uuid.UUID, ok bool) {
	parts := strings.Split(strings.TrimSuffix(name, ".jsonl"), "_")
	if !strings.HasSuffix(name, ".jsonl") || len(parts) != 3 {
		return first, last, false
	}
	first, err1 := uuid.Parse(parts[0])
	last, err2 := uuid.Parse(parts[1])
	return first, last, err1 == nil && err2 == nil
}

// merge adds to rows (the table's rows in [first, last]) the exported rows
// of that range that the table no longer has, and says how many.
func (p *purgedRows) merge(rows []row, first, last uuid.UUID) ([]row, int, error) {
	for p.next < len(p.files) && bytes.Compare(p.files[p.next].first[:], last[:]) <= 0 {
		f := p.files[p.next]
		p.next++
		if bytes.Compare(f.last[:], first[:]) < 0 {
			continue // below the range being verified
		}
		if err := p.load(f.path); err != nil {
			return nil, 0, err
		}
	}
	present := make(map[uuid.UUID]bool, len(rows))
	for _, r := range rows {
		present[r.ID] = true
	}
	added := 0
	for id, r := range p.cache {
		switch {
		case bytes.Compare(id[:], first[:]) < 0:
			delete(p.cache, id) // seals only move forward
		case bytes.Compare(id[:], last[:]) <= 0 && !present[id]:
			rows = append(rows, r)
			added++
		}
	}
	if added > 0 {
		sortRows(rows)
	}
	return rows, added, nil
}

// load reads an export: each line is a row's canonical encoding.
func (p *purgedRows) load(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("audit: open retention export: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 16<<20) // rows carry JSON values
	for sc.Scan() {
		line := slices.Clone(sc.Bytes())
		var head struct {
			ID uuid.UUID `json:"id"`
		}
		if err := json.Unmarshal(line, &head); err != nil {
			return fmt.Errorf("audit: retention export %s: %w", filepath.Base(path), err)
		}
		p.cache[head.ID] = row{ID: head.ID, Line: line}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("audit: read retention export %s: %w", filepath.Base(path), err)
	}
	return nil
}
