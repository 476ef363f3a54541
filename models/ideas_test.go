package models_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

func member(t *testing.T, s *models.Store, name string, role models.Role) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), models.NewUser{Name: name, Email: strings.ToLower(name) + "@example.com", Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func idea(t *testing.T, s *models.Store, author *models.User, title, body string) *models.Idea {
	t.Helper()
	i, err := s.CreateIdea(context.Background(), author, models.NewIdea{Title: title, Body: body, Category: "features"})
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestCreateIdea(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		i := idea(t, s, anna, "  Swappable   battery for longer rides ", "Two *batteries* would let me ride 200 km.")
		if i.Title != "Swappable battery for longer rides" || i.Slug != "swappable-battery-for-longer-rides" {
			t.Fatalf("title %q slug %q", i.Title, i.Slug)
		}
		if i.Votes != 1 || !i.Voted || i.Status.Slug != "open" || i.Category.Slug != "features" || i.Author.Name != "Anna" {
			t.Fatalf("new idea: %+v", i)
		}
		if string(i.BodyHTML) != "<p>Two <em>batteries</em> would let me ride 200 km.</p>\n" {
			t.Fatalf("body_html %q", i.BodyHTML)
		}
		var verrs models.ValidationErrors
		_, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "short", Body: strings.Repeat("x", models.MaxBodyLength+1), Category: "nope"})
		if !errors.As(err, &verrs) || verrs["title"] == "" || verrs["body"] == "" || verrs["category"] == "" {
			t.Fatalf("invalid idea: %v", err)
		}
		_, err = s.CreateIdea(ctx, anna, models.NewIdea{Title: "Broken \xff\xfe text here"})
		if !errors.As(err, &verrs) || verrs["title"] == "" {
			t.Fatalf("broken UTF-8: %v", err)
		}
	})
}

func TestSlugify(t *testing.T) {
	for in, want := range map[string]string{
		"Fietsen in de regen: spatborden!": "fietsen-in-de-regen-spatborden",
		"Één app voor alles":               "een-app-voor-alles",
		"<script>alert(1)</script>":        "script-alert-1-script",
		"🚲🚲🚲":                              "idea",
	} {
		if got := models.Slugify(in); got != want {
			t.Errorf("Slugify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMarkdownIsRenderedSafely(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		anna := member(t, s, "Anna", models.RoleMember)
		body := "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n[site](https://example.com) <b onclick=x>b</b>"
		i := idea(t, s, anna, "Markdown that tries things", body)
		html := string(i.BodyHTML)
		for _, bad := range []string{"<script", "javascript:", "onerror", "<img"} {
			if strings.Contains(strings.ToLower(html), bad) {
				t.Errorf("body_html keeps %q: %s", bad, html)
			}
		}
		if !strings.Contains(html, `<a href="https://example.com" rel="nofollow ugc noopener">site</a>`) {
			t.Errorf("link not marked: %s", html)
		}
	})
}

func TestListSortsFiltersAndSearch(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna, bram, cas := member(t, s, "Anna", models.RoleMember), member(t, s, "Bram", models.RoleMember), member(t, s, "Cas", models.RoleTeam)
		base := time.Now().UTC().Add(-48 * time.Hour).Truncate(time.Microsecond)
		at := func(h int) { s.SetClock(func() time.Time { return base.Add(time.Duration(h) * time.Hour) }) }
		at(0)
		old := idea(t, s, anna, "Battery indicator on the frame", "Show the charge with five lights.")
		at(10)
		popular := idea(t, s, bram, "Automatic lights when it gets dark", "Lights should switch on by themselves.")
		at(20)
		fresh := idea(t, s, anna, "Quieter mudguards on cobblestones", "They rattle on every street in Amsterdam.")
		at(21)
		for _, u := range []*models.User{anna, cas} {
			if _, _, err := s.Vote(ctx, popular.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.CreateComment(ctx, old.ID, bram, models.NewComment{Body: "Yes please"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, fresh.ID, cas, "planned", "We are on it."); err != nil {
			t.Fatal(err)
		}

		titles := func(o models.ListOptions, viewer *models.User) []int64 {
			t.Helper()
			p, err := s.ListIdeas(ctx, o, viewer)
			if err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			var ids []int64
			for _, i := range p.Ideas {
				ids = append(ids, i.ID)
			}
			if int(p.Total) != len(ids) && o.PerPage == 0 {
				t.Fatalf("total %d for %d ideas", p.Total, len(ids))
			}
			return ids
		}
		same := func(got []int64, want ...*models.Idea) {
			t.Helper()
			if len(got) != len(want) {
				t.Fatalf("got %v, want %d ideas", got, len(want))
			}
			for i := range want {
				if got[i] != want[i].ID {
					t.Fatalf("got %v, want order %d,...", got, want[0].ID)
				}
			}
		}
		same(titles(models.ListOptions{Sort: "top"}, nil), popular, fresh, old) // ties: newest first
		same(titles(models.ListOptions{Sort: "new"}, nil), fresh, popular, old)
		same(titles(models.ListOptions{Sort: "hot"}, nil), popular, fresh, old) // 3 votes outweigh 10 hours
		same(titles(models.ListOptions{Sort: "updated"}, nil), fresh, old, popular)
		same(titles(models.ListOptions{Status: "planned"}, nil), fresh)
		same(titles(models.ListOptions{AuthorID: anna.ID, Sort: "new"}, nil), fresh, old)
		same(titles(models.ListOptions{VotedBy: cas.ID}, nil), popular)
		same(titles(models.ListOptions{Query: "mudguards"}, nil), fresh)
		same(titles(models.ListOptions{Query: "light"}, nil), popular, old) // prefix; title weighs more
		same(titles(models.ListOptions{Query: `"; DROP TABLE ideas; --`}, nil))
		same(titles(models.ListOptions{Query: "AND OR NOT * ( ) : ^"}, nil))

		p, err := s.ListIdeas(ctx, models.ListOptions{Sort: "top", PerPage: 2, Page: 2}, anna)
		if err != nil || p.Total != 3 || len(p.Ideas) != 1 || p.Pages() != 2 || p.Ideas[0].ID != old.ID || !p.Ideas[0].Voted {
			t.Fatalf("page 2: %+v %v", p, err)
		}
		var verrs models.ValidationErrors
		_, err = s.ListIdeas(ctx, models.ListOptions{Sort: "best", Status: "nope", PerPage: 101, Page: -1}, nil)
		if !errors.As(err, &verrs) || verrs["sort"] == "" || verrs["per_page"] == "" || verrs["page"] == "" {
			t.Fatalf("bad options: %v", err)
		}
	})
}

func TestVotingRules(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna, bram, cas := member(t, s, "Anna", models.RoleMember), member(t, s, "Bram", models.RoleMember), member(t, s, "Cas", models.RoleTeam)
		i := idea(t, s, anna, "A rear rack for a child seat", "")
		if changed, votes, err := s.Vote(ctx, i.ID, bram.ID); err != nil || !changed || votes != 2 {
			t.Fatalf("vote: %v %d %v", changed, votes, err)
		}
		if changed, votes, err := s.Vote(ctx, i.ID, bram.ID); err != nil || changed || votes != 2 {
			t.Fatalf("second vote: %v %d %v", changed, votes, err)
		}
		if changed, votes, err := s.Unvote(ctx, i.ID, bram.ID); err != nil || !changed || votes != 1 {
			t.Fatalf("unvote: %v %d %v", changed, votes, err)
		}
		if changed, votes, err := s.Unvote(ctx, i.ID, bram.ID); err != nil || changed || votes != 1 {
			t.Fatalf("second unvote: %v %d %v", changed, votes, err)
		}
		if _, _, err := s.Vote(ctx, 999999, bram.ID); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("unknown idea: %v", err)
		}
		if _, err := s.SetStatus(ctx, i.ID, anna, "shipped", ""); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("member sets status: %v", err)
		}
		var verrs models.ValidationErrors
		if _, err := s.SetStatus(ctx, i.ID, cas, "declined", "  "); !errors.As(err, &verrs) || verrs["note"] == "" {
			t.Fatalf("declined without an answer: %v", err)
		}
		if _, err := s.SetStatus(ctx, i.ID, cas, "shipped", "In the 2027 model."); err != nil {
			t.Fatal(err)
		}
		var conflict *models.ConflictError
		if _, _, err := s.Vote(ctx, i.ID, bram.ID); !errors.As(err, &conflict) || conflict.Reason != models.ReasonClosed || !errors.Is(err, models.ErrConflict) {
			t.Fatalf("vote on shipped idea: %v", err)
		}
		got, _ := s.Idea(ctx, i.ID, anna)
		if got.Votes != 1 || !got.Voted {
			t.Fatalf("votes already cast must stay: %+v", got)
		}
		history, err := s.StatusHistory(ctx, i.ID)
		if err != nil || len(history) != 1 || history[0].To.Slug != "shipped" || history[0].Actor.Name != "Cas" {
			t.Fatalf("history: %+v %v", history, err)
		}
	})
}

// A withdrawn vote takes its weight out of the trending score: by
// subtraction when it weighed less than half of it, else by summing the votes
// left anew. Either way the score is the one the votes left give.
func TestWithdrawnVoteLeavesTheTrendOfTheVotesLeft(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		at := func(days float64) time.Time { return start.Add(time.Duration(days * 24 * float64(time.Hour))) }
		t.Cleanup(func() { s.SetClock(nil) })
		s.SetClock(func() time.Time { return start })
		anna := member(t, s, "Anna", models.RoleMember)
		i := idea(t, s, anna, "A lock that opens with the phone", "")
		cast := map[int64]time.Time{anna.ID: start}
		var voters []*models.User
		for n, days := range []float64{1, 3, 3.5, 10, 20, 20.2} {
			u := member(t, s, fmt.Sprintf("Voter%d", n), models.RoleMember)
			s.SetClock(func() time.Time { return at(days) })
			if _, _, err := s.Vote(ctx, i.ID, u.ID); err != nil {
				t.Fatal(err)
			}
			cast[u.ID], voters = at(days), append(voters, u)
		}
		check := func(step string) {
			t.Helper()
			var times []time.Time
			for _, when := range cast {
				times = append(times, when)
			}
			var hot float64
			if err := s.DB().QueryRow(seedQuery(s, "SELECT hot FROM ideas WHERE id = ?"), i.ID).Scan(&hot); err != nil {
				t.Fatal(err)
			}
			if want := models.TrendScore(start, times); math.Abs(hot-want) > 1e-9*math.Abs(want) {
				t.Fatalf("%s: hot %v, the votes left give %v", step, hot, want)
			}
		}
		check("cast")
		s.SetClock(func() time.Time { return at(21) })
		// An old vote, a small part of the weight; then the latest, which
		// weighs more than half; then an old one again; then all but Anna's.
		for _, v := range []*models.User{voters[1], voters[5], voters[0], voters[4], voters[2], voters[3]} {
			if changed, _, err := s.Unvote(ctx, i.ID, v.ID); err != nil || !changed {
				t.Fatalf("unvote: %v %v", changed, err)
			}
			delete(cast, v.ID)
			check(fmt.Sprintf("%d votes left", len(cast)))
		}
	})
}

func TestCommentsAndDeletion(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna, bram := member(t, s, "Anna", models.RoleMember), member(t, s, "Bram", models.RoleMember)
		i := idea(t, s, anna, "Phone holder on the handlebar", "")
		top, err := s.CreateComment(ctx, i.ID, bram, models.NewComment{Body: "I want this"})
		if err != nil {
			t.Fatal(err)
		}
		reply, _ := s.CreateComment(ctx, i.ID, anna, models.NewComment{Body: "Me too", ParentID: &top.ID})
		deep, _ := s.CreateComment(ctx, i.ID, bram, models.NewComment{Body: "Deeper", ParentID: &reply.ID})
		if *reply.ParentID != top.ID || *deep.ParentID != top.ID {
			t.Fatalf("replies must stay one level deep: %v %v", *reply.ParentID, *deep.ParentID)
		}
		if err := s.DeleteComment(ctx, top.ID, anna); !errors.Is(err, models.ErrForbidden) {
			t.Fatalf("deleting another's comment: %v", err)
		}
		if err := s.DeleteComment(ctx, top.ID, bram); err != nil {
			t.Fatal(err)
		}
		list, err := s.Comments(ctx, i.ID, nil)
		if err != nil || len(list) != 3 || !list[0].Deleted() || list[0].Body != "" || list[1].Body != "Me too" {
			t.Fatalf("comments: %+v %v", list, err)
		}
		// Anna may no longer delete her idea: Bram took part.
		var conflict *models.ConflictError
		if err := s.DeleteIdea(ctx, i.ID, anna); !errors.As(err, &conflict) {
			t.Fatalf("delete with others' comments: %v", err)
		}
		solo := idea(t, s, anna, "An idea nobody noticed", "")
		if err := s.DeleteIdea(ctx, solo.ID, anna); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Idea(ctx, solo.ID, anna); !errors.Is(err, models.ErrNotFound) {
			t.Fatalf("deleted idea still loads: %v", err)
		}
	})
}

func TestSearchMarksMatches(t *testing.T) {
	modelstest.Dialects(t, func(t *testing.T, s *models.Store) {
		ctx := context.Background()
		anna := member(t, s, "Anna", models.RoleMember)
		idea(t, s, anna, "Lights <b>that</b> switch on", "When it gets dark the lights should switch on by themselves, <script>x</script>.")
		idea(t, s, anna, "A bell that rings louder", "")
		page, err := s.Search(ctx, "light", 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != 1 || len(page.Results) != 1 {
			t.Fatalf("%d results", page.Total)
		}
		r := page.Results[0]
		if string(r.TitleHTML) != "<mark>Lights</mark> &lt;b&gt;that&lt;/b&gt; switch on" {
			t.Fatalf("title %q", r.TitleHTML)
		}
		if !strings.Contains(string(r.SnippetHTML), "<mark>lights</mark>") || strings.Contains(string(r.SnippetHTML), "<script") {
			t.Fatalf("snippet %q", r.SnippetHTML)
		}
	})
}

// TestEveryListIsServedByAnIndex reads PostgreSQL's plans: for every sort,
// alone or filtered by status or by category, the page comes from the index
// made for it, in its order, without scanning or sorting the ideas table.
func TestEveryListIsServedByAnIndex(t *testing.T) {
	s := modelstest.Open(t, models.Postgres)
	ctx := context.Background()
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"hot", "top", "new", "updated"} {
		for _, filter := range []string{"", "status", "category"} {
			o := models.ListOptions{Sort: sort}
			index := "ideas_" + sort
			switch filter {
			case "status":
				o.Status, index = "planned", "ideas_status_"+sort
			case "category":
				o.Category, index = "features", "ideas_category_"+sort
			}
			plan, err := s.ExplainList(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, "using "+index+" on ideas") || strings.Contains(plan, "Seq Scan on ideas") || strings.Contains(plan, "Sort Key: ideas.") {
				t.Errorf("sort %s, filter %q does not use %s:\n%s", sort, filter, index, plan)
			}
		}
	}
}

// TestFilteredListsReadIndexes reads PostgreSQL's plans of the lists a
// member narrows (a tag, "my ideas", "my votes"), each in every sort, and
// their counts: each reads the narrowing table's index, and none scans the
// ideas, votes or tags tables.
func TestFilteredListsReadIndexes(t *testing.T) {
	s := modelstest.Open(t, models.Postgres)
	ctx := context.Background()
	if _, err := s.DB().Exec("ANALYZE"); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"hot", "top", "new", "updated"} {
		for name, o := range map[string]models.ListOptions{
			"tag":      {Sort: sort, Tag: "navigation"},
			"my ideas": {Sort: sort, AuthorID: 7},
			"my votes": {Sort: sort, VotedBy: 7},
		} {
			for what, explain := range map[string]func(context.Context, models.ListOptions) (string, error){"page": s.ExplainList, "count": s.ExplainTotal} {
				plan, err := explain(ctx, o)
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(plan, "Seq Scan") {
					t.Errorf("%s of the list by %s, sorted %s, scans a table:\n%s", what, name, sort, plan)
				}
			}
		}
	}
}

// An excerpt is the text's words joined by single spaces, cut at a word
// near ExcerptLength characters with an ellipsis when the text is longer.
func TestExcerpt(t *testing.T) {
	// reference is the plain statement of the rule, word by word.
	reference := func(body string) string {
		runes := []rune(strings.Join(strings.Fields(body), " "))
		if len(runes) <= models.ExcerptLength {
			return string(runes)
		}
		cut := string(runes[:models.ExcerptLength])
		if space := strings.LastIndex(cut, " "); space > models.ExcerptLength/2 {
			cut = cut[:space]
		}
		return strings.TrimRight(cut, " ,.;:") + "…"
	}
	words := []string{"a", "fiets", "café", "crème,", "\u00a0", "\n\n", "  ", "\t", "slot.", "🚲", "x"}
	bodies := []string{"", " ", "  battery  ", strings.Repeat("x", models.ExcerptLength), strings.Repeat("x", models.ExcerptLength+1),
		strings.Repeat("é", models.ExcerptLength) + " ", strings.Repeat("ab ", 60) + "c", strings.Repeat("ab ", 61)}
	for n := range 400 {
		var b strings.Builder
		for k := range n % 97 {
			b.WriteString(words[(n*7+k*k)%len(words)])
			if (n+k)%3 == 0 {
				b.WriteByte(' ')
			}
		}
		bodies = append(bodies, b.String())
	}
	for _, body := range bodies {
		if got, want := (&models.Idea{BodyText: body}).Excerpt(), reference(body); got != want {
			t.Errorf("Excerpt(%q) = %q, want %q", body, got, want)
		}
	}
}
