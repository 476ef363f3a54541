package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserVoterHearsTheIdeaShipped: a member votes on an idea, which
// follows it; a team member ships it with an answer; the member sees the
// unread count in the header, opens the notification and lands on the
// idea's page, shipped, with nothing left unread.
func TestBrowserVoterHearsTheIdeaShipped(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	bram := srv.User("Bram", "bram@example.com", models.RoleMember)
	tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
	idea := mustIdea(t, srv, bram, "A bell you can hear in traffic")
	page := fmt.Sprintf("%s/ideas/%d/%s", srv.URL, idea.ID, idea.Slug)
	vote := fmt.Sprintf("#vote-%d", idea.ID)

	tab := newBrowser(t)
	signInBrowser(t, tab, srv, anna)
	if resp := step(t, tab, "open the idea", chromedp.NavigateResponse(page)); resp.Status != http.StatusOK {
		t.Fatalf("the idea's page answered %d", resp.Status)
	}
	step(t, tab, "vote", chromedp.Click(chromedp.CSS(vote+" button.vote-button")))
	step(t, tab, "wait for the vote", chromedp.WaitVisible(chromedp.CSS(vote+" button.vote-button.voted")))
	// Voting followed the idea: the follow button changed with the vote, and stays so.
	step(t, tab, "wait for the follow button", chromedp.WaitVisible(chromedp.CSS(`form.follow-form button[aria-pressed="true"]`)))
	step(t, tab, "reload", chromedp.Reload())
	if got := step(t, tab, "read the follow button", chromedp.Text(chromedp.CSS(`form.follow-form button[aria-pressed="true"]`))); got != "Following" {
		t.Fatalf("after voting the follow button reads %q, want Following", got)
	}
	if n := step(t, tab, "count the badges", chromedp.Evaluate[int](`document.querySelectorAll(".unread-badge").length`)); n != 0 {
		t.Fatalf("%d unread badges before anything happened", n)
	}

	// Tess ships the idea from its page.
	signInBrowser(t, tab, srv, tess)
	step(t, tab, "open the idea as the team", chromedp.NavigateResponse(page))
	step(t, tab, "choose shipped", chromedp.SetValue(chromedp.CSS("select#new-status"), "shipped"))
	step(t, tab, "write the answer", chromedp.SendKeys(chromedp.CSS("textarea#status-note"), "In every bike from May."))
	resp := clickAndWait(t, tab, fmt.Sprintf(`form[action="/ideas/%d/status"] button[type=submit]`, idea.ID))
	if resp.Status != http.StatusOK {
		t.Fatalf("after shipping: %d %s", resp.Status, resp.URL)
	}

	// Anna sees the count in the header once the job has told her.
	signInBrowser(t, tab, srv, anna)
	deadline := time.Now().Add(10 * time.Second)
	badge := ""
	for badge == "" && time.Now().Before(deadline) {
		step(t, tab, "open the home page", chromedp.NavigateResponse(srv.URL+"/"))
		badge = step(t, tab, "read the badge", chromedp.Evaluate[string](
			`(document.querySelector("header .inbox-link .unread-badge") || {textContent: ""}).textContent.trim()`))
		if badge == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if badge != "1" {
		t.Fatalf("the header's unread count reads %q, want 1", badge)
	}
	screenshot(t, tab, "badge")

	resp = clickAndWait(t, tab, "header a.inbox-link")
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/me/notifications") {
		t.Fatalf("the inbox: %d %s", resp.Status, resp.URL)
	}
	text := step(t, tab, "read the notification", chromedp.Text(chromedp.CSS("li.notification.unread a.notification-link")))
	if want := "Tess moved “A bell you can hear in traffic” to Shipped"; text != want {
		t.Fatalf("the notification reads %q, want %q", text, want)
	}
	screenshot(t, tab, "inbox")

	resp = clickAndWait(t, tab, "li.notification.unread a.notification-link")
	if resp.Status != http.StatusOK || resp.URL != page {
		t.Fatalf("the notification led to %d %s, want %s", resp.Status, resp.URL, page)
	}
	if got := step(t, tab, "read the title", chromedp.Text(chromedp.CSS("article.idea h1"))); got != idea.Title {
		t.Fatalf("landed on %q", got)
	}
	if got := step(t, tab, "read the status", chromedp.Text(chromedp.CSS("article.idea .meta .status"))); got != "Shipped" {
		t.Fatalf("the idea's status reads %q, want Shipped", got)
	}
	if n := step(t, tab, "count the badges", chromedp.Evaluate[int](`document.querySelectorAll(".unread-badge").length`)); n != 0 {
		t.Fatalf("%d unread badges after reading the notification", n)
	}
	screenshot(t, tab, "landed")
}
