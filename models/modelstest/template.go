package modelstest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"samen/models"
)

// MigratedURL is URL with the schema in place: a copy of a database
// migrated once, instead of migrating each test's database anew (on SQLite
// under the race detector that took a test 12 seconds, most of the suite's
// time). Migrating itself is tested on URL's empty databases.
func MigratedURL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == models.SQLite {
		file, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("migrated SQLite database: %v", err)
		}
		path := filepath.Join(t.TempDir(), "samen.db")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		return "sqlite:" + path
	}
	base := postgresBase(t)
	template, err := postgresTemplate(base)
	if err != nil {
		t.Fatalf("migrated PostgreSQL database: %v", err)
	}
	return createDatabase(t, base, " TEMPLATE "+template)
}

// sqliteTemplate is the file of a migrated SQLite database, made once per
// test binary and kept in memory.
var sqliteTemplate = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "samen-schema-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "samen.db")
	if err := migrate("sqlite:" + path); err != nil {
		return nil, err
	}
	// Closing the last connection wrote the write-ahead log into the file.
	return os.ReadFile(path)
})

// migrate migrates the database at databaseURL and closes it.
func migrate(databaseURL string) error {
	s, err := models.Open(context.Background(), databaseURL, models.Options{})
	if err != nil {
		return err
	}
	_, err = s.Migrate(context.Background())
	return errors.Join(err, s.Close())
}

// templateLock is the advisory lock held while a template database is made,
// as the test binaries of several packages run at once.
const templateLock = 0x53616d656e7400 // "Samen" "t"

var postgresOnce sync.Map // base URL → func() (string, error)

// postgresTemplate is the name of a migrated database on base's server to
// create test databases from. It is named after the schema and kept between
// runs (as a build cache is); the templates of other schemas are dropped
// when a new one is made, unless in use.
func postgresTemplate(base string) (string, error) {
	once, _ := postgresOnce.LoadOrStore(base, sync.OnceValues(func() (string, error) {
		return makePostgresTemplate(base)
	}))
	return once.(func() (string, error))()
}

func makePostgresTemplate(base string) (string, error) {
	ctx := context.Background()
	name := "samen_schema_" + models.SchemaID()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, "SELECT pg_advisory_unlock($1)", templateLock) //nolint:errcheck // closing the connection releases it too
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Made under another name and renamed when whole, so that a run
	// stopped halfway leaves no template that looks finished.
	building := name + "_new"
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + building + " WITH (FORCE)", "CREATE DATABASE " + building} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return "", err
		}
	}
	buildingURL, err := databaseURL(base, building)
	if err != nil {
		return "", err
	}
	if err := migrate(buildingURL); err != nil {
		return "", fmt.Errorf("migrate %s: %w", building, err)
	}
	// The migrating connections have been closed, but their server
	// processes may take a moment to go, and a database in use cannot be
	// renamed.
	for wait := 50 * time.Millisecond; ; wait *= 2 {
		_, err := conn.ExecContext(ctx, "ALTER DATABASE "+building+" RENAME TO "+name)
		if err == nil {
			break
		}
		if wait > 5*time.Second {
			return "", err
		}
		time.Sleep(wait)
	}
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'samen\\_schema\\_%' AND datname <> $1", name)
	if err != nil {
		return "", err
	}
	var stale []string
	for rows.Next() {
		var old string
		if err := rows.Scan(&old); err != nil {
			return "", err
		}
		stale = append(stale, old)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return "", err
	}
	for _, old := range stale {
		_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+old) // in use by an older checkout's tests: next time
	}
	return name, nil
}
