package models

import (
	"context"

	"gorm.io/gorm"
)

// mailNotified is called in the transaction that writes notifications, with
// the ones it wrote, so that their email is enqueued atomically with them.
func (s *Store) mailNotified(_ context.Context, _ *gorm.DB, _ []Notification) error {
	return nil
}
