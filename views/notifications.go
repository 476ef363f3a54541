package views

import "github.com/nicksnyder/go-i18n/v2/i18n"

// NotificationData names what a notification's text speaks of, already in
// the reader's language where it is a word of Samen's (a status's name, a
// report's outcome).
type NotificationData struct {
	Actor    string // "" for someone the reader may not know of
	Idea     string
	Other    string // a merge: the idea merged into
	Status   string
	Entry    string
	Category string
	Reason   string
	Outcome  string // a report's outcome: dismissed, hidden, suspended or banned
	Campaign string // a campaign's title
	Phase    string // the phase a campaign entered, in words
}

// NotificationText is the one line a notification of kind says, in the
// inbox and in email.
func NotificationText(l *i18n.Localizer, kind string, d NotificationData) string {
	actor := d.Actor
	if actor == "" {
		actor = T(l, "notification.someone")
	}
	outcome := ""
	if d.Outcome != "" {
		outcome = T(l, "notification.outcome."+d.Outcome)
	}
	return T(l, "notification."+kind, "Actor", actor, "Idea", d.Idea, "Other", d.Other, "Status", d.Status,
		"Entry", d.Entry, "Category", d.Category, "Reason", d.Reason, "Outcome", outcome,
		"Campaign", d.Campaign, "Phase", d.Phase)
}
