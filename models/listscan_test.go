package models_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// A list's rows read by column name (scanIdeas) are the ideas GORM's Find
// reads from the same query, field for field: for visitors, members and
// the team, with and without the texts, the triage fields, a category and
// the nullable columns set, in every sort, filtered, searched, and in the
// triage inbox.
func TestListRowsReadAsGORMReadsThem(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		if _, err := s.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		team, err := s.UserByEmail(ctx, models.DemoTeamEmail)
		if err != nil {
			t.Fatal(err)
		}
		member, err := s.UserByEmail(ctx, "sophie@demo.example")
		if err != nil {
			t.Fatal(err)
		}
		// The columns a list may read that the demo leaves empty.
		now := s.Now()
		if err := s.Gorm().Exec(`UPDATE ideas SET assignee_id = ?, impact = 3, effort = 2, triaged_at = ?, answered_at = ?,
			edited_at = ?, locked = ?, pinned = ?, category_id = NULL WHERE id IN (SELECT id FROM ideas ORDER BY id LIMIT 3)`,
			team.ID, now, now, now, true, true).Error; err != nil {
			t.Fatal(err)
		}
		same := func(what string, scanned, found []*models.Idea, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if len(found) == 0 {
				t.Fatalf("%s: no ideas to compare", what)
			}
			if !reflect.DeepEqual(scanned, found) {
				for i := range min(len(scanned), len(found)) {
					if !reflect.DeepEqual(scanned[i], found[i]) {
						t.Fatalf("%s: idea %d read differently:\nscanned %+v\nfound   %+v", what, found[i].ID, *scanned[i], *found[i])
					}
				}
				t.Fatalf("%s: %d ideas scanned, %d found", what, len(scanned), len(found))
			}
		}
		for _, viewer := range []*models.User{nil, member, team} {
			for _, o := range []models.ListOptions{
				{Sort: models.SortHot}, {Sort: models.SortTop, Excerpts: true}, {Sort: models.SortNew, Bodies: true},
				{Sort: models.SortUpdated, Excerpts: true, Bodies: true}, {Status: "planned"}, {Category: "lights"},
				{Query: "light"}, {Query: "light", Sort: models.SortTop}, {Query: "ligth batery", AnyWord: true},
			} {
				scanned, found, err := s.ReadListBothWays(ctx, o, viewer)
				if o.Category != "" && err != nil {
					continue // a category the demo may name otherwise
				}
				if len(found) == 0 && err == nil && (o.Category != "" || o.Query != "") {
					continue
				}
				same(fmt.Sprintf("%+v as %v", o, viewer), scanned, found, err)
			}
		}
		scanned, found, err := s.ReadTriageBothWays(ctx, models.TriageOptions{PerPage: 50}, team)
		same("the triage inbox", scanned, found, err)
	})
}
