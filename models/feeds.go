package models

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// FeedSize is how many entries a feed carries at most.
const FeedSize = 50

// NewestIdeas lists the newest published ideas that were not merged, newest
// first, at most limit. Pinning plays no part here.
func (s *Store) NewestIdeas(ctx context.Context, limit int) ([]*Idea, error) {
	// The index on age (ideas_new) puts pinned ideas first. Reading unpinned
	// and pinned ideas apart lets both reads follow it, where one read
	// ordered by age alone would sort every published idea.
	var ideas []*Idea
	for _, pinned := range []bool{false, true} {
		var part []*Idea
		err := s.ideaQuery(ctx).
			Where("ideas.state = ? AND ideas.pinned = ? AND ideas.merged_into IS NULL", StatePublished, pinned).
			Order("ideas.created_at DESC, ideas.id DESC").Limit(limit).Find(&part).Error
		if err != nil {
			return nil, fmt.Errorf("list newest ideas: %w", err)
		}
		ideas = append(ideas, part...)
	}
	slices.SortFunc(ideas, func(a, b *Idea) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if len(ideas) > limit {
		ideas = ideas[:limit]
	}
	return ideas, nil
}

// IdeaActivity is what happened on one idea: the idea, its newest public
// comments and its newest status changes, each list newest first.
type IdeaActivity struct {
	Idea     *Idea
	Comments []Comment
	Changes  []StatusChange
}

// IdeaActivity loads an idea as a visitor sees it, with at most limit of its
// published comments (never internal or deleted ones) and of its status
// changes. An idea a visitor may not see is ErrNotFound.
func (s *Store) IdeaActivity(ctx context.Context, id int64, limit int) (*IdeaActivity, error) {
	idea, err := s.Idea(ctx, id, nil)
	if err != nil {
		return nil, err
	}
	a := &IdeaActivity{Idea: idea}
	err = s.db.WithContext(ctx).Joins("User").
		Where("comments.idea_id = ? AND comments.state = ? AND comments.internal = ?", id, StatePublished, false).
		Order("comments.created_at DESC, comments.id DESC").Limit(limit).Find(&a.Comments).Error
	if err != nil {
		return nil, fmt.Errorf("load activity of idea %d: %w", id, err)
	}
	err = s.db.WithContext(ctx).Joins("To").Joins("Actor").Where("status_changes.idea_id = ?", id).
		Order("status_changes.id DESC").Limit(limit).Find(&a.Changes).Error
	if err != nil {
		return nil, fmt.Errorf("load activity of idea %d: %w", id, err)
	}
	return a, nil
}
