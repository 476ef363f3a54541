package models

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"
)

//go:embed migrations
var migrations embed.FS

// migrationLock is the PostgreSQL advisory lock key held while migrating, so
// that instances starting at the same moment migrate one after the other.
const migrationLock = 0x53616d656e // "Samen"

// Migrate brings the schema up to date: Samen's own migrations, then River's.
// It returns the files of Samen's own migrations it applied, in order. It is
// safe to call from several instances at once.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	if s.dialect == Postgres {
		conn, err := s.sqlDB.Conn(ctx)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
			return nil, fmt.Errorf("migrate: take lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock) //nolint:errcheck // closing the connection releases it too
	}

	dir, gooseDialect := "migrations/sqlite", goose.DialectSQLite3
	if s.dialect == Postgres {
		dir, gooseDialect = "migrations/postgres", goose.DialectPostgres
	}
	fsys, err := fs.Sub(migrations, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	provider, err := goose.NewProvider(gooseDialect, s.sqlDB, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}

	if s.dialect == Postgres {
		_, err = migrateRiver(ctx, riverdatabasesql.New(s.sqlDB))
	} else {
		_, err = migrateRiver(ctx, riversqlite.New(s.sqlDB))
	}
	if err != nil {
		return nil, fmt.Errorf("migrate jobs: %w", err)
	}
	if err := s.renderImagesAnew(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if err := s.fillBodyText(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if s.dialect == SQLite {
		// SQLite plans without statistics until it is told to gather them,
		// and then guesses that ideas.state = 'published' is selective: it
		// would read a search's 100,000 ideas by that index and look each
		// up among the matches, instead of the matches first. PRAGMA
		// optimize gathers what is missing or out of date, and costs next
		// to nothing when nothing is; the hourly cleanup job runs it too.
		if err := s.analyze(ctx); err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
	}
	for _, r := range results {
		applied = append(applied, path.Base(r.Source.Path))
	}
	return applied, nil
}

// analyze gives the query planner fresh statistics: PostgreSQL's ANALYZE
// of the bulk tables, SQLite's PRAGMA optimize over every table (not a
// sample: a sample of ideas made ideas.state look selective again).
func (s *Store) analyze(ctx context.Context) error {
	stmt := "ANALYZE users, ideas, votes, comments, status_changes"
	if s.dialect == SQLite {
		stmt = "PRAGMA optimize = 0x10002"
	}
	if _, err := s.sqlDB.ExecContext(ctx, stmt); err != nil {
		return fmt.Errorf("%s: %w", stmt, err)
	}
	return nil
}

// analyzeTables gathers the statistics of tables anew, whole, replacing
// what was gathered before.
func (s *Store) analyzeTables(ctx context.Context, tables ...string) error {
	for _, table := range tables {
		if _, err := s.sqlDB.ExecContext(ctx, "ANALYZE "+table); err != nil {
			return fmt.Errorf("ANALYZE %s: %w", table, err)
		}
	}
	return nil
}

// fillBodyText writes the plain text of the ideas stored before there was
// a column for it (migration 00007), a batch at a time; once they all have
// it, the partial index ideas_body_text_missing is empty and this costs one
// look at it.
func (s *Store) fillBodyText(ctx context.Context) error {
	for {
		var batch []struct {
			ID       int64
			BodyHTML string
		}
		err := s.db.WithContext(ctx).Clauses(dbresolver.Write).Table("ideas").Select("id, body_html").
			Where("body_text = '' AND body <> ''").Order("id").Limit(500).Scan(&batch).Error
		if err != nil {
			return fmt.Errorf("fill the ideas' plain text: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			for _, idea := range batch {
				text := s.md.plainText(template.HTML(idea.BodyHTML)) //nolint:gosec // stored HTML, sanitised on write
				if text == "" {
					text = " " // a body of markup alone: nothing to search, and not missing either
				}
				if err := tx.Table("ideas").Where("id = ?", idea.ID).Update("body_text", text).Error; err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("fill the ideas' plain text: %w", err)
		}
	}
}

func migrateRiver[TTx any](ctx context.Context, driver riverdriver.Driver[TTx]) (*rivermigrate.MigrateResult, error) {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil, err
	}
	return m.Migrate(ctx, rivermigrate.DirectionUp, nil)
}

// MigrationCount is the number of Samen's own migrations (the same for each dialect).
func MigrationCount() int {
	entries, _ := fs.ReadDir(migrations, "migrations/sqlite")
	return len(entries)
}

// SchemaID names the schema Migrate makes, the same for both dialects: a
// digest of Samen's migrations and River's, so that it changes with any of
// them. Tests keep one migrated database per schema to copy from.
func SchemaID() string {
	h := sha256.New()
	_ = fs.WalkDir(migrations, "migrations", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := migrations.ReadFile(name)
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
		return err
	})
	for _, versions := range [][]rivermigrate.Migration{riverVersions(riverdatabasesql.New(nil)), riverVersions(riversqlite.New(nil))} {
		for _, v := range versions {
			fmt.Fprintf(h, "river %d %d\n%s", v.Version, len(v.SQLUp), v.SQLUp)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}

func riverVersions[TTx any](driver riverdriver.Driver[TTx]) []rivermigrate.Migration {
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		return nil
	}
	return m.AllVersions()
}
