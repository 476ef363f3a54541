package app_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"samen/app/apptest"
	"samen/models"
)

// TestBrowserTeamTriagesPlansAndShips: a team member opens the inbox, takes
// a new idea, weighs it and answers it with "planned", finds it with the
// answer on the roadmap, ships it with a changelog entry, and the idea's page
// shows the shipped status, both answers in its history and the link to the
// entry.
func TestBrowserTeamTriagesPlansAndShips(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	ctx := context.Background()
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	bram := srv.User("Bram", "bram@example.com", models.RoleMember)
	srv.User("Bas", "bas@example.com", models.RoleTeam)
	tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
	idea := mustIdea(t, srv, anna, "A kickstand that holds on a slope")
	other := mustIdea(t, srv, bram, "Mudguards that stay quiet")
	if _, _, err := srv.Store.Vote(ctx, idea.ID, bram.ID); err != nil {
		t.Fatal(err)
	}
	row := fmt.Sprintf(`tr.triage-idea[data-id="%d"]`, idea.ID)
	const answer = "We are testing two designs this spring."

	tab := newBrowser(t)
	signInBrowser(t, tab, srv, tess)

	// The inbox opens on the untriaged ideas: both are new.
	resp := step(t, tab, "open the inbox", chromedp.NavigateResponse(srv.URL+"/admin/triage"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /admin/triage answered %d", resp.Status)
	}
	wantCurrentView(t, tab, "untriaged")
	wantViewCounts(t, tab, map[string]string{"untriaged": "2", "mine": "0", "unanswered": "2"})
	wantRows(t, tab, idea.ID, other.ID)
	wantTotal(t, tab, "2 ideas")
	if got := step(t, tab, "read the new badge", chromedp.Text(chromedp.CSS(row+" .badge.new"))); got != "New" {
		t.Fatalf("the idea's badge reads %q, want New", got)
	}
	screenshot(t, tab, "inbox")

	// She assigns the idea to herself: the form offers her by default.
	step(t, tab, "choose the idea", chromedp.Click(chromedp.CSS(fmt.Sprintf("input#pick-%d", idea.ID))))
	if got := step(t, tab, "read the assignee offered", chromedp.Value(chromedp.CSS("select#a-assignee"))); got != itoa(tess.ID) {
		t.Fatalf("the assignee offered is %q, want Tess (%d)", got, tess.ID)
	}
	// The inbox acts in place (htmx); the page is the one a form without
	// JavaScript is led back to.
	if href := clickAndSwap(t, tab, `button[name="do"][value="assign"]`); !strings.HasSuffix(href, "/admin/triage") {
		t.Fatalf("after assigning, the tab shows %s", href)
	}
	wantFlash(t, tab, "The triage is saved.")
	// Assigned is triaged: the idea leaves the Untriaged view, the other stays.
	wantViewCounts(t, tab, map[string]string{"untriaged": "1", "mine": "1", "unanswered": "2"})
	wantRows(t, tab, other.ID)
	// One idea is counted in the singular, not shown as the message's id.
	wantTotal(t, tab, "1 idea")
	screenshot(t, tab, "assigned")

	// In "Assigned to me" she sets impact and effort.
	resp = clickAndWait(t, tab, "nav.triage-views a.view-mine")
	if resp.Status != http.StatusOK {
		t.Fatalf("the view Assigned to me answered %d", resp.Status)
	}
	wantCurrentView(t, tab, "mine")
	wantRows(t, tab, idea.ID)
	if got := step(t, tab, "read the assignee", chromedp.Text(chromedp.CSS(row+" td.assignee"))); got != "Tess" {
		t.Fatalf("the idea is assigned to %q, want Tess", got)
	}
	step(t, tab, "choose the idea", chromedp.Click(chromedp.CSS(fmt.Sprintf("input#pick-%d", idea.ID))))
	step(t, tab, "choose the impact", chromedp.SetValue(chromedp.CSS("select#a-impact"), "4"))
	step(t, tab, "choose the effort", chromedp.SetValue(chromedp.CSS("select#a-effort"), "2"))
	if href := clickAndSwap(t, tab, `button[name="do"][value="weigh"]`); !strings.HasSuffix(href, "/admin/triage?view=mine") {
		t.Fatalf("after weighing, the tab shows %s (want the view)", href)
	}
	wantFlash(t, tab, "The triage is saved.")
	cells := step(t, tab, "read the weights", chromedp.Evaluate[[]string](
		`["votes", "impact", "effort", "score"].map(c => document.querySelector('`+row+` td.' + c).textContent.trim())`))
	// Anna's own vote and Bram's: 2 votes x impact 4 / effort 2.
	if want := []string{"2", "4", "2", "4.0"}; strings.Join(cells, " ") != strings.Join(want, " ") {
		t.Fatalf("votes, impact, effort, score read %q, want %q", cells, want)
	}
	screenshot(t, tab, "weighed")

	// She answers it with "planned", a status with a public answer.
	step(t, tab, "choose the idea", chromedp.Click(chromedp.CSS(fmt.Sprintf("input#pick-%d", idea.ID))))
	step(t, tab, "choose planned", chromedp.SetValue(chromedp.CSS("select#a-status"), "planned"))
	step(t, tab, "write the answer", chromedp.SendKeys(chromedp.CSS("textarea#a-note"), answer))
	if href := clickAndSwap(t, tab, `button[name="do"][value="status"]`); !strings.HasSuffix(href, "/admin/triage?view=mine") {
		t.Fatalf("after answering, the tab shows %s", href)
	}
	wantFlash(t, tab, "The triage is saved.")
	if got := step(t, tab, "read the status", chromedp.Text(chromedp.CSS(row+" .status"))); got != "Planned" {
		t.Fatalf("the idea's status reads %q, want Planned", got)
	}
	if n := step(t, tab, "look for the unanswered badge", chromedp.Evaluate[int](`document.querySelectorAll('`+row+` .badge.unanswered').length`)); n != 0 {
		t.Fatal("the answered idea is still marked unanswered")
	}
	wantViewCounts(t, tab, map[string]string{"untriaged": "1", "mine": "1", "unanswered": "1"})
	screenshot(t, tab, "planned")

	// The roadmap's Planned column holds the idea with the answer.
	resp = step(t, tab, "open the roadmap", chromedp.NavigateResponse(srv.URL+"/roadmap"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /roadmap answered %d", resp.Status)
	}
	card := fmt.Sprintf(`section#column-planned li.roadmap-card[data-id="%d"]`, idea.ID)
	if got := step(t, tab, "read the card", chromedp.Text(chromedp.CSS(card+" h3 a"))); got != idea.Title {
		t.Fatalf("the Planned card reads %q, want %q", got, idea.Title)
	}
	if got := step(t, tab, "read the card's answer", chromedp.Text(chromedp.CSS(card+" .answer-note"))); strings.TrimSpace(got) != answer {
		t.Fatalf("the card's answer reads %q, want %q", got, answer)
	}
	if got := step(t, tab, "read who answered", chromedp.Text(chromedp.CSS(card+" .answer-by"))); got != "Tess" {
		t.Fatalf("the card's answer is by %q, want Tess", got)
	}
	if n := step(t, tab, "count the cards", chromedp.Evaluate[int](`document.querySelectorAll("li.roadmap-card").length`)); n != 1 {
		t.Fatalf("the roadmap shows %d cards, want the planned idea alone", n)
	}
	screenshot(t, tab, "roadmap")

	// She writes a changelog entry linked to the idea and ships it.
	resp = step(t, tab, "open the changelog editor", chromedp.NavigateResponse(srv.URL+"/admin/changelog"))
	if resp.Status != http.StatusOK {
		t.Fatalf("GET /admin/changelog answered %d", resp.Status)
	}
	step(t, tab, "type a title", chromedp.SendKeys(chromedp.CSS("input#entry-title"), "Spring update"))
	step(t, tab, "type the text", chromedp.SendKeys(chromedp.CSS("textarea#entry-body"), "The kickstand now **holds on a slope**."))
	step(t, tab, "link the idea", chromedp.SendKeys(chromedp.CSS("input#entry-ideas"), itoa(idea.ID)))
	screenshot(t, tab, "entry")
	resp = clickAndWait(t, tab, `button[name="do"][value="ship"]`)
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/changelog/") || strings.Contains(resp.URL, "/admin/") {
		t.Fatalf("after shipping: %d %s (want the published entry)", resp.Status, resp.URL)
	}
	entryPath := resp.URL[strings.Index(resp.URL, "/changelog/"):]
	screenshot(t, tab, "shipped")

	// The idea's page: shipped, both answers in order, the link to the entry.
	resp = clickAndWait(t, tab, fmt.Sprintf(`.delivered-idea[data-id="%d"] a`, idea.ID))
	if resp.Status != http.StatusOK || !strings.Contains(resp.URL, fmt.Sprintf("/ideas/%d/", idea.ID)) {
		t.Fatalf("the idea answered %d %s", resp.Status, resp.URL)
	}
	if got := step(t, tab, "read the status", chromedp.Text(chromedp.CSS(".idea-header .status"))); got != "Shipped" {
		t.Fatalf("the idea is %q, want Shipped", got)
	}
	history := step(t, tab, "read the history", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".history li.answer-entry")).map(li => li.querySelector(".status").textContent.trim() + " | " + li.querySelector(".answer-by").textContent.trim())`))
	if want := []string{"Planned | Tess", "Shipped | Tess"}; strings.Join(history, "; ") != strings.Join(want, "; ") {
		t.Fatalf("the history reads %q, want %q", history, want)
	}
	if got := step(t, tab, "read the planned answer", chromedp.Text(chromedp.CSS(".history li.answer-entry:first-child .answer-note"))); strings.TrimSpace(got) != answer {
		t.Fatalf("the planned answer in the history reads %q, want %q", got, answer)
	}
	href := step(t, tab, "read the link to the entry", chromedp.AttributeValue(chromedp.CSS(".shipped-in a"), "href"))
	if href.Value != entryPath {
		t.Fatalf(`"shipped in" links %q, want %q`, href.Value, entryPath)
	}
	// The triage card still says who has it and how it weighs.
	fields := step(t, tab, "read the triage card", chromedp.Evaluate[[]string](
		`["assignee", "impact", "effort"].map(c => document.querySelector(".triage-card dd." + c).textContent.trim())`))
	if want := []string{"Tess", "4", "2"}; strings.Join(fields, " ") != strings.Join(want, " ") {
		t.Fatalf("the triage card reads %q, want %q", fields, want)
	}
	screenshot(t, tab, "idea-shipped")
}

// wantCurrentView checks which view of the inbox is marked as the page.
func wantCurrentView(t *testing.T, tab context.Context, view string) {
	t.Helper()
	got := step(t, tab, "read the current view", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll('nav.triage-views a[aria-current="page"]')).map(a => a.className)`))
	if len(got) != 1 || !strings.Contains(got[0], "view-"+view) {
		t.Fatalf("the current views are %q, want view-%s alone", got, view)
	}
}

// wantViewCounts checks the counts the inbox shows for some of its views.
func wantViewCounts(t *testing.T, tab context.Context, want map[string]string) {
	t.Helper()
	for view, n := range want {
		got := step(t, tab, "read the count of "+view, chromedp.AttributeValue(chromedp.CSS("nav.triage-views a.view-"+view+" .count"), "data-count"))
		if got.Value != n {
			t.Errorf("the view %s counts %q, want %s", view, got.Value, n)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// wantRows checks the ideas the inbox lists, in any order.
func wantRows(t *testing.T, tab context.Context, ids ...int64) {
	t.Helper()
	got := step(t, tab, "read the inbox's rows", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("tr.triage-idea")).map(tr => tr.dataset.id)`))
	want := make([]string, len(ids))
	for i, id := range ids {
		want[i] = itoa(id)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("the inbox lists ideas %q, want %q", got, want)
	}
}

// wantTotal checks the line that counts the ideas of the view.
func wantTotal(t *testing.T, tab context.Context, want string) {
	t.Helper()
	if got := step(t, tab, "read the total", chromedp.Text(chromedp.CSS("form.triage-inbox p.triage-total"))); got != want {
		t.Fatalf("the inbox's total reads %q, want %q", got, want)
	}
}

// wantFlash checks the page's one message.
func wantFlash(t *testing.T, tab context.Context, want string) {
	t.Helper()
	got := step(t, tab, "read the messages", chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll(".flash")).map(p => p.textContent.trim())`))
	if len(got) != 1 || got[0] != want {
		t.Fatalf("the page's messages are %q, want [%q]", got, want)
	}
}
