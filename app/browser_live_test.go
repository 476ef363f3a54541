package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserLivePageShowsOthersVotesAndAnswers: Anna keeps her idea's page
// open in one browser; Bram votes on it in another; the team answers. Anna's
// page shows the new count, the answer and the unread badge as they happen,
// without a reload.
func TestBrowserLivePageShowsOthersVotesAndAnswers(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	bram := srv.User("Bram", "bram@example.com", models.RoleMember)
	tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
	idea := mustIdea(t, srv, anna, "A lock that opens with the phone")
	path := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)
	vote := fmt.Sprintf("#vote-%d", idea.ID)

	a := newBrowser(t)
	signInBrowser(t, a, srv, anna)
	if resp := step(t, a, "open the idea", chromedp.NavigateResponse(srv.URL+path)); resp.Status != http.StatusOK {
		t.Fatalf("the idea's page answered %d", resp.Status)
	}
	step(t, a, "wait for the stream", chromedp.WaitVisible(chromedp.CSS(`body[data-live-state="open"]`)))
	// A mark that a reload would wipe out.
	step(t, a, "mark the page", chromedp.Evaluate[bool](`window.samenNotReloaded = true`))

	b := newBrowser(t)
	signInBrowser(t, b, srv, bram)
	step(t, b, "open the idea", chromedp.NavigateResponse(srv.URL+path))
	step(t, b, "vote", chromedp.Click(chromedp.CSS(vote+" button.vote-button")))
	step(t, b, "wait for the vote", chromedp.WaitVisible(chromedp.CSS(vote+" button.vote-button.voted")))

	want := fmt.Sprint(idea.Votes + 1)
	waitFor(t, a, "the new count", fmt.Sprintf(`document.querySelector(%q).textContent === %q`, vote+" .vote-count", want))
	if label := step(t, a, "read the count's label", chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector(%q).getAttribute("aria-label")`, vote+" .vote-count"))); label != want+" votes" {
		t.Fatalf("the count's label reads %q", label)
	}

	// The team answers; Anna's page shows the answer and her badge.
	team := srv.SignedIn(tess)
	team.Get(path)
	r := team.PostForm(fmt.Sprintf("/ideas/%d/comments", idea.ID), url.Values{"body": {"We are testing one with two suppliers."}})
	wantStatus(t, r, http.StatusSeeOther)
	fragment := r.Header.Get("Location")[len(path)+1:]
	waitFor(t, a, "the answer", fmt.Sprintf(`!!document.querySelector("ol.comments > li#%s .markdown")`, fragment))
	if got := step(t, a, "read the answer", chromedp.Text(chromedp.CSS("#"+fragment+" .markdown"))); got != "We are testing one with two suppliers." {
		t.Fatalf("the answer reads %q", got)
	}
	waitFor(t, a, "the badge", `(document.querySelector(".inbox-link .unread-badge") || {}).textContent === "1"`)
	if got := step(t, a, "read the badge's words", chromedp.Text(chromedp.CSS(".inbox-link .visually-hidden"))); got != "(1 unread)" {
		t.Fatalf("the badge says %q to screen readers", got)
	}
	if !step(t, a, "check the page was not reloaded", chromedp.Evaluate[bool](`window.samenNotReloaded === true`)) {
		t.Fatal("the page was reloaded")
	}
	screenshot(t, a, "live-page")
}

// waitFor polls a tab until a JavaScript condition holds, failing t after a
// deadline far above what a loaded machine needs.
func waitFor(t *testing.T, tab context.Context, what, condition string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if ok := step(t, tab, "check "+what, chromedp.Evaluate[bool](condition)); ok {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never showed: %s", what, condition)
}
