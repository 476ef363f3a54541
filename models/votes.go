package models

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Vote is one member backing one idea; the pair is the primary key.
type Vote struct {
	IdeaID    int64 `gorm:"primaryKey;autoIncrement:false"`
	UserID    int64 `gorm:"primaryKey;autoIncrement:false"`
	CreatedAt time.Time
}

// Vote records user's vote for an idea, once, and returns the idea's vote
// count. It reports whether a new vote was cast. The counter changes in the
// same transaction as the row, so under any concurrency it equals the rows.
func (s *Store) Vote(ctx context.Context, ideaID, userID int64) (bool, int, error) {
	return s.changeVote(ctx, ideaID, userID, true)
}

// VoteAs casts a member's vote under the spam brakes: past the hourly
// limit it is a LimitError and nothing changes. Pages and the API vote this way.
func (s *Store) VoteAs(ctx context.Context, ideaID int64, u *User) (bool, int, error) {
	if err := s.brake(ctx, u, brakeVotes); err != nil {
		return false, 0, err
	}
	return s.changeVote(ctx, ideaID, u.ID, true)
}

// Unvote withdraws user's vote, if any, and returns the idea's vote count.
// It reports whether a vote was withdrawn.
func (s *Store) Unvote(ctx context.Context, ideaID, userID int64) (bool, int, error) {
	return s.changeVote(ctx, ideaID, userID, false)
}

func (s *Store) changeVote(ctx context.Context, ideaID, userID int64, vote bool) (bool, int, error) {
	var (
		changed bool
		votes   int
	)
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var idea Idea
		if err := first(tx.Preload("Status").Where("id = ? AND state = ?", ideaID, StatePublished), &idea); err != nil {
			return err
		}
		switch {
		case idea.MergedInto != nil:
			return &ConflictError{ReasonMerged}
		case idea.Locked:
			return &ConflictError{ReasonLocked}
		case !idea.Status.TakesVotes():
			return &ConflictError{ReasonClosed}
		}
		var res *gorm.DB
		delta := 1
		if vote {
			res = tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&Vote{IdeaID: ideaID, UserID: userID, CreatedAt: s.Now()})
		} else {
			res = tx.Where("idea_id = ? AND user_id = ?", ideaID, userID).Delete(&Vote{})
			delta = -1
		}
		if res.Error != nil {
			return res.Error
		}
		changed = res.RowsAffected == 1
		if !changed {
			votes = idea.Votes
			return nil
		}
		if err := tx.Raw("UPDATE ideas SET votes = votes + ? WHERE id = ? RETURNING votes", delta, ideaID).Scan(&votes).Error; err != nil {
			return err
		}
		return tx.Model(&Idea{}).Where("id = ?", ideaID).Update("hot", HotScore(votes, idea.CreatedAt)).Error
	})
	if err != nil {
		return false, 0, fmt.Errorf("vote on idea %d: %w", ideaID, err)
	}
	return changed, votes, nil
}

// Voters lists the members who voted for an idea, most recent first, at most limit.
func (s *Store) Voters(ctx context.Context, ideaID int64, limit int) ([]User, error) {
	var users []User
	err := s.db.WithContext(ctx).Joins("JOIN votes ON votes.user_id = users.id").
		Where("votes.idea_id = ?", ideaID).Order("votes.created_at DESC, users.id DESC").Limit(limit).Find(&users).Error
	if err != nil {
		return nil, fmt.Errorf("list voters of idea %d: %w", ideaID, err)
	}
	return users, nil
}
