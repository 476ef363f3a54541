package models

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"gorm.io/gorm"
)

// Report reasons.
const (
	ReportSpam     = "spam"
	ReportAbusive  = "abusive"
	ReportOffTopic = "off-topic"
	ReportOther    = "other"
)

// ReportReasons lists the reasons a member may give, in the order forms show them.
var ReportReasons = []string{ReportSpam, ReportAbusive, ReportOffTopic, ReportOther}

// Outcomes of a report, once a moderator has reviewed it.
const (
	OutcomeDismissed = "dismissed"
	OutcomeHidden    = "hidden"
	OutcomeSuspended = "suspended"
	OutcomeBanned    = "banned"
)

// Report is a member telling the moderators about an idea or comment.
type Report struct {
	ID         int64
	TargetType string
	TargetID   int64
	ReporterID int64
	Reason     string
	Note       string
	CreatedAt  time.Time
	ResolvedAt *time.Time
	ResolverID *int64
	Outcome    string

	Reporter User `gorm:"foreignKey:ReporterID"`
}

// Open reports whether no moderator has reviewed the report yet.
func (r *Report) Open() bool { return r.ResolvedAt == nil }

// NewReport is what a member reports.
type NewReport struct {
	Target string // TargetIdea or TargetComment
	ID     int64
	Reason string
	Note   string
}

// reported is the content a report is about: its author, state and idea.
type reported struct {
	Author User
	State  string
	IdeaID int64
}

// shielded reports whether reports alone may not hide the content: what
// staff and trusted members write waits for a moderator's look instead.
func (r *reported) shielded(now time.Time) bool { return r.Author.Staff(now) || r.Author.Trusted }

// reportedContent loads what a report names, as the viewer may see it.
func (s *Store) reportedContent(ctx context.Context, target string, id int64, viewer *User) (*reported, error) {
	switch target {
	case TargetIdea:
		idea, err := s.Idea(ctx, id, viewer)
		if err != nil {
			return nil, err
		}
		return &reported{Author: idea.Author, State: idea.State, IdeaID: idea.ID}, nil
	case TargetComment:
		c, err := s.comment(ctx, id, viewer)
		if err != nil {
			return nil, err
		}
		if !c.VisibleTo(viewer, s.Now()) {
			return nil, fmt.Errorf("load comment %d: %w", id, ErrNotFound)
		}
		if _, err := s.Idea(ctx, c.IdeaID, viewer); err != nil {
			return nil, err
		}
		return &reported{Author: c.User, State: c.State, IdeaID: c.IdeaID}, nil
	}
	return nil, ValidationErrors{"target": "must be idea or comment"}
}

// CreateReport records a member's report, once per member and item. When an
// item's open reports reach the community's report threshold it is hidden
// until a moderator reviews it, unless staff or a trusted member wrote it.
// A report from a new account (see Settings) weighs less than one from an
// established member, so fresh accounts cannot hide what others write.
func (s *Store) CreateReport(ctx context.Context, reporter *User, n NewReport) (*Report, error) {
	if !s.Can(reporter, ActReport) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	if n.Target != TargetIdea && n.Target != TargetComment {
		errs["target"] = "must be idea or comment"
	}
	if n.ID <= 0 {
		errs["id"] = "must be the id of an idea or comment"
	}
	switch n.Reason {
	case ReportSpam, ReportAbusive, ReportOffTopic, ReportOther:
	default:
		errs["reason"] = "must be spam, abusive, off-topic or other"
	}
	note := validateReason(n.Note, n.Reason == ReportOther, errs)
	if msg, ok := errs["reason"]; ok && n.Reason == ReportOther {
		delete(errs, "reason")
		errs["note"] = msg
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	content, err := s.reportedContent(ctx, n.Target, n.ID, reporter)
	if err != nil {
		return nil, err
	}
	if content.Author.ID == reporter.ID {
		return nil, ValidationErrors{"id": "is your own; edit or delete it instead"}
	}
	if err := s.brake(ctx, reporter, brakeReports); err != nil {
		return nil, err
	}
	settings, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	r := &Report{TargetType: n.Target, TargetID: n.ID, ReporterID: reporter.ID, Reason: n.Reason, Note: note, CreatedAt: now}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Reporter").Create(r).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &ConflictError{ReasonReported}
			}
			return err
		}
		if content.State != StatePublished || content.shielded(s.Now()) {
			return nil
		}
		var open struct{ Count, Weight int64 }
		err := tx.Raw(`SELECT COUNT(*) AS count, COALESCE(SUM(CASE WHEN users.role = ? AND users.trusted = ? AND users.created_at > ?
				THEN ? ELSE 100 END), 0) AS weight
			FROM reports JOIN users ON users.id = reports.reporter_id
			WHERE reports.target_type = ? AND reports.target_id = ? AND reports.resolved_at IS NULL`,
			RoleMember, false, now.Add(-time.Duration(settings.NewAccountDays)*24*time.Hour), settings.NewAccountReportWeight,
			n.Target, n.ID).Scan(&open).Error
		if err != nil || open.Weight < 100*int64(settings.ReportThreshold) {
			return err
		}
		table, action := "ideas", AuditIdeaHide
		if n.Target == TargetComment {
			table, action = "comments", AuditCommentHide
		}
		reason := fmt.Sprintf("%d reports", open.Count)
		err = tx.Table(table).Where("id = ? AND state = ?", n.ID, StatePublished).
			Updates(map[string]any{"state": StateHidden, "moderation_note": reason, "updated_at": now}).Error
		if err != nil {
			return err
		}
		return record(tx, now, Audit{Action: action, TargetType: n.Target, TargetID: n.ID, Subject: &content.Author.ID, Reason: reason})
	})
	if err != nil {
		return nil, fmt.Errorf("report %s %d: %w", n.Target, n.ID, err)
	}
	r.Reporter = *reporter
	return r, nil
}

// ReportsBy lists a member's reports, newest first, with what became of them.
func (s *Store) ReportsBy(ctx context.Context, userID int64, limit int) ([]Report, error) {
	var list []Report
	err := s.db.WithContext(ctx).Where("reporter_id = ?", userID).Order("created_at DESC, id DESC").Limit(limit).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list reports by user %d: %w", userID, err)
	}
	return list, nil
}

// QueueItem is one thing waiting for a moderator: reported content with its
// open reports, or content waiting for approval.
type QueueItem struct {
	Target  string
	ID      int64
	Idea    *Idea    // the idea, or the idea a comment belongs to
	Comment *Comment // for comments
	Reports []Report // open reports, oldest first; none for pending content
	Since   time.Time
}

// Pending reports whether the item waits for approval rather than review of reports.
func (q *QueueItem) Pending() bool { return len(q.Reports) == 0 }

// Author is the member who wrote the item.
func (q *QueueItem) Author() *User {
	if q.Comment != nil {
		return &q.Comment.User
	}
	return &q.Idea.Author
}

// MaxQueue bounds how many items the review queue shows at once.
const MaxQueue = 100

// ReviewQueue lists what waits for moderators, oldest first: reported ideas
// and comments, grouped with their open reports, and content awaiting approval.
func (s *Store) ReviewQueue(ctx context.Context, moderator *User) ([]QueueItem, error) {
	if !s.Can(moderator, ActModerate) {
		return nil, ErrForbidden
	}
	var reports []Report
	err := s.db.WithContext(ctx).Joins("Reporter").Where("reports.resolved_at IS NULL").
		Order("reports.created_at, reports.id").Limit(20 * MaxQueue).Find(&reports).Error
	if err != nil {
		return nil, fmt.Errorf("load open reports: %w", err)
	}
	type key struct {
		target string
		id     int64
	}
	items := map[key]*QueueItem{}
	for _, r := range reports {
		k := key{r.TargetType, r.TargetID}
		if items[k] == nil {
			items[k] = &QueueItem{Target: r.TargetType, ID: r.TargetID, Since: r.CreatedAt}
		}
		items[k].Reports = append(items[k].Reports, r)
	}
	var pendingIdeas []int64
	if err := s.db.WithContext(ctx).Model(&Idea{}).Where("state = ?", StatePending).Order("created_at").Limit(MaxQueue).Pluck("id", &pendingIdeas).Error; err != nil {
		return nil, fmt.Errorf("load pending ideas: %w", err)
	}
	for _, id := range pendingIdeas {
		if k := (key{TargetIdea, id}); items[k] == nil {
			items[k] = &QueueItem{Target: TargetIdea, ID: id}
		}
	}
	var pendingComments []int64
	if err := s.db.WithContext(ctx).Model(&Comment{}).Where("state = ?", StatePending).Order("created_at").Limit(MaxQueue).Pluck("id", &pendingComments).Error; err != nil {
		return nil, fmt.Errorf("load pending comments: %w", err)
	}
	for _, id := range pendingComments {
		if k := (key{TargetComment, id}); items[k] == nil {
			items[k] = &QueueItem{Target: TargetComment, ID: id}
		}
	}
	queue := make([]QueueItem, 0, len(items))
	for _, item := range items {
		if err := s.fillQueueItem(ctx, item, moderator); errors.Is(err, ErrNotFound) {
			continue // deleted by its author since: nothing left to review
		} else if err != nil {
			return nil, err
		}
		queue = append(queue, *item)
	}
	sort.Slice(queue, func(i, j int) bool {
		if !queue[i].Since.Equal(queue[j].Since) {
			return queue[i].Since.Before(queue[j].Since)
		}
		return queue[i].ID < queue[j].ID
	})
	if len(queue) > MaxQueue {
		queue = queue[:MaxQueue]
	}
	return queue, nil
}

// fillQueueItem loads the idea or comment of a queue item.
func (s *Store) fillQueueItem(ctx context.Context, item *QueueItem, moderator *User) error {
	ideaID := item.ID
	if item.Target == TargetComment {
		c, err := s.comment(ctx, item.ID, moderator)
		if err != nil {
			return err
		}
		item.Comment, ideaID = c, c.IdeaID
		images, err := s.imagesBy(ctx, "comment_id", []int64{c.ID})
		if err != nil {
			return err
		}
		c.Images = images[c.ID]
		if item.Since.IsZero() {
			item.Since = c.CreatedAt
		}
	}
	idea, err := s.Idea(ctx, ideaID, moderator)
	if err != nil {
		return err
	}
	item.Idea = idea
	if item.Since.IsZero() {
		item.Since = idea.CreatedAt
	}
	return nil
}

// Review decisions a moderator takes from the queue.
const (
	DecideDismiss = "dismiss"
	DecideHide    = "hide"
	DecideSuspend = "suspend"
	DecideBan     = "ban"
	DecideApprove = "approve"
	DecideReject  = "reject"
)

// Decision is what a moderator decides about a queue item.
type Decision struct {
	Action string
	Reason string
	// Until ends a suspension; zero means seven days from now.
	Until time.Time
}

// Decide settles a queue item: dismiss its reports (showing it again if the
// reports hid it), hide it, hide it and suspend or ban its author, or approve
// or reject content that awaits approval. Every open report of the item gets
// the outcome, which its reporter sees.
func (s *Store) Decide(ctx context.Context, moderator *User, target string, id int64, d Decision) error {
	item, err := s.moderated(ctx, moderator, target, id)
	if err != nil {
		return err
	}
	author := item.Author()
	if !MayDecide(moderator, s.Now(), author) {
		return fmt.Errorf("decide on %s %d: %w", target, id, ErrOutranked)
	}
	state, table, hideAction, unhideAction := item.Idea.State, "ideas", AuditIdeaHide, AuditIdeaUnhide
	if item.Comment != nil {
		state, table, hideAction, unhideAction = item.Comment.State, "comments", AuditCommentHide, AuditCommentUnhide
	}
	errs := ValidationErrors{}
	switch d.Action {
	case DecideDismiss, DecideApprove:
	case DecideHide, DecideSuspend, DecideBan, DecideReject:
		if d.Reason == "" {
			d.Reason = map[string]string{DecideHide: "reported", DecideSuspend: "reported", DecideBan: "reported", DecideReject: "rejected"}[d.Action]
		}
	default:
		errs["action"] = "must be dismiss, hide, suspend, ban, approve or reject"
	}
	reason := validateReason(d.Reason, false, errs)
	if (d.Action == DecideApprove || d.Action == DecideReject) && state != StatePending {
		errs["action"] = "only content awaiting approval can be approved or rejected"
	}
	if d.Action == DecideSuspend || d.Action == DecideBan {
		if err := s.actOn(moderator, ActManageMembers, author); err != nil {
			return err
		}
	}
	settings, err := s.Settings(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	until := d.Until
	if d.Action == DecideSuspend {
		if until.IsZero() {
			until = now.Add(7 * 24 * time.Hour)
		}
		checkUntil(until, now, errs)
	}
	if err := errs.orNil(); err != nil {
		return err
	}
	outcome := map[string]string{DecideDismiss: OutcomeDismissed, DecideHide: OutcomeHidden, DecideSuspend: OutcomeSuspended,
		DecideBan: OutcomeBanned, DecideApprove: OutcomeDismissed, DecideReject: OutcomeHidden}[d.Action]
	subject := &author.ID
	shown := false // a comment published by the decision, for live pages
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		show := func(action string) error {
			shown = true
			err := tx.Table(table).Where("id = ?", id).Updates(map[string]any{"state": StatePublished, "moderation_note": "", "updated_at": now}).Error
			if err != nil {
				return err
			}
			return record(tx, now, Audit{Actor: moderator, Action: action, TargetType: target, TargetID: id, Subject: subject, Reason: reason})
		}
		var err error
		switch d.Action {
		case DecideDismiss:
			err = record(tx, now, Audit{Actor: moderator, Action: AuditDismiss, TargetType: target, TargetID: id, Subject: subject, Reason: reason})
			if err == nil && state == StateHidden {
				err = show(unhideAction)
			}
		case DecideApprove:
			err = s.approve(tx, item, now)
			if err == nil {
				err = show(AuditApprove)
			}
			if err == nil {
				err = s.promote(tx, settings, author.ID)
			}
		default:
			action := hideAction
			if d.Action == DecideReject {
				action = AuditReject
			}
			err = tx.Table(table).Where("id = ?", id).Updates(map[string]any{"state": StateHidden, "moderation_note": reason, "updated_at": now}).Error
			if err == nil {
				err = record(tx, now, Audit{Actor: moderator, Action: action, TargetType: target, TargetID: id, Subject: subject, Reason: reason})
			}
		}
		if err == nil && d.Action == DecideSuspend {
			err = suspend(tx, moderator, author.ID, until, reason, now)
		}
		if err == nil && d.Action == DecideBan {
			err = ban(tx, moderator, author.ID, reason, now)
		}
		if err != nil {
			return fmt.Errorf("decide on %s %d: %w", target, id, err)
		}
		if err := s.decisionEvents(tx, item, moderator, d.Action, outcome, reason); err != nil {
			return fmt.Errorf("decide on %s %d: %w", target, id, err)
		}
		err = tx.Model(&Report{}).Where("target_type = ? AND target_id = ? AND resolved_at IS NULL", target, id).
			Updates(map[string]any{"resolved_at": now, "resolver_id": moderator.ID, "outcome": outcome}).Error
		if err != nil {
			return fmt.Errorf("resolve reports on %s %d: %w", target, id, err)
		}
		return nil
	})
	if err == nil && shown && item.Comment != nil {
		s.announceComment(ctx, item.Comment.IdeaID, item.Comment.ID, item.Comment.Internal)
	}
	return err
}
