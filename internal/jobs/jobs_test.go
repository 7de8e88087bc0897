package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/auth/secretbox"
	"github.com/worksynapse/worksynapse/internal/config"
	"github.com/worksynapse/worksynapse/internal/database"
	"github.com/worksynapse/worksynapse/internal/jobs"
	"github.com/worksynapse/worksynapse/internal/mail"
	"github.com/worksynapse/worksynapse/internal/mail/mailtest"
	"github.com/worksynapse/worksynapse/internal/testdb"
	"github.com/worksynapse/worksynapse/internal/testfix"
)

func TestMain(m *testing.M) { testdb.Main(m) }

const testKey = "0123456789abcdef0123456789abcdef-jobs-test"

var quiet = slog.New(slog.DiscardHandler)

// runner starts a working Runner on db until the test ends.
func runner(t *testing.T, db *database.DB, o jobs.Options) *jobs.Runner {
	t.Helper()
	o.DB, o.Log, o.Work = db, quiet, true
	o.Workers, o.PollInterval = 4, 20*time.Millisecond
	o.RetryPolicy = fastRetry{}
	r, err := jobs.New(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := r.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	return r
}

// TestPeriodicJobRunsOnceAcrossCompetingClients starts two working
// clients on one database, as two replicas would be: River elects one
// leader, so each period's run happens once, not once per client.
func TestPeriodicJobRunsOnceAcrossCompetingClients(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		const every = jobs.MinEvery
		var (
			mu   sync.Mutex
			runs []time.Time
		)
		task := jobs.Task{Kind: "test.tick", Every: every, Run: func(context.Context, jobs.Params) error {
			mu.Lock()
			defer mu.Unlock()
			runs = append(runs, time.Now())
			return nil
		}}
		for range 2 {
			runner(t, db, jobs.Options{Tasks: []jobs.Task{task}, Periodic: true})
		}
		// River starts the leader's periodic enqueuer a second or two
		// after the election, later on a busy machine, so the test waits
		// for four runs rather than a fixed time; two clients both
		// scheduling would leave runs close together.
		const want, deadline = 4, 60 * time.Second
		start := time.Now()
		for {
			mu.Lock()
			n := len(runs)
			mu.Unlock()
			if n >= want {
				break
			}
			if time.Since(start) > deadline {
				t.Fatalf("%d runs in %s with a period of %s", n, deadline, every)
			}
			time.Sleep(every / 10)
		}
		mu.Lock()
		defer mu.Unlock()
		for i := 1; i < len(runs); i++ {
			if gap := runs[i].Sub(runs[i-1]); gap < every/2 {
				t.Errorf("runs %d and %d only %s apart: both clients scheduled the period", i-1, i, gap)
			}
		}
	})
}

// TestJobInRolledBackTransactionNeverRuns enqueues one job in a
// transaction that rolls back and one in a transaction that commits.
func TestJobInRolledBackTransactionNeverRuns(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		box, err := secretbox.New(testKey, secretbox.PurposeMail)
		if err != nil {
			t.Fatal(err)
		}
		outbox := mail.NewOutbox(nil)
		r := runner(t, db, jobs.Options{Mail: &jobs.MailDelivery{Mailer: outbox, Box: box}})
		q := jobs.NewMailQueue(r, box)
		ctx := testfix.System()
		failed := errors.New("the change fails")
		err = database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			if err := q.Enqueue(ctx, tx, mail.Message{To: "rolled@example.com", Subject: "never", Text: "x"}); err != nil {
				return err
			}
			return failed
		})
		if !errors.Is(err, failed) {
			t.Fatalf("WithTx: %v", err)
		}
		err = database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			return q.Enqueue(ctx, tx, mail.Message{To: "kept@example.com", Subject: "sent", Text: "x"})
		})
		if err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, func() bool { _, ok := outbox.Last("kept@example.com"); return ok })
		time.Sleep(200 * time.Millisecond) // ten more polls: the rolled-back job would have run by now
		if _, ok := outbox.Last("rolled@example.com"); ok {
			t.Error("mail of a rolled-back transaction was sent")
		}
		page, err := r.List(ctx, jobs.ListParams{Limit: 10})
		if err != nil || len(page.Jobs) != 1 {
			t.Fatalf("want exactly the committed job: %v %+v", err, page.Jobs)
		}
		// River records completions in batches, shortly after the work.
		if job, err := r.Wait(ctx, page.Jobs[0].ID); err != nil || job.State != rivertype.JobStateCompleted {
			t.Errorf("the committed job: %v %+v", err, job)
		}
	})
}

// TestMailSurvivesAnSMTPOutage queues a message while the relay is down:
// the first attempt fails, River retries with backoff, and once the relay
// is back the message is delivered exactly once.
func TestMailSurvivesAnSMTPOutage(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		addr := freeAddr(t)
		smtp, err := mail.NewSMTP(config.MailConfig{SMTPAddr: addr, From: "WorkSynapse <no-reply@example.com>"}, quiet)
		if err != nil {
			t.Fatal(err)
		}
		box, _ := secretbox.New(testKey, secretbox.PurposeMail)
		r := runner(t, db, jobs.Options{Mail: &jobs.MailDelivery{Mailer: smtp, Box: box}})
		ctx := testfix.System()
		err = database.WithTx(ctx, db.Ent, func(tx *ent.Tx) error {
			return jobs.NewMailQueue(r, box).Enqueue(ctx, tx, mail.Message{To: "ada@example.com", Subject: "Verify", Text: "code wsv_x"})
		})
		if err != nil {
			t.Fatal(err)
		}
		var job *rivertype.JobRow
		waitFor(t, 10*time.Second, func() bool {
			page, err := r.List(ctx, jobs.ListParams{Limit: 1})
			if err != nil || len(page.Jobs) == 0 {
				return false
			}
			job = page.Jobs[0]
			return len(job.Errors) > 0
		})
		for _, e := range job.Errors {
			if !strings.Contains(e.Error, "connection refused") {
				t.Errorf("attempts while the relay is down should fail to connect: %+v", e)
			}
		}
		relay := mailtest.StartAt(t, addr, &mailtest.Server{})
		waitFor(t, 20*time.Second, func() bool { return len(relay.Messages()) > 0 })
		time.Sleep(300 * time.Millisecond)
		got := relay.Messages()
		if len(got) != 1 || got[0].Rcpt != "ada@example.com" || !strings.Contains(got[0].Data, "wsv_x") {
			t.Fatalf("want the message delivered once after the outage, got %d: %+v", len(got), got)
		}
		done, err := r.Wait(ctx, job.ID)
		if err != nil || done.State != rivertype.JobStateCompleted || done.Attempt != len(done.Errors)+1 {
			t.Errorf("job after delivery: %v %+v", err, done)
		}
	})
}

func TestRunTaskChecksKindAndParameters(t *testing.T) {
	testdb.ForEachDialect(t, func(t *testing.T, db *database.DB) {
		var got atomic.Value
		r := runner(t, db, jobs.Options{Tasks: []jobs.Task{{
			Kind: "test.echo", Params: map[string]string{"day": "a date"},
			Run: func(_ context.Context, p jobs.Params) error {
				day, err := p.Time("day", time.Time{})
				got.Store(day)
				return err
			},
		}}})
		ctx := context.Background()
		if _, err := r.RunTask(ctx, "test.nope", nil); !errors.Is(err, jobs.ErrUnknownKind) {
			t.Errorf("unknown kind: %v", err)
		}
		if _, err := r.RunTask(ctx, "test.echo", jobs.Params{"dya": "2026-11-20"}); err == nil || !strings.Contains(err.Error(), "dya") {
			t.Errorf("a misspelt parameter must be refused: %v", err)
		}
		id, err := r.RunTask(ctx, "test.echo", jobs.Params{"day": "2026-11-20"})
		if err != nil {
			t.Fatal(err)
		}
		job, err := r.Wait(ctx, id)
		if err != nil || job.State != rivertype.JobStateCompleted {
			t.Fatalf("job: %v %+v", err, job)
		}
		if day, _ := got.Load().(time.Time); !day.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("the task got day %v", day)
		}
		id, _ = r.RunTask(ctx, "test.echo", jobs.Params{"day": "yesterday"})
		if job, err = r.Wait(ctx, id); err != nil || job.State != rivertype.JobStateCancelled || len(job.Errors) != 1 {
			t.Errorf("a run with an unusable parameter must be cancelled, not retried: %v %+v", err, job)
		}
		f, err := r.RecentFailures(ctx, time.Hour)
		if err != nil || f.Count != 1 || f.LatestID != id || f.LatestKind != "test.echo" {
			t.Errorf("recent failures: %v %+v", err, f)
		}
		if _, err := r.Retry(ctx, 1<<40); !errors.Is(err, jobs.ErrNotFound) {
			t.Errorf("retry of a missing job: %v", err)
		}
	})
}

// fastRetry retries a failed job after 300 ms instead of attempt^4 seconds.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time {
	return time.Now().Add(300 * time.Millisecond)
}

// freeAddr returns a loopback address nobody listens on (yet).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
