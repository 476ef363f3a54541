package models_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"samen/models"
	"samen/models/modelstest"
)

// TestSearchLeavesOutOneLetterWordsAndCapsItsWords reads the statements a
// search sends: one-letter words, repeated words and the words past
// MaxSearchWords never reach the database.
func TestSearchLeavesOutOneLetterWordsAndCapsItsWords(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		idea(t, s, anna, "A longer battery for the city bike", "")
		var mu sync.Mutex
		var statements []string
		s.LogQueries(func(sql string) {
			mu.Lock()
			defer mu.Unlock()
			statements = append(statements, sql)
		})
		title := "a b c d e f g h i j k l m n o p 1 2 3 battery battery one two three four five six seven eight nine"
		similar, err := s.SimilarIdeas(ctx, title, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(similar) != 1 {
			t.Fatalf("%d similar ideas", len(similar))
		}
		mu.Lock()
		sent := strings.Join(statements, "\n")
		mu.Unlock()
		// A searched word appears as "word"* (FTS5) or word:* (tsquery).
		searched := regexp.MustCompile(`"+(\pL+|\d+)"+\*|\b(\pL+|\d+):\*`)
		words := map[string]int{}
		for _, m := range searched.FindAllStringSubmatch(sent, -1) {
			words[m[1]+m[2]]++
		}
		for _, w := range []string{"a", "b", "p", "1", "3", "eight", "nine"} {
			if words[w] > 0 {
				t.Errorf("%q reached the database:\n%s", w, sent)
			}
		}
		for _, w := range []string{"battery", "seven"} {
			if words[w] == 0 {
				t.Errorf("%q did not reach the database:\n%s", w, sent)
			}
		}
		if len(words) != models.MaxSearchWords {
			t.Errorf("%d words searched, want %d: %v", len(words), models.MaxSearchWords, words)
		}
		// SQLite reads at most SearchCandidates matches, the newest, in every statement that matches.
		if s.Dialect() == models.SQLite {
			bounded := fmt.Sprintf("ORDER BY rowid DESC LIMIT %d", models.SearchCandidates)
			if n, m := strings.Count(sent, "MATCH"), strings.Count(sent, bounded); n == 0 || n != m {
				t.Errorf("%d statements match, %d of them read at most %d matches:\n%s", n, m, models.SearchCandidates, sent)
			}
		}
		// Nothing left to search: no statement at all.
		statements = nil
		if similar, err := s.SimilarIdeas(ctx, "a b c d e 1 2 3", nil); err != nil || len(similar) != 0 || len(statements) != 0 {
			t.Fatalf("one-letter words alone: %d ideas, %v, statements %q", len(similar), err, statements)
		}
	})
}

// TestShortWordsMatchWholeWords: a word below MinPrefix letters is searched
// as a whole word, not as the prefix of every word it begins.
func TestShortWordsMatchWholeWords(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		idea(t, s, anna, "Co-op rides on the battery", "")
		idea(t, s, anna, "Coloured frames", "")
		var statements []string
		var mu sync.Mutex
		s.LogQueries(func(sql string) {
			mu.Lock()
			defer mu.Unlock()
			statements = append(statements, sql)
		})
		similar, err := s.SimilarIdeas(ctx, "co bat", nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(similar) != 1 || similar[0].Title != "Co-op rides on the battery" {
			t.Fatalf("similar to %q: %d ideas", "co bat", len(similar))
		}
		mu.Lock()
		sent := strings.Join(statements, "\n")
		mu.Unlock()
		if regexp.MustCompile(`\bco"*\*|\bco:\*`).MatchString(sent) || !regexp.MustCompile(`\bbat"*(\*|:\*)`).MatchString(sent) {
			t.Fatalf("co should be a whole word and bat a prefix:\n%s", sent)
		}
	})
}

// TestReadsDoNotQueueBehindAHeldConnection holds a connection the way a slow
// search or a long write does, and reads beside it: on SQLite reads have a
// pool of their own beside the one writer (WAL), so they neither wait for
// another read nor for a write transaction, and they see what was committed.
// The deadline only turns a hang into a failure; nothing here is timed.
func TestReadsDoNotQueueBehindAHeldConnection(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		lights := idea(t, s, anna, "Lights that switch on by themselves", "")
		read := func(what string) {
			t.Helper()
			ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			got, err := s.Idea(ctx, lights.ID, nil)
			if err != nil {
				t.Fatalf("read %s: %v", what, err)
			}
			if _, err := s.ListIdeas(ctx, models.ListOptions{Query: "lights"}, nil); err != nil {
				t.Fatalf("search %s: %v", what, err)
			}
			if got.Title != lights.Title {
				t.Fatalf("read %s: %q", what, got.Title)
			}
		}

		// A long read: its rows are still open, so it keeps its connection.
		rows, err := s.Gorm().WithContext(ctx).Raw("SELECT id FROM ideas").Rows()
		if err != nil {
			t.Fatal(err)
		}
		read("beside an unfinished read")

		// A write transaction keeps the writer.
		tx, err := s.DB().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf("UPDATE ideas SET votes = votes + 0 WHERE id = %d", lights.ID)); err != nil {
			t.Fatal(err)
		}
		read("beside a write transaction")
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if err := rows.Close(); err != nil {
			t.Fatal(err)
		}

		// What a write committed, the next read sees.
		dusk := "Lights that switch on at dusk"
		if _, err := s.UpdateIdea(ctx, lights.ID, anna, models.IdeaUpdate{Title: &dusk}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Idea(ctx, lights.ID, nil); err != nil || got.Title != "Lights that switch on at dusk" {
			t.Fatalf("read after write: %v %+v", err, got)
		}
	})
}

// TestSearchRunsWithinATimeout: on PostgreSQL a search's statements run with
// a statement_timeout; on both, a search that passes the timeout answers
// ErrSearchTimeout, which the app turns into a clear answer.
func TestSearchRunsWithinATimeout(t *testing.T) {
	for _, dialect := range []string{models.SQLite, models.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			s := modelstest.Open(t, dialect)
			if dialect == models.Postgres {
				var timeout string
				err := s.InSearch(ctx, func(db *gorm.DB) error { return db.Raw("SHOW statement_timeout").Scan(&timeout).Error })
				if err != nil || timeout != "2s" {
					t.Fatalf("statement_timeout %q in a search (%v), want the default 2s", timeout, err)
				}
			}
			quick := modelstest.OpenWith(t, dialect, models.Options{SearchTimeout: 50 * time.Millisecond})
			slow := "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000000) SELECT count(*) FROM n"
			if dialect == models.Postgres {
				slow = "SELECT pg_sleep(30)"
			}
			err := quick.InSearch(ctx, func(db *gorm.DB) error { return db.Exec(slow).Error })
			if !errors.Is(err, models.ErrSearchTimeout) {
				t.Fatalf("a search past its timeout answered %v", err)
			}
			// The store goes on answering on the connections the cut search
			// used (a list without words: a search may meet the 50 ms again
			// on a busy machine).
			if _, err := quick.ListIdeas(ctx, models.ListOptions{}, nil); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSearchSnippetsAreText: search reads and quotes each idea's text, not its
// Markdown, also for ideas stored before the plain-text column existed.
func TestSearchSnippetsAreText(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		body := "# Lights\n\n**Bright** lights that switch on, see [the lamp](https://example.com/lamp) & `code`.\n\n- one light\n- two"
		idea(t, s, anna, "Automatic lights", body)
		check := func(when string) {
			t.Helper()
			page, err := s.Search(ctx, "lights", 1, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Results) != 1 {
				t.Fatalf("%s: %d results", when, len(page.Results))
			}
			snippet := string(page.Results[0].SnippetHTML)
			for _, syntax := range []string{"**", "#", "](", "[the", "`", "- one", "example.com", "&amp;amp;"} {
				if strings.Contains(snippet, syntax) {
					t.Errorf("%s: the snippet shows Markdown %q: %s", when, syntax, snippet)
				}
			}
			if !strings.Contains(snippet, "<mark>Lights</mark>") || !strings.Contains(snippet, "Bright") || !strings.Contains(snippet, "the lamp") {
				t.Errorf("%s: snippet %s", when, snippet)
			}
			// A word of a link's address is not text a reader sees.
			if found, err := s.Search(ctx, "example", 1, nil); err != nil || len(found.Results) != 0 {
				t.Errorf("%s: the link's address was searched: %v, %d results", when, err, len(found.Results))
			}
		}
		check("written now")
		// An idea stored before there was a plain-text column gets its text at the next start.
		if err := s.Gorm().Exec("UPDATE ideas SET body_text = ''").Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		check("filled in at start")
	})
}

// TestSQLitePlansWithStatistics: SQLite plans without statistics until it
// gathers them, and then takes ideas.state = 'published' for selective: at
// 100,000 ideas a search read every published idea by that index and
// looked each up among its matches. Migrate (at every start) and the hourly
// cleanup job gather them (PRAGMA optimize).
func TestSQLitePlansWithStatistics(t *testing.T) {
	s := modelstest.Open(t, models.SQLite)
	ctx := context.Background()
	var anna *models.User
	for i := range 40 {
		if i%10 == 0 { // the spam brake allows 10 ideas an hour
			anna = member(t, s, fmt.Sprintf("Anna%d", i), models.RoleMember)
		}
		idea(t, s, anna, fmt.Sprintf("Lights number %d", i), fmt.Sprintf("They switch on by themselves, %d.", i))
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var stats int
	if err := s.DB().QueryRowContext(ctx, "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'ideas'").Scan(&stats); err != nil || stats == 0 {
		t.Fatalf("no statistics of ideas after a start (%v)", err)
	}
}
