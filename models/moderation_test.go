package models_test

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// votesOf lists every vote row as "idea:user", sorted, and each idea's counter.
func votesOf(t *testing.T, s *models.Store) ([]string, map[int64]int) {
	t.Helper()
	rows, err := s.DB().Query("SELECT idea_id, user_id FROM votes")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var list []string
	for rows.Next() {
		var idea, user int64
		if err := rows.Scan(&idea, &user); err != nil {
			t.Fatal(err)
		}
		list = append(list, fmt.Sprintf("%d:%d", idea, user))
	}
	sort.Strings(list)
	counts := map[int64]int{}
	crows, err := s.DB().Query("SELECT id, votes FROM ideas")
	if err != nil {
		t.Fatal(err)
	}
	defer crows.Close()
	for crows.Next() {
		var id int64
		var n int
		if err := crows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		counts[id] = n
	}
	return list, counts
}

func TestMergeThenUnmergeRestoresEveryVote(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mod := member(t, s, "Mo", models.RoleModerator)
		anna, bram, cato, dirk := member(t, s, "Anna", models.RoleMember), member(t, s, "Bram", models.RoleMember),
			member(t, s, "Cato", models.RoleMember), member(t, s, "Dirk", models.RoleMember)
		dup := idea(t, s, anna, "Swappable battery for long rides", "")
		target := idea(t, s, bram, "Second battery for touring", "")
		other := idea(t, s, cato, "Brighter rear light please", "")
		// Overlap: Cato backs both; Dirk only the duplicate; Bram (target's author) also the duplicate.
		for _, v := range []struct {
			idea int64
			user *models.User
		}{{dup.ID, cato}, {target.ID, cato}, {dup.ID, dirk}, {dup.ID, bram}, {other.ID, dirk}} {
			if _, _, err := s.VoteAs(ctx, v.idea, v.user); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateComment(ctx, dup.ID, dirk, models.NewComment{Body: "Yes, for touring."}); err != nil {
			t.Fatal(err)
		}
		beforeRows, beforeCounts := votesOf(t, s)

		merged, err := s.Merge(ctx, dup.ID, target.ID, mod, "same idea")
		if err != nil {
			t.Fatal(err)
		}
		// Target had Bram and Cato; gains Anna and Dirk, not Cato or Bram twice.
		if merged.ID != target.ID || merged.Votes != 4 {
			t.Fatalf("after merge the target has %d votes, want 4", merged.Votes)
		}
		_, counts := votesOf(t, s)
		if counts[other.ID] != beforeCounts[other.ID] || counts[dup.ID] != beforeCounts[dup.ID] {
			t.Fatalf("merge touched other counters: %v -> %v", beforeCounts, counts)
		}
		src, err := s.Idea(ctx, dup.ID, mod)
		if err != nil || src.MergedInto == nil || *src.MergedInto != target.ID {
			t.Fatalf("merged idea: %+v %v", src, err)
		}
		comments, err := s.Comments(ctx, target.ID, nil)
		if err != nil || len(comments) != 1 || comments[0].IdeaID != dup.ID {
			t.Fatalf("the duplicate's comments read on the target: %+v %v", comments, err)
		}
		page, err := s.ListIdeas(ctx, models.ListOptions{}, nil)
		if err != nil || page.Total != 2 {
			t.Fatalf("lists keep only unmerged ideas: %v %v", page, err)
		}
		var conflict *models.ConflictError
		if _, _, err := s.VoteAs(ctx, dup.ID, mod); !errors.As(err, &conflict) || conflict.Reason != models.ReasonMerged {
			t.Fatalf("vote on a merged idea: %v", err)
		}
		// Refused: into itself, into a merged idea, a merged idea again.
		if _, err := s.Merge(ctx, other.ID, other.ID, mod, ""); !errors.As(err, &conflict) || conflict.Reason != models.ReasonSelfMerge {
			t.Fatalf("merge into itself: %v", err)
		}
		if _, err := s.Merge(ctx, other.ID, dup.ID, mod, ""); !errors.As(err, &conflict) || conflict.Reason != models.ReasonMerged {
			t.Fatalf("merge into a merged idea: %v", err)
		}
		if _, err := s.Merge(ctx, dup.ID, other.ID, mod, ""); !errors.Is(err, models.ErrConflict) {
			t.Fatalf("merge a merged idea again: %v", err)
		}
		if _, err := s.Merge(ctx, other.ID, target.ID, anna, ""); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member merges: %v", err)
		}

		restored, err := s.Unmerge(ctx, dup.ID, mod)
		if err != nil || restored.MergedInto != nil {
			t.Fatalf("unmerge: %+v %v", restored, err)
		}
		afterRows, afterCounts := votesOf(t, s)
		if strings.Join(afterRows, " ") != strings.Join(beforeRows, " ") {
			t.Fatalf("vote rows after unmerge:\n%v\nwant\n%v", afterRows, beforeRows)
		}
		for id, n := range beforeCounts {
			if afterCounts[id] != n {
				t.Fatalf("idea %d has %d votes after unmerge, want %d", id, afterCounts[id], n)
			}
		}
		if _, err := s.Unmerge(ctx, dup.ID, mod); !errors.As(err, &conflict) || conflict.Reason != models.ReasonNotMerged {
			t.Fatalf("unmerge twice: %v", err)
		}
		log, _, err := s.AuditLog(ctx, models.AuditFilter{TargetType: models.TargetIdea, TargetID: dup.ID, Page: 1})
		if err != nil || len(log) != 2 || log[0].Action != models.AuditIdeaUnmerge || log[1].Action != models.AuditIdeaMerge || *log[1].ActorID != mod.ID {
			t.Fatalf("audit log of the merge: %+v %v", log, err)
		}
	})
}

func TestReportsHideAtThresholdAndCountEachMemberOnce(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mod := member(t, s, "Mo", models.RoleModerator)
		author := member(t, s, "Anna", models.RoleMember)
		i := idea(t, s, author, "Free rides for everyone now", "")
		c, err := s.CreateComment(ctx, i.ID, author, models.NewComment{Body: "Buy cheap watches here"})
		if err != nil {
			t.Fatal(err)
		}
		report := func(u *models.User) error {
			_, err := s.CreateReport(ctx, u, models.NewReport{Target: models.TargetComment, ID: c.ID, Reason: models.ReportSpam})
			return err
		}
		r1, r2, r3 := member(t, s, "Bram", models.RoleMember), member(t, s, "Cato", models.RoleMember), member(t, s, "Dirk", models.RoleMember)
		// Established members: reports from new accounts weigh less.
		age := "UPDATE users SET created_at = ? WHERE id IN (?, ?, ?)"
		if s.Dialect() == models.Postgres {
			age = "UPDATE users SET created_at = $1 WHERE id IN ($2, $3, $4)"
		}
		if _, err := s.DB().Exec(age, time.Now().AddDate(-1, 0, 0).UTC(), r1.ID, r2.ID, r3.ID); err != nil {
			t.Fatal(err)
		}
		var verrs models.ValidationErrors
		if err := report(r1); err != nil {
			t.Fatal(err)
		}
		if err := report(author); !errors.As(err, &verrs) || verrs["id"] == "" {
			t.Fatalf("reporting one's own comment: %v", err)
		}
		var conflict *models.ConflictError
		if err := report(r1); !errors.As(err, &conflict) || conflict.Reason != models.ReasonReported {
			t.Fatalf("the same member reports twice: %v", err)
		}
		if err := report(r2); err != nil {
			t.Fatal(err)
		}
		visible := func() bool {
			list, err := s.Comments(ctx, i.ID, r1)
			if err != nil || len(list) != 1 {
				t.Fatalf("comments: %v %v", list, err)
			}
			return list[0].BodyHTML != ""
		}
		if !visible() {
			t.Fatal("two distinct reports (and a repeat) hid the comment; the threshold is 3")
		}
		if err := report(r3); err != nil {
			t.Fatal(err)
		}
		if visible() {
			t.Fatal("three distinct reports left the comment visible")
		}
		if _, err := s.CreateReport(ctx, r1, models.NewReport{Target: models.TargetIdea, ID: i.ID, Reason: models.ReportOther}); !errors.As(err, &verrs) || verrs["note"] == "" {
			t.Fatalf("other without a note: %v", err)
		}
		if _, err := s.CreateReport(ctx, r1, models.NewReport{Target: "user", ID: i.ID, Reason: "meh"}); !errors.As(err, &verrs) || verrs["target"] == "" || verrs["reason"] == "" {
			t.Fatalf("bad target and reason: %v", err)
		}

		queue, err := s.ReviewQueue(ctx, mod)
		if err != nil || len(queue) != 1 || queue[0].Target != models.TargetComment || len(queue[0].Reports) != 3 || queue[0].Pending() {
			t.Fatalf("queue: %+v %v", queue, err)
		}
		if err := s.Decide(ctx, mod, models.TargetComment, c.ID, models.Decision{Action: models.DecideDismiss}); err != nil {
			t.Fatal(err)
		}
		if !visible() {
			t.Fatal("dismissing the reports did not show the comment again")
		}
		mine, err := s.ReportsBy(ctx, r2.ID, 10)
		if err != nil || len(mine) != 1 || mine[0].Outcome != models.OutcomeDismissed || mine[0].Open() {
			t.Fatalf("the reporter's view: %+v %v", mine, err)
		}
		if queue, _ := s.ReviewQueue(ctx, mod); len(queue) != 0 {
			t.Fatalf("queue after the decision: %+v", queue)
		}
		if _, err := s.ReviewQueue(ctx, author); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a member reads the queue: %v", err)
		}
	})
}

func TestDecideSuspendAndBan(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		mod := member(t, s, "Mo", models.RoleModerator)
		troll := member(t, s, "Troll", models.RoleMember)
		other := member(t, s, "Anna", models.RoleMember)
		i := idea(t, s, troll, "Everything here is rubbish", "")
		if _, err := s.CreateReport(ctx, other, models.NewReport{Target: models.TargetIdea, ID: i.ID, Reason: models.ReportAbusive}); err != nil {
			t.Fatal(err)
		}
		if err := s.Decide(ctx, mod, models.TargetIdea, i.ID, models.Decision{Action: models.DecideSuspend, Reason: "insults"}); err != nil {
			t.Fatal(err)
		}
		u, _ := s.UserByID(ctx, troll.ID)
		if models.StandingOf(u, s.Now()) != models.Suspended || !s.Can(u, models.ActAccount) || s.Can(u, models.ActVote) ||
			s.Can(u, models.ActPropose) || s.Can(u, models.ActComment) || s.Can(u, models.ActReport) {
			t.Fatalf("suspended standing: %v", models.StandingOf(u, s.Now()))
		}
		if _, err := s.Idea(ctx, i.ID, other); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("hidden idea for a member: %v", err)
		}
		if _, err := s.CreateReport(ctx, u, models.NewReport{Target: models.TargetIdea, ID: i.ID, Reason: models.ReportSpam}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a suspended member reports: %v", err)
		}
		token, _, err := s.CreateSession(ctx, troll.ID, "test", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sanction(ctx, mod, troll.ID, models.Sanction{Action: models.DecideBan, Reason: "again"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionByToken(ctx, token); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("a banned member's session still works: %v", err)
		}
		if _, err := s.Sanction(ctx, mod, mod.ID, models.Sanction{Action: models.DecideBan, Reason: "self"}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a moderator bans themselves: %v", err)
		}
		admin := member(t, s, "Ada", models.RoleAdmin)
		if _, err := s.Sanction(ctx, mod, admin.ID, models.Sanction{Action: models.DecideSuspend, Until: s.Now().Add(time.Hour), Reason: "x"}); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("a moderator suspends an admin: %v", err)
		}
		var verrs models.ValidationErrors
		if _, err := s.Sanction(ctx, mod, other.ID, models.Sanction{Action: models.DecideSuspend, Until: s.Now().Add(-time.Hour), Reason: "x"}); !errors.As(err, &verrs) || verrs["until"] == "" {
			t.Fatalf("a suspension in the past: %v", err)
		}
		lifted, err := s.Sanction(ctx, mod, troll.ID, models.Sanction{Action: models.SanctionLift})
		if err != nil || models.StandingOf(lifted, s.Now()) != models.Member {
			t.Fatalf("lift: %+v %v", lifted, err)
		}
		h, err := s.History(ctx, mod, troll.ID)
		if err != nil || len(h.Ideas) != 1 || len(h.Against) != 1 || len(h.Actions) < 3 {
			t.Fatalf("history: %+v %v", h, err)
		}
		if _, err := s.DB().Exec("UPDATE moderation_actions SET reason = 'nothing happened'"); err == nil {
			t.Fatal("the audit log accepted an update")
		}
		if _, err := s.DB().Exec("DELETE FROM moderation_actions"); err == nil {
			t.Fatal("the audit log accepted a delete")
		}
	})
}

func TestSpamBrakes(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := member(t, s, "Ada", models.RoleAdmin)
		values := models.DefaultSettings.Form()
		values["ideas_per_hour"], values["votes_per_hour"] = "2", "1"
		if _, err := s.SaveSettings(ctx, admin, values, false); err != nil {
			t.Fatal(err)
		}
		anna := member(t, s, "Anna", models.RoleMember)
		idea(t, s, anna, "First idea of the hour", "")
		second := idea(t, s, anna, "Second idea of the hour", "")
		var limit *models.LimitError
		_, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "Third idea of the hour"})
		if !errors.As(err, &limit) || limit.What != "ideas" || limit.Limit != 2 || limit.RetryAfter <= 0 || limit.RetryAfter > time.Hour {
			t.Fatalf("third idea: %v", err)
		}
		if page, _ := s.ListIdeas(ctx, models.ListOptions{}, nil); page.Total != 2 {
			t.Fatalf("the refused idea was stored: %d ideas", page.Total)
		}
		bram := member(t, s, "Bram", models.RoleMember)
		if _, _, err := s.VoteAs(ctx, second.ID, bram); err != nil {
			t.Fatal(err)
		}
		other := idea(t, s, bram, "Bram's own idea here", "")
		if _, _, err := s.VoteAs(ctx, other.ID, anna); !errors.As(err, &limit) || limit.What != "votes" {
			t.Fatalf("anna's vote past the limit (her own idea's vote counts): %v", err)
		}
		// Moderators are not braked.
		mod := member(t, s, "Mo", models.RoleModerator)
		for n := range 3 {
			idea(t, s, mod, fmt.Sprintf("Moderator idea number %d", n), "")
		}
		// The same text twice in a row is refused; links are limited for new members.
		var verrs models.ValidationErrors
		if _, err := s.CreateComment(ctx, other.ID, anna, models.NewComment{Body: "Same words"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateComment(ctx, other.ID, anna, models.NewComment{Body: "Same words"}); !errors.As(err, &verrs) || verrs["body"] == "" {
			t.Fatalf("the same comment twice: %v", err)
		}
		links := "See https://a.example and https://b.example and https://c.example"
		if _, err := s.CreateComment(ctx, other.ID, anna, models.NewComment{Body: links}); !errors.As(err, &verrs) || !strings.Contains(verrs["body"], "links") {
			t.Fatalf("three links from a new member: %v", err)
		}
		if _, err := s.CreateComment(ctx, other.ID, mod, models.NewComment{Body: links}); err != nil {
			t.Fatalf("three links from a moderator: %v", err)
		}
	})
}

func TestPremoderation(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := member(t, s, "Ada", models.RoleAdmin)
		mod := member(t, s, "Mo", models.RoleModerator)
		values := models.DefaultSettings.Form()
		values["premoderate_first"], values["trust_after"] = "5", "2"
		if _, err := s.SaveSettings(ctx, admin, values, true); err != nil {
			t.Fatal(err)
		}
		newbie, reader := member(t, s, "Nina", models.RoleMember), member(t, s, "Rick", models.RoleMember)
		i := idea(t, s, newbie, "A first idea from a newcomer", "")
		if i.State != models.StatePending {
			t.Fatalf("a newcomer's idea is %s", i.State)
		}
		if _, err := s.Idea(ctx, i.ID, reader); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("another member sees a pending idea: %v", err)
		}
		if page, _ := s.ListIdeas(ctx, models.ListOptions{}, reader); page.Total != 0 {
			t.Fatal("a pending idea is listed")
		}
		if err := s.Decide(ctx, mod, models.TargetIdea, i.ID, models.Decision{Action: models.DecideApprove}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.Idea(ctx, i.ID, reader); err != nil || got.State != models.StatePublished {
			t.Fatalf("approved idea: %v %v", got, err)
		}
		c, err := s.CreateComment(ctx, i.ID, newbie, models.NewComment{Body: "A first comment, pending"})
		if err != nil || c.State != models.StatePending {
			t.Fatalf("newcomer's comment: %+v %v", c, err)
		}
		if list, _ := s.Comments(ctx, i.ID, reader); len(list) != 0 {
			t.Fatalf("others see a pending comment: %+v", list)
		}
		if list, _ := s.Comments(ctx, i.ID, newbie); len(list) != 1 || list[0].State != models.StatePending {
			t.Fatalf("the author does not see their pending comment: %+v", list)
		}
		if err := s.Decide(ctx, mod, models.TargetComment, c.ID, models.Decision{Action: models.DecideApprove}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Idea(ctx, i.ID, reader)
		u, _ := s.UserByID(ctx, newbie.ID)
		if got.Comments != 1 || u.Approvals != 2 || !u.Trusted {
			t.Fatalf("after two approvals: comments %d approvals %d trusted %v", got.Comments, u.Approvals, u.Trusted)
		}
		if j := idea(t, s, u, "Trusted members skip the queue", ""); j.State != models.StatePublished {
			t.Fatalf("a trusted member's idea is %s", j.State)
		}
		var verrs models.ValidationErrors
		if err := s.Decide(ctx, mod, models.TargetIdea, i.ID, models.Decision{Action: models.DecideApprove}); !errors.As(err, &verrs) {
			t.Fatalf("approving published content: %v", err)
		}
		log, err := s.PublicLog(ctx, 10)
		if err != nil || len(log) == 0 || log[0].Action != models.AuditApprove {
			t.Fatalf("public log: %+v %v", log, err)
		}
	})
}

// TestMergedIdeasPassTheVisibilityRule: what is merged into an idea shows on
// it only to those who may see the merged idea itself, by standing.
func TestMergedIdeasPassTheVisibilityRule(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		admin := member(t, s, "Ada", models.RoleAdmin)
		mod, nina, anna := member(t, s, "Mo", models.RoleModerator), member(t, s, "Nina", models.RoleMember), member(t, s, "Anna", models.RoleMember)
		target := idea(t, s, anna, "Panniers that click onto the rack", "")
		values := models.DefaultSettings.Form()
		values["premoderate_first"] = "1"
		if _, err := s.SaveSettings(ctx, admin, values, false); err != nil {
			t.Fatal(err)
		}
		pending := idea(t, s, nina, "Clip-on panniers awaiting review", "")
		if pending.State != models.StatePending {
			t.Fatalf("the newcomer's idea is %s, want pending", pending.State)
		}
		if _, err := s.CreateComment(ctx, pending.ID, nina, models.NewComment{Body: "More about my clip-on panniers"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Merge(ctx, pending.ID, target.ID, mod, "same idea"); err != nil {
			t.Fatal(err)
		}
		discussion := func(viewer *models.User) (int, int) {
			t.Helper()
			loaded, err := s.Idea(ctx, target.ID, viewer)
			if err != nil {
				t.Fatal(err)
			}
			comments, merged, err := s.Discussion(ctx, loaded, viewer)
			if err != nil {
				t.Fatal(err)
			}
			return len(comments), len(merged)
		}
		for name, viewer := range map[string]*models.User{"visitor": nil, "member": anna} {
			if c, m := discussion(viewer); c != 0 || m != 0 {
				t.Fatalf("%s sees %d comments and %d merged ideas of a pending merged idea", name, c, m)
			}
		}
		if c, m := discussion(nina); c != 1 || m != 1 {
			t.Fatalf("the author sees %d comments and %d merged ideas, want 1 and 1", c, m)
		}
		if c, m := discussion(mod); c != 1 || m != 1 {
			t.Fatalf("a moderator sees %d comments and %d merged ideas, want 1 and 1", c, m)
		}
		suspended, err := s.Sanction(ctx, admin, mod.ID, models.Sanction{Action: models.DecideSuspend, Until: time.Now().Add(24 * time.Hour), Reason: "a break"})
		if err != nil {
			t.Fatal(err)
		}
		if c, m := discussion(suspended); c != 0 || m != 0 {
			t.Fatalf("a suspended moderator sees %d comments and %d merged ideas of a pending merged idea", c, m)
		}
	})
}
