package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserReportHandledFromQueue: a member reports a comment from the
// idea page; a moderator, in another browser, finds it in the review queue,
// hides it and sees the decision in the audit log; the member then reads the
// outcome on their account page and finds the comment hidden.
func TestBrowserReportHandledFromQueue(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	ctx := context.Background()
	bram := srv.User("Bram", "bram@example.com", models.RoleMember)
	carla := srv.User("Carla", "carla@example.com", models.RoleMember)
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	mona := srv.User("Mona", "mona@example.com", models.RoleModerator)
	idea, err := srv.Store.CreateIdea(ctx, bram, models.NewIdea{Title: "A bell you can hear in traffic"})
	if err != nil {
		t.Fatal(err)
	}
	const spam = "Cheap bells at bells-outlet dot example, order now"
	comment, err := srv.Store.CreateComment(ctx, idea.ID, carla, models.NewComment{Body: spam})
	if err != nil {
		t.Fatal(err)
	}
	ideaPage := fmt.Sprintf("%s/ideas/%d/%s", srv.URL, idea.ID, idea.Slug)
	li := fmt.Sprintf("li#comment-%d", comment.ID)

	member := newBrowser(t)
	signInBrowser(t, member, srv, anna)
	moderator := newBrowser(t)
	signInBrowser(t, moderator, srv, mona)

	// The member reports the comment from the idea page.
	step(t, member, "open the idea", chromedp.NavigateResponse(ideaPage))
	step(t, member, "open the report form", chromedp.Click(chromedp.CSS(li+" details.report > summary")))
	step(t, member, "wait for the reasons", chromedp.WaitVisible(chromedp.CSS(li+` details.report input[name=reason][value="spam"]`)))
	step(t, member, "choose spam", chromedp.Click(chromedp.CSS(li+` details.report input[name=reason][value="spam"]`)))
	screenshot(t, member, "report-form")
	resp := clickAndWait(t, member, li+" details.report button[type=submit]")
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, fmt.Sprintf("/ideas/%d/", idea.ID)) {
		t.Fatalf("after reporting: %d %s", resp.Status, resp.URL)
	}
	if got := step(t, member, "read the flash", chromedp.Text(chromedp.CSS("p.flash"))); !strings.HasPrefix(got, "Thank you.") {
		t.Fatalf("after reporting the flash reads %q", got)
	}
	screenshot(t, member, "reported")

	// The moderator finds it in the queue and hides it.
	item := fmt.Sprintf("li.queue-item#queue-comment-%d", comment.ID)
	resp = step(t, moderator, "open the queue", chromedp.NavigateResponse(srv.URL+"/mod"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /mod answered %d", resp.Status)
	}
	if got := step(t, moderator, "read the reported comment", chromedp.Text(chromedp.CSS(item+" .markdown.quoted"))); strings.TrimSpace(got) != spam {
		t.Fatalf("the queue item quotes %q, want %q", got, spam)
	}
	if got := step(t, moderator, "read the report", chromedp.Text(chromedp.CSS(item+" ul.reports li"))); !strings.Contains(got, "Anna") || !strings.Contains(got, "Spam") {
		t.Fatalf("the queue item's report reads %q, want Anna's spam report", got)
	}
	step(t, moderator, "give a reason", chromedp.SendKeys(chromedp.CSS(item+" input[name=reason]"), "Advertising"))
	screenshot(t, moderator, "queue")
	resp = clickAndWait(t, moderator, item+` button[name=action][value="hide"]`)
	if resp.Status != http.StatusOK || !strings.HasSuffix(resp.URL, "/mod") {
		t.Fatalf("after hiding: %d %s", resp.Status, resp.URL)
	}
	if got := step(t, moderator, "read the flash", chromedp.Text(chromedp.CSS("p.flash"))); !strings.HasPrefix(got, "Decision recorded.") {
		t.Fatalf("after hiding the flash reads %q", got)
	}
	if n := step(t, moderator, "count the queue", chromedp.Evaluate[int](`document.querySelectorAll("li.queue-item").length`)); n != 0 {
		t.Fatalf("the queue still shows %d items after the decision", n)
	}
	screenshot(t, moderator, "decided")

	// The audit log says who hid it and why.
	resp = step(t, moderator, "open the audit log", chromedp.NavigateResponse(srv.URL+"/mod/audit"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /mod/audit answered %d", resp.Status)
	}
	row := `tr.audit-entry[data-action="comment.hide"]`
	cells := step(t, moderator, "read the audit entry", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('`+row+`')).map(tr => tr.cells[1].textContent.trim() + " | " + tr.cells[3].textContent.trim())`))
	if len(cells) != 1 || cells[0] != "Mona hid a comment | Advertising" {
		t.Fatalf("audit entries for comment.hide (what | reason): %q, want [\"Mona hid a comment | Advertising\"]", cells)
	}
	screenshot(t, moderator, "audit")

	// The member reads the outcome, and the comment is hidden for them.
	resp = step(t, member, "open my account", chromedp.NavigateResponse(srv.URL+"/me"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /me answered %d", resp.Status)
	}
	if got := step(t, member, "read the outcome", chromedp.Text(chromedp.CSS("ul.my-reports li.my-report .outcome"))); got != "reviewed and hidden" {
		t.Fatalf("the report's outcome reads %q, want %q", got, "reviewed and hidden")
	}
	screenshot(t, member, "outcome")
	step(t, member, "open the idea again", chromedp.NavigateResponse(ideaPage))
	if got := step(t, member, "read the comment", chromedp.Text(chromedp.CSS(li+" p.tombstone"))); got != "This comment was hidden by a moderator." {
		t.Fatalf("the hidden comment reads %q", got)
	}
	if n := step(t, member, "look for the text", chromedp.Evaluate[int](`document.querySelectorAll("`+li+` .markdown").length`)); n != 0 {
		t.Fatal("the hidden comment's text is still shown to the member")
	}
	screenshot(t, member, "hidden")
}
