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
// the results, which a visitor reads with the chosen idea first.
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

	// The prototype round for the winner follows here once rounds land.
}
