package models

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
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
// is configured, so a newcomer can still sign in on a fresh machine. It
// keeps up to mailConns connections open between messages, so that a burst
// (a status change on an idea thousands follow) does not dial, greet and
// quit once per message.
type mailer struct {
	smtpURL string
	from    string
	log     *slog.Logger

	setup  sync.Once
	client *mail.Client // the server's settings; each connection is its own *smtp.Client
	err    error        // from setting the client up
	idle   chan idleConn
}

// mailConns is how many SMTP connections the mailer keeps open while idle:
// as many as the email queue has workers.
const mailConns = emailWorkers

// mailIdle is how long an open connection may wait for its next message.
// Servers keep an idle client for minutes (RFC 5321 asks for at least
// five); a connection the server closed anyway fails its NOOP and is
// replaced before the message goes.
const mailIdle = 30 * time.Second

type idleConn struct {
	conn  *smtp.Client
	since time.Time
}

func newMailer(smtpURL, from string, log *slog.Logger) *mailer {
	return &mailer{smtpURL: smtpURL, from: from, log: log, idle: make(chan idleConn, mailConns)}
}

// smtpClient parses SAMEN_SMTP_URL into the client's settings, once.
func (m *mailer) smtpClient() (*mail.Client, error) {
	m.setup.Do(func() {
		u, err := url.Parse(m.smtpURL)
		if err != nil {
			m.err = fmt.Errorf("send email: SAMEN_SMTP_URL: %w", err)
			return
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
		if m.client, err = mail.NewClient(u.Hostname(), opts...); err != nil {
			m.err = fmt.Errorf("send email: %w", err)
		}
	})
	return m.client, m.err
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
	client, err := m.smtpClient()
	if err != nil {
		return err
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
	// An idle connection first; one the server has closed meanwhile fails
	// the NOOP that precedes the message, before any of it went, and a new
	// connection takes the message. Whatever else fails closes the
	// connection and leaves the retry to the job: a message is sent again
	// only if the server took it and the answer was lost, as before.
	for {
		conn, reused, err := m.take(ctx, client)
		if err != nil {
			return fmt.Errorf("send email to %s: %w", e.To, err)
		}
		err = client.SendWithSMTPClient(conn, msg)
		if err == nil {
			m.put(client, conn)
			return nil
		}
		_ = client.CloseWithSMTPClient(conn)
		var sendErr *mail.SendError
		if reused && errors.As(err, &sendErr) && sendErr.Reason == mail.ErrConnCheck {
			continue
		}
		return fmt.Errorf("send email to %s: %w", e.To, err)
	}
}

// take returns an idle connection that has not waited too long, or a new
// one, and whether it was idle.
func (m *mailer) take(ctx context.Context, client *mail.Client) (*smtp.Client, bool, error) {
	for {
		select {
		case c := <-m.idle:
			if time.Since(c.since) < mailIdle {
				return c.conn, true, nil
			}
			_ = client.CloseWithSMTPClient(c.conn)
			continue
		default:
		}
		conn, err := client.DialToSMTPClientWithContext(ctx)
		return conn, false, err
	}
}

// put keeps a connection for the next message, or closes it when enough
// are kept.
func (m *mailer) put(client *mail.Client, conn *smtp.Client) {
	select {
	case m.idle <- idleConn{conn: conn, since: time.Now()}:
	default:
		_ = client.CloseWithSMTPClient(conn)
	}
}

// close says goodbye on the idle connections.
func (m *mailer) close() {
	for {
		select {
		case c := <-m.idle:
			_ = m.client.CloseWithSMTPClient(c.conn)
		default:
			return
		}
	}
}

type emailWorker struct {
	river.WorkerDefaults[Email]
	mailer *mailer
}

func (w *emailWorker) Work(ctx context.Context, job *river.Job[Email]) error {
	return w.mailer.send(ctx, job.Args)
}
