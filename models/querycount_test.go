package models_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// The SQL statements behind one page of the idea list, the page everyone
// opens first: the store calls that handlers.Ideas.List makes, after app's
// viewer middleware has found the session. Each statement is a round trip and
// a share of the database's work, and their number must not grow with the
// ideas on the page: never a query per idea.
const (
	// visitorListStatements: the page of ideas with their authors,
	// categories and statuses joined. The total, the filters' statuses and
	// categories, and the page's tags come from the store's caches.
	visitorListStatements = 1
	// memberListStatements: a visitor's one and the member's votes on the
	// page (the session that signs the member in is in the store's cache).
	memberListStatements = 2
	// coldCacheStatements: what a page adds while the caches are cold (after
	// a write, or every few seconds): the total, the statuses, the categories
	// and the tags (with the member's votes, for a member).
	coldCacheStatements = 4
)

func TestListPageStatements(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		team := member(t, s, "Team", models.RoleTeam)
		anna := member(t, s, "Anna", models.RoleMember)
		for i := range 30 {
			made := idea(t, s, team, fmt.Sprintf("Idea number %d for the list", i), "A body.")
			if i%3 == 0 {
				tags := []string{"Winter", fmt.Sprintf("Tag %d", i)}
				if _, err := s.UpdateIdea(ctx, made.ID, team, models.IdeaUpdate{Tags: &tags}); err != nil {
					t.Fatal(err)
				}
			}
			if i%2 == 0 {
				if _, _, err := s.Vote(ctx, made.ID, anna.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		session, _, err := s.CreateSession(ctx, anna.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}

		var (
			mu         sync.Mutex
			statements []string
		)
		s.LogQueries(func(sql string) {
			mu.Lock()
			defer mu.Unlock()
			statements = append(statements, sql)
		})
		for _, tc := range []struct {
			name    string
			session string
			perPage int
			max     int
		}{
			{"visitor", "", 0, visitorListStatements},
			{"visitor, 30 a page", "", 30, visitorListStatements},
			{"member", session, 0, memberListStatements},
			{"member, 30 a page", session, 30, memberListStatements},
		} {
			for run, bound := range []int{tc.max + coldCacheStatements, tc.max} {
				statements = nil
				var viewer *models.User
				if tc.session != "" {
					sess, err := s.SessionByToken(ctx, tc.session)
					if err != nil {
						t.Fatal(err)
					}
					viewer = &sess.User
				}
				page, err := s.ListIdeas(ctx, models.ListOptions{PerPage: tc.perPage}, viewer)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Statuses(ctx); err != nil {
					t.Fatal(err)
				}
				if _, err := s.Categories(ctx); err != nil {
					t.Fatal(err)
				}

				// The page is what it should be: full, with tags, and the
				// member's votes marked.
				want := min(30, max(tc.perPage, models.DefaultPerPage))
				tagged, voted := 0, 0
				for _, i := range page.Ideas {
					if len(i.Tags) > 0 {
						tagged++
					}
					if i.Voted {
						voted++
					}
				}
				if len(page.Ideas) != want || page.Total != 30 || tagged == 0 || (viewer != nil) != (voted > 0) {
					t.Fatalf("%s: %d ideas of %d, %d tagged, %d voted", tc.name, len(page.Ideas), page.Total, tagged, voted)
				}
				if len(statements) > bound {
					t.Errorf("%s, run %d: %d SQL statements for one list page, want at most %d:\n%s",
						tc.name, run+1, len(statements), bound, strings.Join(statements, "\n"))
				}
			}
		}
	})
}

// TestHotPathsReadIndexes reads PostgreSQL's plans of the other statements
// the load test leans on: a list's count, a search's window and a vote. With
// sequential scans disabled, a plan that still scans a table has no index for it.
func TestHotPathsReadIndexes(t *testing.T) {
	s := modelstest.Open(t, models.Postgres)
	ctx := context.Background()
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	plans := map[string]func() (string, error){
		"count":           func() (string, error) { return s.ExplainTotal(ctx, models.ListOptions{}) },
		"count by status": func() (string, error) { return s.ExplainTotal(ctx, models.ListOptions{Status: "planned"}) },
		"search":          func() (string, error) { return s.ExplainList(ctx, models.ListOptions{Query: "battery"}) },
		"search, newest": func() (string, error) {
			return s.ExplainList(ctx, models.ListOptions{Query: "battery", Sort: models.SortNew})
		},
		"vote":              func() (string, error) { return s.ExplainVote(ctx, true) },
		"withdraw the vote": func() (string, error) { return s.ExplainVote(ctx, false) },
	}
	for name, explain := range plans {
		plan, err := explain()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(plan, "Index") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s is not read from an index:\n%s", name, plan)
		}
	}
}
