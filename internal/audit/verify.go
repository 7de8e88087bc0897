package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/ent/securityauditlog"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// Kinds of verification findings. Every finding fails verification.
const (
	FindChangedRow    = "changed_row"    // a sealed row's content differs from its sealed hash
	FindMissingRow    = "missing_row"    // a sealed row is gone (and not in a retention export)
	FindInsertedRow   = "inserted_row"   // a row inside a sealed id range that the seal does not cover
	FindRowsMismatch  = "rows_mismatch"  // the rows differ but no seal file names the row
	FindSealHash      = "seal_altered"   // a seal's columns do not hash to its seal_hash
	FindBadSignature  = "bad_signature"  // the signature does not verify with the key named
	FindUnknownKey    = "unknown_key"    // the seal names a key that is not trusted
	FindMissingSeal   = "missing_seal"   // a seq is missing from the chain
	FindChainBreak    = "chain_break"    // prev_seal_hash differs from the previous seal's hash
	FindSealRange     = "seal_range"     // a seal's range overlaps or precedes the previous one
	FindUnsealedRow   = "unsealed_row"   // a row below the sealed frontier that no seal covers
	FindExportMissing = "export_missing" // a sealed row retention purged, whose export is not in RetentionDir
	maxNamedPerSeal   = 20               // findings per seal before they are summarized
	maxUnsealedListed = 100              // unsealed rows named per table
)

// VerifyOptions say what to verify and with which keys and files.
type VerifyOptions struct {
	Client *gen.Client
	// Keys are the trusted public keys by key id (see KeysFromConfig).
	Keys map[string]ed25519.PublicKey
	// Tables to verify; empty means both.
	Tables []string
	// From and To limit verification to the seals covering rows whose ids
	// were generated in [From, To); zero means unbounded.
	From, To time.Time
	// SealDir holds the seal files (per-row hashes) that name changed rows.
	SealDir string
	// RetentionDir holds retention's JSONL exports: rows purged by
	// retention are verified against them instead of the table.
	RetentionDir string
	// MinAge is the sealer's: rows younger than that are not yet due.
	MinAge time.Duration
}

// Report is the outcome of Verify; OK is false when there are findings.
type Report struct {
	OK       bool          `json:"ok"`
	Tables   []TableReport `json:"tables"`
	Findings []Finding     `json:"findings"`
}

// TableReport summarizes one table.
type TableReport struct {
	Table string `json:"table"`
	// Seals verified, and rows checked against them.
	Seals int `json:"seals"`
	Rows  int `json:"rows"`
	// Purged rows were checked against retention exports.
	Purged int `json:"purged"`
	// Pending rows are old enough to be sealed but follow the last seal
	// (the sealer has not run yet): reported, not a failure.
	Pending       int        `json:"pending"`
	OldestPending *uuid.UUID `json:"oldest_pending,omitempty"`
}

// Finding is one problem, naming the seal and, when known, the row.
type Finding struct {
	Table  string     `json:"table"`
	Kind   string     `json:"kind"`
	Seq    int64      `json:"seq,omitempty"`
	RowID  *uuid.UUID `json:"row_id,omitempty"`
	Detail string     `json:"detail"`
}

func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", f.Table)
	if f.Seq > 0 {
		fmt.Fprintf(&b, " seal %d", f.Seq)
	}
	fmt.Fprintf(&b, ": %s", f.Kind)
	if f.RowID != nil {
		fmt.Fprintf(&b, " row %s", f.RowID)
	}
	fmt.Fprintf(&b, ": %s", f.Detail)
	return b.String()
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) {
	for _, t := range r.Tables {
		fmt.Fprintf(w, "%s: %d seals, %d rows verified (%d purged by retention, checked against exports)",
			t.Table, t.Seals, t.Rows, t.Purged)
		if t.Pending > 0 {
			fmt.Fprintf(w, "; %d rows old enough to be sealed are not sealed yet (oldest %s)", t.Pending, t.OldestPending)
		}
		fmt.Fprintln(w)
	}
	for _, f := range r.Findings {
		fmt.Fprintln(w, "FAIL", f.String())
	}
	if r.OK {
		fmt.Fprintln(w, "audit trail verified: no changed, missing or inserted rows or seals")
	} else {
		fmt.Fprintf(w, "audit trail verification FAILED: %d findings\n", len(r.Findings))
	}
}

// Verify recomputes every seal in range: its hash, signature and place in
// the chain, and the hash of the rows it covers (rows purged by retention
// are read from the exports). It names the changed, missing or inserted
// row when the seal file (per-row hashes) is available, and reports rows
// below the sealed frontier that no seal covers. An error means
// verification could not run; problems found are in the Report.
func Verify(ctx context.Context, opt VerifyOptions) (*Report, error) {
	// Why a system context: verification reads every organization's audit
	// rows and every seal.
	ctx = viewer.NewSystemContext(ctx, "audit verify")
	rep := &Report{Tables: []TableReport{}, Findings: []Finding{}}
	names := opt.Tables
	if len(names) == 0 {
		for _, t := range tables {
			names = append(names, string(t.name))
		}
	}
	for _, name := range names {
		t, err := tableNamed(name)
		if err != nil {
			return nil, err
		}
		v := &tableVerifier{opt: opt, t: t, rep: rep, tr: &TableReport{Table: name}}
		if err := v.run(ctx); err != nil {
			return nil, err
		}
		rep.Tables = append(rep.Tables, *v.tr)
	}
	rep.OK = len(rep.Findings) == 0
	return rep, nil
}

// tableVerifier walks one table's chain in seq order.
type tableVerifier struct {
	opt      VerifyOptions
	t        logTable
	rep      *Report
	tr       *TableReport
	purged   *purgedRows
	prev     *gen.AuditSeal
	unsealed int
	purges   []purgeRecord
}

func (v *tableVerifier) add(seq int64, kind string, rowID *uuid.UUID, format string, args ...any) {
	v.rep.Findings = append(v.rep.Findings, Finding{
		Table: string(v.t.name), Kind: kind, Seq: seq, RowID: rowID, Detail: fmt.Sprintf(format, args...),
	})
}

const sealPage = 200

func (v *tableVerifier) run(ctx context.Context) error {
	purged, err := openPurged(v.opt.RetentionDir, string(v.t.name))
	if err != nil {
		return err
	}
	v.purged = purged
	if v.purges, err = purgeRecords(ctx, v.opt.Client, string(v.t.name)); err != nil {
		return err
	}
	c := v.opt.Client
	q := c.AuditSeal.Query().Where(auditseal.LogTableEQ(v.t.name))
	if !v.opt.From.IsZero() {
		q.Where(auditseal.LastRowIDGTE(partition.Bound(v.opt.From)))
	}
	if !v.opt.To.IsZero() {
		q.Where(auditseal.FirstRowIDLT(partition.Bound(v.opt.To)))
	}
	first := true
	for afterSeq := int64(0); ; {
		page, err := q.Clone().Where(auditseal.SeqGT(afterSeq)).Order(auditseal.BySeq()).Limit(sealPage).All(ctx)
		if err != nil {
			return fmt.Errorf("audit: read seals: %w", err)
		}
		for _, s := range page {
			if first {
				if err := v.start(ctx, s); err != nil {
					return err
				}
				first = false
			}
			if err := v.seal(ctx, s); err != nil {
				return err
			}
			afterSeq = s.Seq
		}
		if len(page) < sealPage {
			break
		}
	}
	return v.finish(ctx)
}

// start loads the seal before the first one in range, so the chain link
// of the first seal is checked too.
func (v *tableVerifier) start(ctx context.Context, s *gen.AuditSeal) error {
	if s.Seq == 1 {
		return nil
	}
	prev, err := v.opt.Client.AuditSeal.Query().
		Where(auditseal.LogTableEQ(v.t.name), auditseal.SeqEQ(s.Seq-1)).Only(ctx)
	if gen.IsNotFound(err) {
		return nil // reported as a gap by seal
	}
	if err != nil {
		return fmt.Errorf("audit: read seal %d: %w", s.Seq-1, err)
	}
	v.prev = prev
	return nil
}

// seal verifies one seal and the rows before and inside its range.
func (v *tableVerifier) seal(ctx context.Context, s *gen.AuditSeal) error {
	v.tr.Seals++
	v.checkSeal(s)
	gapAfter := uuid.Nil
	if v.prev != nil {
		gapAfter = v.prev.LastRowID
	}
	// Rows between the previous seal and this one were not visible when
	// this seal was made: they committed late (or were forged there).
	if v.prev != nil || v.opt.From.IsZero() {
		if err := v.unsealedBetween(ctx, gapAfter, s.FirstRowID, s.Seq); err != nil {
			return err
		}
	}
	if err := v.checkRows(ctx, s); err != nil {
		return err
	}
	v.prev = s
	return nil
}

// checkSeal verifies the seal's own hash, signature and chain link.
func (v *tableVerifier) checkSeal(s *gen.AuditSeal) {
	if got := sealHash(s); got != s.SealHash {
		v.add(s.Seq, FindSealHash, nil, "the seal's columns hash to %s, not its seal_hash %s: the seal was changed", got, s.SealHash)
	}
	pub, ok := v.opt.Keys[s.KeyID]
	sum, _ := hex.DecodeString(s.SealHash)
	sig, _ := hex.DecodeString(s.Signature)
	switch {
	case !ok:
		v.add(s.Seq, FindUnknownKey, nil, "signed with key %q, which is not in audit.verify_keys", s.KeyID)
	case !ed25519.Verify(pub, sum, sig):
		v.add(s.Seq, FindBadSignature, nil, "the signature does not verify with key %q", s.KeyID)
	}
	p := v.prev
	switch {
	case p == nil && s.Seq > 1:
		v.add(s.Seq, FindMissingSeal, nil, "the previous seal %d is missing", s.Seq-1)
	case p == nil && s.PrevSealHash != nil:
		v.add(s.Seq, FindChainBreak, nil, "the first seal names a previous seal")
	case p == nil:
	case s.Seq != p.Seq+1:
		v.add(s.Seq, FindMissingSeal, nil, "seals %d to %d are missing", p.Seq+1, s.Seq-1)
	case s.PrevSealHash == nil || *s.PrevSealHash != p.SealHash:
		v.add(s.Seq, FindChainBreak, nil, "prev_seal_hash does not match seal %d's seal_hash", p.Seq)
	}
	if p != nil && bytes.Compare(s.FirstRowID[:], p.LastRowID[:]) <= 0 {
		v.add(s.Seq, FindSealRange, nil, "its range starts at or before the end of seal %d", p.Seq)
	}
}

// checkRows recomputes the rows hash over the rows in the seal's range
// (table rows, plus purged rows from the retention exports).
func (v *tableVerifier) checkRows(ctx context.Context, s *gen.AuditSeal) error {
	// Bounded: a range flooded with forged rows still reads a finite page.
	limit := s.RowCount + DefaultSealBatch
	rows, err := v.t.rows(ctx, v.opt.Client, rowFilter{After: prevID(s.FirstRowID), Before: nextID(s.LastRowID), Limit: limit})
	if err != nil {
		return err
	}
	rows, purged, err := v.purged.merge(rows, s.FirstRowID, s.LastRowID)
	if err != nil {
		return err
	}
	v.tr.Rows += len(rows)
	v.tr.Purged += purged
	if len(rows) == s.RowCount && rowsHash(leaves(rows)) == s.RowsHash {
		return nil
	}
	file, err := readSealFile(v.opt.SealDir, string(v.t.name), s.Seq)
	if err != nil {
		return err
	}
	if file == nil || !fileMatches(file, s) {
		v.add(s.Seq, FindRowsMismatch, nil,
			"the %d rows in [%s, %s] do not match the %d sealed rows; no matching seal file in audit.seal_dir to name the row",
			len(rows), s.FirstRowID, s.LastRowID, s.RowCount)
		return nil
	}
	v.diffRows(s.Seq, file.Rows, rows)
	return nil
}

// fileMatches reports whether a seal file belongs to the seal and its
// per-row hashes are the ones the (signed) rows_hash was made of.
func fileMatches(f *SealFile, s *gen.AuditSeal) bool {
	if f.SealHash != s.SealHash || len(f.Rows) != s.RowCount {
		return false
	}
	ls := make([][32]byte, len(f.Rows))
	for i, r := range f.Rows {
		b, err := hex.DecodeString(r.Hash)
		if err != nil || len(b) != 32 {
			return false
		}
		copy(ls[i][:], b)
	}
	return rowsHash(ls) == s.RowsHash
}

// diffRows names each row that differs between the sealed list and the
// rows found, walking both in id order.
func (v *tableVerifier) diffRows(seq int64, sealed []RowHash, found []row) {
	named := 0
	note := func(kind string, id uuid.UUID, format string, args ...any) {
		if named++; named <= maxNamedPerSeal {
			v.add(seq, kind, &id, format, args...)
		}
	}
	i, j := 0, 0
	for i < len(sealed) || j < len(found) {
		switch {
		case j == len(found) || (i < len(sealed) && bytes.Compare(sealed[i].ID[:], found[j].ID[:]) < 0):
			if p := v.purgedBy(sealed[i]); p != nil {
				note(FindExportMissing, sealed[i].ID, "purged by retention (event %s) into %s, which is not in audit.retention_dir: restore it to verify the row", p.event, p.file)
			} else {
				note(FindMissingRow, sealed[i].ID, "the row was sealed but is neither in the table nor in a retention export")
			}
			i++
		case i == len(sealed) || bytes.Compare(found[j].ID[:], sealed[i].ID[:]) < 0:
			note(FindInsertedRow, found[j].ID, "the row lies inside the sealed range but the seal does not cover it (inserted, or committed after sealing)")
			j++
		default:
			if l := found[j].leaf(); hex.EncodeToString(l[:]) != sealed[i].Hash {
				note(FindChangedRow, found[j].ID, "the row's content differs from when it was sealed")
			}
			i, j = i+1, j+1
		}
	}
	if named > maxNamedPerSeal {
		v.add(seq, FindRowsMismatch, nil, "%d more differing rows not listed", named-maxNamedPerSeal)
	}
}

// unsealedBetween reports the rows strictly between two sealed ids.
func (v *tableVerifier) unsealedBetween(ctx context.Context, after, before uuid.UUID, seq int64) error {
	rows, err := v.t.rows(ctx, v.opt.Client, rowFilter{After: after, Before: before, Limit: maxUnsealedListed})
	if err != nil {
		return err
	}
	for _, r := range rows {
		if v.unsealed++; v.unsealed <= maxUnsealedListed {
			id := r.ID
			v.add(0, FindUnsealedRow, &id, "below the sealed frontier (before seal %d) but covered by no seal: committed late, or inserted", seq)
		}
	}
	return nil
}

// finish reports seals deleted from the end of the chain (their files
// remain) and the rows after the last seal that are already due.
func (v *tableVerifier) finish(ctx context.Context) error {
	if !v.opt.To.IsZero() {
		return nil // a bounded range ends inside the sealed part
	}
	after, nextSeq := uuid.Nil, int64(1)
	if v.prev != nil {
		after, nextSeq = v.prev.LastRowID, v.prev.Seq+1
	} else if !v.opt.From.IsZero() {
		after, nextSeq = prevID(partition.Bound(v.opt.From)), 0
	}
	if nextSeq > 0 {
		next, err := readSealFile(v.opt.SealDir, string(v.t.name), nextSeq)
		if err != nil {
			return err
		}
		if next != nil {
			v.add(next.Seq, FindMissingSeal, nil, "its seal file exists but the seal is not in the database (seals deleted from the end of the chain)")
		}
	}
	due := partition.Bound(time.Now().Add(-v.opt.MinAge))
	rows, err := v.t.rows(ctx, v.opt.Client, rowFilter{After: after, Before: due, Limit: 10 * DefaultSealBatch})
	if err != nil {
		return err
	}
	v.tr.Pending = len(rows)
	if len(rows) > 0 {
		id := rows[0].ID
		v.tr.OldestPending = &id
	}
	return nil
}

// nextID and prevID are the ids just above and below id, to turn an
// inclusive range into the exclusive bounds of rowFilter.
func nextID(id uuid.UUID) uuid.UUID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]++
		if id[i] != 0 {
			break
		}
	}
	return id
}

func prevID(id uuid.UUID) uuid.UUID {
	for i := len(id) - 1; i >= 0; i-- {
		id[i]--
		if id[i] != 0xff {
			break
		}
	}
	return id
}

// sortRows orders rows by id (byte order, which is UUIDv7 time order and
// the order both databases compare ids in).
func sortRows(rows []row) {
	slices.SortFunc(rows, func(a, b row) int { return bytes.Compare(a.ID[:], b.ID[:]) })
}

// purgeRecord is one retention event: which rows of which organization
// it exported to which file.
type purgeRecord struct {
	event       uuid.UUID
	org         uuid.UUID
	first, last uuid.UUID
	file        string
}

// purgeRecords loads the table's retention events.
func purgeRecords(ctx context.Context, c *gen.Client, table string) ([]purgeRecord, error) {
	events, err := c.SecurityAuditLog.Query().
		Where(securityauditlog.EventTypeEQ(RetentionEvent), securityauditlog.OrganizationIDNEQ(uuid.Nil)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("audit: read retention events: %w", err)
	}
	var out []purgeRecord
	for _, ev := range events {
		first, err1 := uuid.Parse(fmt.Sprint(ev.Details["first_row_id"]))
		last, err2 := uuid.Parse(fmt.Sprint(ev.Details["last_row_id"]))
		if ev.Details["log_table"] != table || err1 != nil || err2 != nil {
			continue
		}
		out = append(out, purgeRecord{event: ev.ID, org: ev.OrganizationID, first: first, last: last, file: fmt.Sprint(ev.Details["file"])})
	}
	return out, nil
}

// purgedBy is the retention event that covers a sealed row of its
// organization, if any.
func (v *tableVerifier) purgedBy(r RowHash) *purgeRecord {
	if r.Org == nil {
		return nil
	}
	for i, p := range v.purges {
		if p.org == *r.Org && bytes.Compare(p.first[:], r.ID[:]) <= 0 && bytes.Compare(r.ID[:], p.last[:]) <= 0 {
			return &v.purges[i]
		}
	}
	return nil
}
