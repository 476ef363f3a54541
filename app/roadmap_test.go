package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

type roadmapJSON struct {
	Columns []struct {
		Status statusJSON        `json:"status"`
		Ideas  []json.RawMessage `json:"ideas"`
		Total  int64             `json:"total"`
	} `json:"columns"`
}

type roadmapIdeaJSON struct {
	ideaJSON
	Answer *answerJSON `json:"answer"`
}

// apiRoadmap reads GET /roadmap and checks the keys of its columns and cards.
func apiRoadmap(t *testing.T, c *apptest.Client, query string) (slugs []string, columns map[string][]roadmapIdeaJSON, totals map[string]int64) {
	t.Helper()
	r := apiCall(c, http.MethodGet, "/roadmap"+query, "")
	wantKeys(t, r.Body, []string{"columns"})
	rm := apiJSON[roadmapJSON](t, r, http.StatusOK)
	columns, totals = map[string][]roadmapIdeaJSON{}, map[string]int64{}
	cardKeys := append(slices.Clone(ideaKeys), "answer")
	slices.Sort(cardKeys)
	for _, col := range rm.Columns {
		if col.Ideas == nil {
			t.Fatalf("column %s: ideas is not a list: %s", col.Status.Slug, r.Body)
		}
		slugs = append(slugs, col.Status.Slug)
		totals[col.Status.Slug] = col.Total
		cards := []roadmapIdeaJSON{}
		for _, raw := range col.Ideas {
			wantKeys(t, raw, cardKeys)
			var card roadmapIdeaJSON
			if err := json.Unmarshal(raw, &card); err != nil {
				t.Fatal(err)
			}
			cards = append(cards, card)
		}
		columns[col.Status.Slug] = cards
	}
	return slugs, columns, totals
}

func cardIDs(cards []roadmapIdeaJSON) []int64 {
	out := make([]int64, len(cards))
	for i, c := range cards {
		out[i] = c.ID
	}
	return out
}

func TestRoadmap(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		team := srv.User("Tess", "tess@example.com", models.RoleTeam)
		mod := srv.User("Mo", "mo@example.com", models.RoleModerator)
		var voters []*models.User
		for i := range 3 {
			voters = append(voters, srv.User(fmt.Sprintf("Voter %d", i), fmt.Sprintf("voter%d@example.com", i), models.RoleMember))
		}
		idea := func(title, category, status, note, reconsider string, votes int) *models.Idea {
			t.Helper()
			i, err := srv.Store.CreateIdea(ctx, voters[0], models.NewIdea{Title: title, Body: "Why: " + title, Category: category})
			if err != nil {
				t.Fatal(err)
			}
			if status != "" {
				if _, err := srv.Store.AnswerIdea(ctx, i.ID, team, models.Answer{Status: status, Note: note, Reconsider: reconsider}); err != nil {
					t.Fatal(err)
				}
			}
			for _, v := range voters[1 : 1+votes] {
				if _, _, err := srv.Store.Vote(ctx, i.ID, v.ID); err != nil {
					t.Fatal(err)
				}
			}
			return i
		}
		lights := idea("Brighter lights", "features", "planned", "Coming in **spring**.", "If the battery suffers.", 2)
		bell := idea("A louder bell", "improvements", "planned", "", "", 1)
		lock := idea("A smarter lock", "features", "in-progress", "We are building it.", "", 0)
		_ = idea("Still open", "features", "", "", "", 2)
		_ = idea("Said no to this", "features", "declined", "Not for us.", "If many ask.", 0)
		hidden := idea("Hidden planned idea", "features", "planned", "", "", 2)
		if _, err := srv.Store.ModerateIdea(ctx, hidden.ID, mod, models.IdeaModeration{Hidden: ptrTo(true), Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		merged := idea("Merged planned idea", "features", "planned", "", "", 2)
		if _, err := srv.Store.Merge(ctx, merged.ID, lights.ID, mod, "the same"); err != nil {
			t.Fatal(err)
		}

		// The API: a column per roadmap status in order, the most voted first,
		// only ideas anyone may see, each with the team's latest answer.
		slugs, columns, totals := apiRoadmap(t, srv.Client(), "")
		if !slices.Equal(slugs, []string{"planned", "in-progress", "shipped"}) {
			t.Fatalf("columns %v", slugs)
		}
		if got := cardIDs(columns["planned"]); !slices.Equal(got, []int64{lights.ID, bell.ID}) || totals["planned"] != 2 {
			t.Fatalf("planned %v (total %d), want %v", got, totals["planned"], []int64{lights.ID, bell.ID})
		}
		fresh, err := srv.Store.Idea(ctx, lights.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		first := columns["planned"][0]
		if first.Votes != fresh.Votes || first.Votes < 2 || first.Body != "Why: Brighter lights" || first.Answer == nil ||
			first.Answer.Note != "Coming in **spring**." || first.Answer.ReconsiderIf != "If the battery suffers." || first.Answer.Actor.Name != "Tess" {
			t.Fatalf("first planned card %+v answer %+v", first, first.Answer)
		}
		if columns["planned"][1].Answer != nil {
			t.Fatalf("an idea moved without a note has an answer: %+v", columns["planned"][1].Answer)
		}
		if got := cardIDs(columns["in-progress"]); !slices.Equal(got, []int64{lock.ID}) {
			t.Fatalf("in progress %v", got)
		}
		if len(columns["shipped"]) != 0 || totals["shipped"] != 0 {
			t.Fatalf("shipped %v", columns["shipped"])
		}

		// Filtered by category.
		_, columns, _ = apiRoadmap(t, srv.Client(), "?category=features")
		if got := cardIDs(columns["planned"]); !slices.Equal(got, []int64{lights.ID}) {
			t.Fatalf("planned features %v", got)
		}
		wantFields(t, apiCall(srv.Client(), http.MethodGet, "/roadmap?category=nosuch", ""), "category")

		// An admin takes a status off the roadmap and puts another on it.
		admin := bearerClient(t, srv, srv.User("Ada", "ada@example.com", models.RoleAdmin))
		wantStatus(t, apiCall(admin, http.MethodPatch, "/statuses/shipped", `{"roadmap":false}`), http.StatusOK)
		wantStatus(t, apiCall(admin, http.MethodPatch, "/statuses/declined", `{"roadmap":true}`), http.StatusOK)
		if slugs, _, _ := apiRoadmap(t, srv.Client(), ""); !slices.Equal(slugs, []string{"planned", "in-progress", "declined"}) {
			t.Fatalf("columns after the change %v", slugs)
		}
		wantStatus(t, apiCall(admin, http.MethodPatch, "/statuses/shipped", `{"roadmap":true}`), http.StatusOK)
		wantStatus(t, apiCall(admin, http.MethodPatch, "/statuses/declined", `{"roadmap":false}`), http.StatusOK)

		// The page.
		r := srv.Client().Get("/roadmap")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `nav a[href="/roadmap"][aria-current="page"]`, 1)
		var order []string
		r.Doc.Find("section.roadmap-column").Each(func(_ int, s *goquery.Selection) { order = append(order, s.AttrOr("data-status", "")) })
		if !slices.Equal(order, []string{"planned", "in-progress", "shipped"}) {
			t.Fatalf("page columns %v", order)
		}
		wantCount(t, r, "#column-planned li.roadmap-card", 2)
		wantText(t, r, "#column-planned h2 .status", "Planned")
		wantText(t, r, "#column-planned li.roadmap-card:first-child h3 a", "Brighter lights")
		wantText(t, r, "#column-planned li.roadmap-card:first-child .votes-count", fmt.Sprintf("%d votes", fresh.Votes))
		wantText(t, r, "#column-planned li.roadmap-card:first-child .answer-note strong", "spring")
		wantCount(t, r, "#column-planned li.roadmap-card:nth-child(2) .roadmap-answer", 0)
		wantCount(t, r, "#column-shipped .empty", 1)
		wantCount(t, r, ".roadmap .more", 0)
		if strings.Contains(string(r.Body), "Hidden planned idea") || strings.Contains(string(r.Body), "Merged planned idea") {
			t.Fatal("the roadmap shows a hidden or merged idea")
		}
		r = srv.Client().Get("/roadmap?category=improvements")
		wantCount(t, r, "li.roadmap-card", 1)
		wantText(t, r, `#roadmap-category option[selected]`, "Improvements")
		wantStatus(t, srv.Client().Get("/roadmap?category=nosuch"), http.StatusUnprocessableEntity)
		nl := srv.Client()
		nl.Header.Set("Accept-Language", "nl")
		wantText(t, nl.Get("/roadmap"), "#column-planned h2 .status", "Gepland")

		// The feed: each idea on the roadmap, dated by its move there.
		f := getFeed(t, srv.Client(), "/feeds/roadmap.atom")
		wantTitles(t, "roadmap feed", f, "In progress: “A smarter lock”", "Planned: “A louder bell”", "Planned: “Brighter lights”")
		for _, e := range f.Entries {
			if !strings.Contains(e.ID, "#status-") {
				t.Fatalf("entry %q has id %q, not the move's", e.Title.Text, e.ID)
			}
		}
		if got := f.Entries[2].Content.Text; got != "<p>Coming in <strong>spring</strong>.</p>\n" {
			t.Fatalf("the lights' entry says %q, want the team's answer", got)
		}

		// A column shows at most RoadmapColumnSize ideas and links to the rest.
		for i := range models.RoadmapColumnSize + 1 {
			author := srv.User(fmt.Sprintf("Shipper %d", i), fmt.Sprintf("shipper%d@example.com", i), models.RoleMember)
			shipped, err := srv.Store.CreateIdea(ctx, author, models.NewIdea{Title: fmt.Sprintf("Shipped idea number %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store.SetStatus(ctx, shipped.ID, team, "shipped", ""); err != nil {
				t.Fatal(err)
			}
		}
		_, columns, totals = apiRoadmap(t, srv.Client(), "")
		if len(columns["shipped"]) != models.RoadmapColumnSize || totals["shipped"] != models.RoadmapColumnSize+1 {
			t.Fatalf("shipped shows %d of %d", len(columns["shipped"]), totals["shipped"])
		}
		r = srv.Client().Get("/roadmap")
		wantCount(t, r, "#column-shipped li.roadmap-card", models.RoadmapColumnSize)
		if href, _ := r.Doc.Find("#column-shipped .more a").Attr("href"); href != "/?sort=top&status=shipped" {
			t.Fatalf("more links to %q", href)
		}
		wantText(t, r, "#column-shipped .more a", fmt.Sprintf("See all %d ideas in Shipped", models.RoadmapColumnSize+1))
		if n := len(getFeed(t, srv.Client(), "/feeds/roadmap.atom").Entries); n != models.FeedSize {
			t.Fatalf("the feed has %d entries, want %d", n, models.FeedSize)
		}
	})
}
