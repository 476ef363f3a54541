package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// campaignJSON is a campaign as the API answers it.
type campaignJSON struct {
	ID         int64   `json:"id"`
	Slug       string  `json:"slug"`
	Title      string  `json:"title"`
	BriefHTML  string  `json:"brief_html"`
	Phase      string  `json:"phase"`
	NextPhase  *string `json:"next_phase"`
	Budget     int     `json:"budget"`
	MaxPerIdea int     `json:"max_per_idea"`
	Sealed     bool    `json:"sealed"`
	VotingOpen *string `json:"voting_opens_at"`
	Categories []string
	Questions  []struct {
		Position int      `json:"position"`
		Kind     string   `json:"kind"`
		Choices  []string `json:"choices"`
		Required bool     `json:"required"`
	} `json:"questions"`
	History []struct {
		Phase string `json:"phase"`
	} `json:"history"`
	URL    string             `json:"url"`
	Ideas  []campaignIdeaJSON `json:"ideas"`
	Points *struct {
		Budget, Spent, Left int
	} `json:"points"`
}

// campaignIdeaJSON is an idea of a campaign as the API lists it.
type campaignIdeaJSON struct {
	ID      int64 `json:"id"`
	Tally   *int  `json:"tally"`
	Mine    int   `json:"mine"`
	Answers []struct {
		Position int    `json:"position"`
		Answer   string `json:"answer"`
	} `json:"answers"`
}

var campaignKeys = []string{"brief", "brief_html", "budget", "categories", "history", "id", "ideas", "image", "max_per_idea", "next_move_at", "next_phase",
	"phase", "questions", "results", "revealed_at", "sealed", "slug", "submission_closes_at", "submission_opens_at", "title", "url",
	"voting_closes_at", "voting_opens_at"}

func apiCampaign(t *testing.T, r *apptest.Response, status int, keys ...string) campaignJSON {
	t.Helper()
	raw := apiJSON[json.RawMessage](t, r, status)
	want := append(append([]string{}, campaignKeys...), keys...)
	slices.Sort(want)
	wantKeys(t, raw, want)
	var out campaignJSON
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCampaignsThroughTheAPI: the team drafts a campaign with questions and a
// budget, which nobody else sees; opens it; members submit ideas with their
// answers and, once voting opens, spend points within their budget (twenty
// requests at once end at exactly the budget); votes on its ideas are
// refused; bad input gets the JSON error shape, never a 500.
func TestCampaignsThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		team, member, other, visitor := bearerClient(t, srv, tess), bearerClient(t, srv, anna), bearerClient(t, srv, bram), srv.Client()

		body := `{"title":"How should the next lock work?","brief":"Tell us **how** you park.","budget":10,"max_per_idea":3,
			"voting_opens_at":"2099-03-01T09:00:00+01:00","categories":[],
			"questions":[{"kind":"choice","prompt":"Where do you park?","choices":["Street","Shed"],"required":true},
				{"kind":"number","prompt":"How many locks?"}]}`
		wantAPIError(t, apiCall(visitor, http.MethodPost, "/campaigns", body), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(member, http.MethodPost, "/campaigns", body), http.StatusForbidden, "forbidden")
		for _, bad := range []struct{ body, field string }{
			{`{"brief":"no title"}`, "title"},
			{`{"title":"Bad date","voting_opens_at":"tomorrow"}`, "voting_opens_at"},
			{`{"title":"Bad order","voting_opens_at":"2099-03-02T00:00:00Z","voting_closes_at":"2099-03-01T00:00:00Z"}`, "dates"},
			{`{"title":"Bad budget","budget":-1}`, "budget"},
			{`{"title":"Budget as text","budget":"ten"}`, "budget"},
			{`{"title":"Bad kind","questions":[{"kind":"essay","prompt":"Why?"}]}`, "questions.1"},
			{`{"title":"Bad slug","slug":"Not A Slug"}`, "slug"},
			{`{"title":"No such category","categories":["nope"]}`, "categories"},
			{`{"title":"Nul\u0000byte"}`, "title"},
		} {
			wantInvalidField(t, apiCall(team, http.MethodPost, "/campaigns", bad.body), bad.field)
		}
		wantAPIError(t, apiCall(team, http.MethodPost, "/campaigns", `{"title":`), http.StatusBadRequest, "malformed")

		draft := apiCampaign(t, apiCall(team, http.MethodPost, "/campaigns", body), http.StatusCreated, "points")
		if draft.Slug != "how-should-the-next-lock-work" || draft.Phase != "draft" || draft.NextPhase == nil || *draft.NextPhase != "submission" ||
			draft.BriefHTML != "<p>Tell us <strong>how</strong> you park.</p>\n" || len(draft.Questions) != 2 || !draft.Questions[0].Required ||
			draft.Questions[1].Choices == nil || draft.VotingOpen == nil || *draft.VotingOpen != "2099-03-01T08:00:00Z" ||
			draft.URL != srv.URL+"/campaigns/"+draft.Slug || draft.Points == nil || draft.Points.Left != 10 {
			t.Fatalf("draft %+v", draft)
		}
		path := "/campaigns/" + draft.Slug
		wantAPIError(t, apiCall(visitor, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(member, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		if list := apiJSON[struct{ Campaigns []campaignJSON }](t, apiCall(member, http.MethodGet, "/campaigns", ""), http.StatusOK); len(list.Campaigns) != 0 {
			t.Fatalf("a member lists the draft: %+v", list)
		}

		// Ideas enter only while the campaign takes them, with its answers.
		idea := func(c *apptest.Client, title, answers string) *apptest.Response {
			return apiCall(c, http.MethodPost, "/ideas", fmt.Sprintf(`{"title":%q,"campaign":%q,"answers":%s}`, title, draft.Slug, answers))
		}
		wantAPIError(t, idea(member, "A lock that knows my phone", `{"1":"Shed"}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(team, http.MethodPut, path+"/phase", `{"phase":"voting"}`), http.StatusConflict, "conflict")
		wantAPIError(t, apiCall(team, http.MethodPut, path+"/phase", `{}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(member, http.MethodPut, path+"/phase", `{"phase":"submission"}`), http.StatusForbidden, "forbidden")
		open := apiCampaign(t, apiCall(team, http.MethodPut, path+"/phase", `{"phase":"submission"}`), http.StatusOK, "points")
		if open.Phase != "submission" || len(open.History) != 2 {
			t.Fatalf("opened %+v", open)
		}
		for _, bad := range []struct{ answers, field string }{
			{`{"2":"3"}`, "answers.1"},
			{`{"1":"Garage"}`, "answers.1"},
			{`{"1":"Shed","2":"three"}`, "answers.2"},
			{`{"x":"Shed"}`, "answers"},
			{`{"1":4}`, "answers"},
		} {
			wantInvalidField(t, idea(member, "A lock that knows my phone", bad.answers), bad.field)
		}
		var ideas []int64
		for i, c := range []*apptest.Client{member, other, member, other} {
			created := apiJSON[struct{ ID int64 }](t, idea(c, fmt.Sprintf("Lock idea number %d", i), `{"1":"Street","2":"2"}`), http.StatusCreated)
			ideas = append(ideas, created.ID)
		}
		// The team records a customer's idea for the campaign, answers and all.
		recorded := apiJSON[struct{ ID int64 }](t, apiCall(team, http.MethodPost, "/ideas", fmt.Sprintf(`{"title":"A lock for the school run",
			"campaign":%q,"answers":{"1":"Shed"},"on_behalf_of":{"email":"carla@example.com","name":"Carla"},"source":"email"}`, draft.Slug)), http.StatusCreated)
		wantInvalidField(t, apiCall(team, http.MethodPost, "/ideas", fmt.Sprintf(`{"title":"A lock without answers",
			"campaign":%q,"on_behalf_of":{"email":"carla@example.com","name":"Carla"},"source":"email"}`, draft.Slug)), "answers.1")
		first := fmt.Sprintf("/ideas/%d", ideas[0])
		wantAPIError(t, apiCall(member, http.MethodPatch, first, `{"campaign":"other"}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(other, http.MethodPut, first+"/points", `{"points":1}`), http.StatusConflict, "conflict")

		// Voting: points, not votes; the budget holds.
		apiCampaign(t, apiCall(team, http.MethodPut, path+"/phase", `{"phase":"voting"}`), http.StatusOK, "points")
		wantAPIError(t, apiCall(other, http.MethodPost, first+"/vote", ""), http.StatusConflict, "conflict")
		wantAPIError(t, apiCall(visitor, http.MethodPut, first+"/points", `{"points":1}`), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(other, http.MethodPut, first+"/points", `{"points":4}`), http.StatusConflict, "conflict")
		wantAPIError(t, apiCall(other, http.MethodPut, first+"/points", `{"points":-1}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(other, http.MethodPut, first+"/points", `{}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(other, http.MethodPut, "/ideas/999999/points", `{"points":1}`), http.StatusNotFound, "not_found")
		spent := apiJSON[struct{ Budget, Spent, Left, Mine int }](t, apiCall(other, http.MethodPut, first+"/points", `{"points":3}`), http.StatusOK)
		if spent.Spent != 3 || spent.Left != 7 || spent.Mine != 3 {
			t.Fatalf("spent %+v", spent)
		}

		// Anna's twenty requests at once, three points each on one of four
		// ideas: three ideas get them, and the five requests for whichever
		// idea comes last are refused, with one point of her ten left.
		var wg sync.WaitGroup
		var mu sync.Mutex
		refused := 0
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := apiCall(member, http.MethodPut, fmt.Sprintf("/ideas/%d/points", ideas[i%4]), `{"points":3}`)
				mu.Lock()
				defer mu.Unlock()
				switch r.StatusCode {
				case http.StatusConflict:
					refused++
				case http.StatusOK:
				default:
					t.Errorf("spend %d: %d %s", i, r.StatusCode, r.Body)
				}
			}()
		}
		wg.Wait()
		if refused != 5 {
			t.Fatalf("%d requests refused, want the 5 for the fourth idea", refused)
		}
		seen := apiCampaign(t, apiCall(member, http.MethodGet, path, ""), http.StatusOK, "points")
		if len(seen.Ideas) != 5 || !slices.ContainsFunc(seen.Ideas, func(i campaignIdeaJSON) bool { return i.ID == recorded.ID && len(i.Answers) == 1 }) {
			t.Fatalf("the campaign's ideas %+v, want the customer's %d among them", seen.Ideas, recorded.ID)
		}
		mine := 0
		for _, i := range seen.Ideas {
			if i.ID == recorded.ID {
				continue
			}
			mine += i.Mine
			if i.Tally == nil || i.Mine > 3 {
				t.Fatalf("an idea as Anna sees it: %+v", i)
			}
			if len(i.Answers) != 2 || i.Answers[0].Answer != "Street" || i.Answers[1].Position != 2 {
				t.Fatalf("answers %+v", i.Answers)
			}
		}
		if seen.Points == nil || seen.Points.Spent != mine || mine != 9 || seen.Points.Left != 1 {
			t.Fatalf("Anna's points %+v, the ideas say %d", seen.Points, mine)
		}
		// The idea's page names its campaign and answers, and offers no vote
		// where the campaign takes points; nor does the board.
		stored, err := srv.Store.Idea(context.Background(), ideas[0], nil)
		if err != nil {
			t.Fatal(err)
		}
		browser := srv.SignedIn(bram)
		page := browser.Get(fmt.Sprintf("/ideas/%d/%s", stored.ID, stored.Slug))
		wantStatus(t, page, http.StatusOK)
		wantCount(t, page, `.idea-campaign a[href="/campaigns/`+draft.Slug+`"]`, 2)
		wantText(t, page, ".campaign-answers dd", "Street")
		// A campaign of points: its ideas lead to their place on the
		// campaign's page instead of a vote button.
		wantCount(t, page, `.vote a.points-link[href="/campaigns/`+draft.Slug+`#idea-`+itoa(stored.ID)+`"]`, 1)
		wantCount(t, page, ".vote-button[disabled], form[action$=\"/vote\"]", 0)
		board := browser.Get("/?sort=new")
		wantStatus(t, board, http.StatusOK)
		if n := board.Doc.Find(".vote a.points-link").Length(); n != 5 {
			t.Fatalf("%d links to give points on the board, want the campaign's 5", n)
		}
		if visitorView := apiCampaign(t, apiCall(visitor, http.MethodGet, path, ""), http.StatusOK); visitorView.Points != nil {
			t.Fatalf("a visitor has points: %+v", visitorView.Points)
		}
		if r := apiCall(team, http.MethodPatch, path, `{"title":"How should the next lock work, really?"}`); !strings.Contains(string(r.Body), "really?") {
			t.Fatalf("renamed: %d %s", r.StatusCode, r.Body)
		}
		wantAPIError(t, apiCall(team, http.MethodPatch, path, `{"budget":20}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(team, http.MethodGet, "/campaigns/nope", ""), http.StatusNotFound, "not_found")

		// Results: drafted in review for the team's eyes, public once published.
		decide := func(id int64, body string) *apptest.Response {
			return apiCall(team, http.MethodPut, fmt.Sprintf("%s/results/%d", path, id), body)
		}
		wantAPIError(t, decide(ideas[1], `{"decision":"chosen","answer":"Yes."}`), http.StatusConflict, "conflict")
		apiCampaign(t, apiCall(team, http.MethodPut, path+"/phase", `{"phase":"review"}`), http.StatusOK, "points")
		wantAPIError(t, apiCall(member, http.MethodPut, fmt.Sprintf("%s/results/%d", path, ideas[1]), `{"decision":"chosen","answer":"Yes."}`), http.StatusForbidden, "forbidden")
		wantInvalidField(t, decide(ideas[1], `{"answer":"Yes."}`), "decision")
		wantInvalidField(t, decide(ideas[1], `{"decision":"maybe","answer":"Yes."}`), "decision")
		wantInvalidField(t, decide(ideas[1], `{"decision":"chosen"}`), "answer")
		wantInvalidField(t, decide(ideas[1], `{"decision":"chosen","answer":12}`), "answer")
		decided := apiJSON[struct {
			Results []struct {
				IdeaID     int64  `json:"idea_id"`
				Decision   string `json:"decision"`
				AnswerHTML string `json:"answer_html"`
			}
		}](t, decide(ideas[1], `{"decision":"chosen","answer":"We build **this** one."}`), http.StatusOK)
		if len(decided.Results) != 1 || decided.Results[0].IdeaID != ideas[1] || decided.Results[0].AnswerHTML != "<p>We build <strong>this</strong> one.</p>\n" {
			t.Fatalf("results %+v", decided.Results)
		}
		decide(ideas[2], `{"decision":"declined","answer":"Not now."}`)
		wantStatus(t, apiCall(team, http.MethodDelete, fmt.Sprintf("%s/results/%d", path, ideas[2]), ""), http.StatusNoContent)
		if r := apiJSON[struct{ Results []json.RawMessage }](t, apiCall(member, http.MethodGet, path, ""), http.StatusOK); len(r.Results) != 0 {
			t.Fatalf("a member reads the draft results: %s", r.Results)
		}
		apiCampaign(t, apiCall(team, http.MethodPut, path+"/phase", `{"phase":"results"}`), http.StatusOK, "points")
		if r := apiJSON[struct{ Results []json.RawMessage }](t, apiCall(visitor, http.MethodGet, path, ""), http.StatusOK); len(r.Results) != 1 {
			t.Fatalf("a visitor reads %d results, want 1", len(r.Results))
		}
	})
}
