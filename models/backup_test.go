package models_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestBackupToRefusesAnExistingFileAndPostgreSQL: a backup never writes over
// another, and PostgreSQL is pg_dump's.
func TestBackupToRefusesAnExistingFileAndPostgreSQL(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		path := filepath.Join(t.TempDir(), "backup.db")
		err := s.BackupTo(context.Background(), path)
		if s.Dialect() == models.Postgres {
			if !errors.Is(err, models.ErrBackupDialect) {
				t.Fatalf("BackupTo on PostgreSQL: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := s.BackupTo(context.Background(), path); err == nil {
			t.Fatal("a second backup to the same file succeeded")
		}
		copy := modelstest.Reopen(t, "sqlite:"+path)
		var n int
		if err := copy.DB().QueryRow("SELECT count(*) FROM statuses").Scan(&n); err != nil || n == 0 {
			t.Fatalf("the copy has %d statuses (%v)", n, err)
		}
	})
}
