package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
)

// ErrBackupDialect: BackupTo copies SQLite databases only; PostgreSQL has
// pg_dump (see docs/backups.md).
var ErrBackupDialect = errors.New("the backup copies SQLite databases; use pg_dump for PostgreSQL")

// BackupTo writes a consistent copy of the SQLite database to a new file at
// path while Samen may go on writing: VACUUM INTO reads the whole database in
// one read transaction, so the copy holds every write committed before it
// began and none after, with no -wal file beside it. It runs on a reader
// connection and holds up no writer. path must not exist.
func (s *Store) BackupTo(ctx context.Context, path string) error {
	if s.dialect != SQLite {
		return ErrBackupDialect
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("back up to %s: the file exists; give each backup a new name", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	// A reader connection, made writable for this statement (VACUUM INTO
	// writes the new file) and then thrown away rather than returned to the
	// pool of read-only connections.
	conn, err := s.readDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	defer func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA query_only = 0"); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	if _, err := conn.ExecContext(ctx, "VACUUM INTO ?", path); err != nil {
		_ = os.Remove(path)
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	return nil
}
