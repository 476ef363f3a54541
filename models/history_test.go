package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// TestDiffWordByWord: an edit's changes come out word by word, with the
// words kept, deleted and inserted in order; putting the deleted and kept
// words together gives the old text back, the inserted and kept the new.
func TestDiffWordByWord(t *testing.T) {
	for _, c := range []struct {
		before, after string
		want          string // parts as [-deleted-] and {+inserted+}
	}{
		{"", "", ""},
		{"A lock", "A lock", "A lock"},
		{"A lock that opens by phone", "A lock that opens by card", "A lock that opens by [-phone-]{+card+}"},
		{"one two three", "one three", "one [-two -]three"},
		{"one three", "one two three", "one {+two +}three"},
		{"red frame\n\nwith a bell", "blue frame\n\nwith a loud bell", "[-red-]{+blue+} frame\n\nwith a{+ loud+} bell"},
		{"It turns on by itself.", "It turns on by itself at dusk.", "It turns on by itself{+ at dusk+}."},
		{"", "new text", "{+new text+}"},
	} {
		parts := models.Diff(c.before, c.after)
		var got, old, now strings.Builder
		for _, p := range parts {
			switch p.Op {
			case "del":
				got.WriteString("[-" + p.Text + "-]")
				old.WriteString(p.Text)
			case "ins":
				got.WriteString("{+" + p.Text + "+}")
				now.WriteString(p.Text)
			default:
				got.WriteString(p.Text)
				old.WriteString(p.Text)
				now.WriteString(p.Text)
			}
		}
		if got.String() != c.want || old.String() != c.before || now.String() != c.after {
			t.Errorf("Diff(%q, %q) = %q (old %q, new %q), want %q", c.before, c.after, got.String(), old.String(), now.String(), c.want)
		}
	}
	// Past the bound, the changed middle is one deletion and one insertion.
	long := strings.Repeat("word ", 600)
	parts := models.Diff("start "+long+"end", "start "+strings.Repeat("other ", 600)+"end")
	if len(parts) != 4 || parts[1].Op != "del" || parts[2].Op != "ins" {
		t.Fatalf("a long rewrite: %d parts", len(parts))
	}
}

// TestIdeaHistoryTimeline: an idea's timeline holds its proposal, each
// edit with what changed, the team's answers, what was merged into it and
// out again, its campaign and the campaign's published decision, and its
// feedback rounds, oldest first; nothing of the moderators' private notes.
func TestIdeaHistoryTimeline(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		start := time.Date(2027, 4, 1, 9, 0, 0, 0, time.UTC)
		now := start
		s.SetClock(func() time.Time { return now })
		later := func() { now = now.Add(time.Hour) }
		tess := mailMember(t, s, "Tess", "tess@example.com", models.RoleTeam)
		mod := mailMember(t, s, "Mo", "mo@example.com", models.RoleModerator)
		anna := mailMember(t, s, "Anna", "anna@example.com", models.RoleMember)
		bram := mailMember(t, s, "Bram", "bram@example.com", models.RoleMember)

		title, budget := "Lights for winter", 5
		c, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Budget: &budget})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		later()
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A light in the frame", Body: "It turns on by itself.", Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		later()
		dup, err := s.CreateIdea(ctx, bram, models.NewIdea{Title: "Built-in frame lights", Body: "Please, built in."})
		if err != nil {
			t.Fatal(err)
		}
		later()
		newTitle, newBody := "A light in the frame tube", "It turns on by itself at dusk."
		if _, err := s.UpdateIdea(ctx, idea.ID, anna, models.IdeaUpdate{Title: &newTitle, Body: &newBody}); err != nil {
			t.Fatal(err)
		}
		later()
		if _, err := s.Merge(ctx, dup.ID, idea.ID, mod, "same idea, private note"); err != nil {
			t.Fatal(err)
		}
		later()
		if _, err := s.Unmerge(ctx, dup.ID, mod); err != nil {
			t.Fatal(err)
		}
		later()
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseVoting); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SpendPoints(ctx, bram, idea.ID, 2); err != nil {
			t.Fatal(err)
		}
		if c, err = s.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		later()
		if err := s.SetCampaignResult(ctx, tess, c, idea.ID, models.DecisionChosen, "We build it."); err != nil {
			t.Fatal(err)
		}
		later()
		if _, err := s.SetStatus(ctx, idea.ID, tess, "planned", "Next spring."); err != nil {
			t.Fatal(err)
		}
		later()
		closes := now.Add(72 * time.Hour)
		round, err := s.OpenRound(ctx, tess, idea.ID, models.RoundInput{Title: "Try the light", ClosesAt: &closes,
			Questions: []models.AskInput{{Kind: models.AskYesNo, Prompt: "Bright enough?"}}})
		if err != nil {
			t.Fatal(err)
		}

		kinds := func(viewer *models.User) []string {
			t.Helper()
			got, err := s.Idea(ctx, idea.ID, viewer)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := s.IdeaHistory(ctx, got, viewer)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for i, e := range entries {
				if i > 0 && e.At.Before(entries[i-1].At) {
					t.Fatalf("not oldest first: %v after %v", e.At, entries[i-1].At)
				}
				if e.Kind == models.HistoryEdited {
					if e.Actor == nil || e.Actor.ID != anna.ID || len(e.Title) == 0 || len(e.Body) != 3 || e.Body[1].Op != "ins" || e.Body[1].Text != " at dusk" {
						t.Fatalf("the edit: %+v", e)
					}
				}
				if (e.Kind == models.HistoryMergedFrom || e.Kind == models.HistoryUnmerged) && (e.Actor != nil || e.Other == nil || e.Other.ID != dup.ID) {
					t.Fatalf("a merge names %+v, other %+v", e.Actor, e.Other)
				}
				out = append(out, e.Kind)
			}
			return out
		}
		// The campaign's decision is the team's until the results are out;
		// the open round is for its participants (Bram gave points).
		want := "proposed campaign edited merged_from status round"
		if got := strings.Join(kinds(anna), " "); got != want {
			t.Fatalf("Anna reads %q, want %q", got, want)
		}
		if got := strings.Join(kinds(tess), " "); got != "proposed campaign edited merged_from decision status round" {
			t.Fatalf("the team reads %q", got)
		}
		if _, err := s.MoveCampaign(ctx, c.ID, tess, models.PhaseResults); err != nil {
			t.Fatal(err)
		}
		later()
		if _, err := s.CloseRound(ctx, tess, round.ID); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(kinds(nil), " "); got != "proposed campaign edited merged_from status round round_closed decision" &&
			got != "proposed campaign edited merged_from status decision round round_closed" {
			t.Fatalf("a visitor reads %q", got)
		}
		// The merged idea's own timeline: merged into the idea, then out again.
		got, err := s.Idea(ctx, dup.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		entries, err := s.IdeaHistory(ctx, got, nil)
		if err != nil || len(entries) != 3 || entries[1].Kind != models.HistoryMergedInto || entries[2].Kind != models.HistoryUnmerged ||
			entries[1].Other == nil || entries[1].Other.ID != idea.ID {
			t.Fatalf("the duplicate's timeline: %+v %v", entries, err)
		}

		// Hidden, the duplicate is still a merge in the idea's timeline,
		// named to moderators only.
		hidden := true
		if _, err := s.ModerateIdea(ctx, dup.ID, mod, models.IdeaModeration{Hidden: &hidden, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			viewer *models.User
			named  bool
		}{{nil, false}, {anna, false}, {mod, true}} {
			got, err := s.Idea(ctx, idea.ID, c.viewer)
			if err != nil {
				t.Fatal(err)
			}
			entries, err := s.IdeaHistory(ctx, got, c.viewer)
			if err != nil {
				t.Fatal(err)
			}
			merges := 0
			for _, e := range entries {
				if e.Kind == models.HistoryMergedFrom {
					merges++
					if named := e.Other != nil && e.Other.ID == dup.ID; named != c.named || (e.Other != nil && !named) {
						t.Fatalf("viewer %v: the hidden duplicate is named %+v", c.viewer, e.Other)
					}
				}
			}
			if merges != 1 {
				t.Fatalf("viewer %v: %d merges in %+v", c.viewer, merges, entries)
			}
		}
	})
}
