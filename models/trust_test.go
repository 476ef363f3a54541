package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// trustSettings are small thresholds a test reaches in a few days.
func trustSettings(t *testing.T, s *models.Store, admin *models.User, extra map[string]string) {
	t.Helper()
	values := models.DefaultSettings.Form()
	for k, v := range map[string]string{
		"trust1_days": "2", "trust1_posts": "1", "trust1_votes": "1", "trust1_clean_days": "7",
		"trust2_days": "4", "trust2_posts": "3", "trust2_votes": "3", "trust2_clean_days": "30",
		"trust3_days": "6", "trust3_posts": "5", "trust3_votes": "5", "trust3_clean_days": "60",
	} {
		values[k] = v
	}
	for k, v := range extra {
		values[k] = v
	}
	if _, err := s.SaveSettings(context.Background(), admin, values, false); err != nil {
		t.Fatal(err)
	}
}

// level reads a member's stored level and trusted flag.
func level(t *testing.T, s *models.Store, u *models.User) (int, bool) {
	t.Helper()
	fresh, err := s.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return fresh.TrustLevel, fresh.Trusted
}

func TestTrustLevelsRiseAndFallWithAFixedClock(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		day := 0
		s.SetClock(func() time.Time { return base.Add(time.Duration(day) * 24 * time.Hour) })
		t.Cleanup(func() { s.SetClock(nil) })
		admin, mod := member(t, s, "Ada", models.RoleAdmin), member(t, s, "Mo", models.RoleModerator)
		trustSettings(t, s, admin, nil)
		anna := member(t, s, "Anna", models.RoleMember)
		token, _, err := s.CreateSession(ctx, anna.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		// visit is a day on which Anna signs in, twice (the day counts once),
		// and posts n ideas (each with her own vote).
		visit := func(n int) {
			t.Helper()
			for range 2 {
				sess, err := s.SessionByToken(ctx, token)
				if err != nil {
					t.Fatal(err)
				}
				anna = &sess.User
			}
			for i := range n {
				idea(t, s, anna, fmt.Sprintf("Idea %d of day %d from Anna", i+1, day), "")
			}
		}
		want := func(wantLevel int, wantDays int) {
			t.Helper()
			got, trusted := level(t, s, anna)
			fresh, _ := s.UserByID(ctx, anna.ID)
			if got != wantLevel || trusted != (wantLevel >= models.TrustBasic) || fresh.DaysActive != wantDays {
				t.Fatalf("day %d: level %d trusted %v days %d, want level %d days %d", day, got, trusted, fresh.DaysActive, wantLevel, wantDays)
			}
		}

		visit(1) // a post and a vote, but one day
		want(models.TrustNew, 1)
		day++
		visit(0) // the second day is what she lacked
		want(models.TrustBasic, 2)
		day++
		visit(2) // three posts and votes, three days
		want(models.TrustBasic, 3)
		day++
		visit(0)
		want(models.TrustMember, 4)
		day++
		visit(2)
		want(models.TrustMember, 5)
		day++
		visit(0)
		want(models.TrustRegular, 6)

		progress, err := s.TrustProgress(ctx, anna)
		if err != nil || progress.Level != models.TrustRegular || progress.Next != 0 || len(progress.Changes) != 3 {
			t.Fatalf("a regular's progress: %+v %v", progress, err)
		}
		if c := progress.Changes[0]; c.FromLevel != 2 || c.ToLevel != 3 || c.Reason != models.TrustReasonActivity || !c.CreatedAt.Equal(base.Add(5*24*time.Hour)) {
			t.Fatalf("the last change: %+v", c)
		}

		// A suspension drops her to 0 at once and keeps her there.
		sanctioned, ends := day, day+3
		until := base.Add(time.Duration(ends) * 24 * time.Hour)
		if _, err := s.Sanction(ctx, mod, anna.ID, models.Sanction{Action: models.DecideSuspend, Until: until, Reason: "flame war"}); err != nil {
			t.Fatal(err)
		}
		want(models.TrustNew, 6)
		progress, _ = s.TrustProgress(ctx, anna)
		if c := progress.Changes[0]; c.FromLevel != 3 || c.ToLevel != 0 || c.Reason != models.TrustReasonSuspended || c.ActorID == nil || *c.ActorID != mod.ID {
			t.Fatalf("the suspension's change: %+v", c)
		}
		// No promotion while suspended, nor in the clean days after it.
		for _, d := range []int{1, 3, 4, 9} {
			day = sanctioned + d
			if err := s.Promote(ctx, anna.ID); err != nil {
				t.Fatal(err)
			}
			want(models.TrustNew, 6)
		}
		progress, _ = s.TrustProgress(ctx, anna)
		if progress.Next != models.TrustBasic || progress.BlockedUntil == nil || !progress.BlockedUntil.Equal(until.Add(7*24*time.Hour)) {
			t.Fatalf("progress in the window: %+v", progress)
		}
		// Seven days after it ended, level 1; 30 days, level 2; 60 days, level 3.
		for _, step := range []struct{ day, level int }{{ends + 7, 1}, {ends + 29, 1}, {ends + 30, 2}, {ends + 59, 2}, {ends + 60, 3}} {
			day = step.day
			if err := s.Promote(ctx, anna.ID); err != nil {
				t.Fatal(err)
			}
			want(step.level, 6)
		}
		// A ban drops her again.
		if _, err := s.Sanction(ctx, mod, anna.ID, models.Sanction{Action: models.DecideBan, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := level(t, s, anna); got != models.TrustNew {
			t.Fatalf("banned member's level %d", got)
		}
	})
}

func TestTrustLevelsLeaveStaffAlone(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin, mod := member(t, s, "Ada", models.RoleAdmin), member(t, s, "Mo", models.RoleModerator)
		trustSettings(t, s, admin, map[string]string{"trust1_days": "0", "trust2_days": "0", "trust3_days": "0"})
		for i := range 6 {
			idea(t, s, mod, fmt.Sprintf("Moderator idea number %d", i), "")
		}
		if got, _ := level(t, s, mod); got != models.TrustNew {
			t.Fatalf("a moderator rose to level %d", got)
		}
		s.Gorm().Exec("UPDATE users SET trust_level = 2, trusted = TRUE WHERE id = ?", mod.ID)
		if _, err := s.Sanction(ctx, admin, mod.ID, models.Sanction{Action: models.DecideSuspend, Until: s.Now().Add(time.Hour), Reason: "cool down"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := level(t, s, mod); got != models.TrustMember {
			t.Fatalf("a suspended moderator's level fell to %d", got)
		}
		progress, err := s.TrustProgress(ctx, mod)
		if err != nil || progress.Next != 0 || len(progress.Changes) != 0 {
			t.Fatalf("a moderator's progress: %+v %v", progress, err)
		}
	})
}

func TestQualifiedLevelHonoursTheSettings(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	st := models.DefaultSettings
	st.Trust[1] = models.TrustThreshold{DaysActive: 2, Posts: 1, Votes: 1, CleanDays: 7}
	st.Trust[2] = models.TrustThreshold{DaysActive: 10, Posts: 5, Votes: 5, CleanDays: 30}
	st.Trust[3] = models.TrustThreshold{DaysActive: 20, Posts: 10, Votes: 10, CleanDays: 60}
	ago := func(days int) *time.Time { t := now.Add(-time.Duration(days) * 24 * time.Hour); return &t }
	for _, c := range []struct {
		name string
		f    models.TrustFigures
		want int
	}{
		{"nothing done", models.TrustFigures{}, 0},
		{"one day short", models.TrustFigures{DaysActive: 1, Posts: 9, Votes: 9}, 0},
		{"basic", models.TrustFigures{DaysActive: 2, Posts: 1, Votes: 1}, 1},
		{"votes short of member", models.TrustFigures{DaysActive: 10, Posts: 5, Votes: 4}, 1},
		{"member", models.TrustFigures{DaysActive: 10, Posts: 5, Votes: 5}, 2},
		{"regular", models.TrustFigures{DaysActive: 20, Posts: 10, Votes: 10}, 3},
		{"regular sanctioned 40 days ago", models.TrustFigures{DaysActive: 20, Posts: 10, Votes: 10, SanctionedUntil: ago(40)}, 2},
		{"regular sanctioned 3 days ago", models.TrustFigures{DaysActive: 20, Posts: 10, Votes: 10, SanctionedUntil: ago(3)}, 0},
		{"under a sanction", models.TrustFigures{DaysActive: 20, Posts: 10, Votes: 10, Approvals: 9, SanctionedUntil: ago(-2)}, 0},
		{"vouched by approvals", models.TrustFigures{Approvals: st.TrustAfter}, 1},
		{"approvals in the window", models.TrustFigures{Approvals: st.TrustAfter, SanctionedUntil: ago(3)}, 0},
	} {
		if got := models.QualifiedLevel(c.f, st, now); got != c.want {
			t.Errorf("%s: level %d, want %d", c.name, got, c.want)
		}
	}
}

func TestTrustSettingsAreChecked(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := member(t, s, "Ada", models.RoleAdmin)
		for _, c := range []struct{ key, value, field string }{
			{"trust2_days", "1", "trust2_days"}, // below level 1's 2
			{"trust3_votes", "3", "trust3_votes"},
			{"trust1_posts", "many", "trust1_posts"},
			{"trust_skip_premoderation", "5", "trust_skip_premoderation"},
			{"trust3_brakes_percent", "150", "trust3_brakes_percent"},
		} {
			values := models.DefaultSettings.Form()
			values[c.key] = c.value
			var verrs models.ValidationErrors
			if _, err := s.SaveSettings(ctx, admin, values, false); !errors.As(err, &verrs) || verrs[c.field] == "" {
				t.Errorf("%s=%s: %v", c.key, c.value, err)
			}
		}
		values := models.DefaultSettings.Form()
		values["trust2_posts"] = "12"
		st, err := s.SaveSettings(ctx, admin, values, false)
		if err != nil || st.Trust[models.TrustMember].Posts != 12 {
			t.Fatalf("saved: %+v %v", st.Trust, err)
		}
		if st, _ := s.Settings(ctx); st.Trust[models.TrustMember].Posts != 12 || st.Trust[models.TrustRegular] != models.DefaultSettings.Trust[models.TrustRegular] {
			t.Fatalf("read back: %+v", st.Trust)
		}
	})
}

func TestTrustLevelSkipsPremoderationAndStretchesTheBrakes(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := member(t, s, "Ada", models.RoleAdmin)
		values := models.DefaultSettings.Form()
		values["premoderate_first"], values["trust_skip_premoderation"], values["ideas_per_hour"] = "5", "2", "2"
		if _, err := s.SaveSettings(ctx, admin, values, false); err != nil {
			t.Fatal(err)
		}
		basic, regular := member(t, s, "Bea", models.RoleMember), member(t, s, "Rik", models.RoleMember)
		s.Gorm().Exec("UPDATE users SET trust_level = 1, trusted = TRUE WHERE id = ?", basic.ID)
		s.Gorm().Exec("UPDATE users SET trust_level = 3, trusted = TRUE WHERE id = ?", regular.ID)
		basic, _ = s.UserByID(ctx, basic.ID)
		regular, _ = s.UserByID(ctx, regular.ID)
		if i := idea(t, s, basic, "A basic member's first idea", ""); i.State != models.StatePending {
			t.Fatalf("below the level that skips it, an idea is %s", i.State)
		}
		if i := idea(t, s, regular, "A regular member's first idea", ""); i.State != models.StatePublished {
			t.Fatalf("at the level that skips it, an idea is %s", i.State)
		}
		// Level 1 keeps the limit of 2 an hour; level 3 has 300 percent of it.
		idea(t, s, basic, "A basic member's second idea", "")
		var limit *models.LimitError
		if _, err := s.CreateIdea(ctx, basic, models.NewIdea{Title: "A basic member's third idea"}); !errors.As(err, &limit) || limit.Limit != 2 {
			t.Fatalf("a basic member's third idea: %v", err)
		}
		target := idea(t, s, admin, "An idea to comment on", "")
		for n := 2; n <= 6; n++ {
			idea(t, s, regular, fmt.Sprintf("A regular member's idea number %d", n), "")
		}
		if _, err := s.CreateIdea(ctx, regular, models.NewIdea{Title: "A regular member's seventh idea"}); !errors.As(err, &limit) || limit.Limit != 6 {
			t.Fatalf("a regular member's seventh idea: %v", err)
		}
		// Links: level 0 is limited, level 1 is not.
		newbie := member(t, s, "Nico", models.RoleMember)
		links := "See https://a.example and https://b.example and https://c.example"
		var verrs models.ValidationErrors
		if _, err := s.CreateComment(ctx, target.ID, newbie, models.NewComment{Body: links}); !errors.As(err, &verrs) {
			t.Fatalf("three links at level 0: %v", err)
		}
		if _, err := s.CreateComment(ctx, target.ID, basic, models.NewComment{Body: links}); err != nil {
			t.Fatalf("three links at level 1: %v", err)
		}
	})
}

func TestSuggestionsFromTheTrustLevel(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin, mod := member(t, s, "Ada", models.RoleAdmin), member(t, s, "Mo", models.RoleModerator)
		newbie, regular := member(t, s, "Nico", models.RoleMember), member(t, s, "Rik", models.RoleMember)
		s.Gorm().Exec("UPDATE users SET trust_level = 2, trusted = TRUE WHERE id = ?", regular.ID)
		regular, _ = s.UserByID(ctx, regular.ID)
		i := idea(t, s, newbie, "Lights that switch on by themselves", "")

		if _, err := s.Suggest(ctx, newbie, models.NewSuggestion{Kind: models.SuggestTag, Name: "lights", IdeaID: i.ID}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a level 0 member suggests: %v", err)
		}
		var verrs models.ValidationErrors
		for _, bad := range []models.NewSuggestion{
			{Kind: "colour", Name: "red"},
			{Kind: models.SuggestTag, Name: "lights", IdeaID: 999999},
			{Kind: models.SuggestCategory, Name: "Features"},
			{Kind: models.SuggestCategory, Name: ""},
		} {
			if _, err := s.Suggest(ctx, regular, bad); !errors.As(err, &verrs) {
				t.Errorf("%+v: %v", bad, err)
			}
		}
		tag, err := s.Suggest(ctx, regular, models.NewSuggestion{Kind: models.SuggestTag, Name: "Lights", IdeaID: i.ID, Note: "it is about lights"})
		if err != nil {
			t.Fatal(err)
		}
		cat, err := s.Suggest(ctx, regular, models.NewSuggestion{Kind: models.SuggestCategory, Name: "Accessories"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.PendingSuggestions(ctx, regular); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member reads the suggestion queue: %v", err)
		}
		list, err := s.PendingSuggestions(ctx, mod)
		if err != nil || len(list) != 2 || list[0].User.Name != "Rik" || list[0].Idea == nil || list[0].Idea.Title != i.Title {
			t.Fatalf("the queue: %+v %v", list, err)
		}
		// A moderator accepts the tag but may not create a category; an admin may.
		if _, err := s.DecideSuggestion(ctx, mod, tag.ID, true, ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Idea(ctx, i.ID, nil); len(got.Tags) != 1 || got.Tags[0].Slug != "lights" {
			t.Fatalf("tags after accepting: %+v", got.Tags)
		}
		if _, err := s.DecideSuggestion(ctx, mod, tag.ID, false, ""); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("deciding twice: %v", err)
		}
		if _, err := s.DecideSuggestion(ctx, mod, cat.ID, true, ""); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a moderator creates a category: %v", err)
		}
		if _, err := s.DecideSuggestion(ctx, admin, cat.ID, true, "Good one"); err != nil {
			t.Fatal(err)
		}
		if c, err := s.CategoryBySlug(ctx, "accessories"); err != nil || c.Name != "Accessories" {
			t.Fatalf("the accepted category: %+v %v", c, err)
		}
		for _, action := range []string{models.AuditIdeaTags, models.AuditCategory} {
			if entries, _, err := s.AuditLog(ctx, models.AuditFilter{Action: action, Page: 1}); err != nil || len(entries) != 1 {
				t.Fatalf("audit log of %s: %+v %v", action, entries, err)
			}
		}
		mine, err := s.SuggestionsBy(ctx, regular.ID)
		if err != nil || len(mine) != 2 || mine[0].State != models.SuggestionAccepted || mine[0].Answer != "Good one" {
			t.Fatalf("the member's suggestions: %+v %v", mine, err)
		}
		// The level is a setting.
		values := models.DefaultSettings.Form()
		values["trust_suggest_level"] = "3"
		if _, err := s.SaveSettings(ctx, admin, values, false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Suggest(ctx, regular, models.NewSuggestion{Kind: models.SuggestCategory, Name: "Locks"}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("level 2 below a level 3 setting: %v", err)
		}
		if _, err := s.Suggest(ctx, mod, models.NewSuggestion{Kind: models.SuggestCategory, Name: "Locks"}); err != nil {
			t.Fatalf("staff suggest: %v", err)
		}
	})
}

func TestLeadersAreMadeByAdmins(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin, mod := member(t, s, "Ada", models.RoleAdmin), member(t, s, "Mo", models.RoleModerator)
		anna := member(t, s, "Anna", models.RoleMember)
		s.Gorm().Exec("UPDATE users SET trust_level = 1, trusted = TRUE WHERE id = ?", anna.ID)
		if _, err := s.SetLeader(ctx, mod, anna.ID, true); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a moderator makes a leader: %v", err)
		}
		var verrs models.ValidationErrors
		if _, err := s.SetLeader(ctx, admin, mod.ID, true); !errors.As(err, &verrs) {
			t.Fatalf("a moderator made a leader: %v", err)
		}
		u, err := s.SetLeader(ctx, admin, anna.ID, true)
		if err != nil || u.TrustLevel != models.TrustLeader || !u.Trusted {
			t.Fatalf("granted: %+v %v", u, err)
		}
		// Activity does not move a leader; taking it back returns her to what she earns (0 here).
		if err := s.Promote(ctx, anna.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := level(t, s, anna); got != models.TrustLeader {
			t.Fatalf("a leader's level after a recount: %d", got)
		}
		if u, err = s.SetLeader(ctx, admin, anna.ID, false); err != nil || u.TrustLevel != models.TrustNew || u.Trusted {
			t.Fatalf("revoked: %+v %v", u, err)
		}
		progress, _ := s.TrustProgress(ctx, anna)
		if len(progress.Changes) != 2 || progress.Changes[0].Reason != models.TrustReasonRevoked || progress.Changes[1].Reason != models.TrustReasonGranted ||
			progress.Changes[1].ActorID == nil || *progress.Changes[1].ActorID != admin.ID {
			t.Fatalf("changes: %+v", progress.Changes)
		}
		// A suspension ends the leader level like any other.
		if _, err := s.SetLeader(ctx, admin, anna.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sanction(ctx, mod, anna.ID, models.Sanction{Action: models.DecideSuspend, Until: s.Now().Add(time.Hour), Reason: "heat"}); err != nil {
			t.Fatal(err)
		}
		if got, _ := level(t, s, anna); got != models.TrustNew {
			t.Fatalf("a suspended leader's level: %d", got)
		}
		anna, _ = s.UserByID(ctx, anna.ID)
		if _, err := s.SetLeader(ctx, admin, anna.ID, true); !errors.As(err, &verrs) {
			t.Fatalf("a suspended member made a leader: %v", err)
		}
	})
}
