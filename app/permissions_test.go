package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/gofiber/fiber/v2"

	"samen/app"
	"samen/app/apptest"
	"samen/models"
)

// standingFixture is one column of the permission test: a client of that
// standing and content of its own for the routes that act on one's own.
// Routes that need moderate act on a member's content instead (Otto's): the
// rank rule keeps staff from moderating their own.
type standingFixture struct {
	standing models.Standing
	client   *apptest.Client
	user     *models.User // nil for visitors
	// deadSession is the banned member's session token, sent on every
	// request although the ban ended it.
	deadSession string

	idea                        *models.Idea
	doomedIdea, doomedAPI       int64 // ideas to delete through the page and the API
	comment, doomedComment      int64
	session, token              int64 // another session and an API token of the user
	identity                    int64 // a linked sign-in provider of the user
	doomedEntry, doomedEntryAPI int64 // changelog entries to delete through the page and the API
	notification                int64 // a notification of the user's, about Otto's idea
}

// routeParam fills a route's path parameter for a request of the standing.
type routeParam func(rt fiber.Route, name string, f *standingFixture) string

// pathParam matches a parameter in a Fiber route path: ":id", ":slug?".
var pathParam = regexp.MustCompile(`:([A-Za-z_][A-Za-z0-9_]*)\??`)

// TestEveryRouteFollowsThePermissionTable sends one request to every route
// the router knows, as every standing of the permission table, and checks
// that the answer is what the table says: past authorization when the
// standing may take the route's action; otherwise a visitor (or a banned
// member, whose session no longer works) is sent to sign in (401 in the
// API) and anyone else gets 403. A route registered without its action, or
// with an action the table does not know, fails the test.
func TestEveryRouteFollowsThePermissionTable(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()

		otto := srv.User("Otto", "otto@example.com", models.RoleMember)
		ottoIdea := mustIdea(t, srv, otto, "Otto's idea about bells")
		ottoComment := mustComment(t, srv, ottoIdea.ID, otto, "Otto thinks so too")

		// A category for the admin to change and one to delete.
		keptCategory, err := srv.Store.SaveCategory(ctx, 0, models.CategoryInput{Name: "Kept category"})
		if err != nil {
			t.Fatal(err)
		}
		doomedCategory, err := srv.Store.SaveCategory(ctx, 0, models.CategoryInput{Name: "Doomed category"})
		if err != nil {
			t.Fatal(err)
		}

		// A published changelog entry to read and change, and entries to delete.
		writer := srv.User("Wren", "wren@example.com", models.RoleTeam)
		entry := mustEntry(t, srv, writer, "Quieter bells", true)
		// Statuses for the admin to change, and one to delete in a page and one in the API.
		for _, name := range []string{"Kept status", "Doomed status", "Doomed API status"} {
			if _, err := srv.Store.CreateStatus(ctx, srv.User(name+" admin", models.Slugify(name)+"@example.com", models.RoleAdmin), models.StatusInput{Name: &name}); err != nil {
				t.Fatal(err)
			}
		}
		// Webhooks to read, enable and delete (at an address no test dials).
		hookAdmin := srv.User("Hook admin", "hook-admin@example.com", models.RoleAdmin)
		var keptHook, doomedHook *models.Webhook
		for _, h := range []**models.Webhook{&keptHook, &doomedHook} {
			if *h, err = srv.Store.CreateWebhook(ctx, hookAdmin, models.NewWebhook{URL: "https://203.0.113.7/hook", Events: []string{models.EventIdeaCreated}}); err != nil {
				t.Fatal(err)
			}
		}

		// A campaign open for ideas, to read, change and move.
		campaignTitle := "Permission round"
		campaign, err := srv.Store.CreateCampaign(ctx, writer, models.CampaignInput{Title: &campaignTitle})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.MoveCampaign(ctx, campaign.ID, writer, models.PhaseSubmission); err != nil {
			t.Fatal(err)
		}

		// A feedback round open on a planned idea, Otto its one participant.
		roundIdea := mustIdea(t, srv, otto, "Otto's planned idea for a round")
		if _, err := srv.Store.SetStatus(ctx, roundIdea.ID, writer, "planned", "Soon."); err != nil {
			t.Fatal(err)
		}
		roundCloses := srv.Store.Now().Add(72 * time.Hour)
		round, err := srv.Store.OpenRound(ctx, writer, roundIdea.ID, models.RoundInput{Title: "Permission feedback", ClosesAt: &roundCloses,
			Questions: []models.AskInput{{Kind: models.AskRating, Prompt: "How was it?"}}})
		if err != nil {
			t.Fatal(err)
		}

		// A tag suggested for Otto's idea, for the moderators' decision.
		suggestion, err := srv.Store.Suggest(ctx, writer, models.NewSuggestion{Kind: models.SuggestTag, Name: "bells", IdeaID: ottoIdea.ID})
		if err != nil {
			t.Fatal(err)
		}

		roles := map[models.Standing]models.Role{
			models.Member: models.RoleMember, models.Suspended: models.RoleMember, models.Banned: models.RoleMember,
			models.Moderator: models.RoleModerator, models.Team: models.RoleTeam, models.Admin: models.RoleAdmin,
		}
		var admin *models.User
		fixtures := make([]*standingFixture, 0, len(models.Standings))
		for _, st := range models.Standings {
			f := &standingFixture{standing: st, idea: ottoIdea, doomedIdea: ottoIdea.ID, doomedAPI: ottoIdea.ID, comment: ottoComment.ID, doomedComment: ottoComment.ID}
			f.doomedEntry = mustEntry(t, srv, writer, "Doomed entry in a page", false).ID
			f.doomedEntryAPI = mustEntry(t, srv, writer, "Doomed entry in the API", true).ID
			fixtures = append(fixtures, f)
			if st == models.Visitor {
				f.client = srv.Client()
				continue
			}
			name := strings.ToUpper(string(st[:1])) + string(st[1:])
			u := srv.User(name, string(st)+"@example.com", roles[st])
			if st == models.Admin {
				admin = u
			}
			if st == models.Member {
				// Suggesting takes a trust level as well as the standing.
				execSQL(t, srv, "UPDATE users SET trust_level = ?, trusted = ? WHERE id = ?", models.DefaultSettings.TrustSuggestLevel, true, u.ID)
			}
			f.user = u
			f.idea = mustIdea(t, srv, u, name+"'s own idea for the test")
			f.doomedIdea = mustIdea(t, srv, u, name+"'s idea to delete in a page").ID
			f.doomedAPI = mustIdea(t, srv, u, name+"'s idea to delete in the API").ID
			f.comment = mustComment(t, srv, f.idea.ID, u, name+" comments on their own idea").ID
			f.doomedComment = mustComment(t, srv, f.idea.ID, u, name+" writes a comment to delete").ID
			_, sess, err := srv.Store.CreateSession(ctx, u.ID, "another device", "127.0.0.1")
			if err != nil {
				t.Fatal(err)
			}
			f.session = sess.ID
			_, token, err := srv.Store.CreateAPIToken(ctx, u.ID, models.NewAPIToken{Name: "permission test"})
			if err != nil {
				t.Fatal(err)
			}
			f.token = token.ID
			profile := models.Profile{Provider: "oidc", Subject: "subject-" + string(st), Name: name}
			if _, _, err := srv.Store.SignInWithProvider(ctx, profile, models.SignInOptions{LinkTo: &u.ID}); err != nil {
				t.Fatalf("link an identity to %s: %v", name, err)
			}
			identities, err := srv.Store.Identities(ctx, u.ID)
			if err != nil || len(identities) != 1 {
				t.Fatalf("identities of %s: %v %v", name, identities, err)
			}
			f.identity = identities[0].ID
			f.notification = mustNotify(t, srv, notifyRow{user: u, kind: models.NotifyStatusChanged, idea: &ottoIdea.ID, actor: writer, detail: "planned"})
			f.client = srv.SignedIn(u)
		}

		// Moderation makes the suspended and the banned member what they are.
		// The banned member signed in before the ban: that session must now
		// count for nothing.
		for _, f := range fixtures {
			switch f.standing {
			case models.Suspended:
				sn := models.Sanction{Action: models.DecideSuspend, Until: srv.Store.Now().Add(72 * time.Hour), Reason: "cooling off"}
				if _, err := srv.Store.Sanction(ctx, admin, f.user.ID, sn); err != nil {
					t.Fatal(err)
				}
			case models.Banned:
				wantStatus(t, f.client.Get("/"), http.StatusOK)
				f.deadSession = f.client.Cookie("samen_session")
				if f.deadSession == "" {
					t.Fatal("the banned member's client holds no session")
				}
				if _, err := srv.Store.Sanction(ctx, admin, f.user.ID, models.Sanction{Action: models.DecideBan, Reason: "spam"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, f := range fixtures {
			if u := f.user; u != nil {
				fresh, err := srv.Store.UserByID(ctx, u.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got := models.StandingOf(fresh, srv.Store.Now()); got != f.standing {
					t.Fatalf("%s stands as %s", u.Name, got)
				}
			}
			// A page gives every client the CSRF token its forms carry.
			wantStatus(t, sendAs(f, httptest.NewRequest(http.MethodGet, "/", nil)), http.StatusOK)
			if f.client.CSRF == "" {
				t.Fatalf("%s: no CSRF token on the home page", f.standing)
			}
		}

		param := func(rt fiber.Route, name string, f *standingFixture) string {
			doomed := strings.HasSuffix(rt.Path, "/delete")
			path := strings.TrimPrefix(rt.Path, "/api/v1")
			moderates := rt.Name == app.AccessPrefix+string(models.ActModerate)
			switch {
			case name == "id" && moderates && strings.HasPrefix(path, "/comments/"):
				return itoa(ottoComment.ID)
			case name == "id" && moderates:
				return itoa(ottoIdea.ID)
			case name == "slug" && (strings.HasPrefix(path, "/campaigns/") || strings.HasPrefix(path, "/admin/campaigns/")):
				return campaign.Slug
			case name == "round", name == "id" && strings.HasPrefix(path, "/rounds/"):
				return itoa(round.ID)
			case name == "id" && strings.HasPrefix(path, "/ideas/") && strings.Contains(path, "/rounds"):
				return itoa(round.IdeaID)
			case name == "slug" && strings.HasPrefix(path, "/statuses/") && rt.Method == http.MethodDelete:
				return "doomed-api-status"
			case name == "slug" && strings.HasPrefix(path, "/admin/statuses/") && doomed:
				return "doomed-status"
			case name == "slug" && (strings.HasPrefix(path, "/statuses/") || strings.HasPrefix(path, "/admin/statuses/")):
				return "kept-status"
			case name == "slug" && strings.HasPrefix(path, "/categories/"):
				return keptCategory.Slug
			case name == "slug":
				return f.idea.Slug
			case name == "target":
				return models.TargetIdea
			case name == "provider":
				return "nosuch"
			case name == "token":
				return randomString(t)
			case name == "comment" && doomed:
				return itoa(f.doomedComment)
			case name == "comment":
				return itoa(f.comment)
			case name == "key":
				return "0123456789abcdef0123456789abcdef.jpg" // an image that is not there: 404 past authorization
			case name == "d":
				return "999999" // a delivery that is not there: 404 past authorization, and nothing dialled
			case name != "id":
				t.Fatalf("%s %s: the test does not know the parameter %q; teach it a value", rt.Method, rt.Path, name)
			case strings.HasPrefix(path, "/campaigns/"):
				return itoa(f.idea.ID) // an idea of no campaign: 422 past authorization
			case strings.HasPrefix(path, "/mod/suggestions/"):
				return itoa(suggestion.ID)
			case strings.HasPrefix(path, "/mod/members/"):
				return itoa(otto.ID)
			case strings.HasPrefix(path, "/members/"):
				return itoa(otto.ID)
			case strings.HasPrefix(path, "/comments/"):
				return itoa(f.comment)
			case strings.HasPrefix(path, "/me/identities/"):
				return itoa(f.identity)
			case strings.HasPrefix(path, "/me/sessions/"):
				return itoa(f.session)
			case strings.HasPrefix(path, "/me/tokens/"):
				return itoa(f.token)
			case strings.HasPrefix(path, "/webhooks/") && (doomed || rt.Method == http.MethodDelete),
				strings.HasPrefix(path, "/admin/webhooks/") && doomed:
				return itoa(doomedHook.ID)
			case strings.HasPrefix(path, "/webhooks/"), strings.HasPrefix(path, "/admin/webhooks/"):
				return itoa(keptHook.ID)
			case strings.HasPrefix(path, "/me/notifications/"):
				return itoa(f.notification)
			case strings.HasPrefix(path, "/admin/categories/") && doomed:
				return itoa(doomedCategory.ID)
			case strings.HasPrefix(path, "/admin/categories/"):
				return itoa(keptCategory.ID)
			case rt.Path == "/admin/changelog/:id/delete":
				return itoa(f.doomedEntry)
			case rt.Method == http.MethodDelete && rt.Path == "/api/v1/changelog/:id":
				return itoa(f.doomedEntryAPI)
			case strings.HasPrefix(path, "/changelog/"), strings.HasPrefix(path, "/admin/changelog/"):
				return itoa(entry.ID)
			case rt.Method == http.MethodDelete && rt.Path == "/api/v1/ideas/:id":
				return itoa(f.doomedAPI)
			case rt.Path == "/ideas/:id/delete":
				return itoa(f.doomedIdea)
			case strings.HasPrefix(path, "/ideas/"), strings.HasPrefix(path, "/feeds/ideas/"), strings.HasPrefix(path, "/mod/queue/"):
				return itoa(f.idea.ID)
			}
			t.Fatalf("%s %s: the test does not know what :id names here; teach it", rt.Method, rt.Path)
			return ""
		}

		routes := tableRoutes(t, srv)
		results := map[string]map[models.Standing]string{}
		var failures []string
		requests := 0
		for _, f := range fixtures {
			for _, rt := range routes {
				action := models.Action(strings.TrimPrefix(rt.Name, app.AccessPrefix))
				target := fillPath(rt, f, param)
				as := f
				// Signing out ends the client's own session: use another one.
				if f.user != nil && f.standing != models.Banned && rt.Path == "/logout" {
					as = &standingFixture{standing: f.standing, user: f.user, client: srv.SignedIn(f.user)}
					as.client.Get("/")
				}
				r := sendAs(as, routeRequest(rt, target, as.client))
				requests++
				problem := judge(f.standing, action, rt, target, r)
				cell := fmt.Sprint(r.StatusCode)
				if problem != "" {
					cell += "!"
					failures = append(failures, fmt.Sprintf("%s %s (action %s) as %s: %s", rt.Method, target, action, f.standing, problem))
				}
				key := rt.Method + " " + rt.Path + "  [" + string(action) + "]"
				if results[key] == nil {
					results[key] = map[models.Standing]string{}
				}
				results[key][f.standing] = cell
			}
		}
		t.Logf("%d routes x %d standings = %d requests", len(routes), len(fixtures), requests)

		// The banned member's API token is refused like the session.
		banned := fixtures[slices.IndexFunc(fixtures, func(f *standingFixture) bool { return f.standing == models.Banned })]
		token, _, err := srv.Store.CreateAPIToken(ctx, banned.user.ID, models.NewAPIToken{Name: "after the ban"})
		if err != nil {
			t.Fatal(err)
		}
		bearer := srv.Client()
		bearer.Header.Set("Authorization", "Bearer "+token)
		req := httptest.NewRequest(http.MethodGet, "/api/v1/me", nil)
		req.Header.Set("Accept", "application/json")
		if r := bearer.Do(req); r.StatusCode != http.StatusUnauthorized {
			failures = append(failures, fmt.Sprintf("GET /api/v1/me with the banned member's API token: %d, want 401", r.StatusCode))
		}

		if len(failures) > 0 {
			t.Errorf("%d requests do not follow the permission table:\n  %s\n\n%s",
				len(failures), strings.Join(failures, "\n  "), resultTable(results))
		}
	})
}

// tableRoutes reads every route from the router, HEAD twins left out, and
// fails for a route without an action the permission table knows.
func tableRoutes(t *testing.T, srv *apptest.Server) []fiber.Route {
	t.Helper()
	var routes []fiber.Route
	for _, rt := range srv.App.GetRoutes(true) {
		if rt.Method == http.MethodHead {
			continue
		}
		action, ok := strings.CutPrefix(rt.Name, app.AccessPrefix)
		if !ok {
			t.Errorf("%s %s is named %q: register it in the route table with its action (%s<action>)", rt.Method, rt.Path, rt.Name, app.AccessPrefix)
			continue
		}
		// An action with no row in the table allows no standing at all.
		known := slices.ContainsFunc(models.Standings, func(st models.Standing) bool { return st.Allows(models.Action(action)) })
		if !known {
			t.Errorf("%s %s needs the action %q, which no standing of the permission table may take: add its row", rt.Method, rt.Path, action)
			continue
		}
		routes = append(routes, rt)
	}
	// Signing out everywhere ends the session of the standing's client too: last.
	slices.SortStableFunc(routes, func(a, b fiber.Route) int {
		last := func(rt fiber.Route) bool { return rt.Path == "/me/sessions/revoke-all" }
		switch {
		case last(a) && !last(b):
			return 1
		case last(b) && !last(a):
			return -1
		}
		return 0
	})
	if len(routes) < 50 {
		t.Fatalf("the router lists only %d routes", len(routes))
	}
	return routes
}

// fillPath turns a route pattern into a path to request.
func fillPath(rt fiber.Route, f *standingFixture, param routeParam) string {
	path := pathParam.ReplaceAllStringFunc(rt.Path, func(m string) string {
		return url.PathEscape(param(rt, pathParam.FindStringSubmatch(m)[1], f))
	})
	return strings.Replace(path, "*", "css/samen.css", 1)
}

// routeRequest is one request to the route: JSON for the API, with the
// cookie session's CSRF header; a form with the CSRF field for pages.
func routeRequest(rt fiber.Route, target string, c *apptest.Client) *http.Request {
	api := strings.HasPrefix(rt.Path, "/api/")
	write := rt.Method != http.MethodGet
	var req *http.Request
	switch {
	case api && write:
		req = httptest.NewRequest(rt.Method, target, strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
	case write:
		req = httptest.NewRequest(rt.Method, target, strings.NewReader(url.Values{"_csrf": {c.CSRF}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case rt.Path == "/live":
		// A stream stays open: its HEAD twin answers as it does, without the events.
		req = httptest.NewRequest(http.MethodHead, target, nil)
	default:
		req = httptest.NewRequest(rt.Method, target, nil)
	}
	if api {
		req.Header.Set("Accept", "application/json")
		if write && c.CSRF != "" {
			req.Header.Set("X-CSRF-Token", c.CSRF)
		}
	}
	return req
}

// sendAs sends a request with the standing's client. A banned member's
// browser keeps sending the session cookie the ban ended.
func sendAs(f *standingFixture, req *http.Request) *apptest.Response {
	if f.deadSession != "" && f.client.Cookie("samen_session") == "" {
		req.AddCookie(&http.Cookie{Name: "samen_session", Value: f.deadSession})
	}
	return f.client.Do(req)
}

// judge says what is wrong with the answer to a request, or "".
func judge(st models.Standing, action models.Action, rt fiber.Route, target string, r *apptest.Response) string {
	api := strings.HasPrefix(rt.Path, "/api/")
	location := r.Header.Get("Location")
	toLogin := r.StatusCode >= 300 && r.StatusCode < 400 && strings.HasPrefix(location, "/login")
	switch {
	case st.Allows(action) && (r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusForbidden):
		return fmt.Sprintf("allowed, but answered %d; body: %.200s", r.StatusCode, r.Body)
	case st.Allows(action) && toLogin:
		return "allowed, but sent to sign in at " + location
	case st.Allows(action) && r.StatusCode >= 500:
		return fmt.Sprintf("allowed, but answered %d", r.StatusCode)
	case st.Allows(action):
		return ""
	case st != models.Visitor && st != models.Banned:
		if r.StatusCode != http.StatusForbidden {
			return fmt.Sprintf("not allowed: answered %d, want 403", r.StatusCode)
		}
	case api:
		if r.StatusCode != http.StatusUnauthorized {
			return fmt.Sprintf("not signed in: answered %d, want 401", r.StatusCode)
		}
	default:
		want := "/login?next=" + url.QueryEscape(target)
		if r.StatusCode != http.StatusSeeOther || location != want {
			return fmt.Sprintf("not signed in: answered %d to %q, want 303 to %q", r.StatusCode, location, want)
		}
	}
	return ""
}

// resultTable prints route x standing -> status, "!" marking what is wrong.
func resultTable(results map[string]map[models.Standing]string) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 1, ' ', 0)
	fmt.Fprint(w, "route")
	for _, st := range models.Standings {
		fmt.Fprintf(w, "\t%s", st)
	}
	fmt.Fprintln(w)
	keys := make([]string, 0, len(results))
	for k := range results {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprint(w, k)
		for _, st := range models.Standings {
			fmt.Fprintf(w, "\t%s", results[k][st])
		}
		fmt.Fprintln(w)
	}
	_ = w.Flush()
	return b.String()
}

func mustIdea(t *testing.T, srv *apptest.Server, author *models.User, title string) *models.Idea {
	t.Helper()
	idea, err := srv.Store.CreateIdea(context.Background(), author, models.NewIdea{Title: title, Body: "Details of " + title})
	if err != nil {
		t.Fatalf("create idea %q: %v", title, err)
	}
	return idea
}

func mustComment(t *testing.T, srv *apptest.Server, ideaID int64, author *models.User, body string) *models.Comment {
	t.Helper()
	c, err := srv.Store.CreateComment(context.Background(), ideaID, author, models.NewComment{Body: body})
	if err != nil {
		t.Fatalf("create comment %q: %v", body, err)
	}
	return c
}

func randomString(t *testing.T) string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
