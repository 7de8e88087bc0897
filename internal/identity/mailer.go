package identity

import (
	"context"
	"fmt"
	"time"

	"github.com/worksynapse/worksynapse/ent"
	"github.com/worksynapse/worksynapse/internal/mail"
)

// sendTimeout bounds a mail sent after the request has answered.
const sendTimeout = time.Minute

// send delivers m and reports failure to the caller.
func (s *Service) send(ctx context.Context, m mail.Message) error {
	if err := s.mailer.Send(ctx, m); err != nil {
		return fmt.Errorf("identity: send %q: %w", m.Subject, err)
	}
	return nil
}

// sendLater delivers m in the background and only logs a failure. It is
// for answers that must not depend on mail: an SMTP round trip would make
// "account exists" measurably slower than "no such account". The request
// context's values (request id) are kept, its cancellation is not.
func (s *Service) sendLater(ctx context.Context, m mail.Message) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), sendTimeout)
	go func() {
		defer cancel()
		if err := s.send(ctx, m); err != nil {
			s.log.ErrorContext(ctx, "mail not sent", "subject", m.Subject, "error", err)
		}
	}()
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
