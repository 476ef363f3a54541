package models

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"time"

	"github.com/riverqueue/river"
	"github.com/wneessen/go-mail"
)

// Email is one message to one person: plain text, and HTML beside it when
// HTML is set.
type Email struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
	// Unsubscribe is the one-click unsubscribe link (RFC 8058) of a
	// notification email: it goes in the List-Unsubscribe headers.
	Unsubscribe string `json:"unsubscribe,omitempty"`
}

// Kind names the job that sends an Email.
func (Email) Kind() string { return "send_email" }

// mailer sends email over SMTP, or writes it to the log when no SMTP server
// is configured, so a newcomer can still sign in on a fresh machine.
type mailer struct {
	smtpURL string
	from    string
	log     *slog.Logger
}

func (m *mailer) send(ctx context.Context, e Email) error {
	if m.smtpURL == "" {
		attrs := []any{slog.String("to", e.To), slog.String("subject", e.Subject), slog.String("text", e.Text)}
		if e.Unsubscribe != "" {
			attrs = append(attrs, slog.String("unsubscribe", e.Unsubscribe))
		}
		m.log.Info("email (no SMTP configured, so it is written here)", attrs...)
		return nil
	}
	u, err := url.Parse(m.smtpURL)
	if err != nil {
		return fmt.Errorf("send email: SAMEN_SMTP_URL: %w", err)
	}
	opts := []mail.Option{mail.WithTimeout(20 * time.Second)}
	if u.Scheme == "smtps" {
		opts = append(opts, mail.WithSSLPort(false))
	} else {
		opts = append(opts, mail.WithTLSPortPolicy(mail.TLSOpportunistic))
	}
	if port, err := strconv.Atoi(u.Port()); err == nil {
		opts = append(opts, mail.WithPort(port))
	}
	if u.User != nil {
		password, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(u.User.Username()), mail.WithPassword(password))
	}
	client, err := mail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return fmt.Errorf("send email: %w", err)
	}
	msg := mail.NewMsg()
	if err := msg.From(m.from); err != nil {
		return fmt.Errorf("send email: from: %w", err)
	}
	if err := msg.To(e.To); err != nil {
		return fmt.Errorf("send email: to: %w", err)
	}
	msg.Subject(e.Subject)
	msg.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		msg.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	if e.Unsubscribe != "" {
		msg.SetGenHeader("List-Unsubscribe", "<"+e.Unsubscribe+">")
		msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("send email to %s: %w", e.To, err)
	}
	return nil
}

type emailWorker struct {
	river.WorkerDefaults[Email]
	mailer *mailer
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[Email]) error {
	return w.mailer.send(ctx, job.Args)
}
