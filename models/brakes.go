package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// LimitError says a member hit one of the spam brakes: nothing was stored,
// and trying again after RetryAfter will work.
type LimitError struct {
	What       string // ideas, comments, votes or reports
	Limit      int
	RetryAfter time.Duration
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("too many %s: at most %d an hour", e.What, e.Limit)
}

// A brake is a per-member hourly limit: what it counts and where.
type brakeKind struct {
	what, table, userColumn string
	limit                   func(Settings) int
}

var (
	brakeIdeas    = brakeKind{"ideas", "ideas", "author_id", func(s Settings) int { return s.IdeasPerHour }}
	brakeComments = brakeKind{"comments", "comments", "user_id", func(s Settings) int { return s.CommentsPerHour }}
	brakeVotes    = brakeKind{"votes", "votes", "user_id", func(s Settings) int { return s.VotesPerHour }}
	brakeReports  = brakeKind{"reports", "reports", "reporter_id", func(s Settings) int { return s.ReportsPerHour }}
)

// hourly is a brake's limit for u: the setting, stretched by u's trust level.
func (b brakeKind) hourly(settings Settings, u *User) int {
	return b.limit(settings) * settings.brakePercent(u.TrustLevel) / 100
}

// brake refuses another post, vote or report from a member who has made
// the hourly maximum for their trust level already. Moderators and up are
// not limited.
func (s *Store) brake(ctx context.Context, u *User, b brakeKind) error {
	if u.Staff(s.Now()) {
		return nil
	}
	settings, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	return s.brakeAt(ctx, u.ID, b, b.hourly(settings, u))
}

// brakeAt is brake with the member's limit known.
func (s *Store) brakeAt(ctx context.Context, userID int64, b brakeKind, limit int) error {
	since := s.Now().Add(-time.Hour)
	q := s.db.WithContext(ctx).Table(b.table).Where(b.userColumn+" = ? AND created_at > ?", userID, since)
	var n int64
	if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
		return fmt.Errorf("count %s of user %d: %w", b.what, userID, err)
	}
	if n < int64(limit) {
		return nil
	}
	// Another is allowed once the oldest of the last limit entries is an hour old.
	var oldest []time.Time
	if err := q.Order("created_at DESC").Offset(limit-1).Limit(1).Pluck("created_at", &oldest).Error; err != nil {
		return fmt.Errorf("count %s of user %d: %w", b.what, userID, err)
	}
	retry := time.Minute
	if len(oldest) == 1 {
		retry = max(oldest[0].Add(time.Hour).Sub(s.Now()), time.Second)
	}
	return &LimitError{What: b.what, Limit: limit, RetryAfter: retry}
}

// screen applies the brakes to what a member writes, in the one place new
// posts and edits both go through: fewer links for members at trust level 0,
// no repeat of a text just posted, the hourly limit (on new posts), and
// pre-moderation. own is the post being edited, 0 for a new one; html is the
// rendered text, where links are counted. It gives the state the text takes:
// pending while its writer is pre-moderated, else published. A writer who
// reaches a level by what they post is promoted by the caller once it is stored. Moderators and
// up are not braked.
func (s *Store) screen(ctx context.Context, u *User, b brakeKind, own int64, body string, html string) (string, error) {
	if u.Staff(s.Now()) {
		return StatePublished, nil
	}
	settings, err := s.Settings(ctx)
	if err != nil {
		return "", err
	}
	// Mentions link to members' profiles here, not elsewhere: they are not counted.
	if links := strings.Count(html, "<a ") - strings.Count(html, `class="mention"`); u.TrustLevel < TrustBasic && links > settings.NewMemberLinks {
		return "", ValidationErrors{"body": fmt.Sprintf("may hold at most %d links until your first posts are approved or you are trusted", settings.NewMemberLinks)}
	}
	if settings.DuplicateMinutes > 0 && body != "" {
		var n int64
		err := s.db.WithContext(ctx).Table(b.table).
			Where(b.userColumn+" = ? AND body = ? AND created_at > ? AND state <> ? AND id <> ?", u.ID, body, s.Now().Add(-time.Duration(settings.DuplicateMinutes)*time.Minute), StateDeleted, own).
			Count(&n).Error
		if err != nil {
			return "", fmt.Errorf("look for repeated %s of user %d: %w", b.what, u.ID, err)
		}
		if n > 0 {
			return "", ValidationErrors{"body": fmt.Sprintf("is the same as what you posted a moment ago; wait %d minutes or change it", settings.DuplicateMinutes)}
		}
	}
	if own == 0 {
		if err := s.brake(ctx, u, b); err != nil {
			return "", err
		}
	}
	if pending, err := s.premoderated(ctx, u); err != nil || pending {
		return StatePending, err
	}
	return StatePublished, nil
}

// premoderated reports whether a new or edited post of u waits for a
// moderator's approval: while the community pre-moderates the first N posts,
// those of members below the trust level that skips it do until N of their
// posts are published. Posts awaiting review, rejected or hidden ones do not count, so
// every one of the first N is seen by a moderator.
func (s *Store) premoderated(ctx context.Context, u *User) (bool, error) {
	if u.Staff(s.Now()) {
		return false, nil
	}
	settings, err := s.Settings(ctx)
	if err != nil || settings.PremoderateFirst == 0 || u.TrustLevel >= settings.TrustSkipPremoderation {
		return false, err
	}
	var posts int64
	err = s.db.WithContext(ctx).Raw(`SELECT (SELECT COUNT(*) FROM ideas WHERE author_id = ? AND state = ?)
		+ (SELECT COUNT(*) FROM comments WHERE user_id = ? AND state = ?)`, u.ID, StatePublished, u.ID, StatePublished).Scan(&posts).Error
	if err != nil {
		return false, fmt.Errorf("count posts of user %d: %w", u.ID, err)
	}
	return posts < int64(settings.PremoderateFirst), nil
}

// approve publishes a pending item's side effects (a comment now counts on
// its idea) and credits its author; the caller promotes the author once the
// item is published (see promote).
func (s *Store) approve(tx *gorm.DB, item *QueueItem, now time.Time) error {
	author := item.Author()
	err := tx.Model(&User{}).Where("id = ?", author.ID).Update("approvals", gorm.Expr("approvals + 1")).Error
	if err != nil {
		return err
	}
	// Approved content is news from now on: its webhook event goes out with the approval.
	if item.Comment != nil {
		err := tx.Model(&Idea{}).Where("id = ?", item.Idea.ID).
			Updates(map[string]any{"comments": gorm.Expr("comments + 1"), "last_activity_at": now}).Error
		if err == nil && !item.Comment.Internal {
			err = s.publish(tx, WebhookEvent{Type: EventCommentCreated, IdeaID: item.Idea.ID, CommentID: item.Comment.ID})
		}
		return err
	}
	if err := tx.Model(&Idea{}).Where("id = ?", item.Idea.ID).Update("last_activity_at", now).Error; err != nil {
		return err
	}
	return s.publish(tx, WebhookEvent{Type: EventIdeaCreated, IdeaID: item.Idea.ID})
}
