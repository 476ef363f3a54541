package models

import (
	"context"
	"time"

	"gorm.io/gorm/logger"
)

// LogQueries hands every SQL statement the store runs from now on to log, so
// that a test can bound how many statements a page costs.
func (s *Store) LogQueries(log func(sql string)) { s.db.Logger = queryLog(log) }

// queryLog is a GORM logger that passes on the statements and nothing else.
type queryLog func(sql string)

func (l queryLog) LogMode(logger.LogLevel) logger.Interface { return l }
func (queryLog) Info(context.Context, string, ...any)       {}
func (queryLog) Warn(context.Context, string, ...any)       {}
func (queryLog) Error(context.Context, string, ...any)      {}

func (l queryLog) Trace(_ context.Context, _ time.Time, statement func() (string, int64), _ error) {
	sql, _ := statement()
	l(sql)
}
