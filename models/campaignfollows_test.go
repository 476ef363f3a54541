package models_test

import (
	"context"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// inboxKinds lists the campaign notices in a member's inbox, newest first,
// as "campaign-slug:phase".
func campaignNotices(t *testing.T, s *models.Store, u *models.User) []string {
	t.Helper()
	page, err := s.Inbox(context.Background(), u, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, it := range page.Items {
		if it.Kind == models.NotifyCampaignPhase && it.Campaign != nil {
			out = append(out, it.Campaign.Slug+":"+it.Detail)
		}
	}
	return out
}

// TestCampaignPhasesReachFollowers: members who follow a campaign (by its
// button, by submitting an idea, by spending points) hear of each phase it
// enters; who unfollowed, or turned following off, or moved it, does not.
func TestCampaignPhasesReachFollowers(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		tess, m := campaignPeople(t, s, "Anna", "Bram", "Cas", "Dirk")
		anna, bram, cas, dirk := m[0], m[1], m[2], m[3]
		title, budget := "Follow the lock round", 5
		c, err := s.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Budget: &budget})
		if err != nil {
			t.Fatal(err)
		}
		move := func(to models.Phase) {
			t.Helper()
			if _, err := s.MoveCampaign(ctx, c.ID, tess, to); err != nil {
				t.Fatal(err)
			}
			if err := s.FanOutPending(ctx); err != nil {
				t.Fatal(err)
			}
		}
		move(models.PhaseSubmission)
		// Bram follows by the button; Dirk follows and stops; Cas turned
		// following off in his preferences.
		for _, f := range []struct {
			u      *models.User
			follow bool
		}{{bram, true}, {dirk, true}, {dirk, false}} {
			if err := s.FollowCampaign(ctx, c, f.u, f.follow); err != nil {
				t.Fatal(err)
			}
		}
		off := false
		if _, err := s.UpdatePreferences(ctx, cas.ID, models.PreferencesChange{AutoSubscribe: &off}); err != nil {
			t.Fatal(err)
		}
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "A lock that knows my phone", Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateIdea(ctx, cas, models.NewIdea{Title: "A lock with a real key", Campaign: c.Slug}); err != nil {
			t.Fatal(err)
		}
		move(models.PhaseVoting)
		if _, err := s.SpendPoints(ctx, dirk, idea.ID, 2); err != nil { // unfollowed before: stays so
			t.Fatal(err)
		}
		move(models.PhaseReview)
		move(models.PhaseResults)

		slug := c.Slug
		want := map[string][]string{
			"Anna": {slug + ":results", slug + ":review", slug + ":voting"},
			"Bram": {slug + ":results", slug + ":review", slug + ":voting"},
			"Cas":  nil, "Dirk": nil, "Tess": nil,
		}
		for _, u := range []*models.User{anna, bram, cas, dirk, tess} {
			got := campaignNotices(t, s, u)
			if len(got) != len(want[u.Name]) {
				t.Fatalf("%s heard %v, want %v", u.Name, got, want[u.Name])
			}
			for i := range got {
				if got[i] != want[u.Name][i] {
					t.Fatalf("%s heard %v, want %v", u.Name, got, want[u.Name])
				}
			}
		}
		for _, u := range []*models.User{anna, bram} {
			if ok, err := s.FollowsCampaign(ctx, c.ID, u.ID); err != nil || !ok {
				t.Fatalf("%s follows: %v %v", u.Name, ok, err)
			}
		}
	})
}

// TestCampaignsMoveOnTheirDates: with a fixed clock, a campaign opens for
// ideas, for votes and closes its voting on its dates, several steps at
// once when several dates passed, each announced like the team's moves;
// it takes no idea after the submission closes; the results wait for the team.
func TestCampaignsMoveOnTheirDates(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		start := time.Date(2027, 3, 1, 9, 0, 0, 0, time.UTC)
		now := start
		s.SetClock(func() time.Time { return now })
		tess, m := campaignPeople(t, s, "Anna")
		anna := m[0]
		at := func(d time.Duration) *time.Time { v := start.Add(d); return &v }
		title, sealed := "A round on dates", true
		in := models.CampaignInput{Title: &title, Sealed: &sealed,
			SubmissionOpensAt: ptr(at(time.Hour)), SubmissionClosesAt: ptr(at(48 * time.Hour)),
			VotingOpensAt: ptr(at(72 * time.Hour)), VotingClosesAt: ptr(at(96 * time.Hour))}
		c, err := s.CreateCampaign(ctx, tess, in)
		if err != nil {
			t.Fatal(err)
		}
		step := func(later time.Duration, moves int, phase models.Phase) *models.Campaign {
			t.Helper()
			now = start.Add(later)
			n, err := s.AdvanceCampaigns(ctx)
			if err != nil || n != moves {
				t.Fatalf("at +%s: %d moves, want %d: %v", later, n, moves, err)
			}
			if err := s.FanOutPending(ctx); err != nil { // as the jobs would, soon after
				t.Fatal(err)
			}
			got, err := s.Campaign(ctx, c.Slug, tess)
			if err != nil || got.Phase != phase {
				t.Fatalf("at +%s: phase %v, want %s: %v", later, got, phase, err)
			}
			return got
		}
		step(59*time.Minute, 0, models.PhaseDraft)
		if got := step(time.Hour, 1, models.PhaseSubmission); !got.Open() || got.NextMoveAt() == nil || !got.NextMoveAt().Equal(*at(72 * time.Hour)) {
			t.Fatalf("open for ideas until voting: open %v, next move %v", got.Open(), got.NextMoveAt())
		}
		if _, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "An idea in time", Campaign: c.Slug}); err != nil {
			t.Fatal(err)
		}
		if got := step(48*time.Hour, 0, models.PhaseSubmission); got.Open() {
			t.Fatal("the campaign still takes ideas after its submission closed")
		}
		_, err = s.CreateIdea(ctx, anna, models.NewIdea{Title: "An idea too late", Campaign: c.Slug})
		if invalid, ok := err.(models.ValidationErrors); !ok || invalid["campaign"] == "" {
			t.Fatalf("an idea after the submission closed: %v", err)
		}
		// Both voting dates passed while nobody looked: two moves, and the reveal.
		got := step(100*time.Hour, 2, models.PhaseReview)
		if got.RevealedAt == nil || got.NextMoveAt() != nil {
			t.Fatalf("after voting closed: revealed %v, next move %v", got.RevealedAt, got.NextMoveAt())
		}
		step(200*time.Hour, 0, models.PhaseReview)
		for i, h := range got.History {
			if i > 0 && h.ActorID != nil {
				t.Fatalf("a move on a date names an actor: %+v", h)
			}
		}
		if got := campaignNotices(t, s, anna); len(got) != 2 || got[0] != c.Slug+":review" || got[1] != c.Slug+":voting" {
			t.Fatalf("Anna heard %v", got)
		}
	})
}
