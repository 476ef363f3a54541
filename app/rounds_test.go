package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// roundForm is the team's form to open a round, every question slot sent
// as the browser sends it; fields names what the test fills in.
func roundForm(fields url.Values) url.Values {
	form := url.Values{"title": {""}, "intro": {""}, "closes_at": {""}, "sample_size": {""}}
	for n := 1; n <= models.MaxRoundQuestions; n++ {
		form.Set(fmt.Sprintf("question_%d_kind", n), models.AskRating)
		form.Set(fmt.Sprintf("question_%d_prompt", n), "")
	}
	for k, v := range fields {
		form[k] = v
	}
	return form
}

var roundURL = regexp.MustCompile(`^/ideas/(\d+)/rounds/(\d+)$`)

// TestRoundPages: the team opens a round on a planned idea with its form;
// the voters are invited in their inbox and by email and find the round on
// the idea's page; they answer with a plain form, are told what is wrong,
// and change their answers; the team reads the responses and the summary
// and closes the round, after which the participants read the summary and
// anyone else only that it took place.
func TestRoundPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, sink := mailServer(t, dialect, "0s")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		catoUser := srv.User("Cato", "cato@example.com", models.RoleMember)
		team, anna, bram, cato, visitor := srv.SignedIn(tess), srv.SignedIn(annaUser), srv.SignedIn(bramUser), srv.SignedIn(catoUser), srv.Client()
		idea := mustIdea(t, srv, annaUser, "A lock that opens by phone")
		if _, _, err := srv.Store.Vote(ctx, idea.ID, bramUser.ID); err != nil {
			t.Fatal(err)
		}
		newPath := fmt.Sprintf("/ideas/%d/rounds/new", idea.ID)
		ideaPath := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)

		// An open idea takes no round: the form says so.
		r := team.Get(newPath)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".round-problem", 1)
		wantCount(t, r, "form.round-open-form", 0)
		wantCount(t, team.Get(ideaPath), "a.open-round", 0)
		closes := time.Now().UTC().Add(72 * time.Hour).Format("2006-01-02T15:04")
		good := roundForm(url.Values{"title": {"Try the prototype"}, "intro": {"Ride it for a *week*."}, "closes_at": {closes},
			"question_1_prompt": {"How easy was it?"}, "question_1_required": {"1"},
			"question_2_kind": {models.AskYesNo}, "question_2_prompt": {"Would you use it daily?"},
			"question_4_kind": {models.AskText}, "question_4_prompt": {"Anything else?"}})
		wantStatus(t, team.PostForm(fmt.Sprintf("/ideas/%d/rounds", idea.ID), good), http.StatusConflict)
		if _, err := srv.Store.SetStatus(ctx, idea.ID, tess, "planned", "Next spring."); err != nil {
			t.Fatal(err)
		}

		// The form: for the team, linked from the idea's page.
		wantCount(t, team.Get(ideaPath), fmt.Sprintf(`a.open-round[href="%s"]`, newPath), 1)
		wantCount(t, anna.Get(ideaPath), "a.open-round", 0)
		wantStatus(t, anna.Get(newPath), http.StatusForbidden)
		r = team.Get(newPath)
		wantCount(t, r, "form.round-open-form fieldset.question", models.MaxRoundQuestions)
		wantCount(t, r, `form.round-open-form select[name="question_1_kind"] option`, 3)

		// Bad forms keep what was typed and say what is wrong, by field.
		bad := roundForm(url.Values{"title": {"Kept title"}, "closes_at": {"next tuesday"},
			"question_3_kind": {"choice"}, "question_3_prompt": {"Which colour?"}})
		r = team.PostForm(fmt.Sprintf("/ideas/%d/rounds", idea.ID), bad)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#round-closes-at[aria-invalid="true"]`, 1)
		wantCount(t, r, `#round-title[value="Kept title"]`, 1)
		past := roundForm(url.Values{"title": {"Kept title"}, "closes_at": {"2020-01-01T10:00"}, "sample_size": {"0"},
			"question_3_kind": {"choice"}, "question_3_prompt": {"Which colour?"}})
		r = team.PostForm(fmt.Sprintf("/ideas/%d/rounds", idea.ID), past)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#question-3-error`, 1)
		wantCount(t, r, `#round-closes-at-error`, 1)
		wantCount(t, r, `#round-sample-size-error`, 1)

		r = team.PostForm(fmt.Sprintf("/ideas/%d/rounds", idea.ID), good)
		wantStatus(t, r, http.StatusSeeOther)
		path := r.Header.Get("Location")
		m := roundURL.FindStringSubmatch(path)
		if m == nil || m[1] != fmt.Sprint(idea.ID) {
			t.Fatalf("opened round at %q", path)
		}
		page := wantConfirmed(t, team, r, "The round is open and the voters are invited.")
		wantText(t, page, "h1", "Try the prototype")
		wantText(t, page, ".round-intro em", "week")
		wantText(t, page, ".round-counts", "0 of 2 invited answered")
		wantCount(t, page, "tr.response", 0)
		wantCount(t, page, fmt.Sprintf(`form.close-round[action="%s/close"]`, path), 1)

		// The voters hear of it by email and in the inbox, which leads to the round.
		// (Anna's may come in one email with the status change of her idea.)
		invitation := map[string]string{}
		for _, who := range []string{"anna@example.com", "bram@example.com"} {
			for deadline := time.Now().Add(20 * time.Second); invitation[who] == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
				for _, mail := range sink.To(who) {
					if strings.Contains(mail.Text, srv.URL+path) && strings.Contains(mail.Text, "Tess asks for your feedback on “A lock that opens by phone”") {
						invitation[who] = mail.Subject
					}
				}
			}
			if invitation[who] == "" {
				t.Errorf("no invitation to %s with a link to the round", who)
			}
		}
		if got := invitation["bram@example.com"]; got != "“A lock that opens by phone”: the team asks for your feedback" {
			t.Errorf("Bram's invitation: %q", got)
		}
		if got := len(sink.To("cato@example.com")) + len(sink.To("tess@example.com")); got != 0 {
			t.Errorf("%d invitations to members who did not vote", got)
		}
		inbox := anna.Get("/me/notifications")
		link, ok := inbox.Doc.Find(`li.notification[data-kind="round_invite"] a.notification-link`).Attr("href")
		if !ok {
			t.Fatalf("no invitation in Anna's inbox")
		}
		r = anna.Get(link)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != path {
			t.Fatalf("the invitation leads to %d %q, want %s", r.StatusCode, r.Header.Get("Location"), path)
		}

		// On the idea's page, the invitation is for the participants: a
		// page without it, rendered for Cato, is not shared with Bram.
		wantCount(t, cato.Get(ideaPath), ".idea-rounds", 0)
		wantCount(t, bram.Get(ideaPath), fmt.Sprintf(`.idea-rounds li.round-invite a.round-link[href="%s"]`, path), 1)
		wantCount(t, anna.Get(ideaPath), fmt.Sprintf(`.idea-rounds li.round-invite a.round-link[href="%s"]`, path), 1)
		wantCount(t, visitor.Get(ideaPath), ".idea-rounds", 0)
		// An open round is not there for anyone else.
		wantStatus(t, cato.Get(path), http.StatusNotFound)
		wantStatus(t, visitor.Get(path), http.StatusNotFound)
		wantStatus(t, anna.Get(fmt.Sprintf("/ideas/%d/rounds/%s", mustIdea(t, srv, annaUser, "Another idea").ID, m[2])), http.StatusNotFound)

		// The questionnaire: a plain form.
		r = anna.Get(path)
		wantCount(t, r, fmt.Sprintf(`form.round-form[action="%s"] fieldset.round-question`, path), 3)
		wantCount(t, r, `input[type="radio"][name="answer_1"]`, 5)
		wantCount(t, r, `input[type="radio"][name="answer_2"]`, 2)
		wantCount(t, r, `textarea[name="answer_3"]`, 1)
		wantCount(t, r, ".round-summary", 0)
		r = anna.PostForm(path, url.Values{"answer_1": {"9"}, "answer_3": {"Kept words"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#answer-1-error", 1)
		wantText(t, r, `textarea[name="answer_3"]`, "Kept words")
		r = anna.PostForm(path, url.Values{"answer_2": {"yes"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#answer-1-error", 1) // required
		r = anna.PostForm(path, url.Values{"answer_1": {"5"}, "answer_2": {"yes"}, "answer_3": {"Opens fast"}})
		page = wantConfirmed(t, anna, r, "Your answers are saved. Thank you!")
		wantCount(t, page, "p.answered", 1)
		r = anna.PostForm(path, url.Values{"answer_1": {"4"}, "answer_2": {"yes"}, "answer_3": {"Opens fast"}})
		page = wantConfirmed(t, anna, r, "Your answers are saved. Thank you!")
		wantCount(t, page, `input[name="answer_1"][value="4"][checked]`, 1)
		wantCount(t, page, `input[name="answer_2"][value="yes"][checked]`, 1)
		wantCount(t, anna.Get(ideaPath), ".idea-rounds li.round-invite", 1)
		bram.Get(path)
		wantStatus(t, bram.PostForm(path, url.Values{"answer_1": {"2"}, "answer_2": {"no"}}), http.StatusSeeOther)
		// Someone not invited cannot answer.
		cato.Get("/")
		wantStatus(t, cato.PostForm(path, url.Values{"answer_1": {"1"}}), http.StatusNotFound)
		r = team.PostForm(path, url.Values{"answer_1": {"1"}})
		wantStatus(t, r, http.StatusConflict)
		wantCount(t, r, ".round-problem", 1)

		// The team reads every response and the summary.
		r = team.Get(path)
		wantCount(t, r, "tr.response", 2)
		wantText(t, r, `.summary-question[data-kind="rating"] .summary-average`, "3.00")
		wantText(t, r, `.summary-question[data-kind="rating"] tr[data-rating="4"] td`, "1")
		wantText(t, r, `.summary-question[data-kind="yesno"] dd.yes`, "1")
		wantText(t, r, `.summary-question[data-kind="text"] .summary-texts li`, "Opens fast")

		// Closing: the team, once; then the participants read the summary.
		page = wantConfirmed(t, team, team.PostForm(path+"/close", nil), "The round is closed.")
		wantCount(t, page, "form.close-round", 0)
		r = team.PostForm(path+"/close", nil)
		wantStatus(t, r, http.StatusConflict)
		wantCount(t, r, ".round-problem", 1)
		wantStatus(t, anna.PostForm(path+"/close", nil), http.StatusForbidden)
		r = anna.PostForm(path, url.Values{"answer_1": {"1"}})
		wantStatus(t, r, http.StatusConflict)
		r = anna.Get(path)
		wantCount(t, r, "form.round-form", 0)
		wantText(t, r, `.my-answers dd[data-position="2"]`, "Yes")
		wantText(t, r, `.summary-question[data-kind="yesno"] dd.no`, "1")
		// The participants hear that the summary is there.
		waitFannedOut(t, srv)
		wantCount(t, anna.Get("/me/notifications"), `li.notification[data-kind="round_closed"]`, 1)
		// Anyone else sees that it took place, not what was said.
		r = cato.Get(path)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".round-summary", 0)
		wantCount(t, r, ".summary-private", 1)
		wantText(t, r, ".round-counts", "2 of 2 invited answered")
		wantCount(t, visitor.Get(ideaPath), fmt.Sprintf(`.idea-rounds li.round-item a.round-link[href="%s"]`, path), 1)
	})
}

// apiRound is a round as the API gives it.
type apiRound struct {
	ID           int64   `json:"id"`
	IdeaID       int64   `json:"idea_id"`
	Title        string  `json:"title"`
	Status       string  `json:"status"`
	ClosesAt     string  `json:"closes_at"`
	ClosedAt     *string `json:"closed_at"`
	SampleSize   *int    `json:"sample_size"`
	Participants int64   `json:"participants"`
	Responses    int64   `json:"responses"`
	Invited      bool    `json:"invited"`
	URL          string  `json:"url"`
	Questions    []struct {
		Position int    `json:"position"`
		Kind     string `json:"kind"`
		Required bool   `json:"required"`
	} `json:"questions"`
	Response *struct {
		Answers map[string]string `json:"answers"`
	} `json:"response"`
	Summary []struct {
		Position int      `json:"position"`
		Count    int      `json:"count"`
		Average  *float64 `json:"average"`
		Ratings  *[5]int  `json:"ratings"`
		Yes      *int     `json:"yes"`
		No       *int     `json:"no"`
		Texts    []string `json:"texts"`
	} `json:"summary"`
}

// TestRoundsAPI: the team opens a round on a planned idea for a sample of
// one voter; the one drawn reads it and answers, the other finds nothing;
// every bad input is a 422 naming its field; the team reads the responses
// and closes the round, after which answers are refused and the
// participant reads the summary.
func TestRoundsAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		team, anna, bram, visitor := bearerClient(t, srv, tess), bearerClient(t, srv, annaUser), bearerClient(t, srv, bramUser), srv.Client()
		idea := mustIdea(t, srv, annaUser, "A lock that opens by phone")
		if _, _, err := srv.Store.Vote(ctx, idea.ID, bramUser.ID); err != nil {
			t.Fatal(err)
		}
		create := fmt.Sprintf("/ideas/%d/rounds", idea.ID)
		closes := time.Now().UTC().Add(72 * time.Hour).Format(time.RFC3339)
		body := `{"title":"Try the prototype","intro":"Ride it.","closes_at":"` + closes + `","sample_size":1,"questions":[
			{"kind":"rating","prompt":"How easy was it?","required":true},{"kind":"yesno","prompt":"Would you keep it?"},{"kind":"text","prompt":"Anything else?"}]}`

		wantConflict(t, apiCall(team, http.MethodPost, create, body), "A feedback round opens only on an idea that is planned or in progress.")
		if _, err := srv.Store.SetStatus(ctx, idea.ID, tess, "planned", "Next spring."); err != nil {
			t.Fatal(err)
		}
		wantAPIError(t, apiCall(visitor, http.MethodPost, create, body), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(anna, http.MethodPost, create, body), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(team, http.MethodPost, create, `{"title":`), http.StatusBadRequest, "malformed")
		wantFields(t, apiCall(team, http.MethodPost, create, `{}`), "closes_at", "questions", "title")
		wantFields(t, apiCall(team, http.MethodPost, create, `{"title":"T","closes_at":"tomorrow","questions":[{"kind":"rating","prompt":"?"}]}`), "closes_at")
		wantFields(t, apiCall(team, http.MethodPost, create, `{"title":"T","closes_at":"2020-01-01T00:00:00Z","sample_size":0,
			"questions":[{"kind":"choice","prompt":"?"}]}`), "closes_at", "questions.1", "sample_size")
		wantFields(t, apiCall(team, http.MethodPost, create, `{"title":7}`), "title")
		wantAPIError(t, apiCall(team, http.MethodPost, "/ideas/999999/rounds", body), http.StatusNotFound, "not_found")

		r := apiCall(team, http.MethodPost, create, body)
		round := apiJSON[apiRound](t, r, http.StatusCreated)
		wantKeys(t, r.Body, []string{"closed_at", "closes_at", "created_at", "id", "idea_id", "intro", "intro_html", "invited",
			"participants", "questions", "responses", "sample_size", "status", "summary", "title", "url"})
		if round.Status != "open" || round.Participants != 1 || *round.SampleSize != 1 || len(round.Questions) != 3 ||
			!round.Questions[0].Required || round.Questions[1].Kind != "yesno" || round.URL != fmt.Sprintf("%s/ideas/%d/rounds/%d", srv.URL, idea.ID, round.ID) {
			t.Fatalf("opened %+v", round)
		}
		if round.ClosesAt != closes {
			t.Errorf("closes_at %q, want %q", round.ClosesAt, closes)
		}
		path := fmt.Sprintf("/rounds/%d", round.ID)

		// The one drawn reads it; the other, and visitors, find nothing.
		in, out := anna, bram
		if apiCall(anna, http.MethodGet, path, "").StatusCode == http.StatusNotFound {
			in, out = bram, anna
		}
		r = apiCall(in, http.MethodGet, path, "")
		mine := apiJSON[apiRound](t, r, http.StatusOK)
		wantKeys(t, r.Body, []string{"closed_at", "closes_at", "created_at", "id", "idea_id", "intro", "intro_html", "invited",
			"participants", "questions", "responses", "sample_size", "status", "title", "url"})
		if !mine.Invited || len(mine.Questions) != 3 {
			t.Fatalf("the participant's round %+v", mine)
		}
		wantAPIError(t, apiCall(out, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(visitor, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		if list := apiJSON[struct{ Rounds []apiRound }](t, apiCall(visitor, http.MethodGet, create, ""), http.StatusOK); len(list.Rounds) != 0 {
			t.Fatalf("a visitor lists %+v", list)
		}
		if list := apiJSON[struct{ Rounds []apiRound }](t, apiCall(team, http.MethodGet, create, ""), http.StatusOK); len(list.Rounds) != 1 {
			t.Fatalf("the team lists %+v", list)
		}
		wantAPIError(t, apiCall(team, http.MethodGet, "/ideas/999999/rounds", ""), http.StatusNotFound, "not_found")

		// Answers: validated, by question position; changed at will while open.
		respond := path + "/response"
		wantAPIError(t, apiCall(visitor, http.MethodPut, respond, `{"answers":{"1":4}}`), http.StatusUnauthorized, "unauthorized")
		wantFields(t, apiCall(in, http.MethodPut, respond, `{}`), "answers")
		wantFields(t, apiCall(in, http.MethodPut, respond, `{"answers":{"1":6}}`), "answers.1")
		wantFields(t, apiCall(in, http.MethodPut, respond, `{"answers":{"1":4.5}}`), "answers.1")
		wantFields(t, apiCall(in, http.MethodPut, respond, `{"answers":{"2":"maybe"}}`), "answers.1", "answers.2")
		wantFields(t, apiCall(in, http.MethodPut, respond, `{"answers":{"one":4}}`), "answers")
		wantFields(t, apiCall(in, http.MethodPut, respond, `{"answers":{"1":4,"7":"x"}}`), "answers")
		wantAPIError(t, apiCall(out, http.MethodPut, respond, `{"answers":{"1":4}}`), http.StatusNotFound, "not_found")
		wantConflict(t, apiCall(team, http.MethodPut, respond, `{"answers":{"1":4}}`), "You were not invited to this round: it asks a sample of the idea's voters.")
		apiJSON[apiRound](t, apiCall(in, http.MethodPut, respond, `{"answers":{"1":2,"2":false}}`), http.StatusOK)
		mine = apiJSON[apiRound](t, apiCall(in, http.MethodPut, respond, `{"answers":{"1":4,"2":true,"3":"Fine"}}`), http.StatusOK)
		if mine.Response == nil || mine.Response.Answers["1"] != "4" || mine.Response.Answers["2"] != "yes" || mine.Response.Answers["3"] != "Fine" ||
			mine.Responses != 1 || mine.Summary != nil {
			t.Fatalf("after answering %+v", mine)
		}

		// The team's read of the responses.
		responses := path + "/responses"
		wantAPIError(t, apiCall(in, http.MethodGet, responses, ""), http.StatusForbidden, "forbidden")
		r = apiCall(team, http.MethodGet, responses, "")
		list := apiJSON[struct {
			Responses []struct {
				User    struct{ ID int64 }
				Answers map[string]string
			}
		}](t, r, http.StatusOK)
		if len(list.Responses) != 1 || list.Responses[0].Answers["2"] != "yes" {
			t.Fatalf("responses %s", r.Body)
		}

		// Closing: once, by the team; then no more answers.
		wantAPIError(t, apiCall(in, http.MethodPut, path+"/close", ""), http.StatusForbidden, "forbidden")
		closed := apiJSON[apiRound](t, apiCall(team, http.MethodPut, path+"/close", ""), http.StatusOK)
		if closed.Status != "closed" || closed.ClosedAt == nil {
			t.Fatalf("closed %+v", closed)
		}
		wantConflict(t, apiCall(team, http.MethodPut, path+"/close", ""), "The round is closed: it takes no answers, and closes only once.")
		wantConflict(t, apiCall(in, http.MethodPut, respond, `{"answers":{"1":1}}`), "The round is closed: it takes no answers, and closes only once.")

		// Closed: the participant reads the summary; others that it took place.
		mine = apiJSON[apiRound](t, apiCall(in, http.MethodGet, path, ""), http.StatusOK)
		if len(mine.Summary) != 3 || *mine.Summary[0].Average != 4 || *mine.Summary[0].Ratings != [5]int{0, 0, 0, 1, 0} ||
			*mine.Summary[1].Yes != 1 || *mine.Summary[1].No != 0 || len(mine.Summary[2].Texts) != 1 {
			t.Fatalf("the participant's summary %+v", mine.Summary)
		}
		r = apiCall(visitor, http.MethodGet, path, "")
		apiJSON[apiRound](t, r, http.StatusOK)
		wantKeys(t, r.Body, []string{"closed_at", "closes_at", "created_at", "id", "idea_id", "intro", "intro_html", "invited",
			"participants", "responses", "sample_size", "status", "title", "url"})
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/rounds/nope", ""), http.StatusNotFound, "not_found")
	})
}
