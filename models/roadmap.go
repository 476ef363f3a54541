package models

import (
	"context"
	"fmt"
)

// RoadmapColumnSize bounds the ideas one roadmap column shows, the most
// voted first; the rest are in the idea list filtered by the column's status.
const RoadmapColumnSize = 50

// RoadmapOptions choose what the roadmap shows.
type RoadmapOptions struct {
	Category string // category slug; empty for all
	// Bodies loads each idea's text, which the API shows.
	Bodies bool
}

// RoadmapColumn is one status on the roadmap with its most voted ideas.
type RoadmapColumn struct {
	Status Status
	Ideas  []*Idea
	// Total is how many ideas the column holds; More says it is a lower bound.
	Total int64
	More  bool
}

// Roadmap is the public roadmap: a column per status on the roadmap, in
// order, and what the team last said and did about each idea on it.
type Roadmap struct {
	Columns []RoadmapColumn
	// Answers holds each idea's latest public answer (a status change with
	// a note), by idea id; ideas the team has not answered have none.
	Answers map[int64]*StatusChange
	// Moves holds the status change that put each idea in its column, by
	// idea id; ideas that started there have none.
	Moves map[int64]*StatusChange
}

// Roadmap lists the ideas the viewer may see (published, not merged) in
// each status on the roadmap: the most voted RoadmapColumnSize of each,
// read from the list's indexes, and their latest answers in two queries more.
func (s *Store) Roadmap(ctx context.Context, o RoadmapOptions, viewer *User) (*Roadmap, error) {
	statuses, err := s.Statuses(ctx)
	if err != nil {
		return nil, err
	}
	r := &Roadmap{Answers: map[int64]*StatusChange{}, Moves: map[int64]*StatusChange{}}
	var ids []int64
	for _, st := range statuses {
		if !st.OnRoadmap {
			continue
		}
		page, err := s.ListIdeas(ctx, ListOptions{Status: st.Slug, Category: o.Category, Sort: SortTop,
			PerPage: RoadmapColumnSize, Bodies: o.Bodies}, viewer)
		if err != nil {
			return nil, err
		}
		r.Columns = append(r.Columns, RoadmapColumn{Status: st, Ideas: page.Ideas, Total: page.Total, More: page.More})
		for _, idea := range page.Ideas {
			ids = append(ids, idea.ID)
		}
	}
	if len(ids) == 0 {
		return r, nil
	}
	// The ids first, then the rows by primary key: each step reads an index
	// alone, never the whole history.
	var latest []int64
	err = s.db.WithContext(ctx).Raw(`SELECT MAX(id) FROM status_changes WHERE idea_id IN ? GROUP BY idea_id
		UNION SELECT MAX(id) FROM status_changes WHERE idea_id IN ? AND note <> '' GROUP BY idea_id`, ids, ids).Scan(&latest).Error
	if err != nil {
		return nil, fmt.Errorf("find the roadmap's answers: %w", err)
	}
	var changes []StatusChange
	if len(latest) > 0 {
		err = s.db.WithContext(ctx).Joins("To").Joins("Actor").Where("status_changes.id IN ?", latest).Find(&changes).Error
		if err != nil {
			return nil, fmt.Errorf("load the roadmap's answers: %w", err)
		}
	}
	for i := range changes {
		ch := &changes[i]
		if ch.Note != "" {
			if old := r.Answers[ch.IdeaID]; old == nil || old.ID < ch.ID {
				r.Answers[ch.IdeaID] = ch
			}
		}
		if old := r.Moves[ch.IdeaID]; old == nil || old.ID < ch.ID {
			r.Moves[ch.IdeaID] = ch
		}
	}
	return r, nil
}
