package identity

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/mail"
)

// MailQueue takes account mail inside the transaction of the change that
// sends it, so a message goes out exactly when its token was committed,
// and is retried until the relay accepts it (internal/jobs.MailQueue).
type MailQueue interface {
	Enqueue(ctx context.Context, tx *ent.Tx, m mail.Message) error
}

// afterCommit is the MailQueue of a Service built without a job system
// (tests, benchmarks): it hands the message to a Mailer once the
// transaction has committed, without retries.
type afterCommit struct {
	mailer mail.Mailer
	log    *slog.Logger
}

func (a afterCommit) Enqueue(ctx context.Context, tx *ent.Tx, m mail.Message) error {
	ctx = context.WithoutCancel(ctx)
	tx.OnCommit(func(next ent.Committer) ent.Committer {
		return ent.CommitFunc(func(cctx context.Context, tx *ent.Tx) error {
			if err := next.Commit(cctx, tx); err != nil {
				return err
			}
			// The change is committed: a failed send is only logged.
			if err := a.mailer.Send(ctx, m); err != nil {
				a.log.ErrorContext(ctx, "mail not sent", "subject", m.Subject, "error", err)
			}
			return nil
		})
	})
	return nil
}

func verificationMail(u *ent.User, token string) mail.Message {
	return mail.Message{To: u.Email, Subject: "Verify your WorkSynapse email address", Text: fmt.Sprintf(
		"Hello %s,\n\nplease confirm that %s is your email address by entering this code in WorkSynapse. "+
			"It works once and expires in %s.\n\n    %s\n\n"+
			"If you did not create a WorkSynapse account, ignore this message.\n",
		u.Username, u.Email, humanTTL(verificationToken.ttl), token)}
}

func resetMail(u *ent.User, token string) mail.Message {
	return mail.Message{To: u.Email, Subject: "Reset your WorkSynapse password", Text: fmt.Sprintf(
		"Hello %s,\n\nsomeone, hopefully you, asked to reset the password of your WorkSynapse account. "+
			"Use this code to choose a new password. It works once and expires in %s.\n\n    %s\n\n"+
			"If you did not ask for this, ignore this message: your password stays unchanged.\n",
		u.Username, humanTTL(resetToken.ttl), token)}
}

func humanTTL(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", int(d.Hours()))
	}
	return d.String()
}
