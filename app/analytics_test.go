package app_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

// analyticsJSON is GET /api/v1/analytics as the contract shows it.
type analyticsJSON struct {
	From                   string   `json:"from"`
	To                     string   `json:"to"`
	Ideas                  int      `json:"ideas"`
	Votes                  int      `json:"votes"`
	Comments               int      `json:"comments"`
	ActiveMembers          int      `json:"active_members"`
	FirstAnswerHoursMedian *float64 `json:"first_answer_hours_median"`
	AnsweredWithin7DaysPct *float64 `json:"answered_within_7_days_pct"`
	UnansweredOver30Days   int      `json:"unanswered_over_30_days"`
	ByWeek                 []struct {
		Week                   string
		Ideas, Votes, Comments int
	} `json:"by_week"`
	ByCategory []struct {
		Slug         *string
		Ideas, Votes int
	} `json:"by_category"`
	BySource []struct {
		Source       string
		Ideas, Votes int
	} `json:"by_source"`
	ByStatus []struct {
		Slug  string
		Ideas int
	} `json:"by_status"`
}

// TestAnalyticsInTheAPIAndThePage reads the figures of the last 30 days
// through the API and the page: the contract's keys, the same figures in
// both, charts drawn as SVG with a title beside a table of the same
// figures, 422 for bad dates, and the team alone. The figures themselves
// are checked against a hand count in models/analytics.
func TestAnalyticsInTheAPIAndThePage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bob := srv.User("Bob", "bob@example.com", models.RoleMember)
		first := mustIdea(t, srv, anna, "Brighter lights for winter")
		mustIdea(t, srv, bob, "A louder bell for busy streets")
		mustComment(t, srv, first.ID, tess, "Thanks, we are looking at it.")
		mustComment(t, srv, first.ID, bob, "Yes please")
		team := bearerClient(t, srv, tess)
		if r := apiCall(team, http.MethodPost, "/ideas/"+itoa(first.ID)+"/vote", ""); r.StatusCode != http.StatusOK {
			t.Fatalf("vote: %d", r.StatusCode)
		}

		raw := apiJSON[map[string]json.RawMessage](t, apiCall(team, http.MethodGet, "/analytics", ""), http.StatusOK)
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		want := "active_members answered_within_7_days_pct by_category by_source by_status by_week comments first_answer_hours_median from ideas to unanswered_over_30_days votes"
		if strings.Join(keys, " ") != want {
			t.Fatalf("keys %v", keys)
		}
		a := apiJSON[analyticsJSON](t, apiCall(team, http.MethodGet, "/analytics", ""), http.StatusOK)
		today := srv.Store.Now().UTC().Format("2006-01-02")
		if a.To != today || a.Ideas != 2 || a.Votes != 3 || a.Comments != 2 || a.ActiveMembers != 3 ||
			a.FirstAnswerHoursMedian == nil || *a.FirstAnswerHoursMedian != 0 || a.AnsweredWithin7DaysPct == nil ||
			*a.AnsweredWithin7DaysPct != 50 || a.UnansweredOver30Days != 0 {
			t.Fatalf("figures of the last 30 days: %+v", a)
		}
		weekIdeas, sourceVotes, statusIdeas := 0, 0, 0
		for _, w := range a.ByWeek {
			weekIdeas += w.Ideas
		}
		for _, s := range a.BySource {
			sourceVotes += s.Votes
		}
		for _, s := range a.ByStatus {
			statusIdeas += s.Ideas
		}
		if weekIdeas != 2 || sourceVotes != 3 || statusIdeas != 2 || len(a.BySource) != len(models.Sources) {
			t.Fatalf("the parts do not add up: %+v", a)
		}

		one := apiJSON[analyticsJSON](t, apiCall(team, http.MethodGet, "/analytics?from=2020-01-01&to=2020-01-31", ""), http.StatusOK)
		if one.Ideas != 0 || one.Votes != 0 || one.FirstAnswerHoursMedian != nil || one.AnsweredWithin7DaysPct != nil || len(one.ByWeek) != 5 {
			t.Fatalf("January 2020: %+v", one)
		}
		wantFields(t, apiCall(team, http.MethodGet, "/analytics?from=2026-13-01&to=yesterday", ""), "from", "to")
		wantFields(t, apiCall(team, http.MethodGet, "/analytics?from=2026-02-01&to=2026-01-01", ""), "from")
		wantStatus(t, apiCall(bearerClient(t, srv, anna), http.MethodGet, "/analytics", ""), http.StatusForbidden)
		wantStatus(t, apiCall(srv.Client(), http.MethodGet, "/analytics", ""), http.StatusUnauthorized)

		page := srv.SignedIn(tess).Get("/admin/analytics")
		wantStatus(t, page, http.StatusOK)
		d := page.Doc
		if got := d.Find("#figure-ideas").Text(); got != "2" {
			t.Fatalf("ideas on the page: %q", got)
		}
		if got := d.Find("#figure-within7").Text(); got != "50.0%" {
			t.Fatalf("answered within 7 days on the page: %q", got)
		}
		for _, id := range []string{"chart-weeks", "chart-categories", "chart-sources", "chart-statuses"} {
			svg := d.Find(`svg#` + id + `[role="img"]`)
			if svg.Length() != 1 || strings.TrimSpace(svg.Find("title#"+id+"-title").Text()) == "" || svg.Find("desc").Length() != 1 {
				t.Fatalf("%s is not an SVG chart with a title and a description", id)
			}
		}
		var barVotes int
		d.Find(`#chart-sources rect.bar.series-1[data-value]`).Each(func(_ int, s *goquery.Selection) {
			v, _ := s.Attr("data-value")
			barVotes += atoi(t, v)
		})
		var tableVotes int
		d.Find(`#table-sources tbody tr td:nth-of-type(2)`).Each(func(_ int, s *goquery.Selection) {
			tableVotes += atoi(t, s.Text())
		})
		if barVotes != 3 || tableVotes != 3 {
			t.Fatalf("votes by source: chart %d, table %d, want 3", barVotes, tableVotes)
		}
		if got := d.Find(`#table-statuses tr[data-status="open"] td`).Text(); got != "2" {
			t.Fatalf("open ideas in the table: %q", got)
		}
		if d.Find(`.unanswered`).Length() != 0 || d.Find(`#unanswered-title`).Length() != 1 {
			t.Fatal("the list of unanswered ideas is missing or not empty")
		}

		bad := srv.SignedIn(tess).Get("/admin/analytics?from=01-02-2026")
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if bad.Doc.Find(`#from-error`).Length() != 1 || bad.Doc.Find(`#from[aria-invalid="true"]`).Length() != 1 {
			t.Fatal("a bad date is not explained next to its field")
		}
		wantStatus(t, srv.SignedIn(anna).Get("/admin/analytics"), http.StatusForbidden)
	})
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return n
}
