package analytics_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"samen/models"
	"samen/models/analytics"
	"samen/models/modelstest"
)

// community is the hand-counted data of TestFiguresEqualAHandCount.
type community struct {
	anna, bob, carl, tess, mo *models.User
	catA, catB                string
	// ideas by name: i0 before the range; i1..i9 in it.
	ideas map[string]*models.Idea
}

// seed builds, with the store's clock set at each step, a month of a
// community. In the range 2026-03-01..2026-03-31, with now 2026-03-31 12:00:
//
//	i1 anna, A, Mon 03-02 09:00; Tess answers with "planned" and a note 21:00 (12 h)
//	i2 bob,  A, Tue 03-03 08:00; Anna comments 03-04 (no answer: a member);
//	   Tess moves it to under review without a note 03-05 (no answer);
//	   Mo (moderator) comments 03-13 08:00 (240 h)
//	i3 carl, B, Tue 03-10 12:00; Tess comments 03-11 12:00 (24 h)
//	i4 tess, -, Fri 03-20 10:00; Tess comments on her own idea 03-21 (no answer)
//	i5 anna, B, Sun 03-01 00:00; never answered, 30.5 days old
//	i6 bob,  -, 03-05, deleted        i7 bob, -, 03-06, hidden (neither counts)
//	i8 for the customer Klant (twitter), A, Wed 03-25 10:00
//	i9 carl, B, Mon 03-16 00:00; Tess answers "under review" with a note 03-17 12:00 (36 h)
//	i0 tess, -, 2026-02-20 (before the range)
//
// Votes in the range besides each idea's author's: Bob on i0 03-02, Carl on
// i1 03-02, Anna on i3 03-12, a customer (facebook) on i1 03-26; Anna's on
// i7 (hidden) and on i0 (02-21, before the range) do not count. Comments in
// the range: those above and Carl's on i0 03-20; Carl's on i0 02-25 and
// Anna's on i7 do not count.
func seed(t *testing.T, s *models.Store) community {
	t.Helper()
	ctx := context.Background()
	at := func(when string) {
		ts, err := time.Parse("2006-01-02 15:04", when)
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return ts })
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	user := func(name string, role models.Role) *models.User {
		u, err := s.CreateUser(ctx, models.NewUser{Name: name, Email: name + "@example.com", Role: role, EmailVerified: true})
		must(err)
		return u
	}
	at("2026-02-01 08:00")
	c := community{ideas: map[string]*models.Idea{}}
	c.anna, c.bob, c.carl = user("anna", models.RoleMember), user("bob", models.RoleMember), user("carl", models.RoleMember)
	c.tess, c.mo = user("tess", models.RoleTeam), user("mo", models.RoleModerator)
	cats, err := s.Categories(ctx)
	must(err)
	if len(cats) < 2 {
		t.Fatalf("need two categories, have %d", len(cats))
	}
	c.catA, c.catB = cats[0].Slug, cats[1].Slug

	propose := func(name, when string, author *models.User, category string) *models.Idea {
		t.Helper()
		at(when)
		idea, err := s.CreateIdea(ctx, author, models.NewIdea{Title: "Idea " + name + " for the figures", Category: category})
		must(err)
		c.ideas[name] = idea
		return idea
	}
	comment := func(idea string, when string, author *models.User) {
		t.Helper()
		at(when)
		_, err := s.CreateComment(ctx, c.ideas[idea].ID, author, models.NewComment{Body: "A comment on " + idea})
		must(err)
	}
	vote := func(idea, when string, u *models.User) {
		t.Helper()
		at(when)
		_, _, err := s.Vote(ctx, c.ideas[idea].ID, u.ID)
		must(err)
	}
	status := func(idea, when, slug, note string) {
		t.Helper()
		at(when)
		_, err := s.SetStatus(ctx, c.ideas[idea].ID, c.tess, slug, note)
		must(err)
	}

	propose("i0", "2026-02-20 10:00", c.tess, "")
	vote("i0", "2026-02-21 10:00", c.anna)
	comment("i0", "2026-02-25 10:00", c.carl)
	propose("i5", "2026-03-01 00:00", c.anna, c.catB)
	propose("i1", "2026-03-02 09:00", c.anna, c.catA)
	vote("i0", "2026-03-02 10:00", c.bob)
	vote("i1", "2026-03-02 12:00", c.carl)
	status("i1", "2026-03-02 21:00", "planned", "We will build it this spring.")
	propose("i2", "2026-03-03 08:00", c.bob, c.catA)
	comment("i2", "2026-03-04 08:00", c.anna)
	status("i2", "2026-03-05 08:00", "under-review", "")
	propose("i6", "2026-03-05 09:00", c.bob, "")
	must(s.DeleteIdea(ctx, c.ideas["i6"].ID, c.bob))
	propose("i7", "2026-03-06 09:00", c.bob, "")
	vote("i7", "2026-03-06 10:00", c.anna)
	comment("i7", "2026-03-06 11:00", c.anna)
	at("2026-03-06 12:00")
	_, err = s.ModerateIdea(ctx, c.ideas["i7"].ID, c.mo, models.IdeaModeration{Hidden: ptr(true), Reason: "spam"})
	must(err)
	propose("i3", "2026-03-10 12:00", c.carl, c.catB)
	comment("i3", "2026-03-11 12:00", c.tess)
	vote("i3", "2026-03-12 10:00", c.anna)
	comment("i2", "2026-03-13 08:00", c.mo)
	propose("i9", "2026-03-16 00:00", c.carl, c.catB)
	status("i9", "2026-03-17 12:00", "under-review", "We are looking into it.")
	propose("i4", "2026-03-20 10:00", c.tess, "")
	comment("i0", "2026-03-20 11:00", c.carl)
	comment("i4", "2026-03-21 10:00", c.tess)
	at("2026-03-25 10:00")
	i8, err := s.CreateIdeaFor(ctx, c.tess, models.NewIdea{Title: "Idea i8 for the figures", Category: c.catA},
		models.Webcare{Email: "klant@example.com", Name: "Klant", Source: "twitter", SourceURL: "https://x.com/klant/1"})
	must(err)
	c.ideas["i8"] = i8
	at("2026-03-26 10:00")
	_, err = s.VoteFor(ctx, c.ideas["i1"].ID, c.tess, models.Webcare{Email: "fan@example.com", Source: "facebook"})
	must(err)
	at("2026-03-31 12:00")
	return c
}

// TestFiguresEqualAHandCount checks every figure of a month against the
// count made by hand from seed's story, on both databases.
func TestFiguresEqualAHandCount(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		c := seed(t, s)
		ctx := context.Background()
		r, err := analytics.ParseRange("2026-03-01", "2026-03-31", s.Now())
		if err != nil {
			t.Fatal(err)
		}
		rep, err := analytics.Compute(ctx, s, c.tess, r)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Ideas != 7 || rep.Votes != 11 || rep.Comments != 5 || rep.ActiveMembers != 7 {
			t.Errorf("ideas %d (want 7), votes %d (11), comments %d (5), active members %d (7)",
				rep.Ideas, rep.Votes, rep.Comments, rep.ActiveMembers)
		}
		// Answered: i1 12 h, i3 24 h, i9 36 h, i2 240 h: median (24+36)/2; 3 of 7 within 7 days.
		wantWebcare(t, "all", rep.Webcare, ptr(30.0), ptr(42.9), 1)

		day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
		wantWeeks := []analytics.Week{
			{Start: day("2026-02-23"), Ideas: 1, Votes: 1},
			{Start: day("2026-03-02"), Ideas: 2, Votes: 4, Comments: 1},
			{Start: day("2026-03-09"), Ideas: 1, Votes: 2, Comments: 2},
			{Start: day("2026-03-16"), Ideas: 2, Votes: 2, Comments: 2},
			{Start: day("2026-03-23"), Ideas: 1, Votes: 2},
			{Start: day("2026-03-30")},
		}
		if !reflect.DeepEqual(rep.ByWeek, wantWeeks) {
			t.Errorf("by week:\n got %+v\nwant %+v", rep.ByWeek, wantWeeks)
		}

		cats := map[string]analytics.Category{}
		for _, cat := range rep.ByCategory {
			key := ""
			if cat.Slug != nil {
				key = *cat.Slug
			}
			cats[key] = cat
		}
		for key, want := range map[string][2]int{c.catA: {3, 5}, c.catB: {3, 4}, "": {1, 2}} {
			if got := cats[key]; got.Ideas != want[0] || got.Votes != want[1] {
				t.Errorf("category %q: %d ideas, %d votes; want %v", key, got.Ideas, got.Votes, want)
			}
		}
		// A: i1 12 h, i2 240 h, i8 unanswered. B: i3 24 h, i9 36 h, i5 unanswered and old.
		wantWebcare(t, c.catA, cats[c.catA].Webcare, ptr(126.0), ptr(33.3), 0)
		wantWebcare(t, c.catB, cats[c.catB].Webcare, ptr(30.0), ptr(66.7), 1)
		wantWebcare(t, "no category", cats[""].Webcare, nil, ptr(0.0), 0)

		sources := map[string][2]int{}
		for _, src := range rep.BySource {
			sources[src.Source] = [2]int{src.Ideas, src.Votes}
		}
		if len(rep.BySource) != len(models.Sources) || sources["web"] != [2]int{6, 9} ||
			sources["twitter"] != [2]int{1, 1} || sources["facebook"] != [2]int{0, 1} || sources["email"] != [2]int{} {
			t.Errorf("by source: %+v", rep.BySource)
		}
		statuses := map[string]int{}
		for _, st := range rep.ByStatus {
			statuses[st.Slug] = st.Ideas
		}
		want := map[string]int{"open": 4, "under-review": 2, "planned": 1, "in-progress": 0, "shipped": 0, "declined": 0}
		if !reflect.DeepEqual(statuses, want) {
			t.Errorf("by status: %v, want %v", statuses, want)
		}
		if len(rep.Unanswered) != 1 || rep.Unanswered[0].ID != c.ideas["i5"].ID {
			t.Errorf("unanswered ideas to work from: %+v", rep.Unanswered)
		}

		// A range of one day: only i2 and its votes and comments of that day.
		r, _ = analytics.ParseRange("2026-03-03", "2026-03-03", s.Now())
		day3, err := analytics.Compute(ctx, s, c.tess, r)
		if err != nil {
			t.Fatal(err)
		}
		if day3.Ideas != 1 || day3.Votes != 1 || day3.Comments != 0 || day3.ActiveMembers != 1 || len(day3.ByWeek) != 1 {
			t.Errorf("2026-03-03: %+v", day3)
		}
		if _, err := analytics.Compute(ctx, s, c.mo, r); !errors.Is(err, models.ErrForbidden) {
			t.Errorf("a moderator reads analytics: %v", err)
		}
	})
}

func wantWebcare(t *testing.T, name string, got analytics.Webcare, median, pct *float64, unanswered int) {
	t.Helper()
	if !reflect.DeepEqual(got.FirstAnswerHoursMedian, median) || !reflect.DeepEqual(got.AnsweredWithin7DaysPct, pct) ||
		got.UnansweredOver30Days != unanswered {
		t.Errorf("%s: median %v (want %v), within 7 days %v%% (want %v), unanswered %d (want %d)", name,
			show(got.FirstAnswerHoursMedian), show(median), show(got.AnsweredWithin7DaysPct), show(pct), got.UnansweredOver30Days, unanswered)
	}
}

func show(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}

// TestParseRange checks the range's defaults and refusals.
func TestParseRange(t *testing.T) {
	now := time.Date(2026, 3, 31, 12, 0, 0, 0, time.UTC)
	r, err := analytics.ParseRange("", "", now)
	if err != nil || r.From.Format(analytics.Day) != "2026-03-02" || r.To.Format(analytics.Day) != "2026-03-31" {
		t.Fatalf("default range %v..%v, %v", r.From, r.To, err)
	}
	for _, tc := range []struct{ from, to, field string }{
		{"2026-3-1", "", "from"}, {"", "yesterday", "to"}, {"2026-02-30", "", "from"},
		{"2026-04-01", "2026-03-01", "from"}, {"2000-01-01", "2026-01-01", "from"},
	} {
		_, err := analytics.ParseRange(tc.from, tc.to, now)
		var invalid models.ValidationErrors
		if !errors.As(err, &invalid) || invalid[tc.field] == "" {
			t.Errorf("from %q to %q: %v, want a complaint about %s", tc.from, tc.to, err, tc.field)
		}
	}
}

func ptr[T any](v T) *T { return &v }

// TestRollupsFollowChanges changes the data after the rollups counted it (a
// vote withdrawn, a comment hidden, an idea merged, a category changed, a
// hidden idea shown again) and checks that every figure equals the figures
// of a recount of the rows, and moved as the changes say; a Memory that
// kept the days' members before the changes answers the same.
func TestRollupsFollowChanges(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		c := seed(t, s)
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		// Dora's one action: a vote on i1 on 03-15, withdrawn below.
		now := s.Now()
		dora, err := s.CreateUser(ctx, models.NewUser{Name: "dora", Email: "dora@example.com", Role: models.RoleMember, EmailVerified: true})
		must(err)
		s.SetClock(func() time.Time { return time.Date(2026, 3, 15, 10, 0, 0, 0, time.UTC) })
		_, _, err = s.Vote(ctx, c.ideas["i1"].ID, dora.ID)
		must(err)
		s.SetClock(func() time.Time { return now })
		r, err := analytics.ParseRange("2026-02-01", "2026-03-31", s.Now())
		must(err)
		var memory analytics.Memory
		before, err := memory.Compute(ctx, s, c.tess, r)
		must(err)

		// Carl withdraws his vote on i1 (03-02): the week of 03-02 loses it.
		// Dora withdraws hers: she is no longer active.
		_, _, err = s.Unvote(ctx, c.ideas["i1"].ID, c.carl.ID)
		must(err)
		_, _, err = s.Unvote(ctx, c.ideas["i1"].ID, dora.ID)
		must(err)
		// Anna's comment on i2 (03-04) is hidden.
		comments, err := s.Comments(ctx, c.ideas["i2"].ID, c.tess)
		must(err)
		for _, cm := range comments {
			if cm.UserID == c.anna.ID {
				_, err = s.ModerateComment(ctx, cm.ID, c.mo, true, "rude", models.PublicReason{})
				must(err)
			}
		}
		// i3 (category B) is merged into i9; i2 moves from category A to B.
		_, err = s.Merge(ctx, c.ideas["i3"].ID, c.ideas["i9"].ID, c.mo, "the same")
		must(err)
		_, err = s.UpdateIdea(ctx, c.ideas["i2"].ID, c.tess, models.IdeaUpdate{Category: &c.catB})
		must(err)
		// i7, hidden, is shown again with its vote and comment.
		_, err = s.ModerateIdea(ctx, c.ideas["i7"].ID, c.mo, models.IdeaModeration{Hidden: ptr(false), Reason: "not spam"})
		must(err)

		after, err := analytics.Compute(ctx, s, c.tess, r)
		must(err)
		remembered, err := memory.Compute(ctx, s, c.tess, r)
		must(err)
		if !reflect.DeepEqual(after, remembered) {
			t.Errorf("after the changes, computed afresh\n%+v\nand with the members kept from before\n%+v", after, remembered)
		}
		must(s.RebuildAnalytics(ctx))
		recount, err := analytics.Compute(ctx, s, c.tess, r)
		must(err)
		if !reflect.DeepEqual(after, recount) {
			t.Errorf("after the changes the rollups say\n%+v\nand a recount of the rows says\n%+v", after, recount)
		}
		// i3 leaves (1 idea, its author's vote, Anna's vote, Tess's comment);
		// i7 comes back (1 idea, 2 votes, 1 comment); Carl's vote and Anna's
		// comment go. Merging i3 moves its votes to i9: Carl's own vote was
		// on i3 already, Anna's is new on i9.
		if after.Ideas != before.Ideas || after.Comments != before.Comments-1 || after.ActiveMembers != before.ActiveMembers-1 {
			t.Errorf("ideas %d -> %d, comments %d -> %d, active members %d -> %d", before.Ideas, after.Ideas,
				before.Comments, after.Comments, before.ActiveMembers, after.ActiveMembers)
		}
		cats := func(rep *analytics.Report) map[string]int {
			m := map[string]int{}
			for _, cat := range rep.ByCategory {
				if cat.Slug != nil {
					m[*cat.Slug] = cat.Ideas
				} else {
					m[""] = cat.Ideas
				}
			}
			return m
		}
		if b, a := cats(before), cats(after); a[c.catA] != b[c.catA]-1 || a[c.catB] != b[c.catB] || a[""] != b[""]+1 {
			t.Errorf("ideas by category %v -> %v", b, a)
		}

		// Weeks later nothing changed but the clock: ideas of late March
		// without an answer are now more than 30 days old, and a Memory
		// that kept the report counts them.
		s.SetClock(func() time.Time { return time.Date(2026, 4, 30, 12, 0, 0, 0, time.UTC) })
		later, err := memory.Compute(ctx, s, c.tess, r)
		must(err)
		fresh, err := analytics.Compute(ctx, s, c.tess, r)
		must(err)
		if !reflect.DeepEqual(later, fresh) || later.UnansweredOver30Days <= after.UnansweredOver30Days {
			t.Errorf("a month later: kept %d unanswered, recounted %d, a month before %d",
				later.UnansweredOver30Days, fresh.UnansweredOver30Days, after.UnansweredOver30Days)
		}
	})
}
