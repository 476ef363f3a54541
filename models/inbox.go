package models

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// InboxPerPage is how many notifications one page of the inbox shows.
const InboxPerPage = 20

// InboxIdea is an idea a notification speaks of.
type InboxIdea struct {
	ID    int64
	Title string
	Slug  string
	// Visible says the reader may read the idea now, so a link may lead there.
	Visible bool
}

// InboxItem is one notification as its reader sees it in the inbox: what it
// speaks of, joined, and nothing the reader may no longer see.
type InboxItem struct {
	ID        int64
	Kind      string
	CommentID *int64
	// Detail is what the kind needs besides: a status's slug, a report's
	// outcome, a moderator's reason.
	Detail    string
	Read      bool
	CreatedAt time.Time
	// Idea is nil when the notification names none, or the reader may no
	// longer see it (hidden, deleted). A report's outcome and a moderator
	// hiding what the reader wrote keep it, not Visible: they speak of what
	// the reader saw or wrote. For a merge it is the idea merged into, and
	// Detail the title of the one merged away.
	Idea *InboxIdea
	// Gone says the notification named an idea the reader may no longer see.
	Gone bool
	// EntryID and EntryTitle name a published changelog entry.
	EntryID    *int64
	EntryTitle string
	// Category is the idea's category, its slug and names only; nil for none.
	Category *Category
	// Campaign is the campaign a campaign_phase speaks of (its slug and
	// title); nil for none, or a campaign gone back to the team's drafts.
	Campaign *Campaign
	// ActorID and ActorName are who acted; a moderator's decision names nobody.
	ActorID   *int64
	ActorName string
}

// InboxPage is one page of a member's notifications, newest first.
type InboxPage struct {
	Items   []InboxItem
	Page    int
	PerPage int
	Total   int64
	// Unread counts all of the member's unread notifications, not this page's.
	Unread int64
}

// Pages is the number of pages the total fills, at least one.
func (p *InboxPage) Pages() int {
	if p.Total == 0 {
		return 1
	}
	return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage))
}

// inboxRow is a notification joined with what it speaks of.
type inboxRow struct {
	ID             int64
	Kind           string
	IdeaID         *int64
	CommentID      *int64
	EntryID        *int64
	ActorID        *int64
	Detail         string
	ReadAt         *time.Time
	CreatedAt      time.Time
	IdeaTitle      *string
	IdeaSlug       *string
	IdeaState      *string
	IdeaAuthorID   *int64
	ActorName      *string
	EntryTitle     *string
	EntryPublished *time.Time
	CategorySlug   *string
	CategoryName   *string
	CategoryNameNL *string
	CampaignID     *int64
	CampaignSlug   *string
	CampaignTitle  *string
	CampaignPhase  *string
}

// anonymousKinds are decisions of moderators, which never name them, and
// speak of what the reader saw or wrote, whatever its state now.
var anonymousKinds = map[string]bool{NotifyReportOutcome: true, NotifyContentHidden: true}

// Inbox lists the member's notifications, newest first, one page of
// InboxPerPage (page from 1), only the unread ones when unreadOnly.
func (s *Store) Inbox(ctx context.Context, user *User, page int, unreadOnly bool) (*InboxPage, error) {
	if page < 1 {
		page = 1
	}
	if page > MaxPage {
		return nil, ValidationErrors{"page": fmt.Sprintf("must be a whole number from 1 to %d", MaxPage)}
	}
	out := &InboxPage{Page: page, PerPage: InboxPerPage}
	var err error
	if out.Unread, err = s.UnreadCount(ctx, user.ID); err != nil {
		return nil, err
	}
	if unreadOnly {
		out.Total = out.Unread
	} else if err := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ?", user.ID).Count(&out.Total).Error; err != nil {
		return nil, fmt.Errorf("count notifications of %d: %w", user.ID, err)
	}
	if out.Total <= int64((page-1)*InboxPerPage) {
		out.Items = []InboxItem{}
		return out, nil
	}
	extra := ""
	if unreadOnly {
		extra = " AND n.read_at IS NULL"
	}
	rows, err := s.inboxRows(ctx, user.ID, extra, InboxPerPage, (page-1)*InboxPerPage)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out.Items = make([]InboxItem, len(rows))
	for i, r := range rows {
		out.Items[i] = r.item(user, now)
	}
	return out, nil
}

// inboxRows reads a member's notifications, joined with what they speak of,
// newest first; extra narrows them (SQL after the user's condition).
func (s *Store) inboxRows(ctx context.Context, userID int64, extra string, limit, offset int, args ...any) ([]inboxRow, error) {
	var rows []inboxRow
	if err := s.db.WithContext(ctx).Raw(inboxQuery(extra, limit, offset), append([]any{userID}, args...)...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("list notifications of %d: %w", userID, err)
	}
	return rows, nil
}

// inboxQuery is the statement of inboxRows, its user id the first parameter.
func inboxQuery(extra string, limit, offset int) string {
	return `SELECT n.id, n.kind, n.idea_id, n.comment_id, n.entry_id, n.actor_id, n.detail, n.read_at, n.created_at,
		i.title AS idea_title, i.slug AS idea_slug, i.state AS idea_state, i.author_id AS idea_author_id,
		a.name AS actor_name, ce.title AS entry_title, ce.published_at AS entry_published, c.slug AS category_slug,
		c.name AS category_name, c.name_nl AS category_name_nl,
		n.campaign_id, cp.slug AS campaign_slug, cp.title AS campaign_title, cp.phase AS campaign_phase
		FROM notifications n
		LEFT JOIN ideas i ON i.id = n.idea_id
		LEFT JOIN users a ON a.id = n.actor_id
		LEFT JOIN changelog_entries ce ON ce.id = n.entry_id
		LEFT JOIN categories c ON c.id = i.category_id
		LEFT JOIN campaigns cp ON cp.id = n.campaign_id
		WHERE n.user_id = ?` + extra + fmt.Sprintf(` ORDER BY n.id DESC LIMIT %d OFFSET %d`, limit, offset)
}

// item shapes a row for its reader at now: ideas they may no longer read
// and drafts of the changelog stay out.
func (r inboxRow) item(reader *User, now time.Time) InboxItem {
	it := InboxItem{ID: r.ID, Kind: r.Kind, CommentID: r.CommentID, Detail: r.Detail, Read: r.ReadAt != nil, CreatedAt: r.CreatedAt}
	if r.IdeaID != nil && r.IdeaTitle != nil {
		visible := mayRead(reader, now, *r.IdeaState, *r.IdeaAuthorID)
		if visible || anonymousKinds[r.Kind] {
			it.Idea = &InboxIdea{ID: *r.IdeaID, Title: *r.IdeaTitle, Slug: *r.IdeaSlug, Visible: visible}
		}
	}
	it.Gone = r.IdeaID != nil && it.Idea == nil
	if it.Idea != nil && r.CategorySlug != nil {
		it.Category = &Category{Slug: *r.CategorySlug, Name: *r.CategoryName, NameNL: *r.CategoryNameNL}
	}
	if r.EntryID != nil && r.EntryPublished != nil && r.EntryTitle != nil {
		it.EntryID, it.EntryTitle = r.EntryID, *r.EntryTitle
	}
	if r.CampaignID != nil && r.CampaignSlug != nil && *r.CampaignPhase != string(PhaseDraft) {
		it.Campaign = &Campaign{ID: *r.CampaignID, Slug: *r.CampaignSlug, Title: *r.CampaignTitle}
	}
	if r.ActorID != nil && r.ActorName != nil && !anonymousKinds[r.Kind] {
		it.ActorID, it.ActorName = r.ActorID, *r.ActorName
	}
	if it.Idea == nil || !it.Idea.Visible {
		it.CommentID = nil
	}
	return it
}

// UnreadCount counts the member's unread notifications: one query on an
// index, cheap enough for every page a member sees.
func (s *Store) UnreadCount(ctx context.Context, userID int64) (int64, error) {
	var n int64
	if err := s.unreadQuery(ctx, userID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count unread notifications of %d: %w", userID, err)
	}
	return n, nil
}

func (s *Store) unreadQuery(ctx context.Context, userID int64) *gorm.DB {
	return s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID)
}

// MarkRead marks the member's notifications with these ids read (ids of
// someone else's are left alone), or every one of them when all is set,
// and returns how many stay unread.
func (s *Store) MarkRead(ctx context.Context, userID int64, ids []int64, all bool) (int64, error) {
	if all || len(ids) > 0 {
		q := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID)
		if !all {
			q = q.Where("id IN ?", ids)
		}
		res := q.Update("read_at", s.Now())
		if res.Error != nil {
			return 0, fmt.Errorf("mark notifications of %d read: %w", userID, res.Error)
		}
		if res.RowsAffected > 0 {
			s.announceUnread(ctx, userID)
		}
	}
	return s.UnreadCount(ctx, userID)
}

// OpenNotification marks one of the member's notifications read and returns
// it as the inbox shows it, for its link. Someone else's is ErrNotFound.
func (s *Store) OpenNotification(ctx context.Context, user *User, id int64) (*InboxItem, error) {
	rows, err := s.inboxRows(ctx, user.ID, " AND n.id = ?", 1, 0, id)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("load notification %d: %w", id, ErrNotFound)
	}
	if _, err := s.MarkRead(ctx, user.ID, []int64{id}, false); err != nil {
		return nil, err
	}
	it := rows[0].item(user, s.Now())
	it.Read = true
	return &it, nil
}

// Follow makes the member follow an idea they may read, or stop following
// it. Stopping is remembered (a row with following false), so that taking
// part in the idea again does not follow it anew. Either is idempotent.
func (s *Store) Follow(ctx context.Context, ideaID int64, user *User, following bool) error {
	if _, err := s.Idea(ctx, ideaID, user); err != nil {
		return err
	}
	row := Subscription{IdeaID: ideaID, UserID: user.ID, Following: following, CreatedAt: s.Now()}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "idea_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"following", "created_at"}),
		Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "subscriptions.following <> excluded.following"}}},
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("follow idea %d: %w", ideaID, err)
	}
	return nil
}

// Following reports whether the member follows the idea.
func (s *Store) Following(ctx context.Context, ideaID, userID int64) (bool, error) {
	var sub Subscription
	err := first(s.db.WithContext(ctx).Where("idea_id = ? AND user_id = ?", ideaID, userID), &sub)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load subscription to %d: %w", ideaID, err)
	}
	return sub.Following, nil
}

// FollowedIdeas lists the ideas the member follows and may still read,
// the most recently followed first, one page of InboxPerPage.
func (s *Store) FollowedIdeas(ctx context.Context, user *User, page int) (*IdeaPage, error) {
	if page < 1 {
		page = 1
	}
	q := s.ideaQuery(ctx).
		Joins("JOIN subscriptions ON subscriptions.idea_id = ideas.id AND subscriptions.user_id = ? AND subscriptions.following", user.ID)
	q = s.readable(q, user)
	out := &IdeaPage{Page: page, PerPage: InboxPerPage, Ideas: []*Idea{}}
	if err := q.Session(&gorm.Session{}).Count(&out.Total).Error; err != nil {
		return nil, fmt.Errorf("count followed ideas of %d: %w", user.ID, err)
	}
	err := q.Order("subscriptions.created_at DESC, ideas.id DESC").
		Limit(InboxPerPage).Offset((page - 1) * InboxPerPage).Find(&out.Ideas).Error
	if err != nil {
		return nil, fmt.Errorf("list followed ideas of %d: %w", user.ID, err)
	}
	return out, nil
}

// readable narrows a query of ideas to those viewer may read: mayRead in SQL.
func (s *Store) readable(q *gorm.DB, viewer *User) *gorm.DB {
	if s.Can(viewer, ActReadHidden) {
		return q.Where("ideas.state IN ?", []string{StatePublished, StatePending, StateHidden})
	}
	if viewer == nil || StandingOf(viewer, s.Now()) == Banned {
		return q.Where("ideas.state = ?", StatePublished)
	}
	return q.Where("(ideas.state = ? OR (ideas.state = ? AND ideas.author_id = ?))", StatePublished, StatePending, viewer.ID)
}

// FollowCategory makes the member follow a category's new ideas, or stop.
// Either is idempotent; an unknown slug is ErrNotFound.
func (s *Store) FollowCategory(ctx context.Context, slug string, userID int64, following bool) error {
	cat, err := s.CategoryBySlug(ctx, slug)
	if err != nil {
		return err
	}
	db := s.db.WithContext(ctx)
	if following {
		err = db.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&CategorySubscription{CategoryID: cat.ID, UserID: userID, CreatedAt: s.Now()}).Error
	} else {
		err = db.Where("category_id = ? AND user_id = ?", cat.ID, userID).Delete(&CategorySubscription{}).Error
	}
	if err != nil {
		return fmt.Errorf("follow category %q: %w", slug, err)
	}
	return nil
}

// FollowingCategory reports whether the member follows the category; an
// unknown slug is ErrNotFound.
func (s *Store) FollowingCategory(ctx context.Context, slug string, userID int64) (bool, error) {
	cat, err := s.CategoryBySlug(ctx, slug)
	if err != nil {
		return false, err
	}
	var n int64
	err = s.db.WithContext(ctx).Model(&CategorySubscription{}).Where("category_id = ? AND user_id = ?", cat.ID, userID).Count(&n).Error
	if err != nil {
		return false, fmt.Errorf("load subscription to category %q: %w", slug, err)
	}
	return n > 0, nil
}

// FollowedCategories lists the categories the member follows, in the
// categories' order.
func (s *Store) FollowedCategories(ctx context.Context, userID int64) ([]Category, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&CategorySubscription{}).Where("user_id = ?", userID).Pluck("category_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("list followed categories of %d: %w", userID, err)
	}
	all, err := s.Categories(ctx)
	if err != nil {
		return nil, err
	}
	followed := make(map[int64]bool, len(ids))
	for _, id := range ids {
		followed[id] = true
	}
	out := []Category{}
	for _, c := range all {
		if followed[c.ID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// PruneNotifications deletes notifications read longer ago than the
// notification_retention_days setting, and reports how many went. Unread
// ones stay, however old.
func (s *Store) PruneNotifications(ctx context.Context) (int64, error) {
	st, err := s.Settings(ctx)
	if err != nil {
		return 0, err
	}
	cutoff := s.Now().AddDate(0, 0, -st.NotificationRetentionDays)
	res := s.db.WithContext(ctx).Where("read_at IS NOT NULL AND read_at < ?", cutoff).Delete(&Notification{})
	if res.Error != nil {
		return 0, fmt.Errorf("prune notifications: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// PruneNotificationsArgs is the periodic job that deletes old read notifications.
type PruneNotificationsArgs struct{}

// Kind names the job in River's tables.
func (PruneNotificationsArgs) Kind() string { return "prune_notifications" }

type pruneNotificationsWorker struct {
	river.WorkerDefaults[PruneNotificationsArgs]
	store *Store
}

func (w *pruneNotificationsWorker) Work(ctx context.Context, _ *river.Job[PruneNotificationsArgs]) error {
	_, err := w.store.PruneNotifications(ctx)
	return err
}
