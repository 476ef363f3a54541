package app_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"samen/app"
	"samen/app/apptest"
	"samen/models"
)

// The accessibility and phone tests (docs/accessibility.md) open every HTML
// page of the route table as a visitor, a member, a moderator and an admin,
// in both themes and both languages, and run axe-core in each; then at 320
// and 360 px wide and look for anything wider than the screen.

// axeSource is axe-core, vendored as a test asset (testdata/axe/README.md).
// DevTools evaluates it in the page, which the Content-Security-Policy does
// not govern; it is never served.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// a11yExempt are the GET routes that are no HTML page of their own, with the
// reason; a route whose path ends in a file's extension (fileRoute) is
// exempt as well. A page without parameters is opened as it is; one with
// parameters must have its case in a11yFixture.paths, so that a new page is
// checked (or exempted here, with a reason) on purpose.
var a11yExempt = map[string]string{
	"/static/*":                      "files: stylesheets, scripts, images",
	"/healthz":                       "plain-text probe",
	"/readyz":                        "plain-text probe",
	"/metrics":                       "Prometheus text",
	"/ideas/similar":                 "htmx fragment, shown inside /ideas/new",
	"/ideas/:id/share.png":           "image",
	"/changelog/share.png":           "image",
	"/changelog/:id/share.png":       "image",
	"/roadmap/share.png":             "image",
	"/statuses.css":                  "stylesheet",
	"/branding.css":                  "stylesheet",
	"/branding/logo.png":             "image",
	"/branding/favicon.png":          "image",
	"/branding/apple-touch-icon.png": "image",
	"/feeds/ideas.atom":              "Atom feed",
	"/feeds/ideas/:id.atom":          "Atom feed",
	"/feeds/changelog.atom":          "Atom feed",
	"/feeds/roadmap.atom":            "Atom feed",
	"/auth/:provider":                "redirects to the sign-in provider",
	"/auth/:provider/callback":       "redirects after signing in",
	"/me/notifications/:id":          "marks read and redirects to what the notification is about",
	"/admin/export/ideas.csv":        "CSV download",
	"/images/:key":                   "image file",
	"/me/export":                     "JSON download of the member's data",
	"/live":                          "event stream of live pages, not a page",
}

// a11yRole is one of the standings the pages are checked for.
type a11yRole struct {
	name     string
	standing models.Standing
	user     *models.User // nil for the visitor
	ownIdea  *models.Idea // an idea of theirs, for its edit page
}

// a11yFixture is a community with something on every page: the demo data,
// and an idea with comments, a status answer, followers and a report.
type a11yFixture struct {
	srv     *apptest.Server
	roles   []a11yRole
	idea    *models.Idea
	entry   *models.ChangelogEntry
	member  *models.User
	webhook *models.Webhook
	// voting is a campaign of points in its voting phase; taking takes ideas,
	// with questions.
	voting, taking *models.Campaign
	// reviewed is in review, with a decision drafted.
	reviewed *models.Campaign
	// openRound asks Anna (a voter) on the idea; closedRound has her answers.
	openRound, closedRound *models.Round
	signInAt               string // the path of a sign-in link's page
	unsubAt                string // the path of an unsubscribe link's page
}

func newA11yFixture(t *testing.T) *a11yFixture {
	t.Helper()
	ctx := context.Background()
	srv := apptest.New(t, models.SQLite, "SAMEN_RATE_LIMITS=off", "SAMEN_WEBHOOK_ALLOW_PRIVATE=true")
	if _, err := srv.Store.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	anna := srv.User("Anna", "anna@example.com", models.RoleMember)
	mona := srv.User("Mona", "mona@example.com", models.RoleModerator)
	ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
	f := &a11yFixture{srv: srv, member: anna}
	if _, err := srv.Store.SaveSettings(ctx, ada, models.DefaultSettings.Form(), true); err != nil {
		t.Fatal(err) // publish the public moderation log
	}

	// Images on the idea and on a reply: their edit forms list them to keep.
	attach := func(alt string) int64 {
		img, err := srv.Store.UploadImage(ctx, anna, models.NewImage{Data: pngOf(t, photo(480, 320)), Alt: alt})
		if err != nil {
			t.Fatal(err)
		}
		return img.ID
	}
	idea, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{
		Title:  "A bell you can hear in traffic, even on a windy day in Rotterdam",
		Body:   "The bell is too quiet. A **louder** bell, see https://example.com/a/very/long/address/that/does/not/break/anywhere/at/all/on/a/small/screen",
		Images: []int64{attach("The bell on the handlebar")},
	})
	if err != nil {
		t.Fatal(err)
	}
	// An edit, for the history's words deleted and inserted.
	edited := strings.Replace(idea.Body, "A **louder** bell", "A **louder** bell with two tones", 1)
	if idea, err = srv.Store.UpdateIdea(ctx, idea.ID, anna, models.IdeaUpdate{Body: &edited}); err != nil {
		t.Fatal(err)
	}
	f.idea = idea
	comment, err := srv.Store.CreateComment(ctx, idea.ID, mona, models.NewComment{Body: "Good point, @Anna. Which model do you ride?"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.CreateComment(ctx, idea.ID, anna, models.NewComment{Body: "The city one.", ParentID: &comment.ID, Images: []int64{attach("The city bike")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.Store.SetStatus(ctx, idea.ID, ada, "planned", "We will look at **louder** bells this spring."); err != nil {
		t.Fatal(err)
	}
	for _, u := range []*models.User{anna, mona, ada} {
		if err := srv.Store.Follow(ctx, idea.ID, u, true); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := srv.Store.CreateReport(ctx, anna, models.NewReport{Target: models.TargetComment, ID: comment.ID, Reason: models.ReportSpam, Note: "Looks like an advert"}); err != nil {
		t.Fatal(err)
	}
	title, body, publish := "Louder bells", "The new bell rings at 90 dB.", true
	entry, err := srv.Store.CreateChangelogEntry(ctx, ada, models.ChangelogInput{Title: &title, Body: &body, Ideas: &[]int64{idea.ID}, Publish: &publish})
	if err != nil {
		t.Fatal(err)
	}
	f.entry = entry
	if f.webhook, err = srv.Store.CreateWebhook(ctx, ada, models.NewWebhook{URL: "http://127.0.0.1:9/samen", Events: []string{models.EventIdeaMerged}}); err != nil {
		t.Fatal(err)
	}
	campaign := func(title string, budget int, phases ...models.Phase) *models.Campaign {
		brief := "Tell us how **you** lock your bike."
		questions := []models.QuestionInput{
			{Kind: models.QuestionChoice, Prompt: "Where do you park?", Choices: []string{"Street", "Shed"}, Required: true},
			{Kind: models.QuestionNumber, Prompt: "How many locks do you carry?"},
			{Kind: models.QuestionText, Prompt: "Anything else?"},
		}
		c, err := srv.Store.CreateCampaign(ctx, ada, models.CampaignInput{Title: &title, Brief: &brief, Budget: &budget, Questions: &questions})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range phases {
			if c, err = srv.Store.MoveCampaign(ctx, c.ID, ada, p); err != nil {
				t.Fatal(err)
			}
			if p == models.PhaseSubmission {
				if _, err := srv.Store.CreateIdea(ctx, mona, models.NewIdea{Title: "A lock that knows my phone", Campaign: c.Slug,
					Answers: map[int]string{1: "Shed", 2: "2"}}); err != nil {
					t.Fatal(err)
				}
			}
		}
		return c
	}
	f.voting = campaign("How should the next lock work?", 10, models.PhaseSubmission, models.PhaseVoting)
	f.taking = campaign("What should the next bell sound like?", 0, models.PhaseSubmission)
	f.reviewed = campaign("Which light next?", 0, models.PhaseSubmission, models.PhaseVoting, models.PhaseReview)
	entries, err := srv.Store.CampaignIdeas(ctx, f.reviewed, ada)
	if err != nil || len(entries) == 0 {
		t.Fatalf("the reviewed campaign's ideas: %v", err)
	}
	if err := srv.Store.SetCampaignResult(ctx, ada, f.reviewed, entries[0].Idea.ID, models.DecisionChosen, "We build **this** one."); err != nil {
		t.Fatal(err)
	}

	round := func(title string) *models.Round {
		closes := srv.Store.Now().Add(72 * time.Hour)
		r, err := srv.Store.OpenRound(ctx, ada, idea.ID, models.RoundInput{Title: title, Intro: "Ride the **new** bell for a week.", ClosesAt: &closes,
			Questions: []models.AskInput{
				{Kind: models.AskRating, Prompt: "How loud is it?", Required: true},
				{Kind: models.AskYesNo, Prompt: "Would you keep it?"},
				{Kind: models.AskText, Prompt: "Anything else?"},
			}})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	f.openRound = round("The prototype bell")
	f.closedRound = round("The first prototype")
	if _, err := srv.Store.Respond(ctx, anna, f.closedRound.ID, map[int]string{1: "4", 2: "yes", 3: "Loud enough."}); err != nil {
		t.Fatal(err)
	}
	if f.closedRound, err = srv.Store.CloseRound(ctx, ada, f.closedRound.ID); err != nil {
		t.Fatal(err)
	}

	f.roles = []a11yRole{{name: "visitor", standing: models.Visitor}}
	for _, r := range []struct {
		name string
		u    *models.User
	}{{"member", anna}, {"moderator", mona}, {"admin", ada}} {
		own := idea
		if r.u != anna {
			if own, err = srv.Store.CreateIdea(ctx, r.u, models.NewIdea{Title: "An idea of " + r.u.Name}); err != nil {
				t.Fatal(err)
			}
		}
		f.roles = append(f.roles, a11yRole{name: r.name, standing: models.Standing(r.u.Role), user: r.u, ownIdea: own})
	}

	// A sign-in link's page, as the dev mailer logs it.
	c := srv.Client()
	c.Get("/login")
	if r := c.PostForm("/auth/email", url.Values{"email": {"newcomer@example.com"}, "next": {"/"}}); r.StatusCode != http.StatusOK {
		t.Fatalf("ask for a sign-in link: %d", r.StatusCode)
	}
	f.signInAt = strings.TrimPrefix(srv.WaitLog(linkInLog, 1), srv.URL)
	token, err := srv.Store.UnsubscribeToken(ctx, anna.ID, []string{models.NotifyReply})
	if err != nil {
		t.Fatal(err)
	}
	f.unsubAt = "/unsubscribe/" + token
	return f
}

// a11yPage is one page to open.
type a11yPage struct {
	route  string // the route pattern, "" for pages of no route (errors)
	path   string
	status int
}

// paths returns the pages to open for a route, as role: a route with
// parameters needs its case here.
func (f *a11yFixture) paths(route string, role a11yRole) ([]string, bool) {
	idea := fmt.Sprintf("/ideas/%d/%s", f.idea.ID, f.idea.Slug)
	switch route {
	case "/":
		return []string{"/", "/?sort=new&status=planned&category=frame"}, true
	case "/search":
		return []string{"/search", "/search?q=bell"}, true
	case "/admin/analytics":
		return []string{"/admin/analytics", "/admin/analytics?from=2026-01-01&to=2026-12-31"}, true
	case "/ideas/:id/edit":
		if role.ownIdea == nil {
			return nil, true // a visitor has none
		}
		return []string{fmt.Sprintf("/ideas/%d/edit", role.ownIdea.ID)}, true
	case "/ideas/:id/:slug?":
		return []string{idea}, true
	case "/members/:id", "/mod/members/:id":
		return []string{strings.Replace(route, ":id", fmt.Sprint(f.member.ID), 1)}, true
	case "/changelog/:id", "/admin/changelog/:id":
		return []string{strings.Replace(route, ":id", fmt.Sprint(f.entry.ID), 1)}, true
	case "/campaigns/:slug", "/admin/campaigns/:slug":
		var paths []string
		for _, c := range []*models.Campaign{f.voting, f.taking, f.reviewed} {
			paths = append(paths, strings.Replace(route, ":slug", c.Slug, 1))
		}
		return paths, true
	case "/ideas/new":
		return []string{route, route + "?campaign=" + f.taking.Slug}, true
	case "/ideas/:id/history":
		return []string{fmt.Sprintf("/ideas/%d/history", f.idea.ID)}, true
	case "/ideas/:id/rounds/new":
		return []string{fmt.Sprintf("/ideas/%d/rounds/new", f.idea.ID)}, true
	case "/ideas/:id/rounds/:round":
		paths := []string{fmt.Sprintf("/ideas/%d/rounds/%d", f.idea.ID, f.closedRound.ID)}
		if role.user == f.member || role.standing.Allows(models.ActManageRounds) {
			// An open round is for its participants and the team alone.
			paths = append(paths, fmt.Sprintf("/ideas/%d/rounds/%d", f.idea.ID, f.openRound.ID))
		}
		return paths, true
	case "/admin/webhooks/:id":
		return []string{fmt.Sprintf("/admin/webhooks/%d", f.webhook.ID)}, true
	case "/auth/email/:token":
		return []string{f.signInAt}, true
	case "/unsubscribe/:token":
		return []string{f.unsubAt}, true
	}
	if !strings.ContainsAny(route, ":*") {
		return []string{route}, true // a page without parameters opens as it is
	}
	return nil, false
}

// fileRoute matches the routes that serve a file, not a page: their paths
// end in an extension.
var fileRoute = regexp.MustCompile(`\.(png|jpe?g|webp|gif|svg|ico|css|js|json|atom|xml|csv|txt|zip)$`)

// pages lists every page role may open, from the route table, and fails t
// for a GET route that is neither checked nor exempt.
func (f *a11yFixture) pages(t *testing.T, role a11yRole) []a11yPage {
	t.Helper()
	var pages []a11yPage
	seen := map[string]bool{}
	for _, rt := range f.srv.App.GetRoutes(true) {
		if rt.Method != http.MethodGet || strings.HasPrefix(rt.Path, "/api/") || seen[rt.Path] {
			continue
		}
		seen[rt.Path] = true
		if _, ok := a11yExempt[rt.Path]; ok || fileRoute.MatchString(rt.Path) {
			continue
		}
		paths, ok := f.paths(rt.Path, role)
		if !ok {
			t.Errorf("GET %s is a page no accessibility test opens: add it to a11yFixture.paths, or to a11yExempt with the reason", rt.Path)
			continue
		}
		action, _ := strings.CutPrefix(rt.Name, app.AccessPrefix)
		if !role.standing.Allows(models.Action(action)) {
			continue
		}
		if rt.Path == "/login" && role.user != nil {
			continue // it sends a member on
		}
		if strings.HasPrefix(rt.Path, "/auth/email/") && role.user != nil {
			continue
		}
		for _, p := range paths {
			pages = append(pages, a11yPage{route: rt.Path, path: p, status: http.StatusOK})
		}
	}
	pages = append(pages, a11yPage{path: "/no-such-page", status: http.StatusNotFound})
	if role.user == nil {
		pages = append(pages, a11yPage{path: "/auth/email/" + strings.Repeat("A", 43), status: http.StatusGone})
	}
	if role.standing == models.Member {
		pages = append(pages, a11yPage{path: "/admin/settings", status: http.StatusForbidden})
	}
	return pages
}

// openAs sets the tab's cookies for role, theme and language.
func (f *a11yFixture) openAs(t *testing.T, tab context.Context, role a11yRole, theme, lang string) {
	t.Helper()
	if _, err := chromedp.Call(tab, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		t.Fatalf("clear cookies: %v", err)
	}
	set := func(name, value string) {
		if _, err := chromedp.Call(tab, network.SetCookie, network.SetCookieParams{Name: name, Value: value, URL: f.srv.URL}); err != nil {
			t.Fatalf("set the cookie %s: %v", name, err)
		}
	}
	set("samen_theme", theme)
	set("samen_lang", lang)
	if role.user != nil {
		signInBrowser(t, tab, f.srv, role.user)
	}
}

// open loads a page and checks its status.
func (f *a11yFixture) open(t *testing.T, tab context.Context, p a11yPage) bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(tab, browserStepTimeout)
	defer cancel()
	if p.status != http.StatusOK {
		expectStatus(tab, f.srv.URL+p.path, p.status)
	}
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(f.srv.URL+p.path))
	if err != nil {
		t.Errorf("open %s: %v", p.path, err)
		return false
	}
	if resp.Status != int64(p.status) {
		t.Errorf("GET %s answered %d, want %d", p.path, resp.Status, p.status)
		return false
	}
	return true
}

// axeViolation is one element that fails one axe rule.
type axeViolation struct {
	Rule, Impact, Help, Target, Summary string
}

// axeRun is the script that runs axe's WCAG 2.1 A and AA rules on the page
// and returns the violations as JSON.
const axeRun = `axe.run(document, {
	runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
	resultTypes: ["violations"],
}).then(r => JSON.stringify(r.violations.flatMap(v => v.nodes.map(n => ({
	Rule: v.id, Impact: v.impact || "", Help: v.help,
	Target: n.target.join(" "), Summary: (n.failureSummary || "").replace(/\s+/g, " "),
})))))`

// TestBrowserAccessibility runs axe-core on every page, for every role:
// all of them in the light theme in English and in the dark theme in Dutch,
// and the visitor's home page in the two other combinations.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel() // the longest tests run beside each other, each with its own Chromium
	f := newA11yFixture(t)
	tab := newBrowserFor(t, 10*time.Minute)
	start := time.Now()
	type combo struct{ theme, lang string }
	combos := []combo{{"light", "en"}, {"dark", "nl"}, {"dark", "en"}, {"light", "nl"}}
	checked := 0
	for _, role := range f.roles {
		pages := f.pages(t, role)
		for i, c := range combos {
			f.openAs(t, tab, role, c.theme, c.lang)
			for _, p := range pages {
				if i >= 2 && !(role.user == nil && p.path == "/") {
					continue
				}
				if !f.open(t, tab, p) {
					continue
				}
				if got := step(t, tab, "read the theme and language", chromedp.Evaluate[string](`document.documentElement.dataset.theme + "/" + document.documentElement.lang`)); got != c.theme+"/"+c.lang {
					t.Errorf("%s %s shows theme/language %s, want %s/%s", role.name, p.path, got, c.theme, c.lang)
				}
				runAxe(t, tab, fmt.Sprintf("%s %s/%s %s", role.name, c.theme, c.lang, p.path))
				checked++
			}
			if i >= 2 {
				continue
			}
			for _, form := range a11yForms {
				if form.role == role.name {
					f.submitInvalid(t, tab, form)
					runAxe(t, tab, fmt.Sprintf("%s %s/%s %s refused", role.name, c.theme, c.lang, form.page))
					checked++
				}
			}
		}
	}
	t.Logf("axe checked %d pages in %s", checked, time.Since(start).Round(time.Second))
}

// runAxe runs axe in the page, its <details> opened so that their content
// is checked too, and fails t for each violation.
func runAxe(t *testing.T, tab context.Context, where string) {
	t.Helper()
	step(t, tab, "load axe", chromedp.Evaluate[any](axeSource+`;document.querySelectorAll("details").forEach(d => d.open = true);0`))
	out := step(t, tab, "run axe on "+where, chromedp.Evaluate[string](axeRun, chromedp.EvalAwaitPromise))
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("read axe's answer on %s: %v", where, err)
	}
	for _, v := range vs {
		t.Errorf("%s: %s (%s) at %s: %s", where, v.Rule, v.Impact, v.Target, v.Summary)
	}
}

// a11yForm is a form sent with values the server refuses, so that the page
// with its errors is checked too.
type a11yForm struct {
	role, page, form string
	fill             string // JavaScript that fills the form f
}

var a11yForms = []a11yForm{
	{"member", "/ideas/new", `form[action="/ideas"]`, `f.elements.title.value = "x"`},
	{"member", "/me", `form[action="/me/profile"]`, `f.elements.name.value = ""; f.elements.avatar_url.value = "not an address"`},
	{"admin", "/admin/settings", `form[action="/admin/settings"]`, `f.querySelector("input[inputmode=numeric]").value = "many"`},
	{"admin", "/admin/branding", `form[action="/admin/branding"]`, `f.elements.accent.value = "#zzz"`},
	{"admin", "/admin/categories", `form[action="/admin/categories"]`, `f.elements.name.value = "Lights"; f.elements.name_nl.value = "x".repeat(61)`},
}

// submitInvalid sends the form as it is filled, past the browser's own
// checks, and checks that every field marked invalid names its error.
func (f *a11yFixture) submitInvalid(t *testing.T, tab context.Context, form a11yForm) {
	t.Helper()
	if !f.open(t, tab, a11yPage{path: form.page, status: http.StatusOK}) {
		return
	}
	action := f.srv.URL + strings.TrimSuffix(strings.TrimPrefix(form.form, `form[action="`), `"]`)
	for _, status := range []int{http.StatusBadRequest, http.StatusUnprocessableEntity} {
		expectStatus(tab, action, status)
	}
	step(t, tab, "send "+form.form, chromedp.Evaluate[any](`(f => { f.noValidate = true; `+form.fill+`; HTMLFormElement.prototype.submit.call(f); return 0 })(document.querySelector('`+form.form+`'))`))
	step(t, tab, "wait for the errors of "+form.form, chromedp.WaitVisible(chromedp.CSS(".field-error")))
	untied := step(t, tab, "read the invalid fields", chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[aria-invalid="true"]')).filter(el =>
		!(el.getAttribute("aria-describedby") || "").split(/\s+/).some(id => { const e = document.getElementById(id); return e && e.classList.contains("field-error") })).map(el => el.id || el.name)`))
	if len(untied) > 0 {
		t.Errorf("%s refused: the fields %q are marked invalid without naming their error (aria-describedby)", form.page, untied)
	}
	if n := step(t, tab, "count the invalid fields", chromedp.Evaluate[int](`document.querySelectorAll('[aria-invalid="true"]').length`)); n == 0 {
		t.Errorf("%s refused: no field is marked aria-invalid", form.page)
	}
}

// overflowScript, called with the screen's width in CSS pixels, says what
// is wider than the screen, or "" when nothing is (a phone's browser zooms
// out to show a wide page whole, so window.innerWidth may have grown):
// the offending elements none of whose descendants offend, widest first.
const overflowScript = `(w => {
	if (document.documentElement.scrollWidth <= w) return "";
	const off = Array.from(document.body.querySelectorAll("*")).filter(el => el.getBoundingClientRect().right > w + 1);
	const leaves = off.filter(el => !off.some(o => o !== el && el.contains(o)));
	leaves.sort((a, b) => b.getBoundingClientRect().right - a.getBoundingClientRect().right);
	const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
	const path = el => { const p = []; for (let e = el; e && e !== document.body && p.length < 4; e = e.parentElement) p.unshift(name(e)); return p.join(" > "); };
	return "scrollWidth " + document.documentElement.scrollWidth + " > " + w + "; " + leaves.slice(0, 3).map(el =>
		path(el) + " (right " + Math.round(el.getBoundingClientRect().right) + ": " + JSON.stringify((el.textContent || "").trim().slice(0, 40)) + ")").join("; ");
})`

// TestBrowserPhones opens every page, for every role, at 320 and 360 px
// wide, in Dutch (the longer words) and in English, and fails for a page
// wider than the screen.
func TestBrowserPhones(t *testing.T) {
	t.Parallel()
	f := newA11yFixture(t)
	tab := newBrowserFor(t, 10*time.Minute)
	start := time.Now()
	checked := 0
	for _, width := range []int64{320, 360} {
		step(t, tab, fmt.Sprintf("emulate %d px", width), chromedp.EmulateViewport(width, 640, chromedp.EmulateScale(2), chromedp.EmulateMobile))
		for _, lang := range []string{"nl", "en"} {
			for _, role := range f.roles {
				f.openAs(t, tab, role, "light", lang)
				for _, p := range f.pages(t, role) {
					if !f.open(t, tab, p) {
						continue
					}
					if got := step(t, tab, "measure "+p.path, chromedp.Evaluate[string](fmt.Sprintf("%s(%d)", overflowScript, width))); got != "" {
						t.Errorf("%d px, %s, %s, %s is wider than the screen: %s", width, lang, role.name, p.path, got)
					}
					if width == 320 && lang == "nl" && (p.path == "/" || p.path == "/mod/audit" || p.path == "/admin/triage") {
						phoneScreenshot(t, tab, role.name+strings.ReplaceAll(p.path, "/", "_"))
						step(t, tab, "scroll to the content", chromedp.Evaluate[any](`document.querySelector("main h1").scrollIntoView();0`))
						phoneScreenshot(t, tab, role.name+strings.ReplaceAll(p.path, "/", "_")+"-content")
					}
					checked++
				}
			}
		}
	}
	if _, err := chromedp.Call(tab, emulation.ClearDeviceMetricsOverride, cdp.Empty{}); err != nil {
		t.Fatalf("stop emulating: %v", err)
	}
	t.Logf("measured %d pages in %s", checked, time.Since(start).Round(time.Second))
}

// TestBrowserVoteKeepsFocus: a keyboard user votes in place on the home
// page; the focus stays on the idea's vote button, now pressed, and the new
// count is announced.
func TestBrowserVoteKeepsFocus(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	bram := srv.User("Bram", "bram@example.com", models.RoleMember)
	idea, err := srv.Store.CreateIdea(context.Background(), bram, models.NewIdea{Title: "Integrated lights in the frame"})
	if err != nil {
		t.Fatal(err)
	}
	tab := newBrowser(t)
	signInBrowser(t, tab, srv, srv.User("Anna", "anna@example.com", models.RoleMember))
	step(t, tab, "open home", chromedp.Navigate(srv.URL+"/"))
	button := fmt.Sprintf("#vote-%d button.vote-button", idea.ID)
	if got := step(t, tab, "read the button's name", chromedp.Evaluate[string](`document.querySelector("`+button+`").textContent`)); got != "Vote: Integrated lights in the frame" {
		t.Errorf("the vote button reads %q to a screen reader, want it to name its idea", got)
	}
	step(t, tab, "focus the vote button", chromedp.Focus(chromedp.CSS(button)))
	step(t, tab, "press Enter", chromedp.KeyEvent("\r"))
	step(t, tab, "wait for the vote", chromedp.WaitVisible(chromedp.CSS(button+`.voted[aria-pressed="true"]`)))
	step(t, tab, "wait for the announcement", chromedp.Poll[bool](`document.getElementById("announcer").textContent === "2 votes"`))
	focused := step(t, tab, "read the focus", chromedp.Evaluate[bool](`document.activeElement === document.querySelector("`+button+`")`))
	if !focused {
		t.Error("after voting the focus left the vote button")
	}
}

// phoneScreenshot saves what the phone's screen shows (not the whole page)
// as screenshot does.
func phoneScreenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png := step(t, tab, "screenshot "+name, chromedp.CaptureScreenshot())
	dir, err := filepath.Abs(filepath.Join("..", "artifacts", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, t.Name()+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// TestModerationNavShowsWhereYouAre: the moderation pages' own menu marks
// the page shown, and the header's "Manage" menu is marked as holding it.
func TestModerationNavShowsWhereYouAre(t *testing.T) {
	srv := apptest.New(t, models.SQLite)
	mona := srv.SignedIn(srv.User("Mona", "mona@example.com", models.RoleModerator))
	for _, path := range []string{"/mod", "/mod/members", "/mod/audit"} {
		r := mona.Get(path)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `.sub-nav a[aria-current="page"]`, 1)
		wantCount(t, r, `.sub-nav a[href="`+path+`"][aria-current="page"]`, 1)
		wantCount(t, r, `.staff-menu details summary`, 1)
		wantCount(t, r, `.staff-menu a[href="/mod"][aria-current="page"]`, 1)
	}
}
