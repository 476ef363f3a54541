package models

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"samen/views"
)

// Email modes: how a member hears of one kind of notification by email.
const (
	MailInstant = "instant" // an email a little while after it happens (SAMEN_MAIL_DELAY)
	MailDigest  = "digest"  // in the daily or weekly digest
	MailOff     = "off"     // no email; the notification stays in the inbox
)

// MailModes lists the email modes, in the order forms offer them.
var MailModes = []string{MailInstant, MailDigest, MailOff}

// How often a digest comes.
const (
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// DigestPeriods lists how often a digest may come.
var DigestPeriods = []string{DigestDaily, DigestWeekly}

// Preferences are a member's choices about language, following and email.
type Preferences struct {
	// Language is the member's language ("en", "nl"): pages and emails.
	Language string
	// AutoSubscribe: proposing, voting on or commenting on an idea follows it.
	AutoSubscribe bool
	// Digest is how often the digest comes: DigestDaily or DigestWeekly.
	Digest string
	// Email is the mode of every notification kind, defaults filled in (see
	// DefaultMailMode).
	Email map[string]string
}

// PreferencesChange is a change to some of a member's preferences: nil
// leaves a field as it is, and Email changes only the kinds it names.
type PreferencesChange struct {
	Language      *string
	AutoSubscribe *bool
	Digest        *string
	Email         map[string]string
}

// DefaultMailMode is the email mode of a kind the member never chose a mode
// for: instant for replies and mentions, for a feedback round's invitation
// and reminder (they speak to the member and wait for an answer), and for
// status changes of ideas they proposed; the digest for everything else, status changes of ideas
// they only follow included. A mode the member sets for status_changed
// applies to every idea, their own and those they follow.
func DefaultMailMode(kind string, ownIdea bool) string {
	switch {
	case kind == NotifyReply, kind == NotifyMention, kind == NotifyRoundInvite, kind == NotifyRoundReminder,
		kind == NotifyStatusChanged && ownIdea:
		return MailInstant
	}
	return MailDigest
}

// recipient is a member as email needs them: where to send and how.
type recipient struct {
	ID            int64
	Name          string
	Email         *string
	EmailVerified bool
	Locale        string
	BannedAt      *time.Time
	AutoSubscribe bool
	EmailDigest   string
	EmailPrefs    string
}

// reachable reports whether email may go to the member: a verified address,
// not banned (a deleted member has no address).
func (r *recipient) reachable() bool {
	return r.Email != nil && *r.Email != "" && r.EmailVerified && r.BannedAt == nil
}

// chosen is the email modes the member set, by kind; what is not a known
// kind and mode is ignored.
func (r *recipient) chosen() map[string]string {
	out := map[string]string{}
	var raw map[string]string
	if err := json.Unmarshal([]byte(r.EmailPrefs), &raw); err != nil {
		return out
	}
	for kind, mode := range raw {
		if slices.Contains(NotificationKinds, kind) && slices.Contains(MailModes, mode) {
			out[kind] = mode
		}
	}
	return out
}

// mode is how the member hears of a notification of kind by email.
func (r *recipient) mode(kind string, ownIdea bool) string {
	if m, ok := r.chosen()[kind]; ok {
		return m
	}
	return DefaultMailMode(kind, ownIdea)
}

// language is the member's language, else the community's default.
func (r *recipient) language() string {
	if _, ok := views.LanguageNames[r.Locale]; ok {
		return r.Locale
	}
	return views.Languages[0].String()
}

func (r *recipient) preferences() *Preferences {
	p := &Preferences{Language: r.language(), AutoSubscribe: r.AutoSubscribe, Digest: r.EmailDigest, Email: map[string]string{}}
	if !slices.Contains(DigestPeriods, p.Digest) {
		p.Digest = DigestDaily
	}
	chosen := r.chosen()
	for _, kind := range NotificationKinds {
		if m, ok := chosen[kind]; ok {
			p.Email[kind] = m
		} else {
			// Shown as for the member's own ideas; see DefaultMailMode.
			p.Email[kind] = DefaultMailMode(kind, true)
		}
	}
	return p
}

const recipientColumns = "id, name, email, email_verified, locale, banned_at, auto_subscribe, email_digest, email_prefs"

// recipients loads members by id.
func recipients(db *gorm.DB, ids []int64) (map[int64]*recipient, error) {
	var rows []*recipient
	if err := db.Table("users").Select(recipientColumns).Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make(map[int64]*recipient, len(rows))
	for _, r := range rows {
		out[r.ID] = r
	}
	return out, nil
}

func loadRecipient(db *gorm.DB, id int64) (*recipient, error) {
	all, err := recipients(db, []int64{id})
	if err != nil {
		return nil, err
	}
	r, ok := all[id]
	if !ok {
		return nil, ErrNotFound
	}
	return r, nil
}

// Preferences returns a member's preferences, every kind's email mode
// included.
func (s *Store) Preferences(ctx context.Context, userID int64) (*Preferences, error) {
	r, err := loadRecipient(s.db.WithContext(ctx), userID)
	if err != nil {
		return nil, fmt.Errorf("load preferences of user %d: %w", userID, err)
	}
	return r.preferences(), nil
}

// Validate names each field of the change that is not one of its choices.
func (c *PreferencesChange) Validate() error {
	errs := ValidationErrors{}
	if c.Language != nil {
		if _, ok := views.LanguageNames[*c.Language]; !ok {
			errs["language"] = "must be one of en, nl"
		}
	}
	if c.Digest != nil && !slices.Contains(DigestPeriods, *c.Digest) {
		errs["digest"] = "must be daily or weekly"
	}
	for kind, mode := range c.Email {
		switch {
		case !slices.Contains(NotificationKinds, kind):
			errs["email."+kind] = "is not a kind of notification"
		case !slices.Contains(MailModes, mode):
			errs["email."+kind] = "must be instant, digest or off"
		}
	}
	return errs.orNil()
}

// UpdatePreferences changes some of a member's preferences and returns them all.
func (s *Store) UpdatePreferences(ctx context.Context, userID int64, c PreferencesChange) (*Preferences, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	var out *Preferences
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := loadRecipient(tx, userID)
		if err != nil {
			return err
		}
		changes := map[string]any{"updated_at": s.Now()}
		if c.Language != nil {
			changes["locale"], r.Locale = *c.Language, *c.Language
		}
		if c.AutoSubscribe != nil {
			changes["auto_subscribe"], r.AutoSubscribe = *c.AutoSubscribe, *c.AutoSubscribe
		}
		if c.Digest != nil {
			changes["email_digest"], r.EmailDigest = *c.Digest, *c.Digest
		}
		if len(c.Email) > 0 {
			chosen := r.chosen()
			for kind, mode := range c.Email {
				chosen[kind] = mode
			}
			raw, err := json.Marshal(chosen)
			if err != nil {
				return err
			}
			changes["email_prefs"], r.EmailPrefs = string(raw), string(raw)
		}
		if err := tx.Table("users").Where("id = ?", userID).Updates(changes).Error; err != nil {
			return err
		}
		out = r.preferences()
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update preferences of user %d: %w", userID, err)
	}
	return out, nil
}
