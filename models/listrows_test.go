package models_test

import (
	"context"
	"reflect"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestListRowsReadAsGORMReadsThem: a list's page scanned straight into
// ideas equals the page GORM's Find reads, for every shape of list (the
// pages' rows, bodies, excerpts, the team's triage fields, a search) and
// for ideas with and without a category, an assignee and weights.
func TestListRowsReadAsGORMReadsThem(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, err := s.CreateUser(ctx, models.NewUser{Name: "Tess", Email: "tess@example.com", Role: models.RoleTeam})
		if err != nil {
			t.Fatal(err)
		}
		anna, err := s.CreateUser(ctx, models.NewUser{Name: "Anna", Email: "anna@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		cats, err := s.Categories(ctx)
		if err != nil || len(cats) == 0 {
			t.Fatalf("categories: %v", err)
		}
		if _, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A rack for the battery", Body: "Plain *idea* without a category."}); err != nil {
			t.Fatal(err)
		}
		weighed, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A brighter battery light", Body: "With a category.", Category: cats[0].Slug})
		if err != nil {
			t.Fatal(err)
		}
		impact := int64(4)
		if _, err := s.SetTriage(ctx, weighed.ID, tess, models.TriageUpdate{AssigneeID: models.Setting{Set: true, Value: &tess.ID},
			Impact: models.Setting{Set: true, Value: &impact}}); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name   string
			o      models.ListOptions
			viewer *models.User
		}{
			{"the pages' rows", models.ListOptions{Rows: true, Excerpts: true}, nil},
			{"whole ideas", models.ListOptions{Bodies: true}, anna},
			{"the team's", models.ListOptions{Bodies: true, Excerpts: true}, tess},
			{"the team's rows", models.ListOptions{Rows: true}, tess},
			{"a search", models.ListOptions{Query: "battery"}, nil},
		} {
			fast, slow, err := s.ListBothWays(ctx, tc.o, tc.viewer)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if len(fast) != 2 || !reflect.DeepEqual(fast, slow) {
				for i := range fast {
					if i < len(slow) && !reflect.DeepEqual(fast[i], slow[i]) {
						t.Errorf("%s, idea %d:\n scanned %+v\n    gorm %+v", tc.name, fast[i].ID, *fast[i], *slow[i])
					}
				}
				t.Fatalf("%s: %d ideas scanned, %d read by GORM", tc.name, len(fast), len(slow))
			}
		}
	})
}
