package app_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"samen/app/apptest"
	"samen/models"
)

// sealedCounts are the true counts of the sealed round's ideas: numbers no
// other idea of the crawl reaches, so that finding one is a leak.
const (
	favouriteVotes = 13 // the favourite: its author and 12 voters
	otherVotes     = 8  // the other idea: its author and 7 voters
	pointsTally    = 9  // the idea of the round of points: 3 members, 3 points each
)

// countWords is a count of the sealed round's as the pages and feeds write
// counts: "13 votes", "8 stemmen", "9 points".
var countWords = regexp.MustCompile(fmt.Sprintf(`(?i)\b(%d|%d|%d)\s+(votes?|stemmen|stem|points?|punten|punt)\b`,
	favouriteVotes, otherVotes, pointsTally))

// sealedRound is a sealed campaign of plain votes and one of points, both
// voting, with the ideas and the members who voted.
type sealedRound struct {
	plain, points             *models.Campaign
	favourite, other, pointed *models.Idea
	team, admin, voter        *models.User
}

func newSealedRound(t *testing.T, srv *apptest.Server) sealedRound {
	t.Helper()
	ctx := context.Background()
	r := sealedRound{
		team:  srv.User("Tess", "tess@example.com", models.RoleTeam),
		admin: srv.User("Ada", "ada@example.com", models.RoleAdmin),
	}
	var members []*models.User
	for i := range favouriteVotes {
		members = append(members, srv.User(fmt.Sprintf("Voter %d", i), fmt.Sprintf("voter%d@example.com", i), models.RoleMember))
	}
	r.voter = members[1]
	open := func(title string, budget int) *models.Campaign {
		c, err := srv.Store.CreateCampaign(ctx, r.team, models.CampaignInput{Title: &title, Budget: &budget, Sealed: ptrTo(true)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.MoveCampaign(ctx, c.ID, r.team, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		return c
	}
	submit := func(c *models.Campaign, author *models.User, title string) *models.Idea {
		idea, err := srv.Store.CreateIdea(ctx, author, models.NewIdea{Title: title, Body: "For the sealed crawl: " + title, Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		return idea
	}
	r.plain, r.points = open("Sealed plain round", 0), open("Sealed points round", 10)
	// The favourite is the older: an order by votes that leaked would put it first.
	r.favourite = submit(r.plain, members[0], "The favourite of the sealed round")
	r.other = submit(r.plain, members[12], "The other idea of the sealed round")
	r.pointed = submit(r.points, members[0], "The pointed idea of the sealed round")
	for _, c := range []*models.Campaign{r.plain, r.points} {
		if _, err := srv.Store.MoveCampaign(ctx, c.ID, r.team, models.PhaseVoting); err != nil {
			t.Fatal(err)
		}
	}
	for i, m := range members[1:] {
		if _, _, err := srv.Store.VoteAs(ctx, r.favourite.ID, m); err != nil {
			t.Fatal(err)
		}
		if i < otherVotes-1 {
			if _, _, err := srv.Store.VoteAs(ctx, r.other.ID, m); err != nil {
				t.Fatal(err)
			}
		}
		if i < pointsTally/3 {
			if _, err := srv.Store.SpendPoints(ctx, m, r.pointed.ID, 3); err != nil {
				t.Fatal(err)
			}
		}
	}
	return r
}

// TestSealedCampaignLeaksNoCount crawls every page, API answer, feed and
// export of the route table, as a visitor, a member who voted, the team
// and an admin, while two sealed campaigns vote, and finds none of their
// counts: no number of votes or points beside their ideas, no vote count
// in the API or the export, no order by votes that puts the favourite
// first. After the reveal the same places show the counts, so the crawl
// looks where they would be.
func TestSealedCampaignLeaksNoCount(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		round := newSealedRound(t, srv)
		sealedIDs := map[int64]bool{round.favourite.ID: true, round.other.ID: true, round.pointed.ID: true}

		param := func(rt fiber.Route, name string) (string, bool) {
			path := strings.TrimPrefix(rt.Path, "/api/v1")
			switch {
			case name == "slug" && strings.Contains(path, "campaigns/"):
				return round.plain.Slug, true
			case name == "slug":
				return round.favourite.Slug, true
			case name == "id" && strings.HasPrefix(path, "/members/"):
				return itoa(round.voter.ID), true
			case name == "id":
				return itoa(round.favourite.ID), true
			}
			return "", false // a token, a provider, a file: nothing of the round's
		}
		var targets []string
		for _, rt := range tableRoutes(t, srv) {
			if rt.Method != http.MethodGet || rt.Path == "/live" || strings.Contains(rt.Path, "*") {
				continue
			}
			known := true
			target := pathParam.ReplaceAllStringFunc(rt.Path, func(m string) string {
				v, ok := param(rt, pathParam.FindStringSubmatch(m)[1])
				known = known && ok
				return url.PathEscape(v)
			})
			if known {
				targets = append(targets, target)
			}
		}
		// The lists in every order, and the campaign of points.
		targets = append(targets, "/?sort=top", "/?sort=hot", "/api/v1/ideas?sort=top", "/api/v1/ideas?sort=hot",
			"/campaigns/"+round.points.Slug, "/api/v1/campaigns/"+round.points.Slug, "/search?q=sealed+round",
			"/api/v1/ideas?q=sealed+round", "/admin/triage?sort=votes", ideaPage(round.other), ideaPage(round.pointed))

		clients := map[string]*apptest.Client{
			"visitor": srv.Client(), "voter": srv.SignedIn(round.voter),
			"team": srv.SignedIn(round.team), "admin": srv.SignedIn(round.admin),
		}
		read := 0
		for who, client := range clients {
			for _, target := range targets {
				r := client.Get(target)
				if r.StatusCode >= 500 {
					t.Fatalf("%s as %s: %d", target, who, r.StatusCode)
				}
				if r.StatusCode != http.StatusOK {
					continue
				}
				read++
				if leak := sealedLeak(r, sealedIDs); leak != "" {
					t.Errorf("%s as %s: %s", target, who, leak)
				}
			}
		}
		if read < 100 {
			t.Fatalf("the crawl read only %d answers", read)
		}

		// The orders by votes keep the newer idea first while sealed.
		team := clients["team"]
		wantBefore(t, team.Get("/?sort=top"), round.other.ID, round.favourite.ID)
		wantBefore(t, team.Get("/?sort=hot"), round.other.ID, round.favourite.ID)

		// The reveal: the same places show the counts.
		ctx := context.Background()
		for _, c := range []*models.Campaign{round.plain, round.points} {
			if _, err := srv.Store.MoveCampaign(ctx, c.ID, round.team, models.PhaseReview); err != nil {
				t.Fatal(err)
			}
		}
		wantBefore(t, team.Get("/?sort=top"), round.favourite.ID, round.other.ID)
		page := clients["visitor"].Get(ideaPage(round.favourite))
		wantText(t, page, fmt.Sprintf("#vote-%d .vote-count", round.favourite.ID), itoa(favouriteVotes))
		var idea struct {
			Votes *int `json:"votes"`
		}
		if err := json.Unmarshal(apiCall(clients["voter"], http.MethodGet, "/ideas/"+itoa(round.other.ID), "").Body, &idea); err != nil ||
			idea.Votes == nil || *idea.Votes != otherVotes {
			t.Fatalf("the other idea's votes after the reveal: %v %v", idea.Votes, err)
		}
		for _, target := range []string{"/api/v1/campaigns/" + round.points.Slug, "/api/v1/ideas?sort=top", "/admin/export/ideas.csv", ideaPage(round.favourite)} {
			if r := team.Get(target); r.StatusCode == http.StatusOK && sealedLeak(r, sealedIDs) == "" {
				t.Errorf("%s after the reveal shows no count: the crawl does not look where counts are", target)
			}
		}
	})
}

// ideaPage is the address of an idea's page.
func ideaPage(i *models.Idea) string { return fmt.Sprintf("/ideas/%d/%s", i.ID, i.Slug) }

// wantBefore checks that the page lists idea first before idea second.
func wantBefore(t *testing.T, r *apptest.Response, first, second int64) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	body := string(r.Body)
	a, b := strings.Index(body, fmt.Sprintf(`id="vote-%d"`, first)), strings.Index(body, fmt.Sprintf(`id="vote-%d"`, second))
	if a < 0 || b < 0 || a > b {
		t.Fatalf("%s: idea %d (at %d) should come before idea %d (at %d)", r.Request.URL, first, a, second, b)
	}
}

// sealedLeak says where an answer shows a count of a sealed idea, or "".
func sealedLeak(r *apptest.Response, sealed map[int64]bool) string {
	kind := r.Header.Get("Content-Type")
	switch {
	case strings.Contains(kind, "json"):
		var doc any
		if err := json.Unmarshal(r.Body, &doc); err != nil {
			return "" // a stream of events, or not JSON after all
		}
		return jsonLeak(doc, sealed)
	case strings.Contains(kind, "csv"):
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil || len(rows) == 0 {
			return ""
		}
		col := -1
		for i, name := range rows[0] {
			if name == "votes" {
				col = i
			}
		}
		for _, row := range rows[1:] {
			var id int64
			if _, err := fmt.Sscan(row[0], &id); err == nil && sealed[id] && col >= 0 && row[col] != "" {
				return fmt.Sprintf("the export gives idea %d %s votes", id, row[col])
			}
		}
	case strings.Contains(kind, "html"):
		if r.Doc != nil {
			for id := range sealed {
				count := r.Doc.Find(fmt.Sprintf("#vote-%d .vote-count", id))
				if count.Length() > 0 && !count.HasClass("sealed") {
					return fmt.Sprintf("idea %d shows the count %q", id, strings.TrimSpace(count.Text()))
				}
			}
			if n := r.Doc.Find(".campaign-idea .tally").Length(); n > 0 && r.Doc.Find(".sealed").Length() > 0 {
				return "a sealed campaign's page shows tallies"
			}
		}
		fallthrough
	case strings.Contains(kind, "xml"), strings.Contains(kind, "text"):
		if m := countWords.FindString(string(r.Body)); m != "" {
			return fmt.Sprintf("the text says %q", m)
		}
	}
	return ""
}

// jsonLeak finds, in a JSON document, an idea of the sealed ones with a
// count: its "votes" or "tally" anything but null.
func jsonLeak(doc any, sealed map[int64]bool) string {
	switch v := doc.(type) {
	case []any:
		for _, item := range v {
			if leak := jsonLeak(item, sealed); leak != "" {
				return leak
			}
		}
	case map[string]any:
		id, _ := v["id"].(float64)
		if ideaID, ok := v["idea_id"].(float64); ok {
			id = ideaID
		}
		if sealed[int64(id)] {
			for _, key := range []string{"votes", "tally", "score"} {
				if n, ok := v[key]; ok && n != nil {
					return fmt.Sprintf("idea %d has %q: %v", int64(id), key, n)
				}
			}
		}
		for _, item := range v {
			if leak := jsonLeak(item, sealed); leak != "" {
				return leak
			}
		}
	}
	return ""
}
