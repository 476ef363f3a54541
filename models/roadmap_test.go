package models_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestRoadmapStatements bounds what the roadmap costs: per column, its page
// of ideas and their tags; then two statements for the latest answers of
// all its cards. The number does not grow with the ideas on it.
func TestRoadmapStatements(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		team := member(t, s, "Team", models.RoleTeam)
		statuses := []string{"planned", "in-progress", "shipped", "open"}
		add := func(from, n int) {
			for i := from; i < from+n; i++ {
				made := idea(t, s, team, fmt.Sprintf("Idea number %d for the roadmap", i), "A body.")
				answer := models.Answer{Status: statuses[i%len(statuses)], Note: fmt.Sprintf("Answer %d", i)}
				if _, err := s.AnswerIdea(ctx, made.ID, team, answer); err != nil {
					t.Fatal(err)
				}
			}
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
		const columns = 3
		const want = columns*2 + 2
		for _, n := range []int{12, 60} {
			add(1000*n, n)
			if _, err := s.Roadmap(ctx, models.RoadmapOptions{}, nil); err != nil { // warms the caches
				t.Fatal(err)
			}
			statements = nil
			rm, err := s.Roadmap(ctx, models.RoadmapOptions{Bodies: true}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(rm.Columns) != columns || len(rm.Answers) == 0 {
				t.Fatalf("%d columns, %d answers", len(rm.Columns), len(rm.Answers))
			}
			for _, col := range rm.Columns {
				for _, i := range col.Ideas {
					if a := rm.Answers[i.ID]; a == nil || a.Note == "" || a.To.ID != i.StatusID {
						t.Fatalf("idea %d in %s: answer %+v", i.ID, col.Status.Slug, a)
					}
				}
			}
			if len(statements) > want {
				t.Fatalf("with %d more ideas, the roadmap ran %d statements, want at most %d:\n%q", n, len(statements), want, statements)
			}
		}
	})
}
