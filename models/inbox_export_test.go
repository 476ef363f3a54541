package models

import (
	"context"

	"gorm.io/gorm"
)

// ExplainUnread is ExplainList for the header's count of unread notifications.
func (s *Store) ExplainUnread(ctx context.Context, userID int64) (string, error) {
	var n int64
	return s.explain(ctx, s.unreadQuery(ctx, userID).Session(&gorm.Session{DryRun: true}).Count(&n).Statement)
}

// ExplainInbox is ExplainList for a page of a member's notifications.
func (s *Store) ExplainInbox(ctx context.Context, userID int64) (string, error) {
	var rows []inboxRow
	return s.explain(ctx, s.db.Session(&gorm.Session{DryRun: true}).Raw(inboxQuery("", InboxPerPage, 0), userID).Find(&rows).Statement)
}
