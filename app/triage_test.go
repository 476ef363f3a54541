package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// triageJSON is the team's triage of an idea as the API shows it.
type triageJSON struct {
	Assignee *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"assignee"`
	Impact *int     `json:"impact"`
	Effort *int     `json:"effort"`
	Score  *float64 `json:"score"`
}

// teamIdea decodes one idea as the team reads it: with its triage, whose
// keys are exactly the contract's.
func teamIdea(t *testing.T, r *apptest.Response, status int) (ideaJSON, triageJSON) {
	t.Helper()
	raw := apiJSON[json.RawMessage](t, r, status)
	wantKeys(t, raw, teamIdeaKeys)
	var i ideaJSON
	var wrap struct {
		Triage json.RawMessage `json:"triage"`
	}
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &wrap); err != nil {
		t.Fatal(err)
	}
	wantKeys(t, wrap.Triage, []string{"assignee", "effort", "impact", "score"})
	var tr triageJSON
	if err := json.Unmarshal(wrap.Triage, &tr); err != nil {
		t.Fatal(err)
	}
	return i, tr
}

// wantNoTriage checks that an idea, or every idea of a list, has none of the
// team's keys.
func wantNoTriage(t *testing.T, who string, r *apptest.Response) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	var one map[string]json.RawMessage
	if err := json.Unmarshal(r.Body, &one); err != nil {
		t.Fatalf("%s: %s", who, r.Body)
	}
	objects := []map[string]json.RawMessage{one}
	if list, ok := one["ideas"]; ok {
		objects = nil
		if err := json.Unmarshal(list, &objects); err != nil || len(objects) == 0 {
			t.Fatalf("%s: no ideas in %s", who, r.Body)
		}
	}
	for _, o := range objects {
		for _, key := range []string{"triage", "source_url"} {
			if _, ok := o[key]; ok {
				t.Fatalf("%s reads %q in %s %s: %s", who, key, r.Request.Method, r.Request.URL, r.Body)
			}
		}
	}
}

func TestTriageIsForTheTeamAlone(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		tessUser := srv.User("Tess Team", "tess@example.com", models.RoleTeam)
		modUser := srv.User("Maartje", "maartje@example.com", models.RoleModerator)
		idea := mustIdea(t, srv, annaUser, "Swappable battery for long rides")
		if _, _, err := srv.Store.Vote(ctx, idea.ID, bramUser.ID); err != nil {
			t.Fatal(err)
		}
		path := "/ideas/" + itoa(idea.ID)

		tess := bearerClient(t, srv, tessUser)
		triaged, tr := teamIdea(t, apiCall(tess, http.MethodPatch, path+"/triage",
			`{"assignee_id":`+itoa(tessUser.ID)+`,"impact":4,"effort":3}`), http.StatusOK)
		if triaged.ID != idea.ID || tr.Assignee == nil || tr.Assignee.ID != tessUser.ID || tr.Assignee.Name != "Tess Team" ||
			*tr.Impact != 4 || *tr.Effort != 3 || tr.Score == nil || *tr.Score != 2.7 {
			t.Fatalf("after triage: %+v", tr)
		}
		// The team reads it on the idea, in the list and in the inbox.
		_, tr = teamIdea(t, apiCall(tess, http.MethodGet, path, ""), http.StatusOK)
		if tr.Score == nil || *tr.Score != 2.7 || tr.Assignee == nil {
			t.Fatalf("the team reads %+v", tr)
		}
		l, _ := apiList(t, tess, "")
		for _, raw := range l.Ideas {
			wantKeys(t, raw, teamIdeaKeys)
		}

		// Nobody else does: a member's session and token, a moderator, a visitor.
		anna := srv.SignedIn(annaUser)
		anna.Get("/")
		for who, c := range map[string]*apptest.Client{
			"a member": anna, "a member's token": bearerClient(t, srv, bramUser),
			"a moderator": bearerClient(t, srv, modUser), "a visitor": srv.Client(),
		} {
			wantNoTriage(t, who, apiCall(c, http.MethodGet, path, ""))
			wantNoTriage(t, who, apiCall(c, http.MethodGet, "/ideas", ""))
			wantNoTriage(t, who, apiCall(c, http.MethodGet, "/ideas?q=battery", ""))
			r := c.Get("/ideas/" + itoa(idea.ID) + "/" + idea.Slug)
			wantStatus(t, r, http.StatusOK)
			wantCount(t, r, ".triage-card", 0)
		}
		// A member's own edit answers without it too.
		wantNoTriage(t, "the author", apiCall(anna, http.MethodPatch, path, `{"body":"Two batteries."}`))

		// null clears; absent fields stay.
		_, tr = teamIdea(t, apiCall(tess, http.MethodPatch, path+"/triage", `{"assignee_id":null}`), http.StatusOK)
		if tr.Assignee != nil || *tr.Impact != 4 || *tr.Effort != 3 {
			t.Fatalf("after unassigning: %+v", tr)
		}
		_, tr = teamIdea(t, apiCall(tess, http.MethodPatch, path+"/triage", `{"effort":null}`), http.StatusOK)
		if tr.Effort != nil || tr.Score != nil || *tr.Impact != 4 {
			t.Fatalf("after clearing the effort: %+v", tr)
		}

		// Bad input is a 422 naming the field; others are refused.
		for body, field := range map[string]string{
			`{"impact":6}`: "impact", `{"effort":0}`: "effort", `{"impact":"high"}`: "impact",
			`{"effort":2.5}`: "effort", `{"assignee_id":` + itoa(annaUser.ID) + `}`: "assignee_id",
			`{"assignee_id":999999}`: "assignee_id", `{"assignee_id":"me"}`: "assignee_id",
		} {
			wantFields(t, apiCall(tess, http.MethodPatch, path+"/triage", body), field)
		}
		wantAPIError(t, apiCall(tess, http.MethodPatch, path+"/triage", `{"impact":`), http.StatusBadRequest, "malformed")
		wantAPIError(t, apiCall(tess, http.MethodPatch, "/ideas/999999/triage", `{"impact":1}`), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(bearerClient(t, srv, annaUser), http.MethodPatch, path+"/triage", `{"impact":1}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(bearerClient(t, srv, modUser), http.MethodPatch, path+"/triage", `{"impact":1}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(srv.Client(), http.MethodPatch, path+"/triage", `{"impact":1}`), http.StatusUnauthorized, "unauthorized")

		// The idea's page shows the team its triage and a form to change it.
		page := srv.SignedIn(tessUser)
		ideaPage := "/ideas/" + itoa(idea.ID) + "/" + idea.Slug
		page.Get(ideaPage)
		r := page.PostForm(path+"/triage", url.Values{"assignee_id": {itoa(tessUser.ID)}, "impact": {"5"}, "effort": {"2"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = page.Get(ideaPage)
		wantText(t, r, ".triage-card .assignee", "Tess Team")
		wantText(t, r, ".triage-card .impact", "5")
		wantText(t, r, ".triage-card .effort", "2")
		wantText(t, r, ".triage-card .score", "5.0")
		wantCount(t, r, `#triage-assignee option[value="`+itoa(tessUser.ID)+`"][selected]`, 1)
		r = page.PostForm(path+"/triage", url.Values{"impact": {"9"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		r = page.PostForm(path+"/triage", url.Values{"effort": {"much"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
	})
}

// inboxIDs are the ids of the ideas an inbox answer lists, in order.
func inboxIDs(t *testing.T, c *apptest.Client, query string) []int64 {
	t.Helper()
	r := apiCall(c, http.MethodGet, "/triage"+query, "")
	raw := apiJSON[json.RawMessage](t, r, http.StatusOK)
	wantKeys(t, raw, []string{"ideas", "page", "per_page", "total"})
	l := apiJSON[listJSON](t, r, http.StatusOK)
	out := []int64{}
	for _, raw := range l.Ideas {
		wantKeys(t, raw, teamIdeaKeys)
		var i ideaJSON
		_ = json.Unmarshal(raw, &i)
		out = append(out, i.ID)
	}
	if q, _ := url.ParseQuery(strings.TrimPrefix(query, "?")); q.Get("page") == "" && int(l.Total) != len(out) {
		t.Fatalf("GET /triage%s: total %d for %d ideas", query, l.Total, len(out))
	}
	return out
}

// pageIDs are the ids of the ideas an inbox page lists, in order.
func pageIDs(r *apptest.Response) []int64 {
	out := []int64{}
	for _, v := range r.Doc.Find("tr.triage-idea").EachIter() {
		id, _ := strconv.ParseInt(v.AttrOr("data-id", ""), 10, 64)
		out = append(out, id)
	}
	return out
}

func wantIDs(t *testing.T, what string, got []int64, want ...int64) {
	t.Helper()
	if want == nil {
		want = []int64{}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("%s: %v, want %v", what, got, want)
	}
}

func TestTriageInbox(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		tessUser := srv.User("Tess", "tess@example.com", models.RoleTeam)
		timUser := srv.User("Tim", "tim@example.com", models.RoleTeam)
		modUser := srv.User("Maartje", "maartje@example.com", models.RoleModerator)
		tess := bearerClient(t, srv, tessUser)

		a := mustIdea(t, srv, anna, "First idea: a bell that sings")
		b := mustIdea(t, srv, bram, "Second idea: brighter lights")
		c := mustIdea(t, srv, anna, "Third idea: a stronger lock")
		d := mustIdea(t, srv, bram, "Fourth idea: a quieter motor")
		e := mustIdea(t, srv, anna, "Fifth idea: wider tyres please")
		for _, v := range []struct{ idea, user int64 }{{b.ID, anna.ID}, {c.ID, bram.ID}, {d.ID, anna.ID}, {d.ID, tessUser.ID}} {
			if _, _, err := srv.Store.Vote(ctx, v.idea, v.user); err != nil {
				t.Fatal(err)
			}
		}
		// votes: a 1, b 2, c 2, d 3, e 1. Newest first: e d c b a.
		wantIDs(t, "untriaged, newest first", inboxIDs(t, tess, "?triaged=false"), e.ID, d.ID, c.ID, b.ID, a.ID)
		wantIDs(t, "by votes", inboxIDs(t, tess, "?sort=votes"), d.ID, c.ID, b.ID, e.ID, a.ID)

		// Each way of triaging takes an idea out of the untriaged view:
		// a status, an assignee, impact and effort, an answer. An internal
		// note or a member's comment does not.
		if _, err := srv.Store.SetStatus(ctx, a.ID, tessUser, "under-review", ""); err != nil {
			t.Fatal(err)
		}
		teamIdea(t, apiCall(tess, http.MethodPatch, "/ideas/"+itoa(b.ID)+"/triage", `{"assignee_id":`+itoa(timUser.ID)+`}`), http.StatusOK)
		teamIdea(t, apiCall(tess, http.MethodPatch, "/ideas/"+itoa(c.ID)+"/triage", `{"impact":5,"effort":1}`), http.StatusOK)
		mustComment(t, srv, d.ID, modUser, "Thanks, we are looking at motors.")
		mustComment(t, srv, e.ID, bram, "Yes please, wider tyres.")
		if _, err := srv.Store.CreateComment(ctx, e.ID, tessUser, models.NewComment{Body: "Note to self: ask the supplier", Internal: true}); err != nil {
			t.Fatal(err)
		}
		mustComment(t, srv, e.ID, anna, "My own idea, my own comment.")
		wantIDs(t, "untriaged", inboxIDs(t, tess, "?triaged=false"), e.ID)
		wantIDs(t, "triaged", inboxIDs(t, tess, "?triaged=true&sort=votes"), d.ID, c.ID, b.ID, a.ID)
		wantIDs(t, "answered", inboxIDs(t, tess, "?answered=true"), d.ID)
		wantIDs(t, "oldest without an answer", inboxIDs(t, tess, "?sort=age"), a.ID, b.ID, c.ID, e.ID)

		// Assignee: a person, me, nobody.
		wantIDs(t, "Tim's", inboxIDs(t, tess, "?assignee="+itoa(timUser.ID)), b.ID)
		wantIDs(t, "Tim's own", inboxIDs(t, bearerClient(t, srv, timUser), "?assignee=me"), b.ID)
		wantIDs(t, "Tess's own", inboxIDs(t, tess, "?assignee=me"))
		wantIDs(t, "nobody's", inboxIDs(t, tess, "?assignee=none&sort=votes"), d.ID, c.ID, e.ID, a.ID)
		// Score: votes x impact / effort, ideas without one last.
		teamIdea(t, apiCall(tess, http.MethodPatch, "/ideas/"+itoa(d.ID)+"/triage", `{"impact":2,"effort":2}`), http.StatusOK)
		wantIDs(t, "by score", inboxIDs(t, tess, "?sort=score"), c.ID, d.ID, e.ID, b.ID, a.ID)
		// Status, category, tag, votes and age narrow it.
		wantIDs(t, "under review", inboxIDs(t, tess, "?status=under-review"), a.ID)
		wantIDs(t, "at least 2 votes", inboxIDs(t, tess, "?min_votes=2&sort=votes"), d.ID, c.ID, b.ID)
		wantIDs(t, "older than a day", inboxIDs(t, tess, "?older_than=1"))
		wantIDs(t, "paged", inboxIDs(t, tess, "?per_page=2&page=2"), c.ID, b.ID)

		// Bad filters are a 422 naming them; the inbox is the team's.
		for query, field := range map[string]string{
			"?sort=hot": "sort", "?assignee=someone": "assignee", "?triaged=maybe": "triaged", "?status=nosuch": "status",
			"?category=nosuch": "category", "?page=0": "page", "?older_than=-1": "older_than", "?min_votes=x": "min_votes",
		} {
			wantFields(t, apiCall(tess, http.MethodGet, "/triage"+query, ""), field)
		}
		wantAPIError(t, apiCall(bearerClient(t, srv, modUser), http.MethodGet, "/triage", ""), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, "/triage", ""), http.StatusUnauthorized, "unauthorized")

		// The page: untriaged first, with the counts of every view.
		page := srv.SignedIn(tessUser)
		r := page.Get("/admin/triage")
		wantStatus(t, r, http.StatusOK)
		wantIDs(t, "the inbox page", pageIDs(r), e.ID)
		wantCount(t, r, `.triage-views a.view-untriaged[aria-current="page"]`, 1)
		for view, n := range map[string]string{"untriaged": "1", "mine": "0", "unassigned": "4", "unanswered": "4", "all": "5"} {
			if got := r.Doc.Find(".triage-views a.view-"+view+" .count").AttrOr("data-count", ""); got != n {
				t.Fatalf("view %s counts %q, want %s", view, got, n)
			}
		}
		r = page.Get("/admin/triage?view=all&sort=votes&min_votes=2")
		wantIDs(t, "all with 2 votes, on the page", pageIDs(r), d.ID, c.ID, b.ID)
		wantText(t, r, `tr.triage-idea[data-id="`+itoa(c.ID)+`"] .score`, "10.0")
		wantText(t, r, `tr.triage-idea[data-id="`+itoa(b.ID)+`"] .assignee`, "Tim")
		r = page.Get("/admin/triage?view=nosuch")
		wantStatus(t, r, http.StatusUnprocessableEntity)
		r = page.Get("/admin/triage?sort=nosuch")
		wantStatus(t, r, http.StatusUnprocessableEntity)

		// Acting on a selection at once: assign, weigh, a status with one
		// public answer, category, tags, merge.
		page.Get("/admin/triage?view=all")
		two := url.Values{"ids": {itoa(a.ID), itoa(e.ID)}, "back": {"view=all"}}
		act := func(do string, extra url.Values) *apptest.Response {
			form := url.Values{"do": {do}}
			for k, v := range two {
				form[k] = v
			}
			for k, v := range extra {
				form[k] = v
			}
			return page.PostForm("/admin/triage", form)
		}
		r = act("assign", url.Values{"assignee_id": {itoa(tessUser.ID)}})
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); loc != "/admin/triage?view=all" {
			t.Fatalf("after acting sent to %q", loc)
		}
		wantIDs(t, "mine after assigning", inboxIDs(t, tess, "?assignee=me"), e.ID, a.ID)
		wantIDs(t, "untriaged after assigning", inboxIDs(t, tess, "?triaged=false"))
		wantStatus(t, act("weigh", url.Values{"impact": {"3"}, "effort": {"1"}}), http.StatusSeeOther)
		_, tr := teamIdea(t, apiCall(tess, http.MethodGet, "/ideas/"+itoa(e.ID), ""), http.StatusOK)
		if *tr.Impact != 3 || *tr.Effort != 1 || *tr.Score != 3 {
			t.Fatalf("after weighing: %+v", tr)
		}
		wantStatus(t, act("status", url.Values{"status": {"planned"}, "note": {"On the plan for spring."}}), http.StatusSeeOther)
		for _, id := range []int64{a.ID, e.ID} {
			got := apiIdea(t, apiCall(srv.Client(), http.MethodGet, "/ideas/"+itoa(id), ""), http.StatusOK)
			if got.Status != "planned" {
				t.Fatalf("idea %d is %s", id, got.Status)
			}
		}
		wantIDs(t, "answered after the status", inboxIDs(t, tess, "?answered=true"), e.ID, d.ID, a.ID)
		wantStatus(t, act("category", url.Values{"category": {"features"}}), http.StatusSeeOther)
		wantStatus(t, act("tags", url.Values{"tags": {"Spring, Comfort"}}), http.StatusSeeOther)
		wantIDs(t, "features", inboxIDs(t, tess, "?category=features"), e.ID, a.ID)
		wantIDs(t, "tagged", inboxIDs(t, tess, "?tag=spring"), e.ID, a.ID)
		r = page.PostForm("/admin/triage", url.Values{"do": {"merge"}, "ids": {itoa(e.ID)}, "into": {itoa(d.ID)}})
		wantStatus(t, r, http.StatusSeeOther)
		wantIDs(t, "after the merge", inboxIDs(t, tess, "?sort=votes"), d.ID, c.ID, b.ID, a.ID)

		// Nothing chosen, or nonsense, is a friendly 422, never a 500.
		for name, form := range map[string]url.Values{
			"no ideas":     {"do": {"assign"}, "assignee_id": {itoa(tessUser.ID)}},
			"no action":    {"ids": {itoa(a.ID)}},
			"bad id":       {"do": {"assign"}, "ids": {"x"}},
			"bad weight":   {"do": {"weigh"}, "ids": {itoa(a.ID)}, "impact": {"7"}},
			"bad assignee": {"do": {"assign"}, "ids": {itoa(a.ID)}, "assignee_id": {itoa(anna.ID)}},
			"bad merge":    {"do": {"merge"}, "ids": {itoa(a.ID)}, "into": {"x"}},
			"bad status":   {"do": {"status"}, "ids": {itoa(a.ID)}, "status": {"nosuch"}},
		} {
			r := page.PostForm("/admin/triage", form)
			if r.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("%s: %d, want 422; %.300s", name, r.StatusCode, r.Body)
			}
			wantCount(t, r, "main h1", 1)
		}
	})
}
