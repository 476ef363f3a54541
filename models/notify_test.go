package models_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"samen/models"
	"samen/models/modelstest"
)

// heard lists the notifications written since the last call, as
// "name:kind", sorted, after fanning out what is pending.
type heard struct {
	s     *models.Store
	names map[int64]string
	last  int64
}

func (h *heard) since(t *testing.T) []string {
	t.Helper()
	if err := h.s.FanOutPending(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows, err := h.s.DB().Query("SELECT id, user_id, kind FROM notifications WHERE id > $1 ORDER BY id", h.last)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var id, user int64
		var kind string
		if err := rows.Scan(&id, &user, &kind); err != nil {
			t.Fatal(err)
		}
		h.last = id
		got = append(got, h.names[user]+":"+kind)
	}
	slices.Sort(got)
	return got
}

func (h *heard) expect(t *testing.T, what string, want ...string) {
	t.Helper()
	slices.Sort(want)
	if got := h.since(t); !slices.Equal(got, want) {
		t.Fatalf("%s: heard %v, want %v", what, got, want)
	}
}

func TestWhoHearsWhat(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna, bram, cato := member(t, s, "Anna", models.RoleMember), member(t, s, "Bram", models.RoleMember), member(t, s, "Cato", models.RoleMember)
		dirk, eva := member(t, s, "Dirk", models.RoleMember), member(t, s, "Eva", models.RoleMember)
		tess, mo, tim := member(t, s, "Tess", models.RoleTeam), member(t, s, "Mo", models.RoleModerator), member(t, s, "Tim", models.RoleAdmin)
		h := &heard{s: s, names: map[int64]string{}}
		for _, u := range []*models.User{anna, bram, cato, dirk, eva, tess, mo, tim} {
			h.names[u.ID] = u.Name
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}

		// Eva follows the category; a new idea there tells her, not its author.
		_, err := s.DB().Exec(fmt.Sprintf("INSERT INTO category_subscriptions (category_id, user_id, created_at) SELECT id, %d, CURRENT_TIMESTAMP FROM categories WHERE slug = 'features'", eva.ID))
		must(err)
		battery := idea(t, s, anna, "Swappable battery for long rides", "")
		h.expect(t, "new idea", "Eva:new_idea")

		// Bram votes, Cato comments: both follow now, with Anna.
		_, _, err = s.Vote(ctx, battery.ID, bram.ID)
		must(err)
		catoSays, err := s.CreateComment(ctx, battery.ID, cato, models.NewComment{Body: "Yes, for touring."})
		must(err)
		h.expect(t, "a member's comment tells nobody")

		// Dirk follows and then unfollows: remembered, so his comment does not follow again.
		_, err = s.DB().Exec(fmt.Sprintf("INSERT INTO subscriptions (idea_id, user_id, following, created_at) VALUES (%d, %d, FALSE, CURRENT_TIMESTAMP)", battery.ID, dirk.ID))
		must(err)
		dirkSays, err := s.CreateComment(ctx, battery.ID, dirk, models.NewComment{Body: "@Anna what about the weight?", ParentID: &catoSays.ID})
		must(err)
		h.expect(t, "reply and mention", "Cato:reply", "Anna:mention")

		// The team's status change: every follower but the actor; Dirk unfollowed.
		_, err = s.AnswerIdea(ctx, battery.ID, tess, models.Answer{Status: "planned", Note: "On the list for spring."})
		must(err)
		h.expect(t, "status change", "Anna:status_changed", "Bram:status_changed", "Cato:status_changed")

		// A public team answer replying to Cato: Cato hears the reply once, the others the answer.
		_, err = s.CreateComment(ctx, battery.ID, tess, models.NewComment{Body: "We are testing two sizes.", ParentID: &catoSays.ID})
		must(err)
		h.expect(t, "team answer", "Anna:team_answer", "Bram:team_answer", "Cato:reply")

		// An internal note tells the members nothing, and a mentioned teammate alone.
		_, err = s.CreateComment(ctx, battery.ID, tess, models.NewComment{Body: "@Tim check the supplier", Internal: true})
		must(err)
		h.expect(t, "internal note", "Tim:mention")

		// A member mentioning a teammate in public: the teammate hears; Anna's mention of herself nothing.
		_, err = s.CreateComment(ctx, battery.ID, anna, models.NewComment{Body: "Thanks @Tess! And @Anna is me."})
		must(err)
		h.expect(t, "mention of self", "Tess:mention")

		// A hidden comment: its author hears why; a report's outcome reaches the reporter.
		_, err = s.CreateReport(ctx, bram, models.NewReport{Target: models.TargetComment, ID: dirkSays.ID, Reason: models.ReportOffTopic})
		must(err)
		must(s.Decide(ctx, mo, models.TargetComment, dirkSays.ID, models.Decision{Action: models.DecideHide, Reason: "off-topic"}))
		h.expect(t, "decision", "Bram:report_outcome", "Dirk:content_hidden")

		// A merge: the followers of both ideas hear, the duplicate's move on.
		dup := idea(t, s, cato, "Second battery for touring", "")
		h.expect(t, "new idea again", "Eva:new_idea")
		_, _, err = s.Vote(ctx, dup.ID, dirk.ID)
		must(err)
		_, err = s.Merge(ctx, dup.ID, battery.ID, mo, "same idea")
		must(err)
		h.expect(t, "merge", "Anna:merged", "Bram:merged", "Cato:merged", "Dirk:merged", "Tess:merged")

		// The changelog ships it: followers hear of the entry, not of a status
		// change too. Dirk unfollowed this idea: the merge does not undo that.
		_, err = s.CreateChangelogEntry(ctx, tess, models.ChangelogInput{Title: ptr("Batteries you swap"), Body: ptr("Out now."),
			Ideas: &[]int64{battery.ID}, Publish: ptr(true), Ship: true})
		must(err)
		h.expect(t, "changelog", "Anna:changelog", "Bram:changelog", "Cato:changelog")

		// A hidden idea tells its followers nothing more; its author hears why.
		_, err = s.ModerateIdea(ctx, battery.ID, mo, models.IdeaModeration{Hidden: ptr(true), Reason: "spam"})
		must(err)
		h.expect(t, "hide idea", "Anna:content_hidden")
		_, err = s.AnswerIdea(ctx, battery.ID, tess, models.Answer{Status: "open"})
		must(err)
		h.expect(t, "status of a hidden idea")

		// Every notification's text parts resolve; none names an internal note.
		var n int
		must(s.DB().QueryRow("SELECT COUNT(*) FROM notifications WHERE detail LIKE '%supplier%'").Scan(&n))
		if n != 0 {
			t.Fatalf("%d notifications carry an internal note's text", n)
		}
	})
}

func TestFanOutRunsAgainWithoutDuplicates(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna, tess := member(t, s, "Anna", models.RoleMember), member(t, s, "Tess", models.RoleTeam)
		i := idea(t, s, anna, "Swappable battery for long rides", "")
		var voters []*models.User
		for n := range 1100 { // more than two batches
			u := member(t, s, fmt.Sprintf("Voter%d", n), models.RoleMember)
			if _, _, err := s.Vote(ctx, i.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			voters = append(voters, u)
		}
		if _, err := s.AnswerIdea(ctx, i.ID, tess, models.Answer{Status: "planned"}); err != nil {
			t.Fatal(err)
		}
		if err := s.FanOutPending(ctx); err != nil {
			t.Fatal(err)
		}
		// As if the job died after its batches: run it again.
		if _, err := s.DB().Exec("UPDATE events SET fanned_out_at = NULL"); err != nil {
			t.Fatal(err)
		}
		if err := s.FanOutPending(ctx); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.DB().QueryRow("SELECT COUNT(*) FROM notifications WHERE kind = 'status_changed'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if want := len(voters) + 1; n != want {
			t.Fatalf("%d notifications, want %d (every voter and the author, once)", n, want)
		}
	})
}
