package models

import (
	"context"

	"gorm.io/gorm"
)

// NotifyForTest writes notifications as the fan-out does, each with an event
// of its own, and mails them in the same transaction. It returns them with
// their ids.
func (s *Store) NotifyForTest(ctx context.Context, notifs ...Notification) ([]Notification, error) {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for i := range notifs {
			n := &notifs[i]
			if n.CreatedAt.IsZero() {
				n.CreatedAt = s.Now()
			}
			ev := Event{Kind: n.Kind, IdeaID: n.IdeaID, CommentID: n.CommentID, EntryID: n.EntryID, ActorID: n.ActorID,
				RecipientID: &n.UserID, Detail: n.Detail, CreatedAt: n.CreatedAt, FannedOutAt: &n.CreatedAt}
			if err := tx.Create(&ev).Error; err != nil {
				return err
			}
			n.EventID = ev.ID
			if err := tx.Omit("Idea", "Actor").Create(n).Error; err != nil {
				return err
			}
		}
		return s.mailNotified(ctx, tx, notifs)
	})
	return notifs, err
}

// Unemailed counts a member's notifications no email carried yet.
func (s *Store) Unemailed(ctx context.Context, userID int64) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND emailed_at IS NULL", userID).Count(&n).Error
	return n, err
}

// SendForTest sends one email as the mail jobs do.
func (s *Store) SendForTest(ctx context.Context, e Email) error { return s.mailer.send(ctx, e) }
