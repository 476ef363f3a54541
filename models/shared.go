package models

import (
	"context"
	"fmt"
	"strings"
)

// MemberParts is what a page shared by members needs of the one member it
// is served to: their unread notifications, and which of the page's ideas
// they voted for and follow.
type MemberParts struct {
	Unread    int64
	Voted     map[int64]bool
	Following map[int64]bool
}

// MemberParts reads a member's parts of a shared page in one query, by
// index: the unread count (when unread is set), their votes among votes, and
// which of follows they follow.
func (s *Store) MemberParts(ctx context.Context, userID int64, unread bool, votes, follows []int64) (MemberParts, error) {
	parts := MemberParts{Voted: map[int64]bool{}, Following: map[int64]bool{}}
	var selects []string
	if unread {
		selects = append(selects, `SELECT 'u' AS kind, count(*) AS n FROM notifications WHERE user_id = @user AND read_at IS NULL`)
	}
	if len(votes) > 0 {
		selects = append(selects, `SELECT 'v' AS kind, idea_id AS n FROM votes WHERE user_id = @user AND idea_id IN @votes`)
	}
	if len(follows) > 0 {
		selects = append(selects, `SELECT 'f' AS kind, idea_id AS n FROM subscriptions WHERE user_id = @user AND following AND idea_id IN @follows`)
	}
	if len(selects) == 0 {
		return parts, nil
	}
	query := strings.Join(selects, " UNION ALL ")
	var rows []struct {
		Kind string
		N    int64
	}
	err := s.db.WithContext(ctx).Raw(query, map[string]any{"user": userID, "votes": votes, "follows": follows}).Scan(&rows).Error
	if err != nil {
		return parts, fmt.Errorf("read the parts of member %d: %w", userID, err)
	}
	for _, r := range rows {
		switch r.Kind {
		case "u":
			parts.Unread = r.N
		case "v":
			parts.Voted[r.N] = true
		case "f":
			parts.Following[r.N] = true
		}
	}
	return parts, nil
}

// Participants are the members who wrote any of these ideas or any comment
// on them, whatever its state: those whose view of the ideas' page differs
// from other members' in more than votes and follows.
func (s *Store) Participants(ctx context.Context, ideaIDs []int64) ([]int64, error) {
	var ids []int64
	err := s.db.WithContext(ctx).Raw(`SELECT author_id FROM ideas WHERE id IN @ids
		UNION SELECT user_id FROM comments WHERE idea_id IN @ids`, map[string]any{"ids": ideaIDs}).Scan(&ids).Error
	if err != nil {
		return nil, fmt.Errorf("list who wrote on ideas %v: %w", ideaIDs, err)
	}
	return ids, nil
}
