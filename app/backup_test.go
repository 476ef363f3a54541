package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"samen/app"
	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// TestBackupRestoresIntoAFreshDatabase takes a backup with `samen backup`
// while members go on voting, restores it into a new database (SQLite: the
// file itself; PostgreSQL: pg_restore), and serves the restored database:
// every member, idea, comment and vote from before the backup is there, every
// idea's votes counter equals its vote rows, a session from before still
// signs its member in, and the pages and the API answer.
func TestBackupRestoresIntoAFreshDatabase(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			if dialect == models.Postgres {
				for _, tool := range []string{"pg_dump", "pg_restore"} {
					if _, err := exec.LookPath(tool); err != nil {
						modelstest.Skip(t, tool+" is not installed (Debian: postgresql-client)")
					}
				}
			}
			ctx := context.Background()
			srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
			var members []*models.User
			for i := range 6 {
				members = append(members, srv.User(fmt.Sprintf("Member %d", i), fmt.Sprintf("m%d@example.com", i), models.RoleMember))
			}
			var ideas []*models.Idea
			for i := range 8 {
				idea, err := srv.Store.CreateIdea(ctx, members[i%len(members)], models.NewIdea{Title: fmt.Sprintf("Idea number %d to keep", i), Body: fmt.Sprintf("Body *text* of idea %d", i)})
				if err != nil {
					t.Fatal(err)
				}
				ideas = append(ideas, idea)
				for _, m := range members[:i%len(members)+1] {
					if _, _, err := srv.Store.Vote(ctx, idea.ID, m.ID); err != nil {
						t.Fatal(err)
					}
				}
				if _, err := srv.Store.CreateComment(ctx, idea.ID, members[0], models.NewComment{Body: fmt.Sprintf("A comment on idea %d", i)}); err != nil {
					t.Fatal(err)
				}
			}
			browser := srv.SignedIn(members[1])
			session := browser.Cookie("samen_session")
			// Others vote and take votes back while the backup runs.
			voters := []*models.User{srv.User("Busy one", "busy1@example.com", models.RoleMember), srv.User("Busy two", "busy2@example.com", models.RoleMember)}
			before := snapshot(t, srv.Store.DB())
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var writes atomic.Int64
			for _, v := range voters {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; ; i++ {
						select {
						case <-stop:
							return
						default:
						}
						idea := ideas[i%len(ideas)]
						if _, _, err := srv.Store.Vote(ctx, idea.ID, v.ID); err != nil {
							t.Error(err)
							return
						}
						if _, _, err := srv.Store.Unvote(ctx, ideas[(i+3)%len(ideas)].ID, v.ID); err != nil {
							t.Error(err)
							return
						}
						writes.Add(2)
					}
				}()
			}

			file := filepath.Join(t.TempDir(), "backups", "samen.backup") // a folder the command makes
			t.Setenv("DATABASE_URL", srv.DatabaseURL())
			t.Setenv("SAMEN_ENV", "development")
			code := app.Main([]string{"samen", "backup", "--to", file})
			close(stop)
			wg.Wait()
			if code != 0 {
				t.Fatalf("samen backup exited %d", code)
			}
			if code := app.Main([]string{"samen", "backup", "--to", file}); code == 0 {
				t.Fatal("a second backup wrote over the first")
			}
			t.Logf("%d votes cast and taken back during the test", writes.Load())

			var restoredURL string
			if dialect == models.SQLite {
				restoredURL = "sqlite:" + filepath.Join(t.TempDir(), "restored", "samen.db")
				data, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.MkdirAll(filepath.Dir(restoredURL[len("sqlite:"):]), 0o750); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(restoredURL[len("sqlite:"):], data, 0o600); err != nil {
					t.Fatal(err)
				}
			} else {
				restoredURL = modelstest.URL(t, models.Postgres)
				if out, err := exec.Command("pg_restore", "--no-owner", "--exit-on-error", "--dbname="+restoredURL, file).CombinedOutput(); err != nil {
					t.Fatalf("pg_restore: %v\n%s", err, out)
				}
			}
			restored := apptest.At(t, restoredURL, "SAMEN_RATE_LIMITS=off")
			after := snapshot(t, restored.Store.DB())

			for _, table := range []string{"users", "ideas", "comments"} {
				if !slices.Equal(before[table], after[table]) {
					t.Errorf("%s: before the backup %v, restored %v", table, before[table], after[table])
				}
			}
			for _, vote := range before["votes"] {
				if !slices.Contains(after["votes"], vote) {
					t.Errorf("vote %s is not in the restored database", vote)
				}
			}
			for _, off := range after["counters off"] {
				t.Errorf("restored idea's votes counter differs from its vote rows: %s", off)
			}

			idea := ideas[3]
			page := restored.Client().Get(fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug))
			if page.StatusCode != http.StatusOK || strings.TrimSpace(page.Doc.Find("h1").Text()) != idea.Title {
				t.Errorf("restored idea page: %d, h1 %q", page.StatusCode, page.Doc.Find("h1").Text())
			}
			me := restored.Client()
			me.Header.Set("Cookie", "samen_session="+session)
			me.Header.Set("Accept", "application/json")
			r := me.Get("/api/v1/me")
			var who struct {
				ID   int64  `json:"id"`
				Name string `json:"name"`
			}
			if err := json.Unmarshal(r.Body, &who); r.StatusCode != http.StatusOK || err != nil || who.ID != members[1].ID {
				t.Errorf("GET /api/v1/me with a session from before the backup: %d %s", r.StatusCode, r.Body)
			}
			r = restored.Client().Get(fmt.Sprintf("/api/v1/ideas/%d", idea.ID))
			var got struct {
				Votes int `json:"votes"`
			}
			if err := json.Unmarshal(r.Body, &got); r.StatusCode != http.StatusOK || err != nil || got.Votes < 4 { // members 0 to 3 voted for it before the backup
				t.Errorf("GET /api/v1/ideas/%d on the restored database: %d %s", idea.ID, r.StatusCode, r.Body)
			}
		})
	}
}

// snapshot reads what a backup must keep, each as sorted lines: the users,
// ideas, comments and votes, and the ideas whose votes counter is off.
func snapshot(t *testing.T, db *sql.DB) map[string][]string {
	t.Helper()
	queries := map[string]string{
		"users":    "SELECT id || ' ' || email || ' ' || name FROM users",
		"ideas":    "SELECT id || ' ' || title || ' ' || slug FROM ideas",
		"comments": "SELECT id || ' ' || idea_id || ' ' || body FROM comments",
		"votes":    "SELECT idea_id || ' ' || user_id FROM votes",
		"counters off": `SELECT ideas.id || ': ' || ideas.votes || ' counted, ' || count(votes.user_id) || ' rows'
			FROM ideas LEFT JOIN votes ON votes.idea_id = ideas.id
			GROUP BY ideas.id, ideas.votes HAVING ideas.votes <> count(votes.user_id)`,
	}
	out := map[string][]string{}
	for name, q := range queries {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], line)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out[name])
	}
	return out
}
