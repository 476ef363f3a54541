package models

import (
	"time"
)

// Notification kinds: what a member may hear of.
const (
	NotifyStatusChanged = "status_changed" // an idea I follow changed status, with the team's answer
	NotifyTeamAnswer    = "team_answer"    // the team answered an idea I follow
	NotifyReply         = "reply"          // someone replied to my comment
	NotifyMention       = "mention"        // someone mentioned me
	NotifyMerged        = "merged"         // an idea I follow was merged (subscribers of both hear)
	NotifyChangelog     = "changelog"      // a changelog entry shipped an idea I follow
	NotifyReportOutcome = "report_outcome" // a moderator decided on my report
	NotifyContentHidden = "content_hidden" // a moderator hid what I wrote, with the reason
	NotifyNewIdea       = "new_idea"       // a new idea in a category I follow
	NotifyCampaignPhase = "campaign_phase" // a campaign I follow entered a phase
	NotifyRoundInvite   = "round_invite"   // the team asks me, a voter, for feedback in a round
	NotifyRoundReminder = "round_reminder" // a round I have not answered closes in a day
	NotifyRoundClosed   = "round_closed"   // a round I was asked in closed: its summary is there
)

// NotificationKinds lists every kind, in the order preference forms show them.
var NotificationKinds = []string{NotifyStatusChanged, NotifyTeamAnswer, NotifyReply, NotifyMention,
	NotifyMerged, NotifyChangelog, NotifyNewIdea, NotifyCampaignPhase, NotifyRoundInvite, NotifyRoundReminder, NotifyRoundClosed,
	NotifyReportOutcome, NotifyContentHidden}

// Event is something that happened which members may hear of. It is written
// in the same transaction as the change that causes it; a job fans it out
// into notifications. With a RecipientID it goes to that member alone,
// without one to the idea's subscribers (or, for a new idea, the category's).
type Event struct {
	ID          int64
	Kind        string
	IdeaID      *int64
	OtherIdeaID *int64 // a merge: the idea merged into
	CommentID   *int64
	EntryID     *int64
	CampaignID  *int64 // a campaign's phase: its followers hear
	ActorID     *int64
	RecipientID *int64
	// Detail is what the kind needs besides: the new status's slug, a
	// report's outcome, a moderator's reason, a feedback round's id.
	Detail      string
	CreatedAt   time.Time
	FannedOutAt *time.Time
}

// Notification is one member's copy of an event.
type Notification struct {
	ID         int64
	UserID     int64
	EventID    int64
	Kind       string
	IdeaID     *int64
	CommentID  *int64
	EntryID    *int64
	CampaignID *int64
	ActorID    *int64
	Detail     string
	ReadAt     *time.Time
	// EmailedAt is set once an email carried the notification, or once the
	// member's preferences mean none will.
	EmailedAt *time.Time
	CreatedAt time.Time

	Idea  *Idea `gorm:"foreignKey:IdeaID"`
	Actor *User `gorm:"foreignKey:ActorID"`
}

// Subscription is a member following an idea; Following false remembers an
// unfollow, so that taking part again does not follow the idea anew.
type Subscription struct {
	IdeaID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	Following bool
	CreatedAt time.Time
}

// CategorySubscription is a member following a category's new ideas.
type CategorySubscription struct {
	CategoryID int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID     int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt  time.Time
}
