package models

import (
	"context"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
)

// ChangelogEntry is one entry of the team's changelog: what shipped, in
// Markdown, linked to the ideas it delivers. A draft (no PublishedAt) is
// for those who write the changelog alone.
type ChangelogEntry struct {
	ID          int64
	Title       string
	Body        string
	BodyHTML    template.HTML `gorm:"column:body_html"`
	AuthorID    *int64
	PublishedAt *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time

	Author *User `gorm:"foreignKey:AuthorID"`
	// Ideas are the linked ideas the viewer may see, in the order they were linked.
	Ideas []*Idea `gorm:"-"`
	// Credits are the members whose ideas (of Ideas, published) the entry
	// delivers, each once: "built with ideas from".
	Credits []User `gorm:"-"`
}

// TableName keeps GORM on the changelog's table.
func (ChangelogEntry) TableName() string { return "changelog_entries" }

// Published reports whether the entry is out of draft.
func (e *ChangelogEntry) Published() bool { return e.PublishedAt != nil }

// changelogIdea links an entry to an idea it delivers.
type changelogIdea struct {
	EntryID  int64
	IdeaID   int64
	Position int
}

func (changelogIdea) TableName() string { return "changelog_ideas" }

// Limits on a changelog entry.
const (
	MaxChangelogTitleLength = 120
	MaxChangelogIdeas       = 100
)

// ChangelogInput is what the team writes. On an update, nil fields stay as
// they are.
type ChangelogInput struct {
	Title *string
	Body  *string
	// Ideas are the ids of the ideas the entry delivers, in order.
	Ideas *[]int64
	// Publish publishes a draft (true) or takes a published entry back to
	// draft (false).
	Publish *bool
	// Ship moves every linked idea to the first status of kind done, with the
	// entry as its public answer. It needs the entry published.
	Ship bool
}

// CreateChangelogEntry writes a new entry, a draft unless in.Publish says otherwise.
func (s *Store) CreateChangelogEntry(ctx context.Context, actor *User, in ChangelogInput) (*ChangelogEntry, error) {
	if !s.Can(actor, ActWriteChangelog) {
		return nil, ErrForbidden
	}
	if in.Title == nil {
		in.Title = new(string)
	}
	e := &ChangelogEntry{AuthorID: &actor.ID}
	if err := s.saveChangelogEntry(ctx, e, actor, in); err != nil {
		return nil, err
	}
	return s.ChangelogEntry(ctx, e.ID, actor)
}

// UpdateChangelogEntry changes an entry, publishes it or takes it back, and
// ships its ideas.
func (s *Store) UpdateChangelogEntry(ctx context.Context, id int64, actor *User, in ChangelogInput) (*ChangelogEntry, error) {
	if !s.Can(actor, ActWriteChangelog) {
		return nil, ErrForbidden
	}
	e, err := s.ChangelogEntry(ctx, id, actor)
	if err != nil {
		return nil, err
	}
	if err := s.saveChangelogEntry(ctx, e, actor, in); err != nil {
		return nil, err
	}
	return s.ChangelogEntry(ctx, id, actor)
}

// saveChangelogEntry checks in against e, then stores e, its links, its
// publication and the shipping of its ideas in one transaction.
func (s *Store) saveChangelogEntry(ctx context.Context, e *ChangelogEntry, actor *User, in ChangelogInput) error {
	errs := ValidationErrors{}
	if in.Title != nil {
		e.Title = checkTitle(*in.Title, MaxChangelogTitleLength, "title", errs)
	}
	if in.Body != nil {
		e.Body = checkBody(*in.Body, "body", errs)
		e.BodyHTML = s.md.render(e.Body)
	}

	// The ideas to link: those given, else those linked already.
	var ids []int64
	if in.Ideas != nil {
		for _, id := range *in.Ideas {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	} else if e.ID != 0 {
		var err error
		if ids, err = s.linkedIdeas(ctx, e.ID); err != nil {
			return err
		}
	}
	if len(ids) > MaxChangelogIdeas {
		errs["ideas"] = fmt.Sprintf("must be at most %d ideas", MaxChangelogIdeas)
	}
	ideas, err := s.ideasFor(ctx, ids, actor)
	if err != nil {
		return err
	}
	if len(errs["ideas"]) == 0 {
		var unknown []string
		for _, id := range ids {
			if !slices.ContainsFunc(ideas, func(i *Idea) bool { return i.ID == id }) {
				unknown = append(unknown, strconv.FormatInt(id, 10))
			}
		}
		if len(unknown) > 0 {
			errs["ideas"] = "names no idea you can see: " + strings.Join(unknown, ", ")
		}
	}

	wasPublished := e.Published()
	publish := wasPublished
	if in.Publish != nil {
		publish = *in.Publish
	}
	var done *Status
	if in.Ship {
		if !publish {
			errs["ship"] = "needs the entry to be published"
		} else if done, err = s.firstDoneStatus(ctx); err != nil {
			errs["ship"] = "needs a status of kind done"
		}
	}
	if err := errs.orNil(); err != nil {
		return err
	}

	now := s.Now()
	e.UpdatedAt = now
	if e.ID == 0 {
		e.CreatedAt = now
	}
	switch {
	case publish && !wasPublished:
		e.PublishedAt = &now
	case !publish:
		e.PublishedAt = nil
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Omit("Author").Save(e).Error; err != nil {
			return err
		}
		if in.Ideas != nil {
			if err := tx.Where("entry_id = ?", e.ID).Delete(&changelogIdea{}).Error; err != nil {
				return err
			}
			for n, id := range ids {
				if err := tx.Create(&changelogIdea{EntryID: e.ID, IdeaID: id, Position: n}).Error; err != nil {
					return err
				}
			}
		}
		if publish != wasPublished {
			action := AuditChangelogPublish
			if !publish {
				action = AuditChangelogUnpublish
			}
			err := record(tx, now, Audit{Actor: actor, Action: action, TargetType: TargetChangelog, TargetID: e.ID, Reason: e.Title})
			if err == nil && publish {
				err = s.publish(tx, WebhookEvent{Type: EventChangelogPublished, EntryID: e.ID})
			}
			if err != nil {
				return err
			}
		}
		if publish && !wasPublished {
			// The followers of each idea it delivers hear of the entry (and
			// not, besides, of the status change shipping makes below).
			for _, idea := range ideas {
				if idea.State != StatePublished || idea.MergedInto != nil {
					continue
				}
				err := s.emit(tx, Event{Kind: NotifyChangelog, IdeaID: &idea.ID, EntryID: &e.ID, ActorID: &actor.ID})
				if err != nil {
					return err
				}
			}
		}
		if done == nil {
			return nil
		}
		// Shipping is a status change like any other, with the entry as its answer.
		note := fmt.Sprintf("[%s](/changelog/%d)", escapeMarkdown(e.Title), e.ID)
		for _, idea := range ideas {
			if idea.State != StatePublished || idea.MergedInto != nil || idea.Status.Kind == KindDone {
				continue
			}
			if err := s.changeStatus(tx, idea, actor, done, note, ""); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("save changelog entry %q: %w", e.Title, err)
	}
	return nil
}

// escapeMarkdown makes text read as itself in Markdown, as a link's text.
func escapeMarkdown(text string) string {
	var b strings.Builder
	for _, r := range text {
		if strings.ContainsRune("\\`*_{}[]()<>#+-.!|~&", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// firstDoneStatus is where shipped ideas go: the first status of kind done.
func (s *Store) firstDoneStatus(ctx context.Context) (*Status, error) {
	statuses, err := s.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	for i := range statuses {
		if statuses[i].Kind == KindDone {
			return &statuses[i], nil
		}
	}
	return nil, fmt.Errorf("first status of kind done: %w", ErrNotFound)
}

// linkedIdeas lists the ids of the ideas an entry links, in order.
func (s *Store) linkedIdeas(ctx context.Context, entryID int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Model(&changelogIdea{}).Where("entry_id = ?", entryID).
		Order("position, idea_id").Pluck("idea_id", &ids).Error
	if err != nil {
		return nil, fmt.Errorf("load ideas of changelog entry %d: %w", entryID, err)
	}
	return ids, nil
}

// ideasFor loads the ideas of ids that viewer may see, in the order of ids.
// Ideas merged into another are left out, except for those who write the
// changelog (they linked them, and may unlink them).
func (s *Store) ideasFor(ctx context.Context, ids []int64, viewer *User) ([]*Idea, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var found []*Idea
	if err := s.ideaQuery(ctx).Where("ideas.id IN ?", ids).Find(&found).Error; err != nil {
		return nil, fmt.Errorf("load ideas %v: %w", ids, err)
	}
	now, writer := s.Now(), s.Can(viewer, ActWriteChangelog)
	byID := make(map[int64]*Idea, len(found))
	for _, i := range found {
		if i.VisibleTo(viewer, now) && (i.MergedInto == nil || writer) {
			byID[i.ID] = i
		}
	}
	ideas := make([]*Idea, 0, len(byID))
	for _, id := range ids {
		if i := byID[id]; i != nil {
			ideas = append(ideas, i)
		}
	}
	return ideas, nil
}

// ChangelogEntry loads one entry as the viewer may see it: a draft is
// ErrNotFound to anyone who may not write the changelog.
func (s *Store) ChangelogEntry(ctx context.Context, id int64, viewer *User) (*ChangelogEntry, error) {
	var e ChangelogEntry
	if err := first(s.db.WithContext(ctx).Joins("Author").Where("changelog_entries.id = ?", id), &e); err != nil {
		return nil, fmt.Errorf("load changelog entry %d: %w", id, err)
	}
	if !e.Published() && !s.Can(viewer, ActWriteChangelog) {
		return nil, fmt.Errorf("load changelog entry %d: %w", id, ErrNotFound)
	}
	if err := s.fillChangelog(ctx, []*ChangelogEntry{&e}, viewer); err != nil {
		return nil, err
	}
	return &e, nil
}

// fillChangelog adds to entries the ideas the viewer may see and the
// members they credit: two queries for the whole list.
func (s *Store) fillChangelog(ctx context.Context, entries []*ChangelogEntry, viewer *User) error {
	if len(entries) == 0 {
		return nil
	}
	entryIDs := make([]int64, len(entries))
	for i, e := range entries {
		entryIDs[i] = e.ID
	}
	var links []changelogIdea
	err := s.db.WithContext(ctx).Where("entry_id IN ?", entryIDs).Order("entry_id, position, idea_id").Find(&links).Error
	if err != nil {
		return fmt.Errorf("load ideas of changelog entries: %w", err)
	}
	var ideaIDs []int64
	for _, l := range links {
		if !slices.Contains(ideaIDs, l.IdeaID) {
			ideaIDs = append(ideaIDs, l.IdeaID)
		}
	}
	ideas, err := s.ideasFor(ctx, ideaIDs, viewer)
	if err != nil {
		return err
	}
	byID := make(map[int64]*Idea, len(ideas))
	for _, i := range ideas {
		byID[i.ID] = i
	}
	for _, e := range entries {
		e.Ideas, e.Credits = nil, nil
		for _, l := range links {
			idea := byID[l.IdeaID]
			if l.EntryID != e.ID || idea == nil {
				continue
			}
			e.Ideas = append(e.Ideas, idea)
			// Only members seen as authors are named: not of an idea
			// awaiting review or hidden, not a member who is gone.
			credited := idea.State == StatePublished && idea.Author.ID != 0 &&
				!slices.ContainsFunc(e.Credits, func(u User) bool { return u.ID == idea.Author.ID })
			if credited {
				e.Credits = append(e.Credits, idea.Author)
			}
		}
	}
	return nil
}

// ChangelogOptions picks a page of the changelog.
type ChangelogOptions struct {
	Page, PerPage int
	// Drafts lists drafts too, first: the team's editor.
	Drafts bool
}

// ChangelogPage is one page of changelog entries.
type ChangelogPage struct {
	Entries []*ChangelogEntry
	Page    int
	PerPage int
	Total   int64
}

// Pages is how many pages the changelog has.
func (p *ChangelogPage) Pages() int { return int((p.Total + int64(p.PerPage) - 1) / int64(p.PerPage)) }

// Changelog lists published entries, newest first, one page at a time, as
// the viewer may see them. With Drafts, for those who write the changelog,
// drafts come first, newest first.
func (s *Store) Changelog(ctx context.Context, o ChangelogOptions, viewer *User) (*ChangelogPage, error) {
	if o.Drafts && !s.Can(viewer, ActWriteChangelog) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	normalizePaging(&o.Page, &o.PerPage, errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Model(&ChangelogEntry{})
	order := "changelog_entries.published_at DESC, changelog_entries.id DESC"
	if o.Drafts {
		order = "CASE WHEN changelog_entries.published_at IS NULL THEN 0 ELSE 1 END, " + order
	} else {
		q = q.Where("changelog_entries.published_at IS NOT NULL")
	}
	page := &ChangelogPage{Page: o.Page, PerPage: o.PerPage}
	if err := q.Count(&page.Total).Error; err != nil {
		return nil, fmt.Errorf("count changelog entries: %w", err)
	}
	err := q.Joins("Author").Order(order).Limit(o.PerPage).Offset((o.Page - 1) * o.PerPage).Find(&page.Entries).Error
	if err != nil {
		return nil, fmt.Errorf("list changelog entries: %w", err)
	}
	if err := s.fillChangelog(ctx, page.Entries, viewer); err != nil {
		return nil, err
	}
	return page, nil
}

// ShippedIn lists the published entries that deliver an idea, oldest first:
// what its page links as "shipped in".
func (s *Store) ShippedIn(ctx context.Context, ideaID int64) ([]ChangelogEntry, error) {
	var list []ChangelogEntry
	err := s.db.WithContext(ctx).
		Joins("JOIN changelog_ideas ON changelog_ideas.entry_id = changelog_entries.id AND changelog_ideas.idea_id = ?", ideaID).
		Where("changelog_entries.published_at IS NOT NULL").
		Order("changelog_entries.published_at, changelog_entries.id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list changelog entries of idea %d: %w", ideaID, err)
	}
	return list, nil
}

// DeleteChangelogEntry removes an entry and its links. The status changes
// that shipped its ideas stay: they are the ideas' history.
func (s *Store) DeleteChangelogEntry(ctx context.Context, id int64, actor *User) error {
	if !s.Can(actor, ActWriteChangelog) {
		return ErrForbidden
	}
	e, err := s.ChangelogEntry(ctx, id, actor)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("entry_id = ?", id).Delete(&changelogIdea{}).Error; err != nil {
			return err
		}
		if err := tx.Delete(&ChangelogEntry{}, id).Error; err != nil {
			return err
		}
		return record(tx, s.Now(), Audit{Actor: actor, Action: AuditChangelogDelete, TargetType: TargetChangelog, TargetID: id, Reason: e.Title})
	})
	if err != nil {
		return fmt.Errorf("delete changelog entry %d: %w", id, err)
	}
	return nil
}
