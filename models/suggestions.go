package models

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Kinds of suggestion.
const (
	SuggestCategory = "category"
	SuggestTag      = "tag"
)

// States of a suggestion.
const (
	SuggestionPending  = "pending"
	SuggestionAccepted = "accepted"
	SuggestionRejected = "rejected"
)

// maxPendingSuggestions bounds what one member may have waiting at once.
const maxPendingSuggestions = 10

// Suggestion is a new category, or a tag for an idea, that a member of the
// configured trust level proposes and a moderator accepts or rejects.
type Suggestion struct {
	ID        int64
	Kind      string
	Name      string
	Note      string
	IdeaID    *int64 // the idea a tag is for; nil for a category
	UserID    int64
	State     string
	DecidedBy *int64
	DecidedAt *time.Time
	Answer    string
	CreatedAt time.Time

	User User  `gorm:"foreignKey:UserID"`
	Idea *Idea `gorm:"foreignKey:IdeaID"`
}

// NewSuggestion is what a member sends.
type NewSuggestion struct {
	Kind   string
	Name   string
	IdeaID int64 // for a tag
	Note   string
}

// MaySuggest reports whether u may suggest categories and tags at now:
// staff may, members from the settings' level on.
func MaySuggest(u *User, st Settings, now time.Time) bool {
	if u == nil || !StandingOf(u, now).Allows(ActSuggest) {
		return false
	}
	return u.Staff(now) || u.TrustLevel >= st.TrustSuggestLevel
}

// Suggest stores a member's suggestion for the moderators. Below the trust
// level that may suggest it is ErrForbidden.
func (s *Store) Suggest(ctx context.Context, u *User, n NewSuggestion) (*Suggestion, error) {
	settings, err := s.Settings(ctx)
	if err != nil {
		return nil, err
	}
	if !MaySuggest(u, settings, s.Now()) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	n.Name = strings.Join(strings.Fields(n.Name), " ")
	n.Note = strings.TrimSpace(n.Note)
	if !validText(n.Note) || utf8.RuneCountInString(n.Note) > MaxReasonLength {
		errs["note"] = fmt.Sprintf("must be valid text of at most %d characters", MaxReasonLength)
	}
	sg := &Suggestion{Kind: n.Kind, Name: n.Name, Note: n.Note, UserID: u.ID, State: SuggestionPending, CreatedAt: s.Now()}
	switch n.Kind {
	case SuggestCategory:
		if n.Name == "" || !validText(n.Name) || utf8.RuneCountInString(n.Name) > 60 {
			errs["name"] = "must be 1 to 60 characters"
		} else if _, err := s.CategoryBySlug(ctx, Slugify(n.Name)); err == nil {
			errs["name"] = "is a category already"
		}
	case SuggestTag:
		if n.Name == "" || !validText(n.Name) || utf8.RuneCountInString(n.Name) > 40 {
			errs["name"] = "must be 1 to 40 characters"
		}
		idea, err := s.Idea(ctx, n.IdeaID, u)
		switch {
		case errors.Is(err, ErrNotFound):
			errs["idea_id"] = "is not an idea"
		case err != nil:
			return nil, err
		default:
			for _, tag := range idea.Tags {
				if tag.Slug == Slugify(n.Name) && errs["name"] == "" {
					errs["name"] = "is a tag of this idea already"
				}
			}
			sg.IdeaID = &idea.ID
		}
	default:
		errs["kind"] = "must be category or tag"
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	var pending int64
	if err := s.db.WithContext(ctx).Model(&Suggestion{}).Where("user_id = ? AND state = ?", u.ID, SuggestionPending).Count(&pending).Error; err != nil {
		return nil, fmt.Errorf("count suggestions of user %d: %w", u.ID, err)
	}
	if pending >= maxPendingSuggestions {
		return nil, ValidationErrors{"name": fmt.Sprintf("must wait: you have %d suggestions awaiting a decision", pending)}
	}
	if err := s.db.WithContext(ctx).Omit("User", "Idea").Create(sg).Error; err != nil {
		return nil, fmt.Errorf("suggest %s %q: %w", n.Kind, n.Name, err)
	}
	return sg, nil
}

// ideaHeading loads what a list of suggestions shows of a tag's idea.
func ideaHeading(db *gorm.DB) *gorm.DB { return db.Select("id, title, slug") }

// suggestionsShown bounds a list of suggestions.
const suggestionsShown = 100

// PendingSuggestions lists the suggestions awaiting a decision, oldest
// first, with who made them and the idea of a tag.
func (s *Store) PendingSuggestions(ctx context.Context, viewer *User) ([]Suggestion, error) {
	if !s.Can(viewer, ActReviewSuggestions) {
		return nil, ErrForbidden
	}
	var list []Suggestion
	err := s.db.WithContext(ctx).Joins("User").Preload("Idea", ideaHeading).Where("suggestions.state = ?", SuggestionPending).
		Order("suggestions.id").Limit(suggestionsShown).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list suggestions: %w", err)
	}
	return list, nil
}

// SuggestionsBy lists a member's own suggestions, newest first.
func (s *Store) SuggestionsBy(ctx context.Context, userID int64) ([]Suggestion, error) {
	var list []Suggestion
	err := s.db.WithContext(ctx).Preload("Idea", ideaHeading).Where("user_id = ?", userID).Order("id DESC").Limit(suggestionsShown).Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("list suggestions of user %d: %w", userID, err)
	}
	return list, nil
}

// DecideSuggestion accepts or rejects a pending suggestion, with an
// optional answer. Accepting a tag adds it to its idea, recorded as
// moderators' tag changes are; accepting a category creates it, which only
// those who manage categories may, recorded as their category saves are.
// Both happen in the transaction that settles the suggestion. A suggestion
// decided already is a conflict.
func (s *Store) DecideSuggestion(ctx context.Context, actor *User, id int64, accept bool, answer string) (*Suggestion, error) {
	if !s.Can(actor, ActReviewSuggestions) {
		return nil, ErrForbidden
	}
	errs := ValidationErrors{}
	answer = validateReason(answer, false, errs)
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	var sg Suggestion
	if err := first(s.db.WithContext(ctx).Where("id = ?", id), &sg); err != nil {
		return nil, fmt.Errorf("load suggestion %d: %w", id, err)
	}
	if sg.State != SuggestionPending {
		return nil, fmt.Errorf("decide suggestion %d: %w", id, conflict("this suggestion was decided already"))
	}
	now := s.Now()
	var category *Category
	if accept && sg.Kind == SuggestCategory {
		if !s.Can(actor, ActManageCategories) {
			return nil, ErrForbidden
		}
		in := CategoryInput{Name: sg.Name}
		if err := in.validate(); err != nil {
			return nil, err
		}
		category = &Category{Slug: in.Slug, Name: in.Name, CreatedAt: now}
		defer s.forgetCatalog()
	}
	state := map[bool]string{true: SuggestionAccepted, false: SuggestionRejected}[accept]
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&Suggestion{}).Where("id = ? AND state = ?", id, SuggestionPending).
			Updates(map[string]any{"state": state, "decided_by": actor.ID, "decided_at": now, "answer": answer})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return conflict("this suggestion was decided already")
		}
		switch {
		case category != nil:
			err := tx.Create(category).Error
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return ValidationErrors{"name": "is a category already"}
			}
			if err != nil {
				return err
			}
			return record(tx, now, Audit{Actor: actor, Action: AuditCategory, TargetType: TargetCategory, TargetID: category.ID, Reason: category.Slug})
		case accept && sg.Kind == SuggestTag:
			return s.addTag(tx, actor, *sg.IdeaID, sg.Name, now)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("decide suggestion %d: %w", id, err)
	}
	sg.State, sg.DecidedBy, sg.DecidedAt, sg.Answer = state, &actor.ID, &now, answer
	return &sg, nil
}

// addTag adds a tag to an idea's tags, in tx, and records it as a tag change.
func (s *Store) addTag(tx *gorm.DB, actor *User, ideaID int64, name string, now time.Time) error {
	var idea Idea
	if err := first(tx.Select("id, author_id").Where("id = ?", ideaID), &idea); err != nil {
		return err
	}
	var names []string
	err := tx.Raw("SELECT tags.name FROM tags JOIN idea_tags ON idea_tags.tag_id = tags.id WHERE idea_tags.idea_id = ? ORDER BY tags.name", idea.ID).
		Scan(&names).Error
	if err != nil {
		return err
	}
	errs := ValidationErrors{}
	names = normalizeTags(append(names, name), errs)
	if err := errs.orNil(); err != nil {
		return err
	}
	if err := setTags(tx, idea.ID, names, now); err != nil {
		return err
	}
	return record(tx, now, Audit{Actor: actor, Action: AuditIdeaTags, TargetType: TargetIdea, TargetID: idea.ID,
		Subject: &idea.AuthorID, Reason: strings.Join(names, ", ")})
}
