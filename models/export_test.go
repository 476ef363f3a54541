package models

import (
	"context"
	"io/fs"
	"strings"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// ExplainList returns the PostgreSQL plan of a list page's query, with
// sequential scans disabled: a plan that still scans ideas has no index for it.
func (s *Store) ExplainList(ctx context.Context, o ListOptions) (string, error) {
	q, order, err := s.listQuery(ctx, &o)
	if err != nil {
		return "", err
	}
	var ideas []*Idea
	return s.explain(ctx, pageOf(q.Session(&gorm.Session{DryRun: true}), o, order).Find(&ideas).Statement)
}

// ExplainTotal is ExplainList for the count of a list's ideas.
func (s *Store) ExplainTotal(ctx context.Context, o ListOptions) (string, error) {
	q, _, err := s.listQuery(ctx, &o)
	if err != nil {
		return "", err
	}
	var n int64
	return s.explain(ctx, s.countQuery(ctx, q, MaxPage*o.PerPage).Session(&gorm.Session{DryRun: true}).Count(&n).Statement)
}

// ExplainVote is ExplainList for the statement that casts (or withdraws) a vote.
func (s *Store) ExplainVote(ctx context.Context, cast bool) (string, error) {
	query, delta := castVote, 1
	if !cast {
		query, delta = withdrawVote, -1
	}
	now := s.Now()
	var ideas []*Idea
	stmt := s.db.Session(&gorm.Session{DryRun: true}).Raw(query, voteArgs(1, 1, now, 300, delta, SourceWeb)...).Find(&ideas).Statement
	return s.explain(ctx, stmt)
}

func (s *Store) explain(ctx context.Context, stmt *gorm.Statement) (string, error) {
	// Straight to the driver: GORM would read the @@ of a search as named parameters.
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
		return "", err
	}
	rows, err := tx.QueryContext(ctx, "EXPLAIN "+stmt.SQL.String(), stmt.Vars...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		plan = append(plan, line)
	}
	return strings.Join(plan, "\n"), rows.Err()
}

// Gorm gives tests the store's GORM handle, reads routed as the store routes them.
func (s *Store) Gorm() *gorm.DB { return s.db }

// InSearch runs fn as the statements of one search run: within the search
// timeout, on the database handle a search uses.
func (s *Store) InSearch(ctx context.Context, fn func(db *gorm.DB) error) error {
	return s.searching(ctx, func(ctx context.Context, s *Store) error { return fn(s.db.WithContext(ctx)) })
}

// ExplainTriage is ExplainList for a page of the triage inbox.
func (s *Store) ExplainTriage(ctx context.Context, o TriageOptions, viewer *User) (string, error) {
	q, err := s.triageQuery(ctx, &o, viewer)
	if err != nil {
		return "", err
	}
	var ideas []*Idea
	lo := ListOptions{Triage: true, Page: o.Page, PerPage: o.PerPage}
	return s.explain(ctx, pageOf(q.Session(&gorm.Session{DryRun: true}), lo, clause.Expr{SQL: s.triageOrder(o.Sort)}).Find(&ideas).Statement)
}

// ExplainTriageSQLite is SQLite's query plan of a page of the triage inbox,
// one line per step.
func (s *Store) ExplainTriageSQLite(ctx context.Context, o TriageOptions, viewer *User) (string, error) {
	q, err := s.triageQuery(ctx, &o, viewer)
	if err != nil {
		return "", err
	}
	var ideas []*Idea
	lo := ListOptions{Triage: true, Page: o.Page, PerPage: o.PerPage}
	stmt := pageOf(q.Session(&gorm.Session{DryRun: true}), lo, clause.Expr{SQL: s.triageOrder(o.Sort)}).Find(&ideas).Statement
	rows, err := s.sqlDB.QueryContext(ctx, "EXPLAIN QUERY PLAN "+stmt.SQL.String(), stmt.Vars...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n"), rows.Err()
}

// SetExportBatch makes the ideas' export read n ideas at a time until the
// test ends, so a handful of ideas cross several batches.
func SetExportBatch(t interface{ Cleanup(func()) }, n int) {
	old := exportBatch
	exportBatch = n
	t.Cleanup(func() { exportBatch = old })
}

// FanOutPending fans out every event not yet fanned out, oldest first, as
// the jobs would.
func (s *Store) FanOutPending(ctx context.Context) error {
	var ids []int64
	if err := s.db.WithContext(ctx).Model(&Event{}).Where("fanned_out_at IS NULL").Order("id").Pluck("id", &ids).Error; err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.fanOutNotifications(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// MigrateTo applies Samen's own migrations up to version, and no further.
func (s *Store) MigrateTo(ctx context.Context, version int64) error {
	provider, err := s.ownMigrations()
	if err != nil {
		return err
	}
	_, err = provider.UpTo(ctx, version)
	return err
}

// MigrateDownTo rolls Samen's own migrations back until version is the last applied.
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	provider, err := s.ownMigrations()
	if err != nil {
		return err
	}
	_, err = provider.DownTo(ctx, version)
	return err
}

func (s *Store) ownMigrations() (*goose.Provider, error) {
	dir, dialect := "migrations/sqlite", goose.DialectSQLite3
	if s.dialect == Postgres {
		dir, dialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(dialect, s.sqlDB, fsys, goose.WithDisableGlobalRegistry(true))
}

// ListBothWays reads a list's page through loadPage and through GORM's
// Find, for a test that holds the two equal.
func (s *Store) ListBothWays(ctx context.Context, o ListOptions, viewer *User) (fast, slow []*Idea, err error) {
	o.Triage = s.Can(viewer, ActTriage)
	q, order, err := s.listQuery(ctx, &o)
	if err != nil {
		return nil, nil, err
	}
	if fast, err = loadPage(q.Session(&gorm.Session{}), o, order); err != nil {
		return nil, nil, err
	}
	err = pageOf(q.Session(&gorm.Session{}), o, order).Find(&slow).Error
	return fast, slow, err
}
