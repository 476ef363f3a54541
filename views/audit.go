package views

import (
	"html"
	"html/template"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// AuditSentence is an audit log entry as a sentence in the reader's
// language: "Tess moved this idea to Planned", "Mo hid a comment". actor is
// who did it ("" for Samen itself) and href, when set, links their name;
// status is the name of the status an idea moved to. An action without a
// sentence of its own reads "Tess: action".
func AuditSentence(l *i18n.Localizer, action, actor, href, status string) template.HTML {
	const mark = "\x00actor\x00" // stands for the name until the sentence is escaped
	id := "audit.did." + action
	s := T(l, id, "Actor", mark, "Status", status)
	if s == id {
		s = T(l, "audit.did.other", "Actor", mark, "Action", action)
	}
	name := html.EscapeString(actor)
	switch {
	case actor == "":
		name = html.EscapeString(T(l, "mod.audit.system"))
	case href != "":
		name = `<a href="` + html.EscapeString(href) + `">` + name + `</a>`
	}
	return template.HTML(strings.Replace(html.EscapeString(s), mark, name, 1))
}

// AuditAction names an action in words, for the log's filter: "Someone hid
// this idea", "Someone moved this idea to another status".
func AuditAction(l *i18n.Localizer, action string) string {
	id := "audit.did." + action
	s := T(l, id, "Actor", T(l, "audit.someone"), "Status", T(l, "audit.some_status"))
	if s == id {
		return action
	}
	return s
}
