// Package modelstest gives tests a fresh, migrated database: SQLite always,
// PostgreSQL when TEST_DATABASE_URL is set.
package modelstest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"samen/models"
)

// StrictEnv names the variable that turns a skipped PostgreSQL or browser
// test into a failure; CI sets it.
const StrictEnv = "SAMEN_TEST_STRICT"

// Skip skips t with reason, or fails it when StrictEnv is set.
func Skip(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv(StrictEnv) != "" {
		t.Fatalf("%s (and %s is set, so this is a failure)", reason, StrictEnv)
	}
	t.Skip(reason)
}

// Dialects runs f as a subtest once per database, the two at once: "sqlite"
// always and "postgres" when TEST_DATABASE_URL is set.
func Dialects(t *testing.T, f func(t *testing.T, s *models.Store)) {
	t.Helper()
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			f(t, Open(t, dialect))
		})
	}
}

// Open gives t a new, migrated database of the dialect, removed when t ends.
func Open(t testing.TB, dialect string) *models.Store {
	t.Helper()
	return OpenWith(t, dialect, models.Options{})
}

// OpenWith is Open with store options.
func OpenWith(t testing.TB, dialect string, opts models.Options) *models.Store {
	t.Helper()
	return OpenURL(t, MigratedURL(t, dialect), opts)
}

// OpenURL opens the database at url for t and migrates it (a second store
// on a database another one uses: a second instance of Samen).
func OpenURL(t testing.TB, url string, opts models.Options) *models.Store {
	t.Helper()
	if opts.MaxOpenConns == 0 {
		opts.MaxOpenConns = 10
	}
	s, err := models.Open(context.Background(), url, opts)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return s
}

// URL creates an empty database of the dialect for t and returns its
// DATABASE_URL; the database is dropped when t ends.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	if dialect == models.SQLite {
		return "sqlite:" + filepath.Join(t.TempDir(), "samen.db")
	}
	return createDatabase(t, postgresBase(t), "")
}

// postgresBase is TEST_DATABASE_URL, or skips t.
func postgresBase(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		Skip(t, "PostgreSQL tests skipped: TEST_DATABASE_URL is not set")
	}
	return base
}

// createDatabase creates a database of t's on base's server, with the
// clauses given (a TEMPLATE), dropped when t ends, and returns its URL.
func createDatabase(t testing.TB, base, clauses string) string {
	t.Helper()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("connect to TEST_DATABASE_URL: %v", err)
	}
	t.Cleanup(func() { _ = admin.Close() })

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "samen_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec("CREATE DATABASE " + name + clauses); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := databaseURL(base, name)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	return u
}

// databaseURL is base's URL for the database name on the same server.
func databaseURL(base, name string) (string, error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Reopen opens an existing database by URL for t, without migrating it.
func Reopen(t testing.TB, url string) *models.Store {
	t.Helper()
	s, err := models.Open(context.Background(), url, models.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
