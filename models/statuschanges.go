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
	// Reconsider says what would change the team's mind about an idea it
	// planned or declined: the decision record's open door.
	Reconsider string
	ActorID    *int64
	CreatedAt  time.Time

	To    Status `gorm:"foreignKey:ToStatusID"`
	Actor *User  `gorm:"foreignKey:ActorID"`
}

// MaxReconsiderLength bounds what would change the team's mind.
const MaxReconsiderLength = 2000

// Answer is the team's public answer as it moves an idea to a status.
type Answer struct {
	Status string // slug
	Note   string // Markdown; needed when declining
	// Reconsider says what would change the team's mind; only an answer that
	// plans or declines an idea (a status of kind planned or closed) says it.
	Reconsider string
}

// SetStatus moves an idea to a status with a public answer (see AnswerIdea).
func (s *Store) SetStatus(ctx context.Context, ideaID int64, actor *User, slug, note string) (*Idea, error) {
	return s.AnswerIdea(ctx, ideaID, actor, Answer{Status: slug, Note: note})
}

// RecordsDecision reports whether an answer moving an idea here is a
// decision that may say what would change the team's mind: planning or
// declining.
func (s *Status) RecordsDecision() bool { return s.Kind == KindPlanned || s.Kind == KindClosed }

// AnswerIdea moves an idea to a status with the team's public answer, and
// is the decision record of the idea's status history. Declining needs an
// answer saying why.
func (s *Store) AnswerIdea(ctx context.Context, ideaID int64, actor *User, a Answer) (*Idea, error) {
	slug, note := a.Status, a.Note
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
	reconsider := strings.TrimSpace(a.Reconsider)
	switch {
	case !validText(reconsider) || utf8.RuneCountInString(reconsider) > MaxReconsiderLength:
		errs["reconsider_if"] = fmt.Sprintf("must be valid text of at most %d characters", MaxReconsiderLength)
	case reconsider != "" && status != nil && !status.RecordsDecision():
		errs["reconsider_if"] = "goes only with an answer that plans or declines the idea"
	}
	if err := errs.orNil(); err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := s.changeStatus(tx, idea, actor, status, note, reconsider); err != nil {
			return err
		}
		return s.emit(tx, Event{Kind: NotifyStatusChanged, IdeaID: &idea.ID, ActorID: &actor.ID, Detail: status.Slug})
	})
	if err != nil {
		return nil, fmt.Errorf("set status of idea %d: %w", ideaID, err)
	}
	return s.Idea(ctx, ideaID, actor)
}

// changeStatus is the one way an idea's status changes, inside the caller's
// transaction: the step in its history with the public answer (note, in
// Markdown), the idea itself, and the audit log. Callers check the actor
// and the note first.
func (s *Store) changeStatus(tx *gorm.DB, idea *Idea, actor *User, status *Status, note, reconsider string) error {
	now := s.Now()
	change := &StatusChange{IdeaID: idea.ID, FromStatusID: &idea.StatusID, ToStatusID: status.ID,
		Note: note, NoteHTML: s.md.render(note), Reconsider: reconsider, ActorID: &actor.ID, CreatedAt: now}
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
	if err == nil {
		err = s.publish(tx, WebhookEvent{Type: EventIdeaStatusChanged, IdeaID: idea.ID})
	}
	if err != nil {
		return err
	}
	return record(tx, now, Audit{Actor: actor, Action: AuditIdeaStatus, TargetType: TargetIdea, TargetID: idea.ID,
		Subject: &idea.AuthorID, Reason: status.Slug})
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
