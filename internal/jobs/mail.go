package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/auth/secretbox"
	"github.com/worksynapse/worksynapse/internal/mail"
)

// mailKind is the River kind of queued mail.
const mailKind = "mail.send"

// mailAttempts retries an unreachable relay with River's backoff (attempt^4
// seconds) for about three days before giving up.
const mailAttempts = 20

// mailArgs hold one message sealed with the secret key: messages carry
// single-use tokens, which must not sit readable in river_job.
type mailArgs struct {
	Sealed []byte `json:"sealed"`
}

// Kind implements river.JobArgs.
func (mailArgs) Kind() string { return mailKind }

// MailQueue enqueues mail in the caller's transaction: the message is sent
// only if the change that asked for it commits, and retried until the
// relay takes it.
type MailQueue struct {
	runner *Runner
	box    *secretbox.Box
}

// NewMailQueue queues mail through r, sealed with box.
func NewMailQueue(r *Runner, box *secretbox.Box) *MailQueue {
	return &MailQueue{runner: r, box: box}
}

// Enqueue queues m in tx.
func (q *MailQueue) Enqueue(ctx context.Context, tx *ent.Tx, m mail.Message) error {
	plain, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("jobs: encode mail: %w", err)
	}
	sealed, err := q.box.Seal(plain)
	if err != nil {
		return fmt.Errorf("jobs: seal mail: %w", err)
	}
	return q.runner.EnqueueTx(ctx, tx, mailArgs{Sealed: sealed}, &river.InsertOpts{MaxAttempts: mailAttempts})
}

// MailDelivery is the working side of the queue: it opens queued messages
// and hands them to the Mailer (SMTP, or the development outbox).
type MailDelivery struct {
	Mailer mail.Mailer
	Box    *secretbox.Box
}

func (d *MailDelivery) worker() river.Worker[mailArgs] {
	return river.WorkFunc(func(ctx context.Context, job *river.Job[mailArgs]) error {
		plain, err := d.Box.Open(job.Args.Sealed)
		if err != nil {
			// Sealed under another secret key (a development key that
			// changed with a restart): no retry can open it.
			return river.JobCancel(fmt.Errorf("open queued mail: %w", err))
		}
		var m mail.Message
		if err := json.Unmarshal(plain, &m); err != nil {
			return river.JobCancel(fmt.Errorf("decode queued mail: %w", err))
		}
		if err := d.Mailer.Send(ctx, m); err != nil {
			if errors.Is(err, mail.ErrInvalidMessage) {
				return river.JobCancel(err)
			}
			return err // relay down or refusing: retried with backoff
		}
		return nil
	})
}
