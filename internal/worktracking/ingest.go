package worktracking

import (
	"context"
	"fmt"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/ent/appusage"
	"github.com/worksynapse/worksynapse/ent/idleperiod"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/problem"
	"github.com/worksynapse/worksynapse/internal/textguard"
	"github.com/worksynapse/worksynapse/internal/viewer"
)

// MaxBatch is the most records one ingestion request may carry.
const MaxBatch = 1000

// insertChunk keeps one multi-row INSERT under SQLite's and PostgreSQL's
// bind-parameter limits (11 columns per row).
const insertChunk = 500

// Span is what every tracker record has: the tracker's id for it, the
// device, and when it happened.
type Span struct {
	ClientRecordID, DeviceID string
	StartedAt, EndedAt       time.Time
}

// AppUsageRecord is one application-usage record of a batch.
type AppUsageRecord struct {
	Span
	AppName, WindowTitle, URL string
	Category                  appusage.Category
}

// RecordError says why one record of a batch was rejected.
type RecordError struct {
	Index          int
	ClientRecordID string
	Message        string
}

// IngestResult counts a batch: Received = Inserted + Duplicates + Rejected.
type IngestResult struct {
	Received, Inserted, Duplicates, Rejected int
	Errors                                   []RecordError
}

// IngestAppUsage stores the caller's application-usage records in org.
func (s *Service) IngestAppUsage(ctx context.Context, org uuid.UUID, recs []AppUsageRecord) (IngestResult, error) {
	spans := make([]Span, len(recs))
	for i, r := range recs {
		spans[i] = r.Span
	}
	text := func(i int) string {
		for _, v := range []string{recs[i].AppName, recs[i].WindowTitle, recs[i].URL} {
			if reason := textguard.Reason(v); reason != "" {
				return "text: " + reason
			}
		}
		return ""
	}
	return s.ingest(ctx, org, appusage.Table, spans, text, func(ctx context.Context, tx *ent.Tx, user uuid.UUID, keep []int, clamped []Span) error {
		builders := make([]*ent.AppUsageCreate, 0, len(keep))
		for j, i := range keep {
			r, sp := recs[i], clamped[j]
			builders = append(builders, tx.AppUsage.Create().SetOrganizationID(org).SetUserID(user).
				SetClientRecordID(sp.ClientRecordID).SetDeviceID(sp.DeviceID).SetAppName(r.AppName).
				SetWindowTitle(r.WindowTitle).SetURL(r.URL).SetCategory(categoryOr(r.Category)).
				SetStartedAt(sp.StartedAt).SetEndedAt(sp.EndedAt).SetDurationSeconds(seconds(sp.StartedAt, sp.EndedAt)))
		}
		return chunked(builders, func(part []*ent.AppUsageCreate) error {
			return tx.AppUsage.CreateBulk(part...).Exec(ctx)
		})
	}, func(ctx context.Context, tx *ent.Tx, user uuid.UUID, ids []string) ([]string, error) {
		return tx.AppUsage.Query().Where(appusage.UserID(user), appusage.ClientRecordIDIn(ids...)).
			Select(appusage.FieldClientRecordID).Strings(ctx)
	})
}

// IngestIdlePeriods stores the caller's idle periods in org.
func (s *Service) IngestIdlePeriods(ctx context.Context, org uuid.UUID, spans []Span) (IngestResult, error) {
	return s.ingest(ctx, org, idleperiod.Table, spans, nil, func(ctx context.Context, tx *ent.Tx, user uuid.UUID, keep []int, clamped []Span) error {
		builders := make([]*ent.IdlePeriodCreate, 0, len(keep))
		for _, sp := range clamped {
			builders = append(builders, tx.IdlePeriod.Create().SetOrganizationID(org).SetUserID(user).
				SetClientRecordID(sp.ClientRecordID).SetDeviceID(sp.DeviceID).
				SetStartedAt(sp.StartedAt).SetEndedAt(sp.EndedAt).SetDurationSeconds(seconds(sp.StartedAt, sp.EndedAt)))
		}
		return chunked(builders, func(part []*ent.IdlePeriodCreate) error {
			return tx.IdlePeriod.CreateBulk(part...).Exec(ctx)
		})
	}, func(ctx context.Context, tx *ent.Tx, user uuid.UUID, ids []string) ([]string, error) {
		return tx.IdlePeriod.Query().Where(idleperiod.UserID(user), idleperiod.ClientRecordIDIn(ids...)).
			Select(idleperiod.FieldClientRecordID).Strings(ctx)
	})
}

// insertFunc inserts the kept records (indexes into the batch, with their
// clamped spans); existingFunc lists which of ids the user already sent;
// checkFunc (optional) rejects record i with a reason (text no human
// types, which the textguard hook would refuse for the whole batch).
type (
	insertFunc   func(ctx context.Context, tx *ent.Tx, user uuid.UUID, keep []int, clamped []Span) error
	existingFunc func(ctx context.Context, tx *ent.Tx, user uuid.UUID, ids []string) ([]string, error)
	checkFunc    func(i int) string
)

// ingest is the batch procedure shared by both record kinds: check the
// caller may write in org, validate each record on its own (a bad record
// is reported, the others are stored), drop ids already sent (also twice
// in the same batch) and insert the rest in one transaction.
//
// Idempotency: the span tables are partitioned by id on PostgreSQL, which
// cannot enforce a unique (user_id, client_record_id) index, so the
// transaction first takes an advisory lock on the user and table (one
// user's tracker sends one batch at a time; a retry racing its original
// waits for it) and only then reads which ids were sent. SQLite's single
// connection never interleaves transactions.
//
// Clock skew: a tracker's clock may run ahead of the server's. A record
// ending up to clock_skew_tolerance in the future is clamped to the
// server's now (so is its start); one starting or ending later than that
// is rejected, as is one ending before it starts.
func (s *Service) ingest(ctx context.Context, org uuid.UUID, table string, spans []Span, check checkFunc, insert insertFunc, existing existingFunc) (IngestResult, error) {
	res := IngestResult{Received: len(spans), Errors: []RecordError{}}
	if len(spans) > MaxBatch {
		return res, problem.Validation(fmt.Sprintf("a batch holds at most %d records", MaxBatch),
			problem.FieldError{Field: "records", Message: fmt.Sprintf("%d records, at most %d", len(spans), MaxBatch)})
	}
	v := viewer.FromContext(ctx)
	if !v.Can(org, "work_log", viewer.ActionCreate) || v.UserID == uuid.Nil {
		return res, problem.Forbidden("you may not record work tracking data in this organization")
	}
	err := database.WithTx(ctx, s.client, func(tx *ent.Tx) error {
		if err := s.lockIngestion(ctx, tx, table, v.UserID); err != nil {
			return err
		}
		// Why a system context: idempotency is per user whatever the
		// organization, and only the caller's own ids are looked up.
		sent, err := existing(viewer.NewSystemContext(ctx, "worktracking: idempotent ingestion"), tx, v.UserID, clientIDs(spans))
		if err != nil {
			return err
		}
		keep, clamped := s.sortOut(spans, sent, check, &res)
		if len(keep) == 0 {
			return nil
		}
		if err := insert(ctx, tx, v.UserID, keep, clamped); err != nil {
			return err
		}
		res.Inserted = len(keep)
		return nil
	})
	if err != nil {
		return IngestResult{Received: len(spans), Errors: []RecordError{}}, err
	}
	return res, nil
}

// sortOut validates and clamps each record and returns those to insert;
// rejected records and duplicates (sent before, or earlier in spans) are
// counted in res.
func (s *Service) sortOut(spans []Span, sent []string, check checkFunc, res *IngestResult) (keep []int, clamped []Span) {
	seen := make(map[string]bool, len(sent)+len(spans))
	for _, id := range sent {
		seen[id] = true
	}
	now := s.now()
	for i, sp := range spans {
		c, msg := s.clamp(sp, now)
		if msg == "" && check != nil {
			msg = check(i)
		}
		switch {
		case msg != "":
			res.Rejected++
			res.Errors = append(res.Errors, RecordError{Index: i, ClientRecordID: sp.ClientRecordID, Message: msg})
		case seen[sp.ClientRecordID]:
			res.Duplicates++
		default:
			seen[sp.ClientRecordID] = true
			keep, clamped = append(keep, i), append(clamped, c)
		}
	}
	return keep, clamped
}

// lockIngestion serializes, until tx ends, the ingestion of user's records
// into table (PostgreSQL; see ingest).
func (s *Service) lockIngestion(ctx context.Context, tx *ent.Tx, table string, user uuid.UUID) error {
	if s.dialect != dialect.Postgres {
		return nil
	}
	if err := database.LockXact(ctx, tx, false, database.AdvisoryKey("worktracking", table, user.String())); err != nil {
		return fmt.Errorf("worktracking: lock %s ingestion: %w", table, err)
	}
	return nil
}

// clamp applies the clock-skew rule (see ingest) to one record, in UTC;
// a non-empty message rejects it.
func (s *Service) clamp(sp Span, now time.Time) (Span, string) {
	sp.StartedAt, sp.EndedAt = sp.StartedAt.UTC(), sp.EndedAt.UTC()
	limit := now.Add(s.cfg.ClockSkewTolerance)
	switch {
	case sp.EndedAt.Before(sp.StartedAt):
		return sp, "ended_at is before started_at"
	case sp.EndedAt.After(limit):
		return sp, fmt.Sprintf("ends more than %s in the future (check the device clock)", s.cfg.ClockSkewTolerance)
	}
	sp.StartedAt, sp.EndedAt = minTime(sp.StartedAt, now), minTime(sp.EndedAt, now)
	return sp, ""
}

func clientIDs(spans []Span) []string {
	ids := make([]string, len(spans))
	for i, sp := range spans {
		ids[i] = sp.ClientRecordID
	}
	return ids
}

// chunked calls fn on consecutive parts of at most insertChunk items.
func chunked[T any](items []T, fn func([]T) error) error {
	for len(items) > 0 {
		n := min(len(items), insertChunk)
		if err := fn(items[:n]); err != nil {
			return err
		}
		items = items[n:]
	}
	return nil
}

func categoryOr(c appusage.Category) appusage.Category {
	if c == "" {
		return appusage.CategoryUncategorized
	}
	return c
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
