package models

import (
	"context"
	"strings"

	"gorm.io/gorm"
)

// ExplainList returns the PostgreSQL plan of a list page's query, with
// sequential scans disabled: a plan that still scans ideas has no index for it.
func (s *Store) ExplainList(ctx context.Context, o ListOptions) (string, error) {
	q, order, err := s.listQuery(ctx, &o)
	if err != nil {
		return "", err
	}
	var ideas []*Idea
	stmt := pageOf(q.Session(&gorm.Session{DryRun: true}), o, order).Find(&ideas).Statement
	var plan []string
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL enable_seqscan = off").Error; err != nil {
			return err
		}
		return tx.Raw("EXPLAIN "+stmt.SQL.String(), stmt.Vars...).Scan(&plan).Error
	})
	return strings.Join(plan, "\n"), err
}
