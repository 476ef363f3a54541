package models

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"
)

// MaxReasonLength bounds a moderator's reason or a reporter's note, in characters.
const MaxReasonLength = 500

// validateReason trims a reason and checks it; required reasons may not be empty.
func validateReason(reason string, required bool, errs ValidationErrors) string {
	reason = strings.TrimSpace(reason)
	switch {
	case !validText(reason):
		errs["reason"] = "is not valid text"
	case required && reason == "":
		errs["reason"] = "is required"
	case utf8.RuneCountInString(reason) > MaxReasonLength:
		errs["reason"] = fmt.Sprintf("must be at most %d characters", MaxReasonLength)
	}
	return reason
}

// Reason categories: what the public moderation log says of why. They
// follow the reasons members report with, plus duplicates.
const (
	ReasonSpam      = ReportSpam
	ReasonAbusive   = ReportAbusive
	ReasonOffTopic  = ReportOffTopic
	ReasonDuplicate = "duplicate"
	ReasonOther     = ReportOther
)

// ReasonCategories lists the reason categories, in the order forms show them.
var ReasonCategories = []string{ReasonSpam, ReasonAbusive, ReasonOffTopic, ReasonDuplicate, ReasonOther}

// PublicReason is what the public moderation log shows of a moderator's
// reason: its category, and the moderator's own words only when Public.
type PublicReason struct {
	Category string // one of ReasonCategories, or "" for none
	Public   bool
}

// reasonNamesMember is what a moderator reads when a public reason
// mentions a member.
const reasonNamesMember = "mentions a member's name or email: the public log names nobody; rephrase it, or keep the reason private"

// emailLike finds anything shaped like an email address.
var emailLike = regexp.MustCompile(`[^\s@]+@[^\s@]+\.[^\s@]+`)

// validatePublicReason checks the category, and refuses a public reason
// that names a member (their display name as a whole word, or an
// @mention of it) or holds an email address.
func (s *Store) validatePublicReason(ctx context.Context, reason string, p PublicReason, errs ValidationErrors) error {
	if p.Category != "" && !slices.Contains(ReasonCategories, p.Category) {
		errs["reason_category"] = "must be one of " + strings.Join(ReasonCategories, ", ")
	}
	if !p.Public || reason == "" {
		return nil
	}
	if emailLike.MatchString(reason) {
		errs["reason"] = reasonNamesMember
		return nil
	}
	lower := strings.ToLower(reason)
	squashed := strings.ReplaceAll(lower, " ", "")
	// Names of three letters or more that occur in the reason, as written or
	// as a mention (the name without its spaces).
	var names []string
	err := s.db.WithContext(ctx).Model(&User{}).
		Where("deleted_at IS NULL AND LENGTH(name) >= 3").
		Where("? LIKE '%' || LOWER(name) || '%' OR ? LIKE '%' || LOWER(REPLACE(name, ' ', '')) || '%'", lower, squashed).
		Limit(100).Pluck("name", &names).Error
	if err != nil {
		return fmt.Errorf("check reason for names: %w", err)
	}
	for _, name := range names {
		name = strings.ToLower(name)
		if containsWord(lower, name) || strings.Contains(lower, "@"+strings.ReplaceAll(name, " ", "")) {
			errs["reason"] = reasonNamesMember
			return nil
		}
	}
	return nil
}

// containsWord reports whether word occurs in s with no letter or digit
// right before or after it.
func containsWord(s, word string) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], word)
		if i < 0 {
			return false
		}
		start, end := from+i, from+i+len(word)
		before, _ := utf8.DecodeLastRuneInString(s[:start])
		after, _ := utf8.DecodeRuneInString(s[end:])
		if !isWordRune(before) && !isWordRune(after) {
			return true
		}
		from = start + 1
	}
}

func isWordRune(r rune) bool {
	return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// moderated loads what a staff action on content is about, an idea or a
// comment with its idea, as the actor may see it. It is the one gate of
// every moderation action on content (hiding and showing, locking, pinning,
// merging and unmerging, the review queue's decisions): the actor's standing
// must allow moderating, and the actor must outrank the author (MayActOn):
// ErrForbidden or ErrOutranked otherwise.
func (s *Store) moderated(ctx context.Context, actor *User, target string, id int64) (*QueueItem, error) {
	if !s.Can(actor, ActModerate) {
		return nil, ErrForbidden
	}
	if target != TargetIdea && target != TargetComment {
		return nil, ValidationErrors{"target": "must be idea or comment"}
	}
	item := &QueueItem{Target: target, ID: id}
	if err := s.fillQueueItem(ctx, item, actor); err != nil {
		return nil, err
	}
	if err := s.actOn(actor, ActModerate, item.Author()); err != nil {
		return nil, fmt.Errorf("moderate %s %d: %w", target, id, err)
	}
	return item, nil
}

// IdeaModeration changes how an idea is shown; nil leaves a flag as it is.
// Hiding needs a reason.
type IdeaModeration struct {
	Locked *bool
	Pinned *bool
	Hidden *bool
	Reason string
	PublicReason
}

// ModerateIdea hides or shows, locks or unlocks, pins or unpins an idea, and
// records each change in the audit log.
func (s *Store) ModerateIdea(ctx context.Context, id int64, actor *User, m IdeaModeration) (*Idea, error) {
	item, err := s.moderated(ctx, actor, TargetIdea, id)
	if err != nil {
		return nil, err
	}
	idea := item.Idea
	errs := ValidationErrors{}
	hide := m.Hidden != nil && *m.Hidden && idea.State != StateHidden
	reason := validateReason(m.Reason, hide, errs)
	if err := s.validatePublicReason(ctx, reason, m.PublicReason, errs); err != nil {
		return nil, err
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	now := s.Now()
	changes := map[string]any{}
	var log []Audit
	note := func(action string) {
		log = append(log, Audit{Actor: actor, Action: action, TargetType: TargetIdea, TargetID: id, Subject: &idea.AuthorID, Reason: reason, PublicReason: m.PublicReason})
	}
	if m.Locked != nil && *m.Locked != idea.Locked {
		changes["locked"] = *m.Locked
		note(map[bool]string{true: AuditIdeaLock, false: AuditIdeaUnlock}[*m.Locked])
	}
	if m.Pinned != nil && *m.Pinned != idea.Pinned {
		changes["pinned"] = *m.Pinned
		note(map[bool]string{true: AuditIdeaPin, false: AuditIdeaUnpin}[*m.Pinned])
	}
	switch {
	case hide:
		changes["state"], changes["moderation_note"] = StateHidden, reason
		note(AuditIdeaHide)
	case m.Hidden != nil && !*m.Hidden && idea.State == StateHidden:
		changes["state"], changes["moderation_note"] = StatePublished, ""
		note(AuditIdeaUnhide)
	}
	if len(changes) > 0 {
		changes["updated_at"] = now
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Model(&Idea{}).Where("id = ?", id).Updates(changes).Error; err != nil {
				return err
			}
			for _, a := range log {
				if err := record(tx, now, a); err != nil {
					return err
				}
			}
			if hide {
				return s.emit(tx, Event{Kind: NotifyContentHidden, IdeaID: &id, ActorID: &actor.ID, RecipientID: &idea.AuthorID, Detail: reason})
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("moderate idea %d: %w", id, err)
		}
	}
	return s.Idea(ctx, id, actor)
}

// Merge folds a duplicate idea into another: every voter of the duplicate
// now backs the target (nobody counted twice), the duplicate's page leads to
// the target, and its comments are read there. Unmerge undoes it exactly.
// It returns the target.
func (s *Store) Merge(ctx context.Context, sourceID, intoID int64, actor *User, reason string) (*Idea, error) {
	if !s.Can(actor, ActModerate) {
		return nil, ErrForbidden
	}
	if sourceID == intoID {
		return nil, &ConflictError{ReasonSelfMerge}
	}
	errs := ValidationErrors{}
	reason = validateReason(reason, false, errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	item, err := s.moderated(ctx, actor, TargetIdea, sourceID)
	if err != nil {
		return nil, err
	}
	source := item.Idea
	target, err := s.Idea(ctx, intoID, actor)
	if err != nil {
		return nil, fmt.Errorf("merge into idea %d: %w", intoID, ValidationErrors{"into": "is not an idea"})
	}
	if source.MergedInto != nil || target.MergedInto != nil {
		return nil, &ConflictError{ReasonMerged}
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Claim both rows first, so a merge the other way round waits for this one.
		res := tx.Model(&Idea{}).Where("id IN ? AND merged_into IS NULL", []int64{sourceID, intoID}).Update("updated_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 2 {
			return &ConflictError{ReasonMerged}
		}
		var moved []int64
		err := tx.Raw(`INSERT INTO votes (idea_id, user_id, created_at)
			SELECT ?, user_id, created_at FROM votes WHERE idea_id = ?
			ON CONFLICT DO NOTHING RETURNING user_id`, intoID, sourceID).Scan(&moved).Error
		if err != nil {
			return err
		}
		for _, userID := range moved {
			err := tx.Exec("INSERT INTO merged_votes (source_id, target_id, user_id) VALUES (?, ?, ?)", sourceID, intoID, userID).Error
			if err != nil {
				return err
			}
		}
		if err := addVotes(tx, intoID, len(moved)); err != nil {
			return err
		}
		err = tx.Model(&Idea{}).Where("id = ?", sourceID).Updates(map[string]any{"merged_into": intoID, "updated_at": now}).Error
		if err == nil {
			err = s.publish(tx, WebhookEvent{Type: EventIdeaMerged, IdeaID: sourceID})
		}
		if err != nil {
			return err
		}
		// The duplicate's followers follow on where its votes went.
		err = tx.Exec(`INSERT INTO subscriptions (idea_id, user_id, following, created_at)
			SELECT ?, user_id, TRUE, ? FROM subscriptions WHERE idea_id = ? AND following
			ON CONFLICT DO NOTHING`, intoID, now, sourceID).Error
		if err != nil {
			return err
		}
		if err := s.emit(tx, Event{Kind: NotifyMerged, IdeaID: &sourceID, OtherIdeaID: &intoID, ActorID: &actor.ID}); err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditIdeaMerge, TargetType: TargetIdea, TargetID: sourceID,
			Subject: &source.AuthorID, Reason: strings.TrimSpace(fmt.Sprintf("into #%d. %s", intoID, reason)),
			PublicReason: PublicReason{Category: ReasonDuplicate}})
	})
	if err != nil {
		return nil, fmt.Errorf("merge idea %d into %d: %w", sourceID, intoID, err)
	}
	s.announceVotes(ctx, intoID)
	return s.Idea(ctx, intoID, actor)
}

// Unmerge restores a merged idea: the target loses exactly the votes the
// merge gave it, and the idea stands on its own again. It returns the idea.
func (s *Store) Unmerge(ctx context.Context, id int64, actor *User) (*Idea, error) {
	item, err := s.moderated(ctx, actor, TargetIdea, id)
	if err != nil {
		return nil, err
	}
	idea := item.Idea
	if idea.MergedInto == nil {
		return nil, &ConflictError{ReasonNotMerged}
	}
	target := *idea.MergedInto
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Idea{}).Where("id = ? AND merged_into = ?", id, target).Updates(map[string]any{"merged_into": nil, "updated_at": now})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected != 1 {
			return &ConflictError{ReasonNotMerged}
		}
		var taken []int64
		err := tx.Raw(`DELETE FROM votes WHERE idea_id = ?
			AND user_id IN (SELECT user_id FROM merged_votes WHERE source_id = ?) RETURNING user_id`, target, id).Scan(&taken).Error
		if err != nil {
			return err
		}
		if err := tx.Exec("DELETE FROM merged_votes WHERE source_id = ?", id).Error; err != nil {
			return err
		}
		if err := addVotes(tx, target, -len(taken)); err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditIdeaUnmerge, TargetType: TargetIdea, TargetID: id,
			Subject: &idea.AuthorID, Reason: fmt.Sprintf("from #%d", target)})
	})
	if err != nil {
		return nil, fmt.Errorf("unmerge idea %d: %w", id, err)
	}
	s.announceVotes(ctx, id, target)
	return s.Idea(ctx, id, actor)
}

// addVotes changes an idea's vote counter by delta, and its trending score
// to match its votes.
func addVotes(tx *gorm.DB, ideaID int64, delta int) error {
	if delta == 0 {
		return nil
	}
	if err := tx.Exec("UPDATE ideas SET votes = votes + ? WHERE id = ?", delta, ideaID).Error; err != nil {
		return err
	}
	return recomputeTrend(tx, "id = ?", ideaID)
}

// MergedFrom lists the ideas merged into an idea that the viewer may see,
// oldest first, with their authors: a merged idea passes the same
// visibility rule as any other, and the rank rule decides who unmerges it.
func (s *Store) MergedFrom(ctx context.Context, ideaID int64, viewer *User) ([]Idea, error) {
	var list []Idea
	err := s.db.WithContext(ctx).Joins("Author").Select("ideas.id, ideas.title, ideas.slug, ideas.author_id, ideas.state, ideas.created_at").
		Where("ideas.merged_into = ? AND ideas.state <> ?", ideaID, StateDeleted).Order("ideas.id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list ideas merged into %d: %w", ideaID, err)
	}
	now := s.Now()
	visible := list[:0]
	for _, i := range list {
		if i.VisibleTo(viewer, now) {
			visible = append(visible, i)
		}
	}
	return visible, nil
}

// ModerateComment hides a comment with a reason, or shows it again.
func (s *Store) ModerateComment(ctx context.Context, commentID int64, actor *User, hidden bool, reason string, pub PublicReason) (*Comment, error) {
	if !s.Can(actor, ActModerate) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	reason = validateReason(reason, hidden, errs)
	if err := s.validatePublicReason(ctx, reason, pub, errs); err != nil {
		return nil, err
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	item, err := s.moderated(ctx, actor, TargetComment, commentID)
	if err != nil {
		return nil, err
	}
	c := item.Comment
	changes, action := map[string]any{}, ""
	switch {
	case hidden && c.State != StateHidden:
		changes["state"], changes["moderation_note"], action = StateHidden, reason, AuditCommentHide
	case !hidden && c.State == StateHidden:
		changes["state"], changes["moderation_note"], action = StatePublished, "", AuditCommentUnhide
	}
	if action != "" {
		now := s.Now()
		changes["updated_at"] = now
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Model(&Comment{}).Where("id = ?", c.ID).Updates(changes).Error; err != nil {
				return err
			}
			if action == AuditCommentHide {
				err := s.emit(tx, Event{Kind: NotifyContentHidden, IdeaID: &c.IdeaID, CommentID: &c.ID, ActorID: &actor.ID, RecipientID: &c.UserID, Detail: reason})
				if err != nil {
					return err
				}
			}
			return record(tx, now, Audit{Actor: actor, Action: action, TargetType: TargetComment, TargetID: c.ID, Subject: &c.UserID, Reason: reason, PublicReason: pub})
		})
		if err != nil {
			return nil, fmt.Errorf("moderate comment %d: %w", commentID, err)
		}
	}
	return s.comment(ctx, commentID, actor)
}

// comment loads a comment that is not deleted, in any other state, with its
// author. An internal note is ErrNotFound for a viewer who may not read it.
func (s *Store) comment(ctx context.Context, id int64, viewer *User) (*Comment, error) {
	var c Comment
	if err := first(s.db.WithContext(ctx).Joins("User").Where("comments.id = ? AND comments.state <> ?", id, StateDeleted), &c); err != nil {
		return nil, fmt.Errorf("load comment %d: %w", id, err)
	}
	if c.Internal && !s.Can(viewer, ActReadInternal) {
		return nil, fmt.Errorf("load comment %d: %w", id, ErrNotFound)
	}
	return &c, nil
}
