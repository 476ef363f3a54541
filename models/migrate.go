package models

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
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
	for _, r := range results {
		applied = append(applied, path.Base(r.Source.Path))
	}
	return applied, nil
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
