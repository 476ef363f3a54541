package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"

	"samen/models"
)

// runBackup writes a backup of the database to a new file while Samen may
// be running: SQLite's VACUUM INTO for SQLite, pg_dump's custom format for
// PostgreSQL. It migrates nothing, so a backup taken before an upgrade holds
// the database as the running version left it. docs/backups.md says how to
// restore either.
func runBackup(ctx context.Context, c *cli, args []string) error {
	var to string
	err := c.flags(args, func(fs *flag.FlagSet) {
		fs.StringVar(&to, "to", "", "the new file to write the backup to (required; never overwritten)")
	})
	if err != nil {
		return err
	}
	if to == "" {
		return fmt.Errorf("%w: --to is required", errUsage)
	}
	if _, err := os.Stat(to); err == nil {
		return fmt.Errorf("back up to %s: the file exists; give each backup a new name", to)
	}
	cfg, err := LoadConfig(c.environ)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o750); err != nil {
		return fmt.Errorf("back up to %s: %w", to, err)
	}
	dialect, path, err := models.ParseDatabaseURL(cfg.DatabaseURL)
	if err != nil {
		return err
	}
	if dialect == models.Postgres {
		if err := pgDump(ctx, cfg.DatabaseURL, to, c); err != nil {
			return err
		}
	} else {
		// Opening a database that is not there would make an empty one.
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("back up %s: %w", path, err)
		}
		store, err := models.Open(ctx, cfg.DatabaseURL, models.Options{Logger: newLogger(cfg, c.stderr)})
		if err != nil {
			return err
		}
		defer store.Close()
		if err := store.BackupTo(ctx, to); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.stdout, "backed up %s to %s\n", redactURL(cfg.DatabaseURL), to)
	return nil
}

// pgDump runs pg_dump in its custom format (for pg_restore), with the
// password in its environment rather than on its command line, where any
// user of the machine could read it.
func pgDump(ctx context.Context, databaseURL, to string, c *cli) error {
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		return errors.New("back up PostgreSQL: pg_dump is not installed (Debian: apt-get install postgresql-client; see docs/backups.md)")
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		return fmt.Errorf("back up PostgreSQL: DATABASE_URL: %w", err)
	}
	env := os.Environ()
	if password, ok := u.User.Password(); ok {
		env = append(env, "PGPASSWORD="+password)
		u.User = url.User(u.User.Username())
	}
	cmd := exec.CommandContext(ctx, bin, "--format=custom", "--file="+to, "--dbname="+u.String())
	cmd.Env, cmd.Stdout, cmd.Stderr = env, c.stderr, c.stderr
	if err := cmd.Run(); err != nil {
		_ = os.Remove(to)
		return fmt.Errorf("back up PostgreSQL: pg_dump: %w", err)
	}
	return nil
}
