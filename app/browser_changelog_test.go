package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserShipWithAChangelogEntry: a team member writes a changelog entry
// linked to a planned idea, saves it as a draft, publishes it with "ship",
// and the idea's page shows the shipped status, the answer in its history and
// the link to the entry.
func TestBrowserShipWithAChangelogEntry(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
	idea := mustIdea(t, srv, anna, "Brighter rear lights for winter")
	if _, err := srv.Store.SetStatus(t.Context(), idea.ID, tess, "planned", "This winter."); err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t)
	signInBrowser(t, tab, srv, tess)

	step(t, tab, "open the editor", chromedp.NavigateResponse(srv.URL+"/admin/changelog"))
	step(t, tab, "type a title", chromedp.SendKeys(chromedp.CSS("input#entry-title"), "Winter update"))
	step(t, tab, "type the text", chromedp.SendKeys(chromedp.CSS("textarea#entry-body"), "Rear lights are **twice as bright**."))
	step(t, tab, "link the idea", chromedp.SendKeys(chromedp.CSS("input#entry-ideas"), itoa(idea.ID)))
	resp := clickAndWait(t, tab, `button[name="do"][value="save"]`)
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/admin/changelog/") {
		t.Fatalf("after saving the draft: %d %s", resp.Status, resp.URL)
	}
	if got := step(t, tab, "read the draft badge", chromedp.Text(chromedp.CSS(".meta .badge.draft"))); got != "Draft" {
		t.Fatalf("the draft is marked %q", got)
	}
	screenshot(t, tab, "draft")

	resp = clickAndWait(t, tab, `button[name="do"][value="ship"]`)
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/changelog/") {
		t.Fatalf("after publishing: %d %s", resp.Status, resp.URL)
	}
	entryPath := resp.URL[strings.Index(resp.URL, "/changelog/"):]
	if got := step(t, tab, "read the credits", chromedp.Text(chromedp.CSS(".credits a.credit"))); got != "Anna" {
		t.Fatalf("the entry credits %q", got)
	}
	screenshot(t, tab, "published")

	// From the entry to the idea it delivers.
	resp = clickAndWait(t, tab, fmt.Sprintf(`.delivered-idea[data-id="%d"] a`, idea.ID))
	if resp.Status != http.StatusOK {
		t.Fatalf("the idea answered %d", resp.Status)
	}
	// The message "published" was for the page before.
	if n := step(t, tab, "count messages", chromedp.Evaluate[int](`document.querySelectorAll(".flash").length`)); n != 0 {
		t.Fatalf("the idea page shows %d messages", n)
	}
	if got := step(t, tab, "read the status", chromedp.Text(chromedp.CSS(".idea-header .status"))); got != "Shipped" {
		t.Fatalf("the idea is %q", got)
	}
	if got := step(t, tab, "read the history", chromedp.Text(chromedp.CSS(".history ol"))); !strings.Contains(got, "Planned") || !strings.Contains(got, "Shipped") {
		t.Fatalf("the history reads %q", got)
	}
	href := step(t, tab, "read the link to the entry", chromedp.AttributeValue(chromedp.CSS(".shipped-in a"), "href"))
	if href.Value != entryPath {
		t.Fatalf(`"shipped in" links %q, want %q`, href.Value, entryPath)
	}
	if got := step(t, tab, "read the answer", chromedp.Text(chromedp.CSS(".team-answer a"))); got != "Winter update" {
		t.Fatalf("the team's answer links %q", got)
	}
	screenshot(t, tab, "idea-shipped")
}
