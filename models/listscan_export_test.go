package models

import (
	"context"

	"gorm.io/gorm/clause"
)

// ReadListBothWays builds ListIdeas's query for a page twice and reads its
// rows once with scanIdeas and once with GORM's Find, for a test to compare.
func (s *Store) ReadListBothWays(ctx context.Context, o ListOptions, viewer *User) (scanned, found []*Idea, err error) {
	o.Triage = s.Can(viewer, ActTriage)
	q, order, err := s.listQuery(ctx, &o)
	if err != nil {
		return nil, nil, err
	}
	if scanned, err = scanIdeas(pageOf(q, o, order)); err != nil {
		return nil, nil, err
	}
	if q, order, err = s.listQuery(ctx, &o); err != nil {
		return nil, nil, err
	}
	err = pageOf(q, o, order).Find(&found).Error
	return scanned, found, err
}

// ReadTriageBothWays is ReadListBothWays for a page of the triage inbox.
func (s *Store) ReadTriageBothWays(ctx context.Context, o TriageOptions, viewer *User) (scanned, found []*Idea, err error) {
	q, err := s.triageQuery(ctx, &o, viewer)
	if err != nil {
		return nil, nil, err
	}
	lo, order := ListOptions{Triage: true, Bodies: o.Bodies, Page: o.Page, PerPage: o.PerPage}, clause.Expr{SQL: s.triageOrder(o.Sort)}
	if scanned, err = scanIdeas(pageOf(q, lo, order)); err != nil {
		return nil, nil, err
	}
	if q, err = s.triageQuery(ctx, &o, viewer); err != nil {
		return nil, nil, err
	}
	err = pageOf(q, lo, order).Find(&found).Error
	return scanned, found, err
}
