package models

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Closing the loop. A change that members may hear of emits an Event in its
// own transaction, together with the job that fans the event out; so either
// both are stored or neither, and a restart loses nothing. The job writes
// one notification per member who hears of it, in batches (an idea with ten
// thousand followers does not hold up the request that changed it), and
// hands each batch to email in the batch's transaction.
//
// Who hears of what:
//   - an idea's subscribers: status_changed, team_answer, merged (both
//     ideas' subscribers), changelog;
//   - a category's subscribers: new_idea;
//   - a campaign's followers: campaign_phase;
//   - a feedback round's participants: round_invite, round_closed, and
//     round_reminder those who have not answered;
//   - one member: reply (the comment replied to), mention, report_outcome
//     (each reporter), content_hidden (the author).
//
// Nobody hears of their own action, banned members hear nothing, and a
// member hears only of what they may read when the job runs: an idea that
// is hidden or pending by then, or a comment that is, tells nobody but its
// author and staff; an internal note tells only the team.

// fanoutBatch is how many notifications one transaction of the fan-out writes.
const fanoutBatch = 500

// FanoutArgs is the job that turns an event into notifications.
type FanoutArgs struct {
	EventID int64 `json:"event_id"`
}

// Kind names the job in River's tables.
func (FanoutArgs) Kind() string { return "notify_fanout" }

type fanoutWorker struct {
	river.WorkerDefaults[FanoutArgs]
	store *Store
}

func (w *fanoutWorker) Work(ctx context.Context, job *river.Job[FanoutArgs]) error {
	return w.store.fanOutNotifications(ctx, job.Args.EventID)
}

// emit stores an event in the caller's transaction and enqueues its fan-out
// there too.
func (s *Store) emit(tx *gorm.DB, e Event) error {
	e.CreatedAt = s.Now()
	if err := tx.Create(&e).Error; err != nil {
		return fmt.Errorf("store %s event: %w", e.Kind, err)
	}
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return errors.New("emit: not in a transaction")
	}
	if _, err := s.jobs.InsertTx(tx.Statement.Context, sqlTx, FanoutArgs{EventID: e.ID}, nil); err != nil {
		return fmt.Errorf("enqueue %s event: %w", e.Kind, err)
	}
	return nil
}

// subscribe makes a member follow an idea they took part in, unless their
// preferences say not to or they unfollowed it before.
func (s *Store) subscribe(tx *gorm.DB, ideaID, userID int64) error {
	err := tx.Exec(`INSERT INTO subscriptions (idea_id, user_id, following, created_at)
		SELECT ?, id, TRUE, ? FROM users WHERE id = ? AND auto_subscribe
		ON CONFLICT DO NOTHING`, ideaID, s.Now(), userID).Error
	if err != nil {
		return fmt.Errorf("subscribe to idea %d: %w", ideaID, err)
	}
	return nil
}

// fanOutNotifications writes the notifications of one event. It may run again after a
// crash at any point: a member's notification of an event is unique, and
// the batches already written are skipped.
func (s *Store) fanOutNotifications(ctx context.Context, eventID int64) error {
	var e Event
	if err := first(s.db.WithContext(ctx).Where("id = ?", eventID), &e); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil // its idea or comment was deleted since
		}
		return fmt.Errorf("fan out event %d: %w", eventID, err)
	}
	if e.FannedOutAt != nil {
		return nil
	}
	n := Notification{EventID: e.ID, Kind: e.Kind, IdeaID: e.IdeaID, CommentID: e.CommentID, EntryID: e.EntryID,
		CampaignID: e.CampaignID, ActorID: e.ActorID, Detail: e.Detail, CreatedAt: e.CreatedAt}
	if e.Kind == NotifyMerged {
		// Both ideas' followers land on the idea merged into, and read the
		// title of the one merged away.
		var title string
		if err := s.db.WithContext(ctx).Raw("SELECT title FROM ideas WHERE id = ?", *e.IdeaID).Scan(&title).Error; err != nil {
			return fmt.Errorf("fan out event %d: %w", eventID, err)
		}
		n.IdeaID, n.Detail = e.OtherIdeaID, title
	}
	audience, err := s.audience(ctx, &e)
	if err != nil {
		return fmt.Errorf("fan out event %d: %w", eventID, err)
	}
	if audience != nil {
		// A deleted account hears of nothing any more.
		audience = audience.Where("users.deleted_at IS NULL")
		after := int64(0)
		for {
			var ids []int64
			if err := audience.Session(&gorm.Session{}).Where("users.id > ?", after).
				Order("users.id").Limit(fanoutBatch).Pluck("users.id", &ids).Error; err != nil {
				return fmt.Errorf("fan out event %d: %w", eventID, err)
			}
			if len(ids) == 0 {
				break
			}
			if err := s.notify(ctx, n, ids); err != nil {
				return fmt.Errorf("fan out event %d: %w", eventID, err)
			}
			after = ids[len(ids)-1]
		}
	}
	return s.db.WithContext(ctx).Model(&Event{}).Where("id = ?", e.ID).Update("fanned_out_at", s.Now()).Error
}

// notify writes n for each of ids that does not have it yet, and hands the
// new ones to email, in one transaction.
func (s *Store) notify(ctx context.Context, n Notification, ids []int64) error {
	var told []int64 // the members with a new notification, for their live pages
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var had []int64
		if err := tx.Model(&Notification{}).Where("event_id = ? AND user_id IN ?", n.EventID, ids).Pluck("user_id", &had).Error; err != nil {
			return err
		}
		skip := make(map[int64]bool, len(had))
		for _, id := range had {
			skip[id] = true
		}
		rows := make([]Notification, 0, len(ids))
		for _, id := range ids {
			if !skip[id] {
				row := n
				row.UserID = id
				rows = append(rows, row)
			}
		}
		if len(rows) == 0 {
			return nil
		}
		told = told[:0]
		for _, row := range rows {
			told = append(told, row.UserID)
		}
		if err := tx.Omit(clause.Associations).Create(&rows).Error; err != nil {
			return err
		}
		return s.mailNotified(ctx, tx, rows)
	})
	if err == nil && len(told) > 0 {
		s.announceUnread(ctx, told...)
	}
	return err
}

// audience is the query of the users who hear of an event, nil for nobody.
func (s *Store) audience(ctx context.Context, e *Event) (*gorm.DB, error) {
	q := s.db.WithContext(ctx).Model(&User{}).Where("users.banned_at IS NULL")
	if e.ActorID != nil {
		q = q.Where("users.id <> ?", *e.ActorID)
	}
	if e.Kind == NotifyCampaignPhase {
		return s.campaignAudience(ctx, q, e)
	}
	var idea Idea
	if e.IdeaID != nil {
		if err := first(s.db.WithContext(ctx).Where("id = ?", *e.IdeaID), &idea); err != nil {
			return nil, ignoreNotFound(err)
		}
	}
	if e.RecipientID != nil {
		return s.recipient(ctx, q, e, &idea)
	}
	if idea.State != StatePublished {
		return nil, nil // hidden, pending or deleted by now: nobody but staff may read it
	}
	if e.CommentID != nil {
		var c Comment
		if err := first(s.db.WithContext(ctx).Where("id = ?", *e.CommentID), &c); err != nil {
			return nil, ignoreNotFound(err)
		}
		if c.State != StatePublished || c.Internal {
			return nil, nil
		}
		// Who hears of the comment as its own (a reply, a mention) does not
		// hear of it twice.
		q = q.Where("users.id NOT IN (SELECT recipient_id FROM events WHERE comment_id = ? AND recipient_id IS NOT NULL)", c.ID)
	}
	switch e.Kind {
	case NotifyRoundInvite, NotifyRoundReminder, NotifyRoundClosed:
		return s.roundAudience(ctx, q, e)
	case NotifyNewIdea:
		if idea.CategoryID == nil {
			return nil, nil
		}
		return q.Where("users.id IN (SELECT user_id FROM category_subscriptions WHERE category_id = ?)", *idea.CategoryID), nil
	case NotifyMerged:
		var into Idea
		if err := first(s.db.WithContext(ctx).Where("id = ?", *e.OtherIdeaID), &into); err != nil {
			return nil, ignoreNotFound(err)
		}
		if into.State != StatePublished {
			return nil, nil
		}
		return q.Where("users.id IN (SELECT user_id FROM subscriptions WHERE idea_id IN ? AND following)",
			[]int64{idea.ID, into.ID}), nil
	}
	return q.Where("users.id IN (SELECT user_id FROM subscriptions WHERE idea_id = ? AND following)", idea.ID), nil
}

// recipient narrows the audience to an event's one member, if they may read
// what it speaks of. A report's outcome and a moderator hiding one's own
// words speak of what the member saw or wrote, whatever its state now.
func (s *Store) recipient(ctx context.Context, q *gorm.DB, e *Event, idea *Idea) (*gorm.DB, error) {
	var u User
	if err := first(s.db.WithContext(ctx).Where("id = ?", *e.RecipientID), &u); err != nil {
		return nil, ignoreNotFound(err)
	}
	if e.Kind != NotifyReportOutcome && e.Kind != NotifyContentHidden {
		now := s.Now()
		if e.IdeaID != nil && !idea.VisibleTo(&u, now) {
			return nil, nil
		}
		if e.CommentID != nil {
			var c Comment
			if err := first(s.db.WithContext(ctx).Where("id = ?", *e.CommentID), &c); err != nil {
				return nil, ignoreNotFound(err)
			}
			if !c.VisibleTo(&u, now) || c.State != StatePublished {
				return nil, nil
			}
		}
	}
	return q.Where("users.id = ?", u.ID), nil
}

func ignoreNotFound(err error) error {
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// mentionLink finds the members a rendered text mentions (see LinkMentions).
var mentionLink = regexp.MustCompile(`<a href="/members/(\d+)" class="mention">`)

// mentioned lists the members html mentions, each once.
func mentioned(html string) []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for _, m := range mentionLink.FindAllStringSubmatch(html, -1) {
		id, err := strconv.ParseInt(m[1], 10, 64)
		if err == nil && !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	return ids
}

// commentEvents emits what a published comment tells others, in the
// transaction that publishes it: a reply to the author of the comment it
// answers, a mention to each member it names, and a team's answer to the
// idea's subscribers when staff answer someone else's idea in public.
func (s *Store) commentEvents(tx *gorm.DB, idea *Idea, c *Comment, author *User, repliedTo *int64) error {
	told := map[int64]bool{c.UserID: true}
	direct := func(kind string, to int64) error {
		if told[to] {
			return nil
		}
		told[to] = true
		return s.emit(tx, Event{Kind: kind, IdeaID: &idea.ID, CommentID: &c.ID, ActorID: &c.UserID, RecipientID: &to})
	}
	if repliedTo != nil {
		if err := direct(NotifyReply, *repliedTo); err != nil {
			return err
		}
	}
	for _, id := range mentioned(string(c.BodyHTML)) {
		if err := direct(NotifyMention, id); err != nil {
			return err
		}
	}
	if c.Internal || c.UserID == idea.AuthorID || !author.Role.AtLeast(RoleModerator) {
		return nil
	}
	return s.emit(tx, Event{Kind: NotifyTeamAnswer, IdeaID: &idea.ID, CommentID: &c.ID, ActorID: &c.UserID})
}

// ideaEvents follows a new idea for its author and, once it is published,
// tells the followers of its category.
func (s *Store) ideaEvents(tx *gorm.DB, idea *Idea) error {
	if err := s.subscribe(tx, idea.ID, idea.AuthorID); err != nil {
		return err
	}
	if idea.State != StatePublished || idea.CategoryID == nil {
		return nil
	}
	return s.emit(tx, Event{Kind: NotifyNewIdea, IdeaID: &idea.ID, ActorID: &idea.AuthorID})
}

// decisionEvents tells each reporter what became of their report, the
// author that a moderator hid what they wrote, and, when content awaiting
// approval is approved, whom it would have told on posting.
func (s *Store) decisionEvents(tx *gorm.DB, item *QueueItem, moderator *User, action, outcome, reason string) error {
	var commentID *int64
	if item.Comment != nil {
		commentID = &item.Comment.ID
	}
	var reporters []int64
	err := tx.Model(&Report{}).Distinct("reporter_id").
		Where("target_type = ? AND target_id = ? AND resolved_at IS NULL", item.Target, item.ID).Pluck("reporter_id", &reporters).Error
	if err != nil {
		return err
	}
	for _, reporter := range reporters {
		err := s.emit(tx, Event{Kind: NotifyReportOutcome, IdeaID: &item.Idea.ID, CommentID: commentID,
			ActorID: &moderator.ID, RecipientID: &reporter, Detail: outcome})
		if err != nil {
			return err
		}
	}
	author := item.Author()
	switch action {
	case DecideHide, DecideSuspend, DecideBan, DecideReject:
		return s.emit(tx, Event{Kind: NotifyContentHidden, IdeaID: &item.Idea.ID, CommentID: commentID,
			ActorID: &moderator.ID, RecipientID: &author.ID, Detail: reason})
	case DecideApprove:
		if item.Comment == nil {
			idea := *item.Idea
			idea.State = StatePublished
			return s.ideaEvents(tx, &idea)
		}
		c := *item.Comment
		c.State = StatePublished
		var repliedTo *int64
		if c.ParentID != nil {
			var parent Comment
			if err := first(tx.Where("id = ?", *c.ParentID), &parent); err == nil {
				repliedTo = &parent.UserID
			}
		}
		return s.commentEvents(tx, item.Idea, &c, author, repliedTo)
	}
	return nil
}
