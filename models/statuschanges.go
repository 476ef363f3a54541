package models

import (
	"context"
	"fmt"
	"html/template"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// StatusChange is one step in an idea's history: from, to, and the team's
// public answer.
type StatusChange struct {
	ID           int64
	IdeaID       int64
	FromStatusID *int64
	ToStatusID   int64
	Note         string
	NoteHTML     template.HTML `gorm:"column:note_html"`
	ActorID      *int64
	CreatedAt    time.Time

	To    Status `gorm:"foreignKey:ToStatusID"`
	Actor *User  `gorm:"foreignKey:ActorID"`
}

// SetStatus moves an idea to a status with a public answer. Declining needs
// an answer saying why.
func (s *Store) SetStatus(ctx context.Context, ideaID int64, actor *User, slug, note string) (*Idea, error) {
	if !s.Can(actor, ActSetStatus) {
		return nil, ErrForbidden
	}
	idea, err := s.Idea(ctx, ideaID, actor)
	if err != nil {
		return nil, err
	}
	errs := ValidationErrors{}
	status, err := s.StatusBySlug(ctx, slug)
	if err != nil {
		errs["status"] = "is not a known status"
	}
	note = strings.TrimSpace(note)
	switch {
	case !validText(note) || utf8.RuneCountInString(note) > MaxCommentLength:
		errs["note"] = fmt.Sprintf("must be valid text of at most %d characters", MaxCommentLength)
	case status != nil && status.NeedsAnswer() && note == "":
		errs["note"] = "must say why, for " + status.Name
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	now := s.Now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		change := &StatusChange{IdeaID: idea.ID, FromStatusID: &idea.StatusID, ToStatusID: status.ID,
			Note: note, NoteHTML: s.md.render(note), ActorID: &actor.ID, CreatedAt: now}
		if err := tx.Omit("To", "Actor").Create(change).Error; err != nil {
			return err
		}
		err := tx.Model(&Idea{}).Where("id = ?", idea.ID).
			Updates(map[string]any{"status_id": status.ID, "updated_at": now, "last_activity_at": now}).Error
		if err == nil {
			err = markTriaged(tx, []int64{idea.ID}, now)
		}
		if err == nil && note != "" {
			err = markAnswered(tx, idea, actor, now)
		}
		if err != nil {
			return err
		}
		return record(tx, now, Audit{Actor: actor, Action: AuditIdeaStatus, TargetType: TargetIdea, TargetID: idea.ID,
			Subject: &idea.AuthorID, Reason: status.Slug})
	})
	if err != nil {
		return nil, fmt.Errorf("set status of idea %d: %w", ideaID, err)
	}
	return s.Idea(ctx, ideaID, actor)
}

// StatusHistory lists an idea's status changes, oldest first.
func (s *Store) StatusHistory(ctx context.Context, ideaID int64) ([]StatusChange, error) {
	var list []StatusChange
	err := s.db.WithContext(ctx).Joins("To").Joins("Actor").Where("status_changes.idea_id = ?", ideaID).
		Order("status_changes.id").Find(&list).Error
	if err != nil {
		return nil, fmt.Errorf("load status history of idea %d: %w", ideaID, err)
	}
	return list, nil
}
