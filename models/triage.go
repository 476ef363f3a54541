package models

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Triage. The team reads what the community proposes, assigns it to one of
// its own, weighs its impact and effort (1 to 5 each) and answers it. An idea
// is triaged once the team has set its status, assignee, impact or effort, or
// answered it; it is answered once a moderator or someone of the team first
// wrote a public status note or a public comment on it, when someone else
// proposed it. Both moments are stored on the idea (triaged_at, answered_at),
// so the inbox's views read an index.

// Bounds of impact and effort.
const (
	MinWeight = 1
	MaxWeight = 5
)

// Score ranks an idea for the team: votes x impact / effort, rounded to one
// decimal, when both impact and effort are set; nil otherwise.
func (i *Idea) Score() *float64 {
	if i.Impact == nil || i.Effort == nil || *i.Effort == 0 {
		return nil
	}
	score := math.Round(float64(i.Votes)*float64(*i.Impact)/float64(*i.Effort)*10) / 10
	return &score
}

// Triaged reports whether the team has triaged the idea.
func (i *Idea) Triaged() bool { return i.TriagedAt != nil }

// Answered reports whether the team has answered the idea.
func (i *Idea) Answered() bool { return i.AnsweredAt != nil }

// Setting is an optional change of a field that may be cleared: unset leaves
// the field as it is, set with a nil Value clears it.
type Setting struct {
	Set   bool
	Value *int64
}

// To is a Setting that sets the field to v.
func To(v int64) Setting { return Setting{Set: true, Value: &v} }

// TriageUpdate changes an idea's assignee, impact and effort.
type TriageUpdate struct {
	AssigneeID Setting
	Impact     Setting
	Effort     Setting
}

// Empty reports whether the update changes nothing.
func (u TriageUpdate) Empty() bool { return !u.AssigneeID.Set && !u.Impact.Set && !u.Effort.Set }

// validate checks the weights and the assignee: someone whose standing lets
// them triage.
func (s *Store) validateTriage(ctx context.Context, u TriageUpdate) (*User, error) {
	errs := ValidationErrors{}
	for field, w := range map[string]Setting{"impact": u.Impact, "effort": u.Effort} {
		if w.Set && w.Value != nil && (*w.Value < MinWeight || *w.Value > MaxWeight) {
			errs[field] = fmt.Sprintf("must be a whole number from %d to %d, or null", MinWeight, MaxWeight)
		}
	}
	var assignee *User
	if u.AssigneeID.Set && u.AssigneeID.Value != nil {
		a, err := s.UserByID(ctx, *u.AssigneeID.Value)
		if err != nil || !s.Can(a, ActTriage) {
			errs["assignee_id"] = "is not a member of the team"
		} else {
			assignee = a
		}
	}
	return assignee, errs.orNil()
}

// SetTriage changes an idea's assignee, impact and effort, and marks it
// triaged. Only those whose standing lets them triage may.
func (s *Store) SetTriage(ctx context.Context, ideaID int64, actor *User, u TriageUpdate) (*Idea, error) {
	if !s.Can(actor, ActTriage) {
		return nil, ErrForbidden
	}
	if _, err := s.validateTriage(ctx, u); err != nil {
		return nil, err
	}
	idea, err := s.Idea(ctx, ideaID, actor)
	if err != nil {
		return nil, err
	}
	if idea.MergedInto != nil {
		return nil, &ConflictError{ReasonMerged}
	}
	if !u.Empty() {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return s.applyTriage(tx, []int64{idea.ID}, u)
		})
		if err != nil {
			return nil, fmt.Errorf("triage idea %d: %w", ideaID, err)
		}
	}
	return s.Idea(ctx, ideaID, actor)
}

// applyTriage writes a checked update to ideas and marks them triaged.
func (s *Store) applyTriage(tx *gorm.DB, ids []int64, u TriageUpdate) error {
	set := map[string]any{}
	for column, v := range map[string]Setting{"assignee_id": u.AssigneeID, "impact": u.Impact, "effort": u.Effort} {
		if v.Set {
			set[column] = v.Value
		}
	}
	if len(set) == 0 {
		return nil
	}
	if err := tx.Model(&Idea{}).Where("id IN ?", ids).Updates(set).Error; err != nil {
		return err
	}
	return markTriaged(tx, ids, s.Now())
}

// markTriaged records that the team triaged ideas now, unless it did before.
func markTriaged(tx *gorm.DB, ids []int64, now time.Time) error {
	return tx.Model(&Idea{}).Where("id IN ? AND triaged_at IS NULL", ids).Update("triaged_at", now).Error
}

// markAnswered records the team's answer to an idea by actor now: the
// first public answer by a moderator or someone of the team on an idea
// someone else proposed. An answer triages the idea too.
func markAnswered(tx *gorm.DB, idea *Idea, actor *User, now time.Time) error {
	if actor == nil || actor.ID == idea.AuthorID || !actor.Role.AtLeast(RoleModerator) {
		return nil
	}
	err := tx.Model(&Idea{}).Where("id = ? AND answered_at IS NULL", idea.ID).Update("answered_at", now).Error
	if err != nil {
		return err
	}
	return markTriaged(tx, []int64{idea.ID}, now)
}

// TeamMembers lists everyone an idea can be assigned to: users whose role
// lets them triage, by name.
func (s *Store) TeamMembers(ctx context.Context) ([]User, error) {
	var list []User
	err := s.db.WithContext(ctx).Where("role IN ? AND banned_at IS NULL", []Role{RoleTeam, RoleAdmin}).
		Order("name, id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list the team: %w", err)
	}
	return list, nil
}

// Sorts of the triage inbox.
const (
	TriageSortVotes = "votes"
	TriageSortNew   = "new"
	TriageSortScore = "score"
	// TriageSortAge lists the ideas without an answer, the oldest first.
	TriageSortAge = "age"
)

// TriageSorts lists the inbox's sorts, in the order the page offers them.
var TriageSorts = []string{TriageSortNew, TriageSortVotes, TriageSortScore, TriageSortAge}

// Assignee filters of the inbox besides a person's id.
const (
	AssigneeMe   = "me"
	AssigneeNone = "none"
)

// TriageOptions choose and order the inbox's ideas. Zero values mean "all"
// and the defaults (newest first).
type TriageOptions struct {
	Sort     string
	Status   string // status slug
	Category string // category slug
	Tag      string // tag slug
	// Assignee is "me", "none" or a person's id.
	Assignee string
	Triaged  *bool
	Answered *bool
	// OlderThan keeps ideas proposed at least this many days ago.
	OlderThan int
	// MinVotes keeps ideas with at least this many votes.
	MinVotes int
	Bodies   bool
	Page     int
	PerPage  int
}

// MaxTriageAge bounds the age filter, in days.
const MaxTriageAge = 3650

// Normalize fills in defaults and checks the options.
func (o *TriageOptions) Normalize() error {
	errs := ValidationErrors{}
	if o.Sort == "" {
		o.Sort = TriageSortNew
	}
	if _, ok := triageOrders[o.Sort]; !ok {
		errs["sort"] = "must be votes, new, score or age"
	}
	if !validText(o.Tag) {
		errs["tag"] = "must be valid text"
	}
	switch o.Assignee {
	case "", AssigneeMe, AssigneeNone:
	default:
		if id, err := parseID(o.Assignee); err != nil || id < 1 {
			errs["assignee"] = "must be me, none or a person's id"
		}
	}
	if o.OlderThan < 0 || o.OlderThan > MaxTriageAge {
		errs["older_than"] = fmt.Sprintf("must be a number of days from 0 to %d", MaxTriageAge)
	}
	if o.MinVotes < 0 {
		errs["min_votes"] = "must be 0 or more"
	}
	normalizePaging(&o.Page, &o.PerPage, errs)
	return errs.orNil()
}

func parseID(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }

// triageOrders are the inbox's orders; each is read from an index of
// migration 00011 (score's differs by dialect, see triageOrder).
var triageOrders = map[string]string{
	TriageSortVotes: "ideas.votes DESC, ideas.id DESC",
	TriageSortNew:   "ideas.created_at DESC, ideas.id DESC",
	TriageSortScore: "",
	TriageSortAge:   "ideas.created_at, ideas.id",
}

func (s *Store) triageOrder(sort string) string {
	if sort != TriageSortScore {
		return triageOrders[sort]
	}
	if s.dialect == Postgres {
		return "(CAST(ideas.votes AS DOUBLE PRECISION) * ideas.impact / ideas.effort) DESC NULLS LAST, ideas.id DESC"
	}
	return "(CAST(ideas.votes AS REAL) * ideas.impact / ideas.effort) DESC, ideas.id DESC"
}

// inboxBase is every idea the inbox may list: published and not merged.
// The state is written out, not a parameter, so that both databases plan
// every page for it and read it from the inbox's indexes (migration 00011).
const inboxBase = "ideas.state = 'published' AND ideas.merged_into IS NULL"

// triageQuery builds the inbox's filtered query.
func (s *Store) triageQuery(ctx context.Context, o *TriageOptions, viewer *User) (*gorm.DB, error) {
	if err := o.Normalize(); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Model(&Idea{}).Where(inboxBase)
	errs := ValidationErrors{}
	if o.Status != "" {
		if st, err := s.StatusBySlug(ctx, o.Status); err != nil {
			errs["status"] = "is not a known status"
		} else {
			q = q.Where("ideas.status_id = ?", st.ID)
		}
	}
	if o.Category != "" {
		if c, err := s.CategoryBySlug(ctx, o.Category); err != nil {
			errs["category"] = "is not a known category"
		} else {
			q = q.Where("ideas.category_id = ?", c.ID)
		}
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	if o.Tag != "" {
		q = q.Where("ideas.id IN (SELECT idea_tags.idea_id FROM idea_tags JOIN tags ON tags.id = idea_tags.tag_id WHERE tags.slug = ?)", o.Tag)
	}
	switch o.Assignee {
	case "":
	case AssigneeMe:
		q = q.Where("ideas.assignee_id = ?", viewerID(viewer))
	case AssigneeNone:
		q = q.Where("ideas.assignee_id IS NULL")
	default:
		id, _ := parseID(o.Assignee)
		q = q.Where("ideas.assignee_id = ?", id)
	}
	if o.Triaged != nil {
		q = q.Where(map[bool]string{true: "ideas.triaged_at IS NOT NULL", false: "ideas.triaged_at IS NULL"}[*o.Triaged])
	}
	if o.Answered != nil {
		q = q.Where(map[bool]string{true: "ideas.answered_at IS NOT NULL", false: "ideas.answered_at IS NULL"}[*o.Answered])
	}
	if o.Sort == TriageSortAge {
		q = q.Where("ideas.answered_at IS NULL")
	}
	if o.OlderThan > 0 {
		q = q.Where("ideas.created_at <= ?", s.Now().AddDate(0, 0, -o.OlderThan))
	}
	if o.MinVotes > 0 {
		q = q.Where("ideas.votes >= ?", o.MinVotes)
	}
	return q, nil
}

// totalKey is the key of the inbox's total in the store's cache of list
// totals, which every write to ideas through the store empties: the same for
// all of the team but for "me", which names the viewer. Tags change without
// a write to ideas, so a tag's inbox is never kept (see listTotal).
func (o *TriageOptions) totalKey(limit int, viewer *User) totalKey {
	assignee := o.Assignee
	if assignee == AssigneeMe {
		assignee = strconv.FormatInt(viewerID(viewer), 10)
	}
	flag := func(b *bool) string {
		if b == nil {
			return "-"
		}
		return strconv.FormatBool(*b)
	}
	return totalKey{status: o.Status, category: o.Category, limit: limit,
		triage: fmt.Sprintf("assignee=%s triaged=%s answered=%s age=%t older=%d votes=%d",
			assignee, flag(o.Triaged), flag(o.Answered), o.Sort == TriageSortAge, o.OlderThan, o.MinVotes)}
}

// TriageIdeas returns a page of the team's inbox, with the triage fields.
// Like the idea list, it counts only as far as its pages reach, and keeps
// the count for a few seconds as the list does.
func (s *Store) TriageIdeas(ctx context.Context, o TriageOptions, viewer *User) (*IdeaPage, error) {
	if !s.Can(viewer, ActTriage) {
		return nil, ErrForbidden
	}
	q, err := s.triageQuery(ctx, &o, viewer)
	if err != nil {
		return nil, err
	}
	page := &IdeaPage{Page: o.Page, PerPage: o.PerPage}
	limit := MaxPage * o.PerPage
	n, err := s.total(ctx, q, o.totalKey(limit, viewer), o.Tag == "")
	if err != nil {
		return nil, fmt.Errorf("count the inbox: %w", err)
	}
	page.Total, page.More = min(n, int64(limit)), n > int64(limit)
	lo := ListOptions{Triage: true, Bodies: o.Bodies, Page: o.Page, PerPage: o.PerPage}
	ideas, err := loadPage(q, lo, clause.Expr{SQL: s.triageOrder(o.Sort)})
	if err != nil {
		return nil, fmt.Errorf("list the inbox: %w", err)
	}
	if err := s.fillIdeas(ctx, ideas, viewer); err != nil {
		return nil, err
	}
	page.Ideas = ideas
	return page, nil
}

// Inbox views, the tabs of the inbox with their counts.
const (
	ViewUntriaged  = "untriaged"
	ViewMine       = "mine"
	ViewUnassigned = "unassigned"
	ViewUnanswered = "unanswered"
	ViewAll        = "all"
)

// InboxViews lists the views in the order the inbox shows them.
var InboxViews = []string{ViewUntriaged, ViewMine, ViewUnassigned, ViewUnanswered, ViewAll}

// InboxView gives the filters of an inbox view, and whether it is one.
func InboxView(view string) (TriageOptions, bool) {
	no := false
	switch view {
	case ViewUntriaged:
		return TriageOptions{Triaged: &no}, true
	case ViewMine:
		return TriageOptions{Assignee: AssigneeMe}, true
	case ViewUnassigned:
		return TriageOptions{Assignee: AssigneeNone}, true
	case ViewUnanswered:
		return TriageOptions{Answered: &no}, true
	case ViewAll:
		return TriageOptions{}, true
	}
	return TriageOptions{}, false
}

// MaxInboxCount bounds the count of each inbox view: past it the page says
// "more than".
const MaxInboxCount = 999

// ViewCount is how many ideas an inbox view holds, up to MaxInboxCount.
type ViewCount struct {
	View  string
	Count int64
	More  bool
}

// InboxCounts counts the ideas of every inbox view, each up to MaxInboxCount
// and read from an index.
func (s *Store) InboxCounts(ctx context.Context, viewer *User) ([]ViewCount, error) {
	if !s.Can(viewer, ActTriage) {
		return nil, ErrForbidden
	}
	out := make([]ViewCount, len(InboxViews))
	for i, view := range InboxViews {
		o, _ := InboxView(view)
		q, err := s.triageQuery(ctx, &o, viewer)
		if err != nil {
			return nil, err
		}
		n, err := s.total(ctx, q, o.totalKey(MaxInboxCount, viewer), true)
		if err != nil {
			return nil, fmt.Errorf("count the inbox view %s: %w", view, err)
		}
		out[i] = ViewCount{View: view, Count: min(n, MaxInboxCount), More: n > MaxInboxCount}
	}
	return out, nil
}

// Batch actions of the inbox.
const (
	BatchStatus   = "status"
	BatchAssign   = "assign"
	BatchWeigh    = "weigh"
	BatchCategory = "category"
	BatchTags     = "tags"
	BatchMerge    = "merge"
)

// TriageBatch is one action on a selection of ideas: a status with one
// public answer, an assignee, impact and effort, a category, tags, or a merge
// into another idea.
type TriageBatch struct {
	Do       string
	Status   string
	Note     string
	Triage   TriageUpdate
	Category string
	Tags     []string
	Into     int64
}

// TriageMany takes one action on each of the ideas, in order, as actor
// would on each idea alone (the same rules apply), and returns how many it
// changed. It stops at the first idea that refuses, with that error; the
// ones before it stay changed.
func (s *Store) TriageMany(ctx context.Context, actor *User, ids []int64, b TriageBatch) (int, error) {
	if !s.Can(actor, ActTriage) {
		return 0, ErrForbidden
	}
	switch {
	case len(ids) == 0:
		return 0, ValidationErrors{"ids": "choose at least one idea"}
	case len(ids) > MaxPerPage:
		return 0, ValidationErrors{"ids": fmt.Sprintf("choose at most %d ideas", MaxPerPage)}
	}
	for i, id := range ids {
		var err error
		switch b.Do {
		case BatchStatus:
			_, err = s.SetStatus(ctx, id, actor, b.Status, b.Note)
		case BatchAssign, BatchWeigh:
			_, err = s.SetTriage(ctx, id, actor, b.Triage)
		case BatchCategory:
			_, err = s.UpdateIdea(ctx, id, actor, IdeaUpdate{Category: &b.Category})
		case BatchTags:
			_, err = s.UpdateIdea(ctx, id, actor, IdeaUpdate{Tags: &b.Tags})
		case BatchMerge:
			if b.Into < 1 {
				return 0, ValidationErrors{"into": "must be the id of another idea"}
			}
			_, err = s.Merge(ctx, id, b.Into, actor, "")
		default:
			return 0, ValidationErrors{"do": "must be status, assign, weigh, category, tags or merge"}
		}
		if err != nil {
			return i, err
		}
	}
	return len(ids), nil
}
