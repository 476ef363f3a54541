package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// relevanceSet is testdata/search_relevance.json: the ideas a test makes
// and the queries whose best results are known.
type relevanceSet struct {
	Generated struct {
		Ideas []struct {
			Title, Body  string
			Votes        int
			Hidden       bool
			InternalNote string `json:"internal_note"`
		}
		Crowds []struct {
			Count       int
			Title, Body string // with %d for the idea's number
			Votes       int
		}
	}
	Queries []struct {
		Data   string
		Q      string
		Params string
		Expect []string
		Above  [][2]string
		Never  []string
		None   bool
	}
}

// TestSearchRelevance runs the relevance set through the API on both
// databases: every query's expected ideas among the first five results,
// better matches above worse ones, filters and sorts applied, and hidden
// ideas and internal notes never found. The generated data has an idea whose
// title is the query among more than a hundred livelier ideas that hold its
// words, which a search that ranked only the most active matches missed.
func TestSearchRelevance(t *testing.T) {
	raw, err := os.ReadFile("testdata/search_relevance.json")
	if err != nil {
		t.Fatal(err)
	}
	var set relevanceSet
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatal(err)
	}
	if len(set.Queries) < 30 {
		t.Fatalf("%d queries in the relevance set, want at least 30", len(set.Queries))
	}
	each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		// What is measured is the order, not the time: a long timeout, so
		// that a loaded machine does not cut a search short.
		servers := map[string]*apptest.Server{
			"demo":      apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_SEARCH_TIMEOUT=1m"),
			"generated": apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_SEARCH_TIMEOUT=1m"),
		}
		if _, err := servers["demo"].Store.SeedDemo(ctx); err != nil {
			t.Fatal(err)
		}
		generateRelevanceData(t, servers["generated"], set)

		for _, query := range set.Queries {
			srv := servers[query.Data]
			if srv == nil {
				t.Fatalf("query %q: unknown data %q", query.Q, query.Data)
			}
			path := "/api/v1/ideas?per_page=20&q=" + url.QueryEscape(query.Q)
			if query.Params != "" {
				path += "&" + query.Params
			}
			r := srv.Client().Get(path)
			wantStatus(t, r, http.StatusOK)
			var page struct {
				Ideas []struct {
					Title     string
					Pinned    bool
					CreatedAt time.Time `json:"created_at"`
				}
				Total int
			}
			if err := json.Unmarshal(r.Body, &page); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			var titles []string
			for _, idea := range page.Ideas {
				titles = append(titles, idea.Title)
			}
			first := titles[:min(5, len(titles))]
			for _, want := range query.Expect {
				if !slices.Contains(first, want) {
					t.Errorf("%s (%s): %q is not among the first five: %q", query.Q, query.Data, want, first)
				}
			}
			for _, pair := range query.Above {
				better, worse := slices.Index(titles, pair[0]), slices.Index(titles, pair[1])
				if better < 0 || (worse >= 0 && worse < better) {
					t.Errorf("%s (%s): %q should rank above %q: %q", query.Q, query.Data, pair[0], pair[1], titles)
				}
			}
			for _, never := range query.Never {
				if slices.Contains(titles, never) {
					t.Errorf("%s (%s): %q was found: %q", query.Q, query.Data, never, titles)
				}
			}
			if query.None && (len(titles) != 0 || page.Total != 0) {
				t.Errorf("%s (%s): found %d ideas, want none: %q", query.Q, query.Data, page.Total, titles)
			}
			if strings.Contains(query.Params, "sort=new") {
				for i := 1; i < len(page.Ideas); i++ {
					a, b := page.Ideas[i-1], page.Ideas[i]
					if a.Pinned == b.Pinned && b.CreatedAt.After(a.CreatedAt) {
						t.Errorf("%s (%s): not newest first: %q before %q", query.Q, query.Data, a.Title, b.Title)
					}
				}
			}
		}

		// The search page ranks the same way, and marks the words found.
		r := servers["generated"].Client().Get("/search?q=" + url.QueryEscape("Longer battery range"))
		wantStatus(t, r, http.StatusOK)
		results := r.Doc.Find("ol.search-results li.result h2 a")
		if results.Length() < 5 || results.First().Text() != "Longer battery range" {
			t.Fatalf("search page: %d results, the first %q", results.Length(), results.First().Text())
		}
		if results.First().Find("mark").Length() != 3 {
			t.Fatalf("search page: the first title's words are not marked: %s", results.First().Text())
		}
		// An idea found for a typo is listed, without marks.
		r = servers["generated"].Client().Get("/search?q=fietserek")
		wantStatus(t, r, http.StatusOK)
		if got := r.Doc.Find("ol.search-results li.result h2 a").First().Text(); got != "Fietsenrek bij het station" {
			t.Fatalf("search page for a typo: the first result %q", got)
		}
	})
}

// generateRelevanceData makes the relevance set's generated ideas: its
// ideas first, then its crowds, newer and with more votes, so that they are
// the more active ideas.
func generateRelevanceData(t *testing.T, srv *apptest.Server, set relevanceSet) {
	t.Helper()
	ctx := context.Background()
	// Moderators and up are not held by the spam brakes.
	mod := srv.User("Mona", "mona@example.com", models.RoleModerator)
	team := srv.User("Tess", "tess@example.com", models.RoleTeam)
	admin := srv.User("Ada", "ada@example.com", models.RoleAdmin) // moderates a moderator's idea
	var voters []*models.User
	vote := func(id int64, n int) {
		for len(voters) < n {
			voters = append(voters, srv.User(fmt.Sprintf("Voter %d", len(voters)), fmt.Sprintf("voter%d@example.com", len(voters)), models.RoleModerator))
		}
		for _, v := range voters[:n] {
			if _, _, err := srv.Store.Vote(ctx, id, v.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, g := range set.Generated.Ideas {
		idea, err := srv.Store.CreateIdea(ctx, mod, models.NewIdea{Title: g.Title, Body: g.Body})
		if err != nil {
			t.Fatal(err)
		}
		vote(idea.ID, g.Votes)
		if g.Hidden {
			hidden := true
			if _, err := srv.Store.ModerateIdea(ctx, idea.ID, admin, models.IdeaModeration{Hidden: &hidden, Reason: "not public"}); err != nil {
				t.Fatal(err)
			}
		}
		if g.InternalNote != "" {
			if _, err := srv.Store.CreateComment(ctx, idea.ID, team, models.NewComment{Body: g.InternalNote, Internal: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, crowd := range set.Generated.Crowds {
		for i := range crowd.Count {
			idea, err := srv.Store.CreateIdea(ctx, mod, models.NewIdea{Title: fmt.Sprintf(crowd.Title, i), Body: fmt.Sprintf(crowd.Body, i)})
			if err != nil {
				t.Fatal(err)
			}
			vote(idea.ID, crowd.Votes)
		}
	}
}
