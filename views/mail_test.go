package views_test

import (
	"strings"
	"testing"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/views"
)

// TestMailTemplatesSpeakEveryLanguage renders an instant email and a digest
// in each language: every message is found, and the HTML escapes titles.
func TestMailTemplatesSpeakEveryLanguage(t *testing.T) {
	bundle, err := views.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	templates, err := views.NewMailTemplates()
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range views.Languages {
		l := i18n.NewLocalizer(bundle, tag.String())
		d := views.NotificationData{Actor: "Tim", Idea: "Bells <b>& whistles</b>", Status: "Planned"}
		item := views.MailItem{Text: views.NotificationText(l, "status_changed", d),
			Subject: views.MailItemSubject(l, "status_changed", d), Quote: "Soon <3", URL: "https://x.example/ideas/1/bells"}
		for _, digest := range []bool{false, true} {
			mail := views.Mail{L: l, Brand: "Bikes", Digest: digest, Count: 1, PreferencesURL: "https://x.example/me",
				UnsubscribeURL: "https://x.example/unsubscribe/1.all.x", Unsubscribe: "all",
				Groups: []views.MailGroup{{Idea: d.Idea, URL: "https://x.example/ideas/1/bells", Items: []views.MailItem{item}}}}
			subject, text, html, err := templates.Render(mail)
			if err != nil {
				t.Fatal(err)
			}
			for _, part := range []string{subject, text, html} {
				if strings.Contains(part, "email.") || strings.Contains(part, "<no value>") {
					t.Errorf("%s: a message is missing in %q", tag, part)
				}
			}
			if !strings.Contains(text, "Bells <b>& whistles</b>") || !strings.Contains(text, "https://x.example/unsubscribe/1.all.x") {
				t.Errorf("%s text:\n%s", tag, text)
			}
			if strings.Contains(html, "<b>& whistles") || !strings.Contains(html, "Bells &lt;b&gt;&amp; whistles&lt;/b&gt;") || !strings.Contains(html, "Soon &lt;3") {
				t.Errorf("%s HTML does not escape:\n%s", tag, html)
			}
			if !digest && subject != item.Subject {
				t.Errorf("%s: one update's subject %q, want %q", tag, subject, item.Subject)
			}
		}
	}
}
