package views

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	texttemplate "text/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// emailFS holds the templates of notification emails: one text and one HTML
// file per message, outside FS so the page engine never loads them.
//
//go:embed email
var emailFS embed.FS

// Mail is what a notification email says: one idea's updates (an instant
// email) or every idea's since the last digest.
type Mail struct {
	L      *i18n.Localizer
	Brand  string
	Digest bool
	Groups []MailGroup
	// Count is how many updates the email carries, over all groups.
	Count int
	// PreferencesURL and UnsubscribeURL go in the footer; Unsubscribe names
	// what the unsubscribe link turns off, in the reader's language.
	PreferencesURL string
	UnsubscribeURL string
	Unsubscribe    string
}

// MailGroup is one idea's updates ("" Idea for those about no idea).
type MailGroup struct {
	Idea  string
	URL   string
	Items []MailItem
}

// MailItem is one notification: its line of text, the team's answer or the
// comment it speaks of as plain text (never an internal note), and a link.
type MailItem struct {
	Subject string // the subject this item gives an email that carries it alone
	Text    string
	Quote   string
	URL     string
	// At is when it happened, in the reader's language (see DateTime).
	At string
}

// MailTemplates render notification emails.
type MailTemplates struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// NewMailTemplates parses the email templates.
func NewMailTemplates() (*MailTemplates, error) {
	text, err := texttemplate.New("").Funcs(texttemplate.FuncMap{"t": T}).ParseFS(emailFS, "email/*.txt")
	if err != nil {
		return nil, fmt.Errorf("parse email templates: %w", err)
	}
	html, err := htmltemplate.New("").Funcs(htmltemplate.FuncMap{"t": T}).ParseFS(emailFS, "email/*.html")
	if err != nil {
		return nil, fmt.Errorf("parse email templates: %w", err)
	}
	return &MailTemplates{text: text, html: html}, nil
}

// Render returns the subject, the plain text and the HTML of a mail.
func (m *MailTemplates) Render(mail Mail) (subject, text, html string, err error) {
	subject = MailSubject(mail)
	var tb, hb bytes.Buffer
	if err := m.text.ExecuteTemplate(&tb, "notify.txt", mail); err != nil {
		return "", "", "", fmt.Errorf("render email text: %w", err)
	}
	if err := m.html.ExecuteTemplate(&hb, "notify.html", mail); err != nil {
		return "", "", "", fmt.Errorf("render email HTML: %w", err)
	}
	return subject, tb.String(), hb.String(), nil
}

// MailSubject is an email's subject: a digest says how many updates it
// carries; an instant email names its idea, and what happened when it
// carries one update.
func MailSubject(mail Mail) string {
	if mail.Digest {
		return T(mail.L, "email.subject.digest", "Brand", mail.Brand, "Count", mail.Count)
	}
	if len(mail.Groups) == 1 && len(mail.Groups[0].Items) == 1 && mail.Groups[0].Items[0].Subject != "" {
		return mail.Groups[0].Items[0].Subject
	}
	if len(mail.Groups) == 1 && mail.Groups[0].Idea != "" {
		return T(mail.L, "email.subject.updates", "Idea", mail.Groups[0].Idea, "Count", mail.Count)
	}
	return T(mail.L, "email.subject.other", "Brand", mail.Brand, "Count", mail.Count)
}

// MailItemSubject is the subject of an email that carries one notification
// of kind: the idea's title and what happened.
func MailItemSubject(l *i18n.Localizer, kind string, d NotificationData) string {
	return T(l, "email.subject."+kind, "Idea", d.Idea, "Status", d.Status, "Other", d.Other,
		"Entry", d.Entry, "Category", d.Category, "Campaign", d.Campaign, "Phase", d.Phase)
}
