package models

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The analytics' rollups (migration 00017: analytics_days, analytics_statuses,
// analytics_members) are kept by triggers in the same transaction as each
// change. RebuildAnalytics counts them again from the rows, for a bulk load
// that writes past the triggers (the bench's seeder) and for tests that check
// the rollups against a recount.

// rebuildAnalyticsSQL is the recount, with {day} standing for the day of a
// timestamp and {week} for whether idea i was answered within 168 hours.
const rebuildAnalyticsSQL = `DELETE FROM analytics_days;
DELETE FROM analytics_statuses;
DELETE FROM analytics_members;
INSERT INTO analytics_days (day, category_id, source, ideas, answered, answered_week, votes, comments)
SELECT day, category_id, source, SUM(ideas), SUM(answered), SUM(answered_week), SUM(votes), SUM(comments) FROM (
    SELECT {day:i.created_at} AS day, COALESCE(i.category_id, 0) AS category_id, i.source,
           COUNT(*) AS ideas, COUNT(i.answered_at) AS answered, SUM({week}) AS answered_week, 0 AS votes, 0 AS comments
    FROM ideas i WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT {day:v.created_at}, COALESCE(i.category_id, 0), v.source, 0, 0, 0, COUNT(*), 0
    FROM votes v JOIN ideas i ON i.id = v.idea_id
    WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2, 3
    UNION ALL
    SELECT {day:c.created_at}, COALESCE(i.category_id, 0), '', 0, 0, 0, 0, COUNT(*)
    FROM comments c JOIN ideas i ON i.id = c.idea_id
    WHERE c.state = 'published' AND NOT c.internal AND i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
) AS parts GROUP BY day, category_id, source;
INSERT INTO analytics_statuses (day, status_id, ideas)
SELECT {day:created_at}, status_id, COUNT(*) FROM ideas
WHERE state = 'published' AND merged_into IS NULL GROUP BY 1, 2;
INSERT INTO analytics_members (day, user_id, actions)
SELECT day, user_id, SUM(n) FROM (
    SELECT {day:i.created_at} AS day, i.author_id AS user_id, COUNT(*) AS n
    FROM ideas i WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
    UNION ALL
    SELECT {day:v.created_at}, v.user_id, COUNT(*)
    FROM votes v JOIN ideas i ON i.id = v.idea_id
    WHERE i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
    UNION ALL
    SELECT {day:c.created_at}, c.user_id, COUNT(*)
    FROM comments c JOIN ideas i ON i.id = c.idea_id
    WHERE c.state = 'published' AND NOT c.internal AND i.state = 'published' AND i.merged_into IS NULL GROUP BY 1, 2
) AS acts GROUP BY day, user_id`

// rebuildAnalyticsStatements is the recount in the dialect's SQL, a statement each.
func rebuildAnalyticsStatements(dialect string) []string {
	query := rebuildAnalyticsSQL
	week := "CASE WHEN i.answered_at <= i.created_at + INTERVAL '168 hours' THEN 1 ELSE 0 END"
	day := "analytics_day(%s)"
	if dialect != Postgres {
		week = "(i.answered_at IS NOT NULL AND unixepoch(i.answered_at, 'subsec') - unixepoch(i.created_at, 'subsec') <= 604800)"
		day = "substr(%s, 1, 10)"
	}
	query = strings.ReplaceAll(query, "{week}", week)
	for _, column := range []string{"i.created_at", "v.created_at", "c.created_at", "created_at"} {
		query = strings.ReplaceAll(query, "{day:"+column+"}", fmt.Sprintf(day, column))
	}
	return strings.Split(query, ";\n")
}

// execer runs a statement: a pool or a transaction.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func rebuildAnalytics(ctx context.Context, db execer, dialect string) error {
	for _, statement := range rebuildAnalyticsStatements(dialect) {
		if _, err := db.ExecContext(ctx, statement); err != nil {
			return fmt.Errorf("rebuild the analytics rollups: %w", err)
		}
	}
	return nil
}

// RebuildAnalytics counts the analytics' rollups again from the rows, in
// one transaction.
func (s *Store) RebuildAnalytics(ctx context.Context) error {
	tx, err := s.sqlDB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("rebuild the analytics rollups: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if err := rebuildAnalytics(ctx, tx, s.dialect); err != nil {
		return err
	}
	return tx.Commit()
}
