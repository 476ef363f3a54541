package models_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"slices"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// TestExportReadsEveryIdeaInBatches exports more ideas than a batch holds,
// with a deleted one among them: every idea the team may see comes once, in
// id order, and the deleted one never.
func TestExportReadsEveryIdeaInBatches(t *testing.T) {
	models.SetExportBatch(t, 2)
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		team, err := s.CreateUser(ctx, models.NewUser{Name: "Tess", Email: "tess@example.com", Role: models.RoleTeam})
		if err != nil {
			t.Fatal(err)
		}
		member, err := s.CreateUser(ctx, models.NewUser{Name: "Mia", Email: "mia@example.com"})
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := range 7 {
			idea, err := s.CreateIdea(ctx, member, models.NewIdea{Title: fmt.Sprintf("Idea number %d for the export", i)})
			if err != nil {
				t.Fatal(err)
			}
			if i == 3 {
				if err := s.DeleteIdea(ctx, idea.ID, member); err != nil {
					t.Fatal(err)
				}
				continue
			}
			want = append(want, fmt.Sprint(idea.ID))
		}
		var out bytes.Buffer
		if err := s.ExportIdeas(ctx, team, "https://samen.example", &out); err != nil {
			t.Fatal(err)
		}
		records, err := csv.NewReader(&out).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(records[0], models.ExportColumns) {
			t.Fatalf("header %v", records[0])
		}
		var got []string
		for _, r := range records[1:] {
			got = append(got, r[0])
		}
		if !slices.Equal(got, want) {
			t.Fatalf("exported ids %v, want %v", got, want)
		}
		if err := s.ExportIdeas(ctx, member, "", &out); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member exports: %v", err)
		}
	})
}
