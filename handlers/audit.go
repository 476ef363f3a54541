package handlers

import (
	"context"
	"fmt"
	"html/template"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"samen/models"
	"samen/views"
)

// statusNames are the statuses' names by slug in the reader's language, for
// the logs' sentences ("Tess moved this idea to Planned").
type statusNames map[string]string

func (d *Deps) statusNames(ctx context.Context, lang string) (statusNames, error) {
	list, err := d.Store.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	names := make(statusNames, len(list))
	for _, st := range list {
		names[st.Slug] = st.NameIn(lang)
	}
	return names, nil
}

// of is a status's name, or its slug once the status is gone.
func (n statusNames) of(slug string) string {
	if name, ok := n[slug]; ok {
		return name
	}
	return slug
}

// auditSentence is an audit entry in words, its actor's name linked to the
// log of what they did.
func auditSentence(l *i18n.Localizer, names statusNames, e models.AuditEntry) template.HTML {
	actor, href, status := "", "", ""
	if e.Actor != nil {
		actor, href = e.Actor.Name, fmt.Sprintf("/mod/audit?actor=%d", e.Actor.ID)
	}
	if e.Action == models.AuditIdeaStatus {
		status = names.of(e.Reason) // the status's slug
	}
	return views.AuditSentence(l, e.Action, actor, href, status)
}

// Sentence is an entry of the audit log in words.
func (p auditPage) Sentence(e models.AuditEntry) template.HTML {
	return auditSentence(p.L, p.statuses, e)
}

// Sentence is an entry of the member's history in words.
func (p memberHistoryPage) Sentence(e models.AuditEntry) template.HTML {
	return auditSentence(p.L, p.statuses, e)
}

// ActionName is an action in words, for the filter's choices.
func (p auditPage) ActionName(action string) string { return views.AuditAction(p.L, action) }
