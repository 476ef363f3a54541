package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// campaignForm is the editor's form for a campaign, with the fields a test
// does not name left as the browser sends them empty.
func campaignForm(fields url.Values) url.Values {
	form := url.Values{"title": {""}, "slug": {""}, "brief": {""}, "budget": {"0"}, "max_per_idea": {"0"},
		"submission_opens_at": {""}, "submission_closes_at": {""}, "voting_opens_at": {""}, "voting_closes_at": {""}}
	for n := 1; n <= models.MaxCampaignQuestions; n++ {
		form.Set(fmt.Sprintf("question_%d_kind", n), models.QuestionText)
		form.Set(fmt.Sprintf("question_%d_prompt", n), "")
		form.Set(fmt.Sprintf("question_%d_choices", n), "")
	}
	for k, v := range fields {
		form[k] = v
	}
	return form
}

// moveCampaign moves a campaign to its next phase through the editor and
// checks the message that confirms it.
func moveCampaign(t *testing.T, team *apptest.Client, slug string, to models.Phase) *apptest.Response {
	t.Helper()
	r := team.Get("/admin/campaigns/" + slug)
	wantCount(t, r, `form.move-form[action="/admin/campaigns/`+slug+`/phase"] input[name="to"][value="`+string(to)+`"]`, 1)
	r = team.PostForm("/admin/campaigns/"+slug+"/phase", url.Values{"to": {string(to)}})
	page := wantConfirmed(t, team, r, "The campaign moved on to its next phase.")
	wantCount(t, page, `.phase-history li[data-phase="`+string(to)+`"]`, 1)
	return page
}

// TestCampaignPages: the team drafts a campaign in the editor, which only
// the team sees; moved to its submission phase, members submit ideas
// through the idea form with answers to its questions; in its voting phase
// they spend their points on its page, never past their budget; and it
// moves no further than its results. Every bad input is a message on the
// page, never a 500.
func TestCampaignPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		team, anna, bram, visitor := srv.SignedIn(tess), srv.SignedIn(annaUser), srv.SignedIn(bramUser), srv.Client()
		cats, err := srv.Store.Categories(ctx)
		if err != nil || len(cats) < 2 {
			t.Fatalf("categories: %v %d", err, len(cats))
		}

		// The editor: for the team alone, in the team's menu.
		r := team.Get("/admin/campaigns")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `.staff-menu a[href="/admin/campaigns"][aria-current="page"]`, 1)
		wantCount(t, r, `nav.site-nav a[href="/campaigns"]`, 1)
		wantCount(t, r, `td.empty a.next-step[href="#new-campaign-title"]`, 1)
		wantCount(t, r, `form.campaign-form[action="/admin/campaigns"] input[type="checkbox"][name="categories"]`, len(cats))
		wantCount(t, r, `form.campaign-form select[name="question_5_kind"] option`, 3)
		wantCount(t, r, `form.campaign-form input[type="checkbox"][name="sealed"]`, 1)
		wantStatus(t, anna.Get("/admin/campaigns"), http.StatusForbidden)
		wantStatus(t, anna.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Not mine"}})), http.StatusForbidden)
		wantCount(t, anna.Get("/campaigns"), `.staff-menu a[href="/admin/campaigns"]`, 0)

		// Bad forms keep what was typed and say what is wrong, by field.
		r = team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Lock talk"}, "brief": {"Kept brief"}, "voting_opens_at": {"next tuesday"}}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#campaign-voting_opens_at[aria-invalid="true"]`, 1)
		wantCount(t, r, `#campaign-voting_opens_at-error`, 1)
		wantText(t, r, "#campaign-brief", "Kept brief")
		if v, _ := r.Doc.Find("#campaign-voting_opens_at").Attr("value"); v != "next tuesday" {
			t.Fatalf("the bad date reads %q", v)
		}
		r = team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Lock talk"}, "budget": {"lots"}}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#campaign-budget[aria-invalid="true"]`, 1)
		r = team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Lock talk"}, "voting_opens_at": {"2099-05-01T09:00"}, "voting_closes_at": {"2099-04-01T09:00"}}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#campaign-dates-error`, 1)
		// A choice with one choice, in the second slot of the form, the first left empty.
		r = team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Lock talk"},
			"question_2_kind": {models.QuestionChoice}, "question_2_prompt": {"One choice?"}, "question_2_choices": {"Only"}}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#question-2-error`, 1)
		wantCount(t, r, `#question-1-error`, 0)
		wantCount(t, r, `.form-errors li[data-field="questions.2"]`, 1)
		if v, _ := r.Doc.Find("#question-2-prompt").Attr("value"); v != "One choice?" {
			t.Fatalf("the question reads %q", v)
		}
		wantStatus(t, team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"  "}})), http.StatusUnprocessableEntity)
		wantStatus(t, team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Lock talk"}, "slug": {"Not A Slug"}})), http.StatusUnprocessableEntity)
		wantStatus(t, team.PostForm("/admin/campaigns", campaignForm(url.Values{"title": {"Lock talk"}, "categories": {"no-such-category"}})), http.StatusUnprocessableEntity)
		wantCount(t, team.Get("/admin/campaigns"), "tr.campaign-row", 0)

		// A draft with a budget, one category and two questions (slots 1 and 3).
		title := `How should the next <b>lock</b> work?`
		r = team.PostForm("/admin/campaigns", campaignForm(url.Values{
			"title": {title}, "slug": {"next-lock"}, "brief": {"Tell us **everything**."},
			"submission_opens_at": {"2099-05-01T09:00"}, "voting_closes_at": {"2099-06-30T17:00"},
			"budget": {"10"}, "max_per_idea": {"6"}, "categories": {cats[0].Slug},
			"question_1_kind": {models.QuestionChoice}, "question_1_prompt": {"Where do you park?"}, "question_1_choices": {"Street\r\nShed\r\n"}, "question_1_required": {"1"},
			"question_3_kind": {models.QuestionNumber}, "question_3_prompt": {"How many locks do you carry?"},
		}))
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/admin/campaigns/next-lock" {
			t.Fatalf("creating went to %q", loc)
		}
		r = wantConfirmed(t, team, r, "The campaign is saved.")
		if v, _ := r.Doc.Find("#campaign-title").Attr("value"); v != title {
			t.Fatalf("the editor's title reads %q", v)
		}
		wantText(t, r, ".current-phase .badge.phase", "Draft")
		wantCount(t, r, `input[name="categories"][value="`+cats[0].Slug+`"][checked]`, 1)
		wantCount(t, r, `input[name="categories"][checked]`, 1)
		if v, _ := r.Doc.Find("#question-2-prompt").Attr("value"); v != "How many locks do you carry?" {
			t.Fatalf("the second question reads %q", v)
		}
		wantText(t, r, "#question-1-choices", "Street\nShed")
		wantCount(t, r, `#question-1 input[name="question_1_required"][checked]`, 1)
		if v, _ := r.Doc.Find("#campaign-submission_opens_at").Attr("value"); v != "2099-05-01T09:00" {
			t.Fatalf("the date reads %q", v)
		}
		wantCount(t, team.Get("/admin/campaigns"), `tr.campaign-row.draft a.edit-campaign[href="/admin/campaigns/next-lock"]`, 1)

		// Nobody but the team sees a draft.
		wantStatus(t, visitor.Get("/campaigns/next-lock"), http.StatusNotFound)
		wantStatus(t, anna.Get("/campaigns/next-lock"), http.StatusNotFound)
		wantStatus(t, anna.Get("/ideas/new?campaign=next-lock"), http.StatusNotFound)
		r = visitor.Get("/campaigns")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".campaign-row", 0)
		wantCount(t, r, `.empty a.next-step[href="/"]`, 1)
		wantCount(t, team.Get("/campaigns"), `.campaign-row.draft[data-slug="next-lock"]`, 1)
		r = team.Get("/campaigns/next-lock")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "h1.campaign-title", title)
		wantCount(t, r, "a.submit-idea, .submit-idea a", 0)

		// Submission: members see it and submit ideas with their answers.
		moveCampaign(t, team, "next-lock", models.PhaseSubmission)
		r = visitor.Get("/campaigns")
		wantCount(t, r, `.campaign-row[data-slug="next-lock"]`, 1)
		wantText(t, r, `.campaign-row .campaign-title a[href="/campaigns/next-lock"]`, title)
		wantText(t, r, ".campaign-row .badge.phase", "Submission")
		wantCount(t, r, ".campaign-row .campaign-dates dd", 2)
		r = visitor.Get("/campaigns/next-lock")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "h1.campaign-title", title)
		wantText(t, r, ".brief strong", "everything")
		wantText(t, r, ".page-header .badge.phase", "Submission")
		wantCount(t, r, ".phase-history li", 2)
		wantText(t, r, `.phase-history li[data-phase="draft"] .phase-name`, "Draft")
		wantText(t, r, ".campaign-categories a", cats[0].Name)
		wantCount(t, r, ".campaign-questions > ol > li", 2)
		wantCount(t, r, ".campaign-questions .choices li", 2)
		wantCount(t, r, `.submit-idea a[href^="/login?next="]`, 1)
		wantCount(t, r, `a[href="/ideas/new?campaign=next-lock"]`, 0)
		wantCount(t, r, ".campaign-ideas .empty", 1)
		assertInert(t, "/campaigns/next-lock", r)
		wantCount(t, anna.Get("/campaigns/next-lock"), `.submit-idea a[href="/ideas/new?campaign=next-lock"]`, 1)

		// In Dutch, the phases read in Dutch.
		dutch := srv.Client()
		dutch.Header.Set("Accept-Language", "nl")
		r = dutch.Get("/campaigns/next-lock")
		wantText(t, r, ".page-header .badge.phase", "Indienen")
		wantText(t, r, `.phase-history li[data-phase="submission"] .phase-name`, "Indienen")
		wantText(t, r, `.phase-history li[data-phase="draft"] .phase-name`, "Concept")
		wantText(t, dutch.Get("/campaigns"), "h1", "Campagnes")

		// The idea form asks the campaign's questions.
		r = anna.Get("/ideas/new?campaign=next-lock")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, `.campaign-for a[href="/campaigns/next-lock"]`, title)
		wantCount(t, r, `form.idea-form input[type="hidden"][name="campaign"][value="next-lock"]`, 1)
		wantCount(t, r, `#answer-1 input[type="radio"][name="answer_1"][required]`, 2)
		wantCount(t, r, `input#answer-2[type="number"][name="answer_2"]:not([required])`, 1)
		wantCount(t, r, `#category option`, 2) // none chosen, or the campaign's one
		wantStatus(t, anna.Get("/ideas/new?campaign=no-such-campaign"), http.StatusNotFound)

		idea := url.Values{"title": {"A lock that lives on the bike"}, "body": {"No more carrying it."}, "category": {cats[0].Slug},
			"campaign": {"next-lock"}, "answer_2": {"2"}}
		r = anna.PostForm("/ideas", idea)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, "#answer-1-error", "This question needs an answer.")
		wantCount(t, r, `#answer-2[value="2"]`, 1)
		wantText(t, r, "#body", "No more carrying it.")
		bad := url.Values{}
		for k, v := range idea {
			bad[k] = v
		}
		bad.Set("answer_1", "Garage")
		bad.Set("answer_2", "many")
		bad.Set("category", cats[1].Slug)
		r = anna.PostForm("/ideas", bad)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#answer-1-error .detail", 1)
		wantCount(t, r, "#answer-2-error .detail", 1)
		wantCount(t, r, `#category[aria-invalid="true"]`, 1)
		wantCount(t, r, `input[name="answer_1"][value="Garage"]`, 0) // not one of the choices

		idea.Set("answer_1", "Shed")
		r = anna.PostForm("/ideas", idea)
		wantStatus(t, r, http.StatusSeeOther)
		m := ideaURL.FindStringSubmatch(r.Header.Get("Location"))
		if m == nil {
			t.Fatalf("submitting went to %q", r.Header.Get("Location"))
		}
		first := m[1]
		firstID := mustID(t, first)
		answers, err := srv.Store.IdeaAnswers(ctx, firstID)
		if err != nil || len(answers) != 2 || answers[0].Answer != "Shed" || answers[1].Answer != "2" {
			t.Fatalf("answers %+v %v", answers, err)
		}
		bram.Get("/ideas/new?campaign=next-lock")
		r = bram.PostForm("/ideas", url.Values{"title": {"A lock that knows my phone"}, "body": {"It opens as I come near."},
			"category": {cats[0].Slug}, "campaign": {"next-lock"}, "answer_1": {"Street"}})
		wantStatus(t, r, http.StatusSeeOther)
		second := ideaURL.FindStringSubmatch(r.Header.Get("Location"))[1]
		wantCount(t, visitor.Get("/campaigns/next-lock"), ".campaign-idea", 2)

		// The questions are fixed after the draft; the rest still changes.
		r = team.Get("/admin/campaigns/next-lock")
		wantCount(t, r, `[name^="question_"]`, 0)
		wantCount(t, r, ".campaign-questions.fixed > li", 2)

		// Voting: each member spends their ten points.
		moveCampaign(t, team, "next-lock", models.PhaseVoting)
		r = anna.PostForm("/ideas", idea)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#campaign-error", 1)
		r = anna.Get("/campaigns/next-lock")
		wantText(t, r, ".points-left", "You have 10 of 10 points left.")
		wantCount(t, r, "form.spend-form", 2)
		wantCount(t, r, `form.spend-form[action="/campaigns/next-lock/points"] input[name="points"][max="6"][value="0"]`, 2)
		wantCount(t, r, `a[href="/ideas/new?campaign=next-lock"]`, 0)
		r = visitor.Get("/campaigns/next-lock")
		wantCount(t, r, "form.spend-form, .points-left", 0)
		wantCount(t, r, `.sign-in-to-spend a[href^="/login?next="]`, 1)

		r = anna.PostForm("/campaigns/next-lock/points", url.Values{"idea": {first}, "points": {"4"}})
		r = wantConfirmed(t, anna, r, "Your points are saved.")
		wantText(t, r, ".points-left", "You have 6 of 10 points left.")
		wantCount(t, r, `#points-`+first+`[value="4"]`, 1)
		wantText(t, r, `li.campaign-idea[data-id="`+first+`"] .tally`, "4 points")
		r = anna.PostForm("/campaigns/next-lock/points", url.Values{"idea": {second}, "points": {"6"}})
		wantStatus(t, r, http.StatusSeeOther)

		// Past the budget, or past the most one idea takes: 409, nothing changed.
		for _, over := range []struct {
			idea, points, message string
		}{
			{first, "5", "That is more points than you have left. Nothing changed."},
			{second, "7", "One idea takes at most 6 points. Nothing changed."},
		} {
			r = anna.PostForm("/campaigns/next-lock/points", url.Values{"idea": {over.idea}, "points": {over.points}})
			wantStatus(t, r, http.StatusConflict)
			wantText(t, r, `.spend-problem[role="alert"]`, over.message)
			wantCount(t, r, `#points-`+over.idea+`[aria-invalid="true"]`, 1)
			wantText(t, r, ".points-left", "You have 0 of 10 points left.")
		}
		// Bad numbers: 422 and a message.
		for _, form := range []url.Values{
			{"idea": {first}, "points": {"lots"}},
			{"idea": {first}, "points": {"-1"}},
			{"idea": {first}, "points": {""}},
			{"idea": {"x"}, "points": {"1"}},
			{"idea": {"999999"}, "points": {"1"}},
		} {
			r = anna.PostForm("/campaigns/next-lock/points", form)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			wantCount(t, r, `.spend-problem[role="alert"]`, 1)
		}
		wantStatus(t, anna.PostForm("/campaigns/no-such-campaign/points", url.Values{"idea": {first}, "points": {"1"}}), http.StatusNotFound)
		camp, err := srv.Store.Campaign(ctx, "next-lock", annaUser)
		if err != nil {
			t.Fatal(err)
		}
		points, err := srv.Store.PointsOf(ctx, camp, annaUser)
		if err != nil || points.Spent != 10 || points.PerIdea[firstID] != 4 {
			t.Fatalf("after the refusals anna spent %+v %v", points, err)
		}

		// Everyone sees the tallies, most points first.
		bram.PostForm("/campaigns/next-lock/points", url.Values{"idea": {first}, "points": {"1"}})
		r = visitor.Get("/campaigns/next-lock")
		wantCount(t, r, `li.campaign-idea:first-child[data-id="`+second+`"]`, 1)
		wantText(t, r, `li.campaign-idea[data-id="`+second+`"] .tally`, "6 points")
		wantText(t, r, `li.campaign-idea[data-id="`+first+`"] .tally`, "5 points")

		// The title still changes; the questions stay as they are.
		r = team.Get("/admin/campaigns/next-lock")
		wantCount(t, r, `#campaign-budget[readonly][value="10"]`, 1)
		wantCount(t, r, `#campaign-max-per-idea[readonly][value="6"]`, 1)
		r = team.PostForm("/admin/campaigns/next-lock", campaignForm(url.Values{"title": {"The next lock"}, "slug": {"next-lock"},
			"brief": {"Tell us **everything**."}, "submission_opens_at": {"2099-05-01T09:00"}, "voting_closes_at": {"2099-06-30T17:00"},
			"budget": {"10"}, "max_per_idea": {"6"}, "categories": {cats[0].Slug}}))
		r = wantConfirmed(t, team, r, "The campaign is saved.")
		if v, _ := r.Doc.Find("#campaign-title").Attr("value"); v != "The next lock" {
			t.Fatalf("the saved title reads %q", v)
		}
		r = team.PostForm("/admin/campaigns/next-lock", campaignForm(url.Values{"title": {"The next lock"}, "slug": {"next-lock"},
			"budget": {"20"}, "max_per_idea": {"6"}}))
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#campaign-budget[aria-invalid="true"]`, 1)
		wantCount(t, r, ".campaign-questions.fixed > li", 2)
		r = visitor.Get("/campaigns/next-lock")
		wantText(t, r, "h1.campaign-title", "The next lock")
		wantText(t, r, ".brief strong", "everything")
		wantCount(t, r, ".campaign-dates dd", 2)
		wantCount(t, r, ".campaign-questions > ol > li", 2)

		// Review, results, and no further; closed to points.
		moveCampaign(t, team, "next-lock", models.PhaseReview)
		r = anna.PostForm("/campaigns/next-lock/points", url.Values{"idea": {first}, "points": {"0"}})
		wantStatus(t, r, http.StatusConflict)
		wantCount(t, r, `.spend-problem[role="alert"]`, 1)
		wantCount(t, r, "form.spend-form", 0)
		r = team.PostForm("/admin/campaigns/next-lock/phase", url.Values{"to": {string(models.PhaseVoting)}})
		wantStatus(t, r, http.StatusConflict)
		wantCount(t, r, `.move-problem[role="alert"]`, 1)
		r = moveCampaign(t, team, "next-lock", models.PhaseResults)
		wantCount(t, r, "form.move-form", 0)
		wantCount(t, r, ".last-phase", 1)
		r = team.PostForm("/admin/campaigns/next-lock/phase", url.Values{"to": {string(models.PhaseResults)}})
		wantStatus(t, r, http.StatusConflict)
		wantText(t, r, `.move-problem[role="alert"]`, "Nothing changed: the campaign is in its “Results” phase now, and moves only to the phase right after it.")
		wantStatus(t, team.PostForm("/admin/campaigns/next-lock/phase", url.Values{"to": {"archive"}}), http.StatusUnprocessableEntity)
		if c, err := srv.Store.Campaign(ctx, "next-lock", tess); err != nil || c.Phase != models.PhaseResults || len(c.History) != 5 {
			t.Fatalf("after results: %v %v", c, err)
		}
		wantStatus(t, anna.PostForm("/admin/campaigns/next-lock/phase", url.Values{"to": {"results"}}), http.StatusForbidden)
	})
}

// TestCampaignWithPlainVotes: a campaign without a budget takes plain
// votes on its page in its voting phase, and no points.
func TestCampaignWithPlainVotes(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		team, anna, bram := srv.SignedIn(tess), srv.SignedIn(annaUser), srv.SignedIn(srv.User("Bram", "bram@example.com", models.RoleMember))
		title := "Which colours next?"
		c, err := srv.Store.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		idea, err := srv.Store.CreateIdea(ctx, annaUser, models.NewIdea{Title: "A frame in deep green", Body: "Like the old ones.", Campaign: c.Slug})
		if err != nil {
			t.Fatal(err)
		}
		path := "/campaigns/" + c.Slug
		r := anna.Get(path)
		wantText(t, r, `li.campaign-idea[data-id="`+itoa(idea.ID)+`"] .tally`, "1 vote") // its author's
		wantCount(t, r, ".vote-button", 0)

		moveCampaign(t, team, c.Slug, models.PhaseVoting)
		r = bram.Get(path)
		wantCount(t, r, `#vote-`+itoa(idea.ID)+` form[action="/ideas/`+itoa(idea.ID)+`/vote"] button.vote-button`, 1)
		wantCount(t, r, "form.spend-form, .points-left", 0)
		r = bram.PostForm("/ideas/"+itoa(idea.ID)+"/vote", url.Values{"next": {path}})
		wantStatus(t, r, http.StatusSeeOther)
		if got := r.Header.Get("Location"); got != path {
			t.Fatalf("the vote went back to %q", got)
		}
		wantText(t, bram.Get(path), `#vote-`+itoa(idea.ID)+` .vote-count`, "2")
		r = anna.PostForm(path+"/points", url.Values{"idea": {itoa(idea.ID)}, "points": {"3"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantText(t, r, `.spend-problem[role="alert"]`, "This campaign takes votes, not points.")
		wantCount(t, srv.Client().Get("/campaigns"), ".campaign-row", 1)
	})
}

// TestSealedCampaignPageShowsNoCounts: while a sealed campaign votes, its
// page shows no tally, no vote count and no vote button, only the points a
// member gave themselves.
func TestSealedCampaignPageShowsNoCounts(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		for _, budget := range []int{0, 5} {
			title := fmt.Sprintf("Sealed round with %d points", budget)
			c, err := srv.Store.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title, Budget: ptrTo(budget), Sealed: ptrTo(true)})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
				t.Fatal(err)
			}
			idea, err := srv.Store.CreateIdea(ctx, annaUser, models.NewIdea{Title: "A frame in deep green", Body: "Like the old ones, " + title, Campaign: c.Slug})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Store.MoveCampaign(ctx, c.ID, tess, models.PhaseVoting); err != nil {
				t.Fatal(err)
			}
			if budget > 0 {
				if _, err := srv.Store.SpendPoints(ctx, annaUser, idea.ID, 3); err != nil {
					t.Fatal(err)
				}
			}
			for _, client := range []*apptest.Client{srv.Client(), srv.SignedIn(annaUser), srv.SignedIn(bramUser), srv.SignedIn(tess)} {
				r := client.Get("/campaigns/" + c.Slug)
				wantStatus(t, r, http.StatusOK)
				wantCount(t, r, `.campaign-idea[data-id="`+itoa(idea.ID)+`"]`, 1)
				wantCount(t, r, ".tally, .vote-count, .vote-button", 0)
				wantCount(t, r, ".sealed", 1)
			}
			if budget > 0 {
				wantCount(t, srv.SignedIn(annaUser).Get("/campaigns/"+c.Slug), `#points-`+itoa(idea.ID)+`[value="3"]`, 1)
				wantCount(t, srv.SignedIn(bramUser).Get("/campaigns/"+c.Slug), `#points-`+itoa(idea.ID)+`[value="0"]`, 1)
			}
		}
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(strings.TrimSpace(s), &id); err != nil || id < 1 {
		t.Fatalf("not an id: %q", s)
	}
	return id
}

// TestCampaignResultsOnItsPage: in review the team decides on ideas through
// the form on the campaign's page, a draft nobody else reads; a decision
// without its answer is refused; the results phase shows the decisions to
// everyone, chosen ideas first.
func TestCampaignResultsOnItsPage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		team, anna, visitor := srv.SignedIn(tess), srv.SignedIn(annaUser), srv.Client()
		title := "Which bell next?"
		c, err := srv.Store.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		var ideas []*models.Idea
		for _, t2 := range []string{"A bell that sings", "A bell that rings twice"} {
			idea, err := srv.Store.CreateIdea(ctx, annaUser, models.NewIdea{Title: t2, Campaign: c.Slug})
			if err != nil {
				t.Fatal(err)
			}
			ideas = append(ideas, idea)
		}
		path := "/campaigns/" + c.Slug
		moveCampaign(t, team, c.Slug, models.PhaseVoting)
		wantCount(t, team.Get(path), "form.decide-form", 0)
		moveCampaign(t, team, c.Slug, models.PhaseReview)

		r := team.Get(path)
		wantCount(t, r, "form.decide-form", 2)
		wantCount(t, anna.Get(path), "form.decide-form, .campaign-results", 0)
		r = team.PostForm(path+"/results", url.Values{"idea": {itoa(ideas[0].ID)}, "decision": {models.DecisionChosen}, "answer": {"  "}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `.spend-problem[role="alert"]`, 1)
		for i, d := range []string{models.DecisionDeclined, models.DecisionChosen} {
			r = team.PostForm(path+"/results", url.Values{"idea": {itoa(ideas[i].ID)}, "decision": {d}, "answer": {"Because **" + d + "**."}})
			wantConfirmed(t, team, r, "The decision is saved.")
		}
		r = team.Get(path)
		wantCount(t, r, ".campaign-results .hint", 1)
		wantCount(t, r, `#decision-`+itoa(ideas[1].ID)+` option[value="chosen"][selected]`, 1)
		wantCount(t, anna.Get(path), ".campaign-results", 0)

		moveCampaign(t, team, c.Slug, models.PhaseResults)
		r = visitor.Get(path)
		wantCount(t, r, ".campaign-result", 2)
		wantText(t, r, ".campaign-result:first-child .decision", "Chosen")
		wantText(t, r, ".campaign-result:first-child .markdown strong", "chosen")
		wantCount(t, r, ".campaign-results .hint", 0)
		r = anna.PostForm(path+"/results", url.Values{"idea": {itoa(ideas[0].ID)}, "decision": {models.DecisionChosen}, "answer": {"Me!"}})
		wantStatus(t, r, http.StatusForbidden)
	})
}

// TestCampaignFollowers: a member follows a campaign with its button or the
// API, and hears of each phase it enters, in the inbox with a link to the
// campaign; who stopped following hears nothing more.
func TestCampaignFollowers(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram, anna, visitor := srv.SignedIn(bramUser), srv.SignedIn(annaUser), srv.Client()
		title := "Which colours next spring"
		c, err := srv.Store.CreateCampaign(ctx, tess, models.CampaignInput{Title: &title})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.MoveCampaign(ctx, c.ID, tess, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}
		page := "/campaigns/" + c.Slug

		wantCount(t, visitor.Get(page), "form.campaign-follow", 0)
		r := bram.Get(page)
		wantCount(t, r, `form.campaign-follow[action="`+page+`/follow"] button[aria-pressed="false"]`, 1)
		r = bram.PostForm(page+"/follow", nil)
		wantStatus(t, r, http.StatusSeeOther)
		if r.Header.Get("Location") != page {
			t.Fatalf("after following: %s", r.Header.Get("Location"))
		}
		r = bram.Get(page)
		wantCount(t, r, `form.campaign-follow[action="`+page+`/unfollow"] button[aria-pressed="true"]`, 1)
		wantText(t, r, ".flash", "You follow this campaign now: you will hear of each phase it enters.")
		var sub struct {
			Subscribed *bool `json:"subscribed"`
		}
		sub = apiJSON[struct {
			Subscribed *bool `json:"subscribed"`
		}](t, apiCall(bram, http.MethodGet, "/campaigns/"+c.Slug+"/subscription", ""), http.StatusOK)
		if sub.Subscribed == nil || !*sub.Subscribed {
			t.Fatalf("subscription: %v", sub.Subscribed)
		}
		wantAPIError(t, apiCall(bram, http.MethodPut, "/campaigns/"+c.Slug+"/subscription", `{}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(bram, http.MethodGet, "/campaigns/no-such-round/subscription", ""), http.StatusNotFound, "not_found")
		anna.Get("/") // the page gives the CSRF token the API call carries
		wantStatus(t, apiCall(anna, http.MethodPut, "/campaigns/"+c.Slug+"/subscription", `{"subscribed":true}`), http.StatusOK)

		// The team opens the voting: Bram hears of it, with a link to the campaign.
		moveCampaign(t, srv.SignedIn(tess), c.Slug, models.PhaseVoting)
		// (He may have heard of its submission too, when its fan-out ran
		// after he followed: the followers are who follow when it runs.)
		notice := waitNotice(t, bram, "“Which colours next spring” is open for voting")
		if notice.Kind != models.NotifyCampaignPhase || !strings.HasSuffix(notice.URL, page) {
			t.Fatalf("the notice: %+v", notice)
		}
		r = bram.Get("/me/notifications")
		wantCount(t, r, `a[href="/me/notifications/`+itoa(notice.ID)+`"]`, 1)
		if r = bram.Get("/me/notifications/" + itoa(notice.ID)); r.Header.Get("Location") != page {
			t.Fatalf("opening the notice leads to %q", r.Header.Get("Location"))
		}

		// Stopped following: the next phase reaches him no more.
		sub = apiJSON[struct {
			Subscribed *bool `json:"subscribed"`
		}](t, apiCall(bram, http.MethodPut, "/campaigns/"+c.Slug+"/subscription", `{"subscribed":false}`), http.StatusOK)
		if sub.Subscribed == nil || *sub.Subscribed {
			t.Fatalf("unsubscribed: %v", sub.Subscribed)
		}
		if _, err := srv.Store.MoveCampaign(ctx, c.ID, tess, models.PhaseReview); err != nil {
			t.Fatal(err)
		}
		// Anna, who still follows, hears of it: its fan-out is done.
		waitNotice(t, anna, "“Which colours next spring” closed its voting: the team reviews the ideas")
		for _, it := range apiJSON[inboxJSON](t, apiCall(bram, http.MethodGet, "/notifications", ""), http.StatusOK).items(t) {
			if strings.Contains(it.Text, "closed its voting") {
				t.Fatalf("Bram heard after he stopped following: %+v", it)
			}
		}
	})
}

// waitNotice waits (bounded) until one of the member's notifications says
// text, and returns that one.
func waitNotice(t *testing.T, c *apptest.Client, text string) notificationJSON {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		items := apiJSON[inboxJSON](t, apiCall(c, http.MethodGet, "/notifications", ""), http.StatusOK).items(t)
		for _, it := range items {
			if it.Text == text {
				return it
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notification says %q: %+v", text, items)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
