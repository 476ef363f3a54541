package app

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

func TestSeedCommand(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			db := modelstest.URL(t, dialect)

			code, out, errOut := runCLI(t, db, "seed", "--demo")
			if code != 0 || !regexp.MustCompile(`^seeded the demo community: 13 members, 40 ideas, \d+ votes, \d+ comments in \S+; the product team signs in as product@demo\.example\n$`).MatchString(out) {
				t.Fatalf("seed --demo: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, db, "seed", "--demo")
			if code != 0 || !strings.Contains(out, "already here") {
				t.Fatalf("seed --demo again: %d %q %q", code, out, errOut)
			}
			code, out, errOut = runCLI(t, db, "seed", "--users", "50", "--ideas", "200", "--votes", "2000", "--comments", "300")
			if code != 0 || !regexp.MustCompile(`^seeded 50 users, 200 ideas, 2000 votes, 300 comments in \S+\n$`).MatchString(out) {
				t.Fatalf("seed bench: %d %q %q", code, out, errOut)
			}

			s := modelstest.Reopen(t, db)
			var users, ideas int
			if err := s.DB().QueryRow("SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM ideas)").Scan(&users, &ideas); err != nil {
				t.Fatal(err)
			}
			if users != 13+50 || ideas != 40+200 {
				t.Errorf("%d users and %d ideas, want 63 and 240", users, ideas)
			}
		})
	}
}

func TestSeedCommandRejectsBadCounts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--users", "-1", "--ideas", "5"}, "users: must not be negative"},
		{[]string{"--users", "2", "--ideas", "3", "--votes", "7"}, "votes: must be at most users × ideas (2 × 3)"},
		{[]string{"--ideas", "3"}, "ideas: need at least one user"},
		{[]string{"--demo", "--users", "5"}, "--demo takes no counts"},
		{nil, "give --demo, or counts"},
		{[]string{"--users", "many"}, "invalid value"},
	} {
		path := filepath.Join(t.TempDir(), "samen.db")
		code, _, errOut := runCLI(t, "sqlite:"+path, append([]string{"seed"}, tc.args...)...)
		if code != 2 || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "usage: samen seed") {
			t.Errorf("seed %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errOut, tc.want)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("seed %v touched the database: %v", tc.args, err)
		}
	}
}

func TestSeedHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"seed", "--help"}, nil, &out, &errOut)
	if code != 0 || !strings.Contains(out.String(), "usage: samen seed [--demo]") || !strings.Contains(out.String(), "-votes") {
		t.Fatalf("seed --help: exit %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
	out.Reset()
	run(context.Background(), []string{"--help"}, nil, &out, &out)
	if !strings.Contains(out.String(), "samen seed [--demo]") {
		t.Errorf("the usage text does not list seed:\n%s", out.String())
	}
}
