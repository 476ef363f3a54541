package app_test

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserCampaignRound runs a whole campaign in Chromium: the team
// drafts a sealed campaign of points with one required question and opens
// it; three members each submit an idea through its page with their answer;
// in its voting phase they spend their points with the form that needs no
// JavaScript, one of them refused past the most one idea takes, and nobody
// sees a tally nor an order by points; the move to review reveals the
// tallies, the winner first; the team decides on two ideas and publishes
// the results, which a visitor reads with the chosen idea first. Then a
// prototype round for the winner collects feedback from its voters: the
// team plans it and opens a round, two of those asked answer (one refused
// first without the required rating), the team reads the responses and the
// summary and closes the round, and a participant reads the summary.
func TestBrowserCampaignRound(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	bram := srv.User("Bram", "bram@example.com", models.RoleMember)
	cas := srv.User("Cas", "cas@example.com", models.RoleMember)
	tab := newBrowserFor(t, 5*time.Minute)

	const (
		title    = "How should the next lock work?"
		prompt   = "Where does your bike spend the night?"
		sealedIs = "The counts stay hidden until voting closes."
	)
	open := func(path string) {
		t.Helper()
		resp := step(t, tab, "open "+path, chromedp.NavigateResponse(srv.URL+path))
		if resp.Status != http.StatusOK {
			t.Fatalf("GET %s answered %d", path, resp.Status)
		}
	}
	text := func(selector string) string {
		t.Helper()
		return strings.TrimSpace(step(t, tab, "read "+selector, chromedp.Text(chromedp.CSS(selector))))
	}
	count := func(selector string) int {
		t.Helper()
		return step(t, tab, "count "+selector, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, selector)))
	}
	wantText := func(selector, want string) {
		t.Helper()
		if got := text(selector); got != want {
			t.Fatalf("%s reads %q, want %q", selector, got, want)
		}
	}
	// listed is the ideas the campaign's page lists, by id, in its order.
	listed := func() []string {
		t.Helper()
		return step(t, tab, "read the ideas listed", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll("ol.campaign-idea-list li.campaign-idea")).map(li => li.dataset.id)`))
	}
	signOut := func() {
		t.Helper()
		if _, err := chromedp.Call(tab, network.DeleteCookies, network.DeleteCookiesParams{Name: "samen_session", URL: srv.URL}); err != nil {
			t.Fatalf("delete the session cookie: %v", err)
		}
	}
	// move presses the editor's button that moves the campaign on, and
	// checks that it moved to the phase named.
	move := func(slug, phase, name string) {
		t.Helper()
		open("/admin/campaigns/" + slug)
		wantText("form.move-form button[type=submit]", "Move to "+name)
		resp := clickAndWait(t, tab, "form.move-form button[type=submit]")
		if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/admin/campaigns/"+slug) {
			t.Fatalf("moving to %s: %d %s", phase, resp.Status, resp.URL)
		}
		wantFlash(t, tab, "The campaign moved on to its next phase.")
		wantText(".current-phase .badge.phase", name)
		if n := count(`.phase-history li[data-phase="` + phase + `"]`); n != 1 {
			t.Fatalf("the history lists the %s phase %d times", phase, n)
		}
	}

	// 1. The team drafts a sealed campaign of 10 points, at most 3 on one
	// idea, with one required question, and opens it for ideas.
	signInBrowser(t, tab, srv, tess)
	open("/admin/campaigns")
	step(t, tab, "type the title", chromedp.SendKeys(chromedp.CSS("input#campaign-title"), title))
	step(t, tab, "type the brief", chromedp.SendKeys(chromedp.CSS("textarea#campaign-brief"),
		"Tell us how you **lock** your bike.\n\n- at home\n- at work"))
	step(t, tab, "set the budget", chromedp.SetValue(chromedp.CSS("input#campaign-budget"), "10"))
	step(t, tab, "set the most per idea", chromedp.SetValue(chromedp.CSS("input#campaign-max-per-idea"), "3"))
	step(t, tab, "tick Sealed tallies", chromedp.Click(chromedp.CSS(`input#campaign-sealed[type="checkbox"][name="sealed"]`)))
	step(t, tab, "choose a short text", chromedp.SetValue(chromedp.CSS("select#question-1-kind"), models.QuestionText))
	step(t, tab, "type the question", chromedp.SendKeys(chromedp.CSS("input#question-1-prompt"), prompt))
	step(t, tab, "require an answer", chromedp.Click(chromedp.CSS(`#question-1 input[name="question_1_required"]`)))
	screenshot(t, tab, "new-campaign")
	resp := clickAndWait(t, tab, "form.campaign-form .form-actions button.primary")
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/admin/campaigns/") {
		t.Fatalf("after saving the draft: %d %s", resp.Status, resp.URL)
	}
	slug := resp.URL[strings.LastIndex(resp.URL, "/")+1:]
	if slug != "how-should-the-next-lock-work" {
		t.Fatalf("the campaign's address ends in %q", slug)
	}
	wantFlash(t, tab, "The campaign is saved.")
	wantText(".current-phase .badge.phase", "Draft")
	saved := step(t, tab, "read the saved form", chromedp.Evaluate[[]string](`[
		document.querySelector("#campaign-budget").value,
		document.querySelector("#campaign-max-per-idea").value,
		String(document.querySelector("#campaign-sealed").checked),
		document.querySelector("#question-1-prompt").value,
		String(document.querySelector('#question-1 input[name="question_1_required"]').checked)]`))
	if want := []string{"10", "3", "true", prompt, "true"}; !slices.Equal(saved, want) {
		t.Fatalf("the saved draft reads budget, most per idea, sealed, question, required = %q, want %q", saved, want)
	}
	move(slug, "submission", "Submission")
	screenshot(t, tab, "submission")

	// 2. Three members each submit an idea through the campaign's page.
	type submission struct {
		member      *models.User
		title, body string
		answer, id  string
	}
	subs := []*submission{
		{member: anna, title: "A lock that lives in the frame", body: "No more **carrying** it around.", answer: "In the shed behind our flat"},
		{member: bram, title: "A lock that opens when my phone is near", body: "It knows me, so I never look for a key.", answer: "On the street in front of the house"},
		{member: cas, title: "A chain lock that folds flat", body: "It fits in the *pannier*.", answer: "In the hallway at work"},
	}
	for i, s := range subs {
		signInBrowser(t, tab, srv, s.member)
		open("/campaigns/" + slug)
		wantText("h1.campaign-title", title)
		wantText(".page-header .badge.phase", "Submission")
		wantText(".brief strong", "lock")
		wantText(".campaign-questions .prompt", prompt)
		wantText(".submit-idea a", "Submit an idea")
		resp := clickAndWait(t, tab, ".submit-idea a")
		if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/ideas/new?campaign="+slug) {
			t.Fatalf("%s followed Submit an idea to %d %s", s.member.Name, resp.Status, resp.URL)
		}
		wantText(`.campaign-for a[href="/campaigns/`+slug+`"]`, title)
		step(t, tab, "type the idea's title", chromedp.SendKeys(chromedp.CSS("input#title"), s.title))
		step(t, tab, "type the idea's details", chromedp.SendKeys(chromedp.CSS("textarea#body"), s.body))
		step(t, tab, "answer the question", chromedp.SendKeys(chromedp.CSS("textarea#answer-1[name=answer_1]"), s.answer))
		if i == 0 {
			screenshot(t, tab, "idea-form")
		}
		resp = clickAndWait(t, tab, "form.idea-form button[type=submit].primary")
		if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/ideas/") || strings.Contains(resp.URL, "/ideas/new") {
			t.Fatalf("%s's idea went to %d %s", s.member.Name, resp.Status, resp.URL)
		}
		wantFlash(t, tab, "Your idea is published. Thank you!")
		wantText("article.idea h1", s.title)
		wantText(`.idea-campaign a[href="/campaigns/`+slug+`"]`, title)
		wantText(".idea-campaign .badge.phase", "Submission")
		wantText(".idea-campaign .campaign-answers dt", prompt)
		wantText(".idea-campaign .campaign-answers dd", s.answer)
		s.id = step(t, tab, "read the idea's id", chromedp.AttributeValue(chromedp.CSS("article.idea"), "data-id")).Value
		if i == 0 {
			screenshot(t, tab, "idea-in-campaign")
		}
	}
	ideaA, ideaB, ideaC := subs[0].id, subs[1].id, subs[2].id
	open("/campaigns/" + slug)
	if got := listed(); len(got) != 3 {
		t.Fatalf("the campaign lists ideas %q, want the three submitted", got)
	}

	// 3. Voting: each member spends points; sealed, no tally shows, to the
	// members nor to the team, and the order is each member's own.
	signInBrowser(t, tab, srv, tess)
	move(slug, "voting", "Voting")
	open("/campaigns/" + slug)
	wantText(".campaign-ideas .hint.sealed", sealedIs)
	if n := count(".campaign-idea .tally, .vote-count, .vote-button"); n != 0 {
		t.Fatalf("while sealed the team sees %d tallies or vote buttons", n)
	}

	type spend struct {
		idea   string
		points int
	}
	rounds := []struct {
		member *models.User
		spends []spend
		left   int
	}{
		{anna, []spend{{ideaB, 3}, {ideaC, 3}}, 4},
		{bram, []spend{{ideaB, 3}, {ideaA, 2}}, 5},
		{cas, []spend{{ideaB, 3}, {ideaA, 3}}, 4},
	}
	orders := map[string][]string{}
	for _, r := range rounds {
		who := r.member.Name
		signInBrowser(t, tab, srv, r.member)
		open("/campaigns/" + slug)
		wantText(".points-left", "You have 10 of 10 points left.")
		wantText("#points-hint", "Give each idea up to 3 points; 0 takes them back.")
		wantText(".campaign-ideas .hint.sealed", sealedIs)
		if n := count(`form.spend-form[action="/campaigns/` + slug + `/points"] input[name="points"][max="3"][value="0"]`); n != 3 {
			t.Fatalf("%s sees %d points forms at 0 with max 3, want 3", who, n)
		}
		orders[who] = listed()
		if n := count(".campaign-idea .tally, .vote-count"); n != 0 {
			t.Fatalf("while sealed %s sees %d tallies", who, n)
		}
		screenshot(t, tab, "sealed-"+strings.ToLower(who))

		spent := 0
		for _, s := range r.spends {
			if r.member == cas && s.idea == ideaA {
				// Four points on one idea: the browser refuses the form
				// itself (max="3"); a browser that does not check it sends
				// it, and the page says why nothing changed.
				sel := "#points-" + ideaA
				step(t, tab, "type 4 points", chromedp.SetValue(chromedp.CSS(sel), "4"))
				blocked := step(t, tab, "check the form", chromedp.Evaluate[bool](fmt.Sprintf(
					`document.querySelector(%q).validity.rangeOverflow && !document.querySelector(%q).form.checkValidity()`, sel, sel)))
				if !blocked {
					t.Fatal("the browser would send 4 points past the input's max of 3")
				}
				step(t, tab, "send the form unchecked", chromedp.Evaluate[bool](fmt.Sprintf(
					`document.querySelector(%q).form.noValidate = true`, sel)))
				expectStatus(tab, srv.URL+"/campaigns/"+slug+"/points", http.StatusConflict)
				resp := clickAndWait(t, tab, "#idea-"+ideaA+" form.spend-form button[type=submit]")
				if resp.Status != http.StatusConflict {
					t.Fatalf("4 points on one idea answered %d, want 409", resp.Status)
				}
				wantText(`.spend-problem[role="alert"]`, "One idea takes at most 3 points. Nothing changed.")
				if n := count(sel + `[aria-invalid="true"]`); n != 1 {
					t.Fatal("the refused idea's points are not marked invalid")
				}
				wantText(".points-left", fmt.Sprintf("You have %d of 10 points left.", 10-spent))
				if v := step(t, tab, "read the refused points", chromedp.AttributeValue(chromedp.CSS(sel), "value")); v.Value != "0" {
					t.Fatalf("after the refusal the form holds %q points, want the 0 given", v.Value)
				}
				screenshot(t, tab, "refused")
			}
			points := strconv.Itoa(s.points)
			step(t, tab, "give "+points+" points", chromedp.SetValue(chromedp.CSS("#points-"+s.idea), points))
			resp := clickAndWait(t, tab, "#idea-"+s.idea+" form.spend-form button[type=submit]")
			if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/campaigns/"+slug) {
				t.Fatalf("%s giving %d points: %d %s", who, s.points, resp.Status, resp.URL)
			}
			wantFlash(t, tab, "Your points are saved.")
			if v := step(t, tab, "read the points given", chromedp.AttributeValue(chromedp.CSS("#points-"+s.idea), "value")); v.Value != points {
				t.Fatalf("%s's form holds %q points, want %s", who, v.Value, points)
			}
			spent += s.points
			wantText(".points-left", fmt.Sprintf("You have %d of 10 points left.", 10-spent))
		}
		wantText(".points-left", fmt.Sprintf("You have %d of 10 points left.", r.left))
		// Still sealed: no tally, and the same order as before the points.
		if n := count(".campaign-idea .tally, .vote-count"); n != 0 {
			t.Fatalf("after spending %s sees %d tallies", who, n)
		}
		if got := listed(); !slices.Equal(got, orders[who]) {
			t.Fatalf("%s's order moved from %q to %q while sealed", who, orders[who], got)
		}
	}
	t.Logf("sealed orders: %v", orders)
	if slices.Equal(orders["Anna"], orders["Bram"]) && slices.Equal(orders["Bram"], orders["Cas"]) {
		t.Fatalf("every member sees the sealed ideas in one order %q, want an order of each member's own", orders["Anna"])
	}
	signOut()
	open("/campaigns/" + slug)
	wantText(".campaign-ideas .hint.sealed", sealedIs)
	if n := count(".campaign-idea .tally, .vote-count, .points-left, form.spend-form"); n != 0 {
		t.Fatalf("while sealed a visitor sees %d tallies or points forms", n)
	}
	if n := count(`.sign-in-to-spend a[href^="/login?next="]`); n != 1 {
		t.Fatal("a visitor is not offered to sign in to spend points")
	}

	// 4. Review reveals the tallies: the winner first.
	signInBrowser(t, tab, srv, tess)
	move(slug, "review", "Review")
	resp = clickAndWait(t, tab, "a.view-campaign")
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/campaigns/"+slug) {
		t.Fatalf("the campaign's page answered %d %s", resp.Status, resp.URL)
	}
	wantText(".page-header .badge.phase", "Review")
	if n := count(".campaign-ideas .hint.sealed"); n != 0 {
		t.Fatal("after the reveal the page still says the counts are hidden")
	}
	if got, want := listed(), []string{ideaB, ideaA, ideaC}; !slices.Equal(got, want) {
		t.Fatalf("after the reveal the ideas come %q, want %q (most points first)", got, want)
	}
	tallies := step(t, tab, "read the tallies", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("li.campaign-idea")).map(li => li.querySelector(".tally.points").textContent.trim())`))
	if want := []string{"9 points", "5 points", "3 points"}; !slices.Equal(tallies, want) {
		t.Fatalf("the tallies read %q, want %q", tallies, want)
	}
	wantText("li.campaign-idea:first-child a.idea-link", subs[1].title)
	if n := count("form.spend-form, .points-left"); n != 0 {
		t.Fatal("points can still be spent in review")
	}
	screenshot(t, tab, "revealed")

	// 5. The team decides: the winner chosen, the last declined, each with
	// an answer; a draft until the results are published.
	decide := func(idea, decision, answer string) {
		t.Helper()
		step(t, tab, "choose "+decision, chromedp.SetValue(chromedp.CSS("select#decision-"+idea), decision))
		step(t, tab, "write the answer", chromedp.SendKeys(chromedp.CSS("textarea#answer-"+idea), answer))
		resp := clickAndWait(t, tab, "#idea-"+idea+" form.decide-form button[type=submit]")
		if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/campaigns/"+slug) {
			t.Fatalf("deciding %s: %d %s", decision, resp.Status, resp.URL)
		}
		wantFlash(t, tab, "The decision is saved.")
		if n := count("select#decision-" + idea + ` option[value="` + decision + `"]:checked`); n != 1 {
			t.Fatalf("the idea's decision is not %s after saving", decision)
		}
	}
	decide(ideaB, models.DecisionChosen, "We build it: a first **prototype** rides next spring.")
	decide(ideaC, models.DecisionDeclined, "A folding chain is too heavy for the bikes we make.")
	wantText(".campaign-results .hint", "A draft for the team: the community reads these once the campaign publishes its results.")
	if n := count(".campaign-result"); n != 2 {
		t.Fatalf("the team's draft lists %d results, want 2", n)
	}
	screenshot(t, tab, "decided")
	signInBrowser(t, tab, srv, anna)
	open("/campaigns/" + slug)
	if n := count(".campaign-results, form.decide-form"); n != 0 {
		t.Fatal("a member reads the team's draft of the results in review")
	}

	signInBrowser(t, tab, srv, tess)
	move(slug, "results", "Results")
	if n := count("form.move-form"); n != 0 {
		t.Fatal("the results still offer a next phase")
	}
	wantText(".last-phase", "The results are the last phase: the campaign moves no further.")

	// A visitor reads the results, the chosen idea first with its answer.
	signOut()
	open("/campaigns/" + slug)
	wantText(".page-header .badge.phase", "Results")
	if n := count(".campaign-result"); n != 2 {
		t.Fatalf("a visitor reads %d results, want 2", n)
	}
	if n := count(".campaign-results .hint, form.decide-form, form.spend-form"); n != 0 {
		t.Fatal("a visitor sees the draft note or a form")
	}
	first := `.campaign-result:first-child[data-idea="` + ideaB + `"]`
	wantText(first+".decision-chosen .badge.decision", "Chosen")
	wantText(first+` a[href^="/ideas/`+ideaB+`/"]`, subs[1].title)
	wantText(first+" .markdown strong", "prototype")
	wantText(first+" .markdown", "We build it: a first prototype rides next spring.")
	second := `.campaign-result:nth-child(2)[data-idea="` + ideaC + `"]`
	wantText(second+".decision-declined .badge.decision", "Declined")
	wantText(second+" .markdown", "A folding chain is too heavy for the bikes we make.")
	if got, want := listed(), []string{ideaB, ideaA, ideaC}; !slices.Equal(got, want) {
		t.Fatalf("a visitor sees the ideas in the order %q, want %q", got, want)
	}
	screenshot(t, tab, "results")

	// 6. A prototype round for the winner collects feedback from its
	// voters: the team plans the idea and opens a round with a rating, a
	// yes/no and a free-text question; it asks those who voted for the
	// idea or gave it points (Anna, Bram, Cas; not Tess, who opens it).
	// Two of them answer with the form that needs no JavaScript, one of
	// them refused first without the required rating; the team reads the
	// responses and the summary and closes the round, after which a
	// participant reads the summary and a visitor only that it took place.
	const (
		planNote   = "A prototype rides next spring: we want to hear how it feels."
		roundTitle = "Ride the phone lock for a week"
		ratingQ    = "How easy was it to unlock?"
		yesnoQ     = "Would you use it every day?"
		textQ      = "What should we change?"
	)
	signInBrowser(t, tab, srv, tess)
	open("/ideas/" + ideaB)
	wantText("article.idea h1", subs[1].title)
	ideaPath := step(t, tab, "read the idea's address", chromedp.Evaluate[string](`location.pathname`))
	if n := count("a.open-round"); n != 0 {
		t.Fatal("the team is offered a round on an idea that is not planned nor in progress")
	}
	// The idea's page has the team's status form: Tess plans the idea there.
	step(t, tab, "choose planned", chromedp.SetValue(chromedp.CSS("select#new-status"), "planned"))
	step(t, tab, "write the team's answer", chromedp.SendKeys(chromedp.CSS("textarea#status-note"), planNote))
	resp = clickAndWait(t, tab, "section.set-status form button[type=submit]")
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, ideaPath) {
		t.Fatalf("setting the status: %d %s", resp.Status, resp.URL)
	}
	wantFlash(t, tab, "The status and answer are saved.")
	wantText(".idea-header .status", "Planned")
	wantText(".team-answer .markdown", planNote)

	// The team opens the round from the idea's page.
	newPath := "/ideas/" + ideaB + "/rounds/new"
	resp = clickAndWait(t, tab, `.idea-rounds a.open-round[href="`+newPath+`"]`)
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, newPath) {
		t.Fatalf("the form to open a round answered %d %s", resp.Status, resp.URL)
	}
	wantText("h1", "Open a feedback round")
	if n := count(".round-problem"); n != 0 {
		t.Fatalf("the form to open a round shows %d problems on a planned idea", n)
	}
	if n := count("form.round-open-form fieldset.question"); n != models.MaxRoundQuestions {
		t.Fatalf("the form offers %d question slots, want %d", n, models.MaxRoundQuestions)
	}
	closes := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
	step(t, tab, "type the round's title", chromedp.SendKeys(chromedp.CSS("input#round-title"), roundTitle))
	step(t, tab, "type the introduction", chromedp.SendKeys(chromedp.CSS("textarea#round-intro"),
		"Ride the prototype for a **week**, then tell us how it went."))
	step(t, tab, "set the closing date", chromedp.SetValue(chromedp.CSS("input#round-closes-at"), closes.Format("2006-01-02T15:04")))
	if got := step(t, tab, "read the sample size", chromedp.Value(chromedp.CSS("input#round-sample-size"))); got != "" {
		t.Fatalf("the sample size starts at %q, want empty (every voter)", got)
	}
	if got := step(t, tab, "read the first kind", chromedp.Value(chromedp.CSS("select#question-1-kind"))); got != models.AskRating {
		t.Fatalf("the first question's kind starts at %q, want a rating", got)
	}
	step(t, tab, "ask for a rating", chromedp.SendKeys(chromedp.CSS("input#question-1-prompt"), ratingQ))
	step(t, tab, "require the rating", chromedp.Click(chromedp.CSS(`#question-1 input[type="checkbox"][name="question_1_required"]`)))
	step(t, tab, "choose yes or no", chromedp.SetValue(chromedp.CSS("select#question-2-kind"), models.AskYesNo))
	step(t, tab, "ask yes or no", chromedp.SendKeys(chromedp.CSS("input#question-2-prompt"), yesnoQ))
	step(t, tab, "choose free text", chromedp.SetValue(chromedp.CSS("select#question-3-kind"), models.AskText))
	step(t, tab, "ask for words", chromedp.SendKeys(chromedp.CSS("input#question-3-prompt"), textQ))
	screenshot(t, tab, "round-form")
	resp = clickAndWait(t, tab, "form.round-open-form .form-actions button.primary")
	roundPath := strings.TrimPrefix(resp.URL, srv.URL)
	if m := roundURL.FindStringSubmatch(roundPath); resp.Status != http.StatusOK || m == nil || m[1] != ideaB {
		t.Fatalf("opening the round led to %d %s", resp.Status, resp.URL)
	}
	wantFlash(t, tab, "The round is open and the voters are invited.")
	wantText("article.round h1", roundTitle)
	wantText(".round-meta .round-status", "Open")
	wantText(".round-intro strong", "week")
	// Anna and Cas gave the idea points, Bram wrote it (and so voted for it).
	wantText(".round-counts", "0 of 3 invited answered")
	if at := step(t, tab, "read the closing date", chromedp.AttributeValue(chromedp.CSS(".round-meta time"), "datetime")); at.Value != closes.Format(time.RFC3339) {
		t.Fatalf("the round closes at %q, want %q (the date typed, in UTC)", at.Value, closes.Format(time.RFC3339))
	}
	if n := count("form.round-form"); n != 0 {
		t.Fatal("the team member who opened the round is offered its questionnaire")
	}
	wantText("table.responses td.empty", "No responses yet.")
	if n := count(`form.close-round[action="` + roundPath + `/close"]`); n != 1 {
		t.Fatal("the team is not offered to close the round")
	}
	screenshot(t, tab, "round-opened")

	// Two participants find the invitation on the idea's page and answer.
	type feedback struct {
		member              *models.User
		rating, yesno, text string
	}
	answers := []feedback{
		{anna, "4", "yes", "It opened before I reached the bike."},
		{cas, "2", "no", "It stayed shut when my phone was flat."},
	}
	invite := `.idea-rounds li.round-invite[data-round][data-status="open"]`
	submit := "form.round-form .form-actions button[type=submit]"
	for i, f := range answers {
		who := f.member.Name
		signInBrowser(t, tab, srv, f.member)
		open(ideaPath)
		wantText(invite+` a.round-link[href="`+roundPath+`"]`, roundTitle)
		if got := text(invite); !strings.HasPrefix(got, "The team asks for your feedback:") {
			t.Fatalf("%s's invitation reads %q", who, got)
		}
		wantText(invite+" .round-counts", fmt.Sprintf("%d of 3 invited answered", i))
		if n := count("a.open-round, section.set-status"); n != 0 {
			t.Fatalf("%s is offered the team's forms", who)
		}
		if i == 0 {
			screenshot(t, tab, "round-invite")
		}
		resp := clickAndWait(t, tab, invite+" a.round-link")
		if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, roundPath) {
			t.Fatalf("%s followed the invitation to %d %s", who, resp.Status, resp.URL)
		}
		wantText("article.round h1", roundTitle)
		if n := count(`form.round-form[method="post"][action="` + roundPath + `"] fieldset.round-question`); n != 3 {
			t.Fatalf("%s's questionnaire asks %d questions, want 3", who, n)
		}
		if n := count(`#answer-1 input[type="radio"][name="answer_1"]`); n != 5 {
			t.Fatalf("the rating offers %d choices, want 5", n)
		}
		if n := count(`#answer-2 input[type="radio"][name="answer_2"]`); n != 2 {
			t.Fatalf("yes or no offers %d choices, want 2", n)
		}
		wantText("#answer-1-legend", "1. "+ratingQ+" (required)")
		wantText("#answer-2-legend", "2. "+yesnoQ)
		wantText("#answer-3-legend", "3. "+textQ)
		wantText(submit, "Send my answers")
		if n := count(".round-summary, table.responses, form.close-round, .questionnaire p.answered"); n != 0 {
			t.Fatalf("before answering %s sees the summary, the responses, the team's button or a thank-you", who)
		}

		step(t, tab, "answer "+f.yesno, chromedp.Click(chromedp.CSS(`input[name="answer_2"][value="`+f.yesno+`"]`)))
		step(t, tab, "type the words", chromedp.SendKeys(chromedp.CSS("textarea#answer-3-text[name=answer_3]"), f.text))
		if i == 0 {
			// Without the required rating: if the browser refuses the form
			// itself, that is the refusal; the page is checked without it.
			blocked := step(t, tab, "check the form", chromedp.Evaluate[bool](
				`!document.querySelector("form.round-form").checkValidity()`))
			if blocked {
				missing := step(t, tab, "check the rating", chromedp.Evaluate[bool](
					`document.querySelector('input[name="answer_1"]').validity.valueMissing`))
				if !missing {
					t.Fatal("the browser refuses the questionnaire for another reason than the missing rating")
				}
				t.Log("the browser refuses the questionnaire without the required rating; sending it unchecked")
				step(t, tab, "send the form unchecked", chromedp.Evaluate[bool](
					`document.querySelector("form.round-form").noValidate = true`))
			}
			expectStatus(tab, srv.URL+roundPath, http.StatusUnprocessableEntity)
			resp := clickAndWait(t, tab, submit)
			if resp.Status != http.StatusUnprocessableEntity {
				t.Fatalf("answers without the required rating answered %d, want 422", resp.Status)
			}
			wantFlash(t, tab, "Some answers need another look: see the notes below.")
			// The reason stands in the question's fieldset, which its
			// legend names and which points to it.
			wantText("fieldset#answer-1 p.field-error#answer-1-error", "is required")
			if d := step(t, tab, "read the question's description", chromedp.AttributeValue(chromedp.CSS("fieldset#answer-1"), "aria-describedby")); d.Value != "answer-1-error" {
				t.Fatalf("the refused question is described by %q, want its error", d.Value)
			}
			wantText("#answer-1-legend", "1. "+ratingQ+" (required)")
			if n := count(".field-error"); n != 1 {
				t.Fatalf("the refusal marks %d questions, want the rating alone", n)
			}
			// The answers as sent are kept.
			if n := count(`input[name="answer_2"][value="` + f.yesno + `"]:checked`); n != 1 {
				t.Fatal("the refusal lost the yes/no answer")
			}
			if v := step(t, tab, "read the kept words", chromedp.Value(chromedp.CSS("textarea#answer-3-text"))); v != f.text {
				t.Fatalf("the refusal kept the words %q, want %q", v, f.text)
			}
			if n := count(`input[name="answer_1"]:checked`); n != 0 {
				t.Fatal("the refusal shows a rating nobody gave")
			}
			wantText(".round-counts", "0 of 3 invited answered")
			screenshot(t, tab, "round-refused")
		}
		step(t, tab, "rate "+f.rating, chromedp.Click(chromedp.CSS(`input[name="answer_1"][value="`+f.rating+`"]`)))
		resp = clickAndWait(t, tab, submit)
		if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, roundPath) {
			t.Fatalf("%s's answers: %d %s", who, resp.Status, resp.URL)
		}
		wantFlash(t, tab, "Your answers are saved. Thank you!")
		wantText(".questionnaire p.answered", "Thank you for answering. You may change your answers until the round closes.")
		saved := step(t, tab, "read the saved answers", chromedp.Evaluate[[]string](`[
			(document.querySelector('input[name="answer_1"]:checked') || {}).value || "",
			(document.querySelector('input[name="answer_2"]:checked') || {}).value || "",
			document.querySelector("textarea#answer-3-text").value]`))
		if want := []string{f.rating, f.yesno, f.text}; !slices.Equal(saved, want) {
			t.Fatalf("%s's saved answers read %q, want %q", who, saved, want)
		}
		wantText(submit, "Save my answers")
		wantText(".round-counts", fmt.Sprintf("%d of 3 invited answered", i+1))
		if n := count(".round-summary, table.responses, .field-error"); n != 0 {
			t.Fatalf("while the round is open %s sees the summary, the responses or an error", who)
		}
		screenshot(t, tab, "round-answered-"+strings.ToLower(who))
		open(ideaPath)
		if got := text(invite); !strings.HasPrefix(got, "You answered:") {
			t.Fatalf("after answering %s's invitation reads %q", who, got)
		}
	}

	// The team reads both responses and the summary, then closes the round.
	signInBrowser(t, tab, srv, tess)
	open(ideaPath)
	teamItem := `.idea-rounds li.round-item[data-status="open"]`
	wantText(teamItem+" .round-counts", "2 of 3 invited answered")
	if n := count(invite); n != 0 {
		t.Fatal("the team member who was not asked sees an invitation")
	}
	resp = clickAndWait(t, tab, teamItem+` a.round-link[href="`+roundPath+`"]`)
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, roundPath) {
		t.Fatalf("the team's round answered %d %s", resp.Status, resp.URL)
	}
	wantText(".round-counts", "2 of 3 invited answered")
	responses := step(t, tab, "read the responses", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("table.responses tr.response")).map(tr =>
			[tr.dataset.user].concat(Array.from(tr.querySelectorAll("th, td")).slice(0, 4).map(c => c.textContent.trim())).join(" | "))`))
	wantResponses := []string{
		fmt.Sprintf("%d | Anna | 4 | Yes | %s", anna.ID, answers[0].text),
		fmt.Sprintf("%d | Cas | 2 | No | %s", cas.ID, answers[1].text),
	}
	if !slices.Equal(responses, wantResponses) {
		t.Fatalf("the team reads the responses %q, want %q", responses, wantResponses)
	}
	wantSummary := func(who string) {
		t.Helper()
		rating := `.round-summary .summary-question[data-position="1"][data-kind="rating"]`
		wantText(rating+" .summary-count", "2 answers")
		wantText(rating+" .summary-average", "3.00")
		ratings := step(t, tab, "read the ratings", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('`+rating+
			` table.summary-ratings tbody tr')).map(tr => tr.dataset.rating + ":" + tr.querySelector("td").textContent.trim())`))
		if want := []string{"1:0", "2:1", "3:0", "4:1", "5:0"}; !slices.Equal(ratings, want) {
			t.Fatalf("%s reads the ratings %q, want %q", who, ratings, want)
		}
		yesno := `.round-summary .summary-question[data-position="2"][data-kind="yesno"]`
		wantText(yesno+" .summary-count", "2 answers")
		wantText(yesno+" dd.yes", "1")
		wantText(yesno+" dd.no", "1")
		texts := step(t, tab, "read the words", chromedp.Evaluate[[]string](
			`Array.from(document.querySelectorAll('.round-summary .summary-question[data-position="3"][data-kind="text"] .summary-texts li')).map(li => li.textContent.trim())`))
		if want := []string{answers[0].text, answers[1].text}; !slices.Equal(texts, want) {
			t.Fatalf("%s reads the free-text answers %q, want %q in the order they came", who, texts, want)
		}
		summary := text(".round-summary")
		if strings.Contains(summary, "Anna") || strings.Contains(summary, "Cas") {
			t.Fatalf("the summary %s reads names the participants: %q", who, summary)
		}
	}
	wantSummary("the team")
	screenshot(t, tab, "round-team")
	wantText("form.close-round button[type=submit]", "Close the round now")
	resp = clickAndWait(t, tab, "form.close-round button[type=submit]")
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, roundPath) {
		t.Fatalf("closing the round: %d %s", resp.Status, resp.URL)
	}
	wantFlash(t, tab, "The round is closed.")
	wantText(".round-meta .round-status", "Closed")
	if st := step(t, tab, "read the round's status", chromedp.AttributeValue(chromedp.CSS("article.round"), "data-status")); st.Value != "closed" {
		t.Fatalf("the closed round's page says %q", st.Value)
	}
	if n := count("form.close-round"); n != 0 {
		t.Fatal("a closed round still offers to close it")
	}
	if n := count("table.responses tr.response"); n != 2 {
		t.Fatalf("after closing the team reads %d responses, want 2", n)
	}
	screenshot(t, tab, "round-closed")

	// A participant now reads the summary with their answers, and no form.
	signInBrowser(t, tab, srv, cas)
	open(roundPath)
	wantText(".round-meta .round-status", "Closed")
	if n := count("form.round-form, form.close-round, table.responses"); n != 0 {
		t.Fatal("after closing a participant is offered the questionnaire or reads the team's view")
	}
	mine := step(t, tab, "read my answers", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".my-answers dd")).map(dd => dd.dataset.position + ":" + dd.textContent.trim())`))
	if want := []string{"1:2", "2:No", "3:" + answers[1].text}; !slices.Equal(mine, want) {
		t.Fatalf("Cas reads their answers %q, want %q", mine, want)
	}
	wantSummary("Cas")
	screenshot(t, tab, "round-summary")
	open(ideaPath)
	wantText(`.idea-rounds li.round-item[data-status="closed"] a.round-link[href="`+roundPath+`"]`, roundTitle)
	if n := count(invite); n != 0 {
		t.Fatal("a closed round is still an invitation")
	}
	// Bram was asked and did not answer: he reads the summary too.
	signInBrowser(t, tab, srv, bram)
	open(roundPath)
	if n := count(".round-summary .summary-question"); n != 3 {
		t.Fatalf("Bram, asked, reads %d questions of the summary, want 3", n)
	}
	if n := count(".my-answers, form.round-form"); n != 0 {
		t.Fatal("Bram, who did not answer, sees answers or a form")
	}
	// A visitor reads that it took place, not what was said.
	signOut()
	open(roundPath)
	wantText(".round-counts", "2 of 3 invited answered")
	wantText(".summary-private", "The summary of this round is for the team and the members who were invited.")
	if n := count(".round-summary, .my-answers, form.round-form, table.responses"); n != 0 {
		t.Fatal("a visitor reads the round's answers")
	}
}
