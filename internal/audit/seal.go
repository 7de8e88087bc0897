package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	gen "github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/auditseal"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/partition"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// DefaultSealBatch bounds the rows of one seal (and of one transaction).
const DefaultSealBatch = 1000

// Sealer seals new ActivityLog and SecurityAuditLog rows into AuditSeals,
// like CloudTrail digest files: each seal covers the next id-ordered rows
// of one table, hashes their canonical encoding, chains to the previous
// seal and is signed. Run SealPending periodically (a River periodic job);
// it is idempotent and safe to run on several replicas at once.
type Sealer struct {
	Client *gen.Client
	Key    ed25519.PrivateKey
	KeyID  string
	// MinAge keeps rows younger than this out of seals, so a transaction
	// still in flight (whose row ids are already taken) can commit first.
	// Rows committed later than that below the sealed frontier are
	// reported by Verify as unsealed.
	MinAge time.Duration
	// Now is the clock (tests move it forward); nil means time.Now.
	Now func() time.Time
	// Dir, when set, receives a JSON file per seal with the per-row hashes
	// (Dir/<table>/<seq>.json), which is what lets Verify name a changed,
	// deleted or inserted row. Copy it to external storage.
	Dir string
	// BatchSize bounds the rows of one seal; 0 means DefaultSealBatch.
	BatchSize int
	Log       *slog.Logger
}

// SealerFromConfig builds the Sealer from the audit configuration, and
// warns when it signs with a development key.
func SealerFromConfig(client *gen.Client, cfg *config.Config, log *slog.Logger) (*Sealer, error) {
	keys, err := KeysFromConfig(cfg)
	if err != nil {
		return nil, err
	}
	if w := keys.Warning(); w != "" && log != nil {
		log.Warn(w)
	}
	return &Sealer{
		Client: client, Key: keys.Signing, KeyID: keys.SigningID,
		MinAge: cfg.Audit.SealMinAge, Dir: cfg.Audit.SealDir, Log: log,
	}, nil
}

// SealPending seals every row of both tables older than MinAge that
// follows the last seal, in seals of at most BatchSize rows, and returns
// how many seals this call wrote.
func (s *Sealer) SealPending(ctx context.Context) (int, error) {
	if len(s.Key) != ed25519.PrivateKeySize || s.KeyID == "" {
		return 0, errors.New("audit: the sealer has no signing key (audit.signing_key)")
	}
	// Why a system context: seals cover every organization's rows, and
	// only the sealing job may create them (rule.SealPolicy).
	ctx = viewer.NewSystemContext(ctx, "audit sealing")
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	before := partition.Bound(now().Add(-s.MinAge))
	total := 0
	for _, t := range tables {
		if err := s.repairLastFile(ctx, t); err != nil {
			return total, err
		}
		for {
			seal, err := s.sealNext(ctx, t, before)
			if err != nil {
				return total, err
			}
			if seal == nil {
				break
			}
			total++
		}
	}
	return total, nil
}

// maxSealConflicts bounds the retries when other replicas keep winning the
// race for the next seq; each retry re-reads their seal.
const maxSealConflicts = 5

// sealNext writes the next seal of t, or returns nil when no row is due.
// Another replica may insert the same seq concurrently: the unique
// (log_table, seq) index rejects one of the two, which then retries on top
// of the winner's seal, so the chain never forks or skips.
func (s *Sealer) sealNext(ctx context.Context, t logTable, before uuid.UUID) (*gen.AuditSeal, error) {
	for attempt := 0; ; attempt++ {
		var (
			seal *gen.AuditSeal
			rows []row
		)
		err := withTx(ctx, s.Client, func(tx *gen.Tx) (err error) {
			seal, rows, err = s.buildSeal(ctx, tx.Client(), t, before)
			if err != nil || seal == nil {
				return err
			}
			seal, err = createSeal(ctx, tx.Client(), seal)
			return err
		})
		if gen.IsConstraintError(err) {
			if attempt < maxSealConflicts {
				continue
			}
			// Other replicas keep sealing these rows: the work is being
			// done, so stop here rather than fail the job.
			return nil, nil
		}
		if err != nil || seal == nil {
			return nil, err
		}
		// Written after commit: a file for a seal that lost the race would
		// contradict the database.
		if err := s.writeFile(seal, rows); err != nil {
			return seal, err
		}
		return seal, nil
	}
}

// buildSeal reads the rows after the last seal and computes (unsaved) the
// seal over them.
func (s *Sealer) buildSeal(ctx context.Context, c *gen.Client, t logTable, before uuid.UUID) (*gen.AuditSeal, []row, error) {
	last, err := lastSeal(ctx, c, t.name)
	if err != nil {
		return nil, nil, err
	}
	after, seq := uuid.Nil, int64(1)
	var prev *string
	if last != nil {
		after, seq, prev = last.LastRowID, last.Seq+1, &last.SealHash
	}
	rows, err := t.rows(ctx, c, rowFilter{After: after, Before: before, Limit: s.batch()})
	if err != nil || len(rows) == 0 {
		return nil, nil, err
	}
	seal := &gen.AuditSeal{
		ID:        uuid.Must(uuid.NewV7()),
		CreatedAt: time.Now().UTC().Truncate(time.Microsecond), // PostgreSQL keeps µs
		LogTable:  t.name, Seq: seq,
		FirstRowID: rows[0].ID, LastRowID: rows[len(rows)-1].ID,
		RowCount: len(rows), RowsHash: rowsHash(leaves(rows)), PrevSealHash: prev,
		KeyID: s.KeyID,
	}
	seal.SealHash = sealHash(seal)
	sum, _ := hex.DecodeString(seal.SealHash)
	seal.Signature = hex.EncodeToString(ed25519.Sign(s.Key, sum))
	return seal, rows, nil
}

func (s *Sealer) batch() int {
	if s.BatchSize > 0 {
		return s.BatchSize
	}
	return DefaultSealBatch
}

func lastSeal(ctx context.Context, c *gen.Client, table auditseal.LogTable) (*gen.AuditSeal, error) {
	last, err := c.AuditSeal.Query().Where(auditseal.LogTableEQ(table)).
		Order(auditseal.BySeq(entsql.OrderDesc())).First(ctx)
	if gen.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: last %s seal: %w", table, err)
	}
	return last, nil
}

func createSeal(ctx context.Context, c *gen.Client, s *gen.AuditSeal) (*gen.AuditSeal, error) {
	return c.AuditSeal.Create().
		SetID(s.ID).SetCreatedAt(s.CreatedAt).SetLogTable(s.LogTable).SetSeq(s.Seq).
		SetFirstRowID(s.FirstRowID).SetLastRowID(s.LastRowID).SetRowCount(s.RowCount).
		SetRowsHash(s.RowsHash).SetNillablePrevSealHash(s.PrevSealHash).SetSealHash(s.SealHash).
		SetSignature(s.Signature).SetKeyID(s.KeyID).
		Save(ctx)
}

func leaves(rows []row) [][32]byte {
	out := make([][32]byte, len(rows))
	for i, r := range rows {
		out[i] = r.leaf()
	}
	return out
}

// rowsHash is SHA-256 over the rows' hashes in id order; the leaves (kept
// in seal files) let a verifier point at the one row that changed.
func rowsHash(leaves [][32]byte) string {
	h := sha256.New()
	for _, l := range leaves {
		h.Write(l[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sealBody is the canonical encoding of a seal: every column but
// seal_hash, signature and key_id, in this fixed order.
type sealBody struct {
	ID           uuid.UUID `json:"id"`
	CreatedAt    string    `json:"created_at"`
	LogTable     string    `json:"log_table"`
	Seq          int64     `json:"seq"`
	FirstRowID   uuid.UUID `json:"first_row_id"`
	LastRowID    uuid.UUID `json:"last_row_id"`
	RowCount     int       `json:"row_count"`
	RowsHash     string    `json:"rows_hash"`
	PrevSealHash string    `json:"prev_seal_hash"`
}

// sealHash recomputes a seal's seal_hash from its other columns.
func sealHash(s *gen.AuditSeal) string {
	body := sealBody{
		ID: s.ID, CreatedAt: canonTime(s.CreatedAt), LogTable: string(s.LogTable), Seq: s.Seq,
		FirstRowID: s.FirstRowID, LastRowID: s.LastRowID, RowCount: s.RowCount, RowsHash: s.RowsHash,
	}
	if s.PrevSealHash != nil {
		body.PrevSealHash = *s.PrevSealHash
	}
	b, _ := json.Marshal(body) // a struct of strings and numbers always encodes
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// SealFile is the JSON copy of a seal kept outside the database: the
// seal's columns plus each row's id and hash, in id order.
type SealFile struct {
	ID           uuid.UUID `json:"id"`
	CreatedAt    time.Time `json:"created_at"`
	LogTable     string    `json:"log_table"`
	Seq          int64     `json:"seq"`
	FirstRowID   uuid.UUID `json:"first_row_id"`
	LastRowID    uuid.UUID `json:"last_row_id"`
	RowCount     int       `json:"row_count"`
	RowsHash     string    `json:"rows_hash"`
	PrevSealHash *string   `json:"prev_seal_hash"`
	SealHash     string    `json:"seal_hash"`
	Signature    string    `json:"signature"`
	KeyID        string    `json:"key_id"`
	Rows         []RowHash `json:"rows"`
}

// RowHash is one sealed row in a seal file.
type RowHash struct {
	ID   uuid.UUID `json:"id"`
	Hash string    `json:"hash"`
	// Org tells a row purged by retention (recorded per organization)
	// from a deleted one when the export itself is missing.
	Org *uuid.UUID `json:"organization_id,omitempty"`
}

// sealPath is where the file of seal seq of table lives under dir.
func sealPath(dir, table string, seq int64) string {
	return filepath.Join(dir, table, fmt.Sprintf("%012d.json", seq))
}

func (s *Sealer) writeFile(seal *gen.AuditSeal, rows []row) error {
	if s.Dir == "" {
		return nil
	}
	f := SealFile{
		ID: seal.ID, CreatedAt: seal.CreatedAt, LogTable: string(seal.LogTable), Seq: seal.Seq,
		FirstRowID: seal.FirstRowID, LastRowID: seal.LastRowID, RowCount: seal.RowCount,
		RowsHash: seal.RowsHash, PrevSealHash: seal.PrevSealHash, SealHash: seal.SealHash,
		Signature: seal.Signature, KeyID: seal.KeyID, Rows: make([]RowHash, len(rows)),
	}
	for i, r := range rows {
		l := r.leaf()
		f.Rows[i] = RowHash{ID: r.ID, Hash: hex.EncodeToString(l[:]), Org: r.Org}
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return fmt.Errorf("audit: encode seal file: %w", err)
	}
	if err := writeFileSync(sealPath(s.Dir, f.LogTable, f.Seq), b); err != nil {
		return fmt.Errorf("audit: seal %s/%d sealed, but its file was not written: %w", f.LogTable, f.Seq, err)
	}
	return nil
}

// repairLastFile rewrites the file of the table's last seal when a crash
// (or a full disk) lost it after the seal committed, provided the rows
// still hash to the seal: a file is never made from changed rows.
func (s *Sealer) repairLastFile(ctx context.Context, t logTable) error {
	if s.Dir == "" {
		return nil
	}
	last, err := lastSeal(ctx, s.Client, t.name)
	if err != nil || last == nil {
		return err
	}
	if _, err := os.Stat(sealPath(s.Dir, string(t.name), last.Seq)); !errors.Is(err, os.ErrNotExist) {
		return nil
	}
	rows, err := t.rows(ctx, s.Client, rowFilter{After: prevID(last.FirstRowID), Before: nextID(last.LastRowID), Limit: last.RowCount + 1})
	if err != nil {
		return err
	}
	if len(rows) != last.RowCount || rowsHash(leaves(rows)) != last.RowsHash {
		if s.Log != nil {
			s.Log.Error("audit: the file of the last seal is missing and its rows no longer match it; run `worksynapse audit verify`",
				"table", t.name, "seq", last.Seq)
		}
		return nil
	}
	return s.writeFile(last, rows)
}

// readSealFile loads the file of a seal, or returns nil when there is none.
func readSealFile(dir, table string, seq int64) (*SealFile, error) {
	if dir == "" {
		return nil, nil
	}
	b, err := os.ReadFile(sealPath(dir, table, seq))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("audit: read seal file: %w", err)
	}
	var f SealFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("audit: seal file %s/%d: %w", table, seq, err)
	}
	return &f, nil
}

// writeFileSync writes a file atomically and durably: a temporary file,
// fsync, rename, fsync of the directory (so the rename survives a crash).
func writeFileSync(path string, data []byte) error {
	return writeSynced(filepath.Dir(path), func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	}, func() string { return filepath.Base(path) })
}

// writeSynced is writeFileSync for content written by fill, under the name
// that name returns once fill is done ("" discards the file).
func writeSynced(dir string, fill func(io.Writer) error, name func() string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, ".export.*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after the rename
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	final := name()
	if final == "" {
		return nil
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, final)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Keys are the seal keys of the configuration: the one that signs new
// seals and every public key verification trusts (the signing key's
// included), by key id.
type Keys struct {
	Signing   ed25519.PrivateKey
	SigningID string
	Verify    map[string]ed25519.PublicKey
}

// KeysFromConfig parses audit.signing_key, audit.signing_key_id and
// audit.verify_keys (already validated by config.Load).
func KeysFromConfig(cfg *config.Config) (*Keys, error) {
	key, err := config.ParseSigningKey(cfg.Audit.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("audit: audit.signing_key %w", err)
	}
	k := &Keys{Signing: key, SigningID: cfg.Audit.SigningKeyID, Verify: map[string]ed25519.PublicKey{}}
	for _, entry := range cfg.Audit.VerifyKeys {
		id, pub, err := config.ParseVerifyKey(entry)
		if err != nil {
			return nil, fmt.Errorf("audit: audit.verify_keys: %w", err)
		}
		k.Verify[id] = pub
	}
	k.Verify[k.SigningID] = key.Public().(ed25519.PublicKey)
	return k, nil
}

// Warning is non-empty when seals are signed with a derived development
// key, which proves nothing to a third party.
func (k *Keys) Warning() string {
	if !strings.HasPrefix(k.SigningID, config.DevAuditKeyIDPrefix) {
		return ""
	}
	return "audit: seals are signed with a development key derived from secret_key; set audit.signing_key (WORKSYNAPSE_AUDIT_SIGNING_KEY) for real tamper evidence"
}

// withTx is database.WithTx, which this package cannot import (the ent
// schema imports package audit for its hook, and package database imports
// the schema): commit when fn succeeds, roll back otherwise.
func withTx(ctx context.Context, c *gen.Client, fn func(tx *gen.Tx) error) error {
	tx, err := c.Tx(ctx)
	if err != nil {
		return fmt.Errorf("audit: begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		return errors.Join(err, tx.Rollback())
	}
	return tx.Commit()
}
