package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// signInBrowser gives the browser a session minted in the store, as sign-in
// itself has journeys of its own.
func signInBrowser(t *testing.T, tab context.Context, srv *apptest.Server, u *models.User) {
	t.Helper()
	token, _, err := srv.Store.CreateSession(context.Background(), u.ID, "chromium", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, network.SetCookie, network.SetCookieParams{Name: "samen_session", Value: token, URL: srv.URL}); err != nil {
		t.Fatalf("set the session cookie: %v", err)
	}
}

// TestBrowserProposeVoteAndCommentWithoutJavaScript works with scripts off:
// every action is a plain form.
func TestBrowserProposeVoteAndCommentWithoutJavaScript(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	other := srv.User("Bram", "bram@example.com", models.RoleMember)
	existing, err := srv.Store.CreateIdea(context.Background(), other, models.NewIdea{Title: "Integrated lights in the frame"})
	if err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t)
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatalf("disable JavaScript: %v", err)
	}
	signInBrowser(t, tab, srv, srv.User("Anna", "anna@example.com", models.RoleMember))

	step(t, tab, "open the form", chromedp.NavigateResponse(srv.URL+"/ideas/new"))
	step(t, tab, "type a title", chromedp.SendKeys(chromedp.CSS("input#title"), "Child seat on the rear rack"))
	step(t, tab, "type details", chromedp.SendKeys(chromedp.CSS("textarea#body"), "Room for a **child seat**."))
	resp := clickAndWait(t, tab, "button[type=submit].primary")
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/ideas/") {
		t.Fatalf("after posting: %d %s", resp.Status, resp.URL)
	}
	if h := step(t, tab, "read the title", chromedp.Text(chromedp.CSS("article.idea h1"))); h != "Child seat on the rear rack" {
		t.Fatalf("idea page shows %q", h)
	}
	if htmx := step(t, tab, "htmx is not running", chromedp.Evaluate[string](`typeof window.htmx`)); htmx != "undefined" {
		t.Fatalf("scripts ran: typeof htmx = %q", htmx)
	}

	// Comment with a plain form.
	step(t, tab, "write a comment", chromedp.SendKeys(chromedp.CSS("textarea#comment-body"), "My kids would love this"))
	clickAndWait(t, tab, "form.comment-form button[type=submit]")
	if c := step(t, tab, "read the comment", chromedp.Text(chromedp.CSS(".comments li.comment .markdown"))); strings.TrimSpace(c) != "My kids would love this" {
		t.Fatalf("comment shows %q", c)
	}

	// Vote for someone else's idea from the list with a plain form.
	step(t, tab, "open the list", chromedp.NavigateResponse(srv.URL+"/?sort=new"))
	row := "li.idea-row[data-id='" + itoa(existing.ID) + "']"
	clickAndWait(t, tab, row+" button.vote-button")
	if n := step(t, tab, "read the votes", chromedp.Text(chromedp.CSS(row+" .vote-count"))); n != "2" {
		t.Fatalf("after voting the list shows %q votes", n)
	}
	screenshot(t, tab, "voted-without-js")
}

// TestBrowserVoteInPlace votes with htmx: the count changes and the page
// does not load again.
func TestBrowserVoteInPlace(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	other := srv.User("Bram", "bram@example.com", models.RoleMember)
	idea, err := srv.Store.CreateIdea(context.Background(), other, models.NewIdea{Title: "Remaining range in kilometres"})
	if err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t)
	signInBrowser(t, tab, srv, srv.User("Anna", "anna@example.com", models.RoleMember))
	step(t, tab, "open the list", chromedp.NavigateResponse(srv.URL+"/"))
	wantAssetsLoaded(t, tab)
	step(t, tab, "mark this page", chromedp.Evaluate[bool](`window.samenMarker = true`))

	row := "li.idea-row[data-id='" + itoa(idea.ID) + "']"
	step(t, tab, "vote", chromedp.Click(chromedp.CSS(row+" button.vote-button")))
	step(t, tab, "wait for the new count", chromedp.WaitVisible(chromedp.CSS(row+" button.vote-button.voted")))
	if n := step(t, tab, "read the votes", chromedp.Text(chromedp.CSS(row+" .vote-count"))); n != "2" {
		t.Fatalf("count after voting: %q", n)
	}
	if same := step(t, tab, "the page stayed", chromedp.Evaluate[bool](`window.samenMarker === true`)); !same {
		t.Fatal("voting loaded a new page")
	}
	screenshot(t, tab, "voted-in-place")

	// And back.
	step(t, tab, "withdraw", chromedp.Click(chromedp.CSS(row+" button.vote-button.voted")))
	step(t, tab, "wait for the withdrawn vote", chromedp.WaitVisible(chromedp.CSS(row+" button.vote-button:not(.voted)")))
	if n := step(t, tab, "read the votes", chromedp.Text(chromedp.CSS(row+" .vote-count"))); n != "1" {
		t.Fatalf("count after withdrawing: %q", n)
	}
	// The author's own vote is still there: voting again changes nothing.
	if cast, _, err := srv.Store.Vote(context.Background(), idea.ID, other.ID); err != nil || cast {
		t.Fatalf("the author's own vote is gone: cast=%v %v", cast, err)
	}
}
