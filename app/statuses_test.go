package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

type statusJSON struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	NameNL   string `json:"name_nl"`
	Colour   string `json:"colour"`
	Kind     string `json:"kind"`
	Position int    `json:"position"`
	Roadmap  bool   `json:"roadmap"`
}

var statusKeys = []string{"colour", "kind", "name", "name_nl", "position", "roadmap", "slug"}

// apiStatuses reads GET /statuses and checks every status's keys.
func apiStatuses(t *testing.T, c *apptest.Client) []statusJSON {
	t.Helper()
	r := apiCall(c, http.MethodGet, "/statuses", "")
	raw := apiJSON[map[string][]json.RawMessage](t, r, http.StatusOK)
	out := make([]statusJSON, len(raw["statuses"]))
	for i, st := range raw["statuses"] {
		wantKeys(t, st, statusKeys)
		if err := json.Unmarshal(st, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func statusSlugs(list []statusJSON) []string {
	out := make([]string, len(list))
	for i, st := range list {
		out[i] = st.Slug
	}
	return out
}

func TestAPIStatuses(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		teamUser := srv.User("Tim", "tim@example.com", models.RoleTeam)
		member := srv.User("Mia", "mia@example.com", models.RoleMember)
		as := bearerClient(t, srv, admin)

		// Everyone reads the six defaults, in order, with both names.
		list := apiStatuses(t, srv.Client())
		if got := statusSlugs(list); !slices.Equal(got, []string{"open", "under-review", "planned", "in-progress", "shipped", "declined"}) {
			t.Fatalf("default statuses %v", got)
		}
		if want := (statusJSON{"planned", "Planned", "Gepland", "#2563eb", "planned", 3, true}); list[2] != want {
			t.Fatalf("planned is %+v, want %+v", list[2], want)
		}

		// Only admins define statuses.
		wantAPIError(t, apiCall(bearerClient(t, srv, teamUser), http.MethodPost, "/statuses", `{"name":"Later"}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(srv.Client(), http.MethodPost, "/statuses", `{"name":"Later"}`), http.StatusUnauthorized, "unauthorized")

		// A new status comes last unless placed; its slug comes from its name.
		r := apiCall(as, http.MethodPost, "/statuses", `{"name":"Needs  info","colour":"#AABBCC","kind":"open"}`)
		created := apiJSON[statusJSON](t, r, http.StatusCreated)
		wantKeys(t, r.Body, statusKeys)
		if want := (statusJSON{"needs-info", "Needs info", "", "#aabbcc", "open", 7, false}); created != want {
			t.Fatalf("created %+v, want %+v", created, want)
		}

		// Bad input names each bad field.
		wantFields(t, apiCall(as, http.MethodPost, "/statuses", `{"name":"","colour":"red","kind":"maybe","position":-1}`), "name", "colour", "kind", "position")
		wantFields(t, apiCall(as, http.MethodPost, "/statuses", `{"colour":"#000000"}`), "name")
		wantFields(t, apiCall(as, http.MethodPost, "/statuses", `{"name":"Open"}`), "slug")
		wantFields(t, apiCall(as, http.MethodPost, "/statuses", `{"name":7}`), "name")
		wantFields(t, apiCall(as, http.MethodPost, "/statuses", `{"name":"Soon","roadmap":"yes"}`), "roadmap")
		wantAPIError(t, apiCall(as, http.MethodPost, "/statuses", `{"name":`), http.StatusBadRequest, "malformed")

		// Any field changes alone; the change is seen at once.
		r = apiCall(as, http.MethodPatch, "/statuses/needs-info", `{"name_nl":"Meer info nodig","roadmap":true,"position":0}`)
		changed := apiJSON[statusJSON](t, r, http.StatusOK)
		if want := (statusJSON{"needs-info", "Needs info", "Meer info nodig", "#aabbcc", "open", 0, true}); changed != want {
			t.Fatalf("changed %+v, want %+v", changed, want)
		}
		if list := apiStatuses(t, srv.Client()); list[0] != changed {
			t.Fatalf("the list starts with %+v, want %+v", list[0], changed)
		}
		wantFields(t, apiCall(as, http.MethodPatch, "/statuses/needs-info", `{"colour":"#abc"}`), "colour")
		wantFields(t, apiCall(as, http.MethodPatch, "/statuses/needs-info", `{"slug":"info"}`), "slug")
		wantAPIError(t, apiCall(as, http.MethodPatch, "/statuses/nosuch", `{"name":"X"}`), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(bearerClient(t, srv, member), http.MethodPatch, "/statuses/needs-info", `{"name":"X"}`), http.StatusForbidden, "forbidden")

		// A status in use is deleted only by moving its ideas.
		idea := mustIdea(t, srv, member, "A bell that rings twice")
		if _, err := srv.Store.SetStatus(ctx, idea.ID, teamUser, "needs-info", "Which bell do you mean?"); err != nil {
			t.Fatal(err)
		}
		wantConflict(t, apiCall(as, http.MethodDelete, "/statuses/needs-info", ""), "Ideas are in this status: name the status to move them to (move_to).")
		wantFields(t, apiCall(as, http.MethodDelete, "/statuses/needs-info?move_to=nosuch", ""), "move_to")
		wantFields(t, apiCall(as, http.MethodDelete, "/statuses/needs-info?move_to=needs-info", ""), "move_to")
		wantStatus(t, apiCall(as, http.MethodDelete, "/statuses/needs-info?move_to=under-review", ""), http.StatusNoContent)
		if got := apiIdea(t, apiCall(srv.Client(), http.MethodGet, "/ideas/"+itoa(idea.ID), ""), http.StatusOK).Status; got != "under-review" {
			t.Fatalf("the idea moved to %q, want under-review", got)
		}
		if got := statusSlugs(apiStatuses(t, srv.Client())); slices.Contains(got, "needs-info") {
			t.Fatalf("the deleted status is still listed: %v", got)
		}
		wantAPIError(t, apiCall(as, http.MethodDelete, "/statuses/needs-info", ""), http.StatusNotFound, "not_found")
		// The answer given in it keeps its name on the idea's page.
		page := srv.Client().Get("/ideas/" + itoa(idea.ID) + "/" + idea.Slug)
		wantStatus(t, page, http.StatusOK)
		wantText(t, page, ".history li:first-child .status", "Needs info")
		wantCount(t, page, ".history li.answer-entry", 2)
		wantText(t, page, ".history li.answer-entry:nth-child(2) .status", "Under review")
		wantText(t, page, ".history li.answer-entry:nth-child(2) .answer-by", "Ada")
		wantText(t, page, ".team-answer .status", "Needs info")

		// Both the move and the deletion are in the audit log.
		for _, action := range []string{models.AuditStatusMove, models.AuditStatusDelete} {
			entries, _, err := srv.Store.AuditLog(ctx, models.AuditFilter{Action: action, Page: 1})
			if err != nil || len(entries) != 1 || entries[0].ActorID == nil || *entries[0].ActorID != admin.ID {
				t.Fatalf("audit %s: %+v %v", action, entries, err)
			}
		}

		// Its slug is free again.
		wantStatus(t, apiCall(as, http.MethodPost, "/statuses", `{"name":"Needs info"}`), http.StatusCreated)
		// An unused status goes without move_to.
		wantStatus(t, apiCall(as, http.MethodDelete, "/statuses/needs-info", ""), http.StatusNoContent)

		// New ideas start in a status of kind open, so the last one stays.
		wantStatus(t, apiCall(as, http.MethodDelete, "/statuses/open?move_to=under-review", ""), http.StatusNoContent)
		wantFields(t, apiCall(as, http.MethodPatch, "/statuses/under-review", `{"kind":"planned"}`), "kind")
		wantConflict(t, apiCall(as, http.MethodDelete, "/statuses/under-review?move_to=planned", ""), "New ideas start in a status of kind open; the last one cannot be deleted.")
		if got := mustIdea(t, srv, member, "Where new ideas start now").Status.Slug; got != "under-review" {
			t.Fatalf("a new idea starts in %q, want under-review", got)
		}
	})
}

func TestAdminStatusesPage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		member := srv.User("Mia", "mia@example.com", models.RoleMember)

		wantStatus(t, srv.SignedIn(member).Get("/admin/statuses"), http.StatusForbidden)

		r := admin.Get("/admin/statuses")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "li.status-row", 6)
		wantCount(t, r, `.site-nav a[href="/admin/statuses"][aria-current="page"]`, 1)
		wantCount(t, r, `#status-open button[disabled]`, 1)
		wantCount(t, r, `#status-declined button[disabled]`, 1)
		wantCount(t, r, `#status-planned button[disabled]`, 0)
		wantText(t, r, "#status-planned h2 .status", "Planned")
		if v, _ := r.Doc.Find(`#status-planned input[name="name_nl"]`).Attr("value"); v != "Gepland" {
			t.Fatalf("planned's Dutch name in its form: %q", v)
		}
		if _, checked := r.Doc.Find(`#status-planned input[name="roadmap"]`).Attr("checked"); !checked {
			t.Fatal("planned is not ticked as on the roadmap")
		}

		// Create.
		form := url.Values{"name": {"Beta"}, "name_nl": {"Bèta"}, "colour": {"#123456"}, "kind": {"active"}, "roadmap": {"1"}, "position": {""}}
		r = admin.PostForm("/admin/statuses", form)
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/admin/statuses" {
			t.Fatalf("created: to %q", loc)
		}
		r = admin.Get("/admin/statuses")
		wantText(t, r, "p.flash", "The status is saved.")
		wantCount(t, r, "li.status-row", 7)
		if got := r.Doc.Find("li.status-row").Last().AttrOr("data-slug", ""); got != "beta" {
			t.Fatalf("the last status is %q, want beta", got)
		}
		if v, _ := r.Doc.Find(`#status-beta select[name="kind"] option[selected]`).Attr("value"); v != "active" {
			t.Fatalf("beta's kind: %q", v)
		}

		// Pages show each status in its colour, from a stylesheet of Samen's own.
		wantCount(t, r, `head link[rel="stylesheet"][href="/statuses.css"]`, 1)
		wantCount(t, r, "#status-beta h2 .status.status-is-beta", 1)
		css := srv.Client().Get("/statuses.css")
		wantStatus(t, css, http.StatusOK)
		if ct := css.Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
			t.Fatalf("statuses.css: content type %q", ct)
		}
		for _, rule := range []string{".status.status-is-beta { background: #123456; color: #fff; }", ".status.status-is-shipped { background: #0b6e4f; color: #fff; }", ".status.status-is-in-progress { background: #d97706; color: #000; }"} {
			if !strings.Contains(string(css.Body), rule) {
				t.Fatalf("statuses.css lacks %q:\n%s", rule, css.Body)
			}
		}

		// A bad colour shows the form again with what is wrong, in the reader's language.
		bad := url.Values{"name": {"Beta"}, "name_nl": {""}, "colour": {"blue"}, "kind": {"active"}}
		r = admin.PostForm("/admin/statuses/beta", bad)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, ".flash.error li", 1)
		if v, _ := r.Doc.Find(`#status-beta input[name="colour"]`).Attr("value"); v != "blue" {
			t.Fatalf("the form lost what was typed: colour %q", v)
		}
		wantStatus(t, admin.PostForm("/admin/statuses", url.Values{"name": {"X"}, "position": {"first"}}), http.StatusUnprocessableEntity)

		// Edit: an unticked roadmap box takes it off the roadmap.
		edit := url.Values{"name": {"Beta test"}, "name_nl": {"Bètatest"}, "colour": {"#654321"}, "kind": {"active"}, "position": {"7"}}
		wantStatus(t, admin.PostForm("/admin/statuses/beta", edit), http.StatusSeeOther)
		edit.Set("colour", "#fafafa")
		wantStatus(t, admin.PostForm("/admin/statuses/beta", edit), http.StatusSeeOther)
		if css := srv.Client().Get("/statuses.css"); !strings.Contains(string(css.Body), ".status.status-is-beta { background: #fafafa; color: #000; }") {
			t.Fatalf("statuses.css after the change:\n%s", css.Body)
		}
		st, err := srv.Store.StatusBySlug(context.Background(), "beta")
		if err != nil || st.Name != "Beta test" || st.NameNL != "Bètatest" || st.Colour != "#fafafa" || st.OnRoadmap {
			t.Fatalf("beta after the edit: %+v %v", st, err)
		}

		// Reorder: up one place, past declined.
		wantStatus(t, admin.PostForm("/admin/statuses/beta/move", url.Values{"direction": {"up"}}), http.StatusSeeOther)
		r = admin.Get("/admin/statuses")
		var order []string
		r.Doc.Find("li.status-row").Each(func(_ int, s *goquery.Selection) { order = append(order, s.AttrOr("data-slug", "")) })
		if want := []string{"open", "under-review", "planned", "in-progress", "shipped", "beta", "declined"}; !slices.Equal(order, want) {
			t.Fatalf("order %v, want %v", order, want)
		}
		wantStatus(t, admin.PostForm("/admin/statuses/beta/move", url.Values{"direction": {"sideways"}}), http.StatusUnprocessableEntity)

		// Delete, moving its ideas; a status in use offers no "no ideas" choice.
		idea := mustIdea(t, srv, member, "Beta riders get a badge")
		team := srv.User("Tim", "tim@example.com", models.RoleTeam)
		if _, err := srv.Store.SetStatus(context.Background(), idea.ID, team, "beta", ""); err != nil {
			t.Fatal(err)
		}
		r = admin.Get("/admin/statuses")
		wantCount(t, r, `#status-beta select[name="move_to"] option[value=""]`, 0)
		wantCount(t, r, `#status-declined select[name="move_to"] option[value=""]`, 1)
		wantText(t, r, "#status-beta h2 .muted", "beta · 1 idea")
		wantStatus(t, admin.PostForm("/admin/statuses/beta/delete", url.Values{"confirm": {"1"}}), http.StatusConflict)
		wantStatus(t, admin.PostForm("/admin/statuses/beta/delete", url.Values{"move_to": {"planned"}, "confirm": {"1"}}), http.StatusSeeOther)
		r = admin.Get("/admin/statuses")
		wantText(t, r, "p.flash", "The status is deleted; its ideas moved to the status you chose.")
		wantCount(t, r, "li.status-row", 6)
		wantCount(t, r, "#status-beta", 0)

		// Dutch readers see the Dutch names.
		nl := srv.Client()
		nl.Header.Set("Accept-Language", "nl")
		r = nl.Get("/ideas/" + itoa(idea.ID) + "/" + idea.Slug)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".idea-header .meta .status", "Gepland")
	})
}

type answerJSON struct {
	Status       statusJSON `json:"status"`
	Note         string     `json:"note"`
	NoteHTML     string     `json:"note_html"`
	ReconsiderIf string     `json:"reconsider_if"`
	Actor        *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"actor"`
	CreatedAt string `json:"created_at"`
}

var answerKeys = []string{"actor", "created_at", "note", "note_html", "reconsider_if", "status"}

func TestDecisionRecords(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		team := srv.User("Tess", "tess@example.com", models.RoleTeam)
		member := srv.User("Mia", "mia@example.com", models.RoleMember)
		idea := mustIdea(t, srv, member, "A basket that folds flat")
		api := bearerClient(t, srv, team)
		path := "/ideas/" + itoa(idea.ID)

		// Declining says what would change the team's mind.
		r := apiCall(api, http.MethodPut, path+"/status", `{"status":"declined","note":"Not **now**.","reconsider_if":"If riders show us\nthey carry more than 10 kg."}`)
		if got := apiIdea(t, r, http.StatusOK).Status; got != "declined" {
			t.Fatalf("status %q", got)
		}
		// Only planning or declining says it; bad values name the field.
		wantFields(t, apiCall(api, http.MethodPut, path+"/status", `{"status":"in-progress","reconsider_if":"If it rains."}`), "reconsider_if")
		wantFields(t, apiCall(api, http.MethodPut, path+"/status", `{"status":"planned","reconsider_if":7}`), "reconsider_if")
		long := strings.Repeat("x", models.MaxReconsiderLength+1)
		wantFields(t, apiCall(api, http.MethodPut, path+"/status", `{"status":"planned","reconsider_if":"`+long+`"}`), "reconsider_if")
		wantAPIError(t, apiCall(bearerClient(t, srv, member), http.MethodPut, path+"/status", `{"status":"planned","reconsider_if":"x"}`), http.StatusForbidden, "forbidden")

		// The team's form offers the field; a member's page has no form.
		teamPages := srv.SignedIn(team)
		r = teamPages.Get(path + "/" + idea.Slug)
		wantCount(t, r, `.set-status textarea[name="reconsider_if"]`, 1)
		wantCount(t, srv.SignedIn(member).Get(path+"/"+idea.Slug), `textarea[name="reconsider_if"]`, 0)
		form := url.Values{"status": {"planned"}, "note": {"We changed our mind: the 2027 model gets it."}, "reconsider_if": {"If the fold makes it rattle."}}
		wantStatus(t, teamPages.PostForm(path+"/status", form), http.StatusSeeOther)
		form.Set("status", "in-progress")
		wantStatus(t, teamPages.PostForm(path+"/status", form), http.StatusUnprocessableEntity)

		// The idea's page shows the whole record, to anyone.
		r = srv.Client().Get(path + "/" + idea.Slug)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".history li.answer-entry", 2)
		wantText(t, r, ".history li.answer-entry:nth-child(1) .status", "Declined")
		wantText(t, r, ".history li.answer-entry:nth-child(1) .answer-note strong", "now")
		wantText(t, r, ".history li.answer-entry:nth-child(1) .reconsider-text", "If riders show us\nthey carry more than 10 kg.")
		wantText(t, r, ".history li.answer-entry:nth-child(1) .answer-by", "Tess")
		wantText(t, r, ".history li.answer-entry:nth-child(2) .status", "Planned")
		wantText(t, r, ".team-answer .reconsider-text", "If the fold makes it rattle.")
		if _, ok := r.Doc.Find(".history li.answer-entry:nth-child(2) time").Attr("datetime"); !ok {
			t.Fatal("an answer without its time")
		}

		// And so does the API.
		r = apiCall(srv.Client(), http.MethodGet, path+"/answers", "")
		raw := apiJSON[map[string][]json.RawMessage](t, r, http.StatusOK)
		if len(raw["answers"]) != 2 {
			t.Fatalf("answers: %s", r.Body)
		}
		var answers []answerJSON
		for _, a := range raw["answers"] {
			wantKeys(t, a, answerKeys)
			var one answerJSON
			if err := json.Unmarshal(a, &one); err != nil {
				t.Fatal(err)
			}
			answers = append(answers, one)
		}
		first := answers[0]
		if first.Status.Slug != "declined" || first.Note != "Not **now**." || first.NoteHTML != "<p>Not <strong>now</strong>.</p>\n" ||
			first.ReconsiderIf != "If riders show us\nthey carry more than 10 kg." || first.Actor == nil || first.Actor.Name != "Tess" {
			t.Fatalf("first answer %+v", first)
		}
		wantTime(t, "created_at", first.CreatedAt)
		if answers[1].Status.Slug != "planned" || answers[1].ReconsiderIf != "If the fold makes it rattle." {
			t.Fatalf("second answer %+v", answers[1])
		}
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, "/ideas/999999/answers", ""), http.StatusNotFound, "not_found")
	})
}
