package modelstest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// SMTPSink is a real SMTP server on 127.0.0.1 that keeps every message it
// receives: point SAMEN_SMTP_URL at URL.
type SMTPSink struct {
	URL string
	// Fail, while set, refuses every message (a temporary error, 451).
	mu    sync.Mutex
	msgs  []Mail
	fail  bool
	conns []*smtp.Conn // every connection made, open or closed
	addr  string
	srv   *smtp.Server // nil while refusing connections
}

// Mail is one received message, parsed.
type Mail struct {
	From    string
	To      []string
	Raw     []byte
	Header  mail.Header
	Subject string
	// ContentType is the top-level media type, as multipart/alternative.
	ContentType string
	// Text and HTML are the decoded parts of a multipart/alternative
	// message (Text alone for a plain one).
	Text, HTML string
}

// NewSMTPSink starts a sink, stopped when t ends.
func NewSMTPSink(t testing.TB) *SMTPSink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sink := &SMTPSink{URL: "smtp://" + ln.Addr().String(), addr: ln.Addr().String()}
	sink.serve(ln)
	t.Cleanup(func() { _ = sink.Refusing(true) })
	return sink
}

func (s *SMTPSink) serve(ln net.Listener) {
	srv := smtp.NewServer(&smtpBackend{sink: s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.srv = srv
	go func() { _ = srv.Serve(ln) }()
}

// Refusing stops the server (true), so that connections are refused as by
// a mail server that is down, or starts it again on the same address (false).
func (s *SMTPSink) Refusing(refuse bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case refuse && s.srv != nil:
		err := s.srv.Close()
		s.srv = nil
		return err
	case !refuse && s.srv == nil:
		ln, err := net.Listen("tcp", s.addr)
		if err != nil {
			return err
		}
		s.serve(ln)
	}
	return nil
}

// Failing makes the sink refuse (true) or accept (false) messages.
func (s *SMTPSink) Failing(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

// Messages returns the messages received so far.
func (s *SMTPSink) Messages() []Mail {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Mail(nil), s.msgs...)
}

// To returns the messages received so far for one address.
func (s *SMTPSink) To(addr string) []Mail {
	var out []Mail
	for _, m := range s.Messages() {
		for _, to := range m.To {
			if strings.EqualFold(to, addr) {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Wait waits (at most timeout) until the sink holds at least n messages for
// addr, and returns them.
func (s *SMTPSink) Wait(t testing.TB, addr string, n int, timeout time.Duration) []Mail {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := s.To(addr)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s received %d messages, want %d, within %s", addr, len(got), n, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type smtpBackend struct{ sink *SMTPSink }

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	b.sink.mu.Lock()
	defer b.sink.mu.Unlock()
	b.sink.conns = append(b.sink.conns, c)
	return &smtpSession{sink: b.sink}, nil
}

// Connections counts the connections clients made so far.
func (s *SMTPSink) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// Hangup closes every open connection from the server's side, as a server
// does with clients idle for too long.
func (s *SMTPSink) Hangup() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		_ = c.Close()
	}
}

type smtpSession struct {
	sink *SMTPSink
	from string
	to   []string
}

func (s *smtpSession) Reset()        { s.from, s.to = "", nil }
func (s *smtpSession) Logout() error { return nil }

func (s *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.sink.mu.Lock()
	defer s.sink.mu.Unlock()
	if s.sink.fail {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	m, err := ParseMail(raw)
	if err != nil {
		return err
	}
	m.From, m.To = s.from, append([]string(nil), s.to...)
	s.sink.msgs = append(s.sink.msgs, m)
	return nil
}

// ParseMail reads a raw message: its headers, decoded subject, and its text
// and HTML parts.
func ParseMail(raw []byte) (Mail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Mail{}, err
	}
	m := Mail{Raw: raw, Header: msg.Header}
	dec := &mime.WordDecoder{}
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return m, err
	}
	m.ContentType = mediaType
	if !strings.HasPrefix(mediaType, "multipart/") {
		body, err := io.ReadAll(msg.Body)
		m.Text = string(body)
		return m, err
	}
	parts := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := parts.NextPart()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return m, err
		}
		body, err := io.ReadAll(p) // quoted-printable is decoded by the reader
		if err != nil {
			return m, err
		}
		partType, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		switch partType {
		case "text/plain":
			m.Text = string(body)
		case "text/html":
			m.HTML = string(body)
		}
	}
}
