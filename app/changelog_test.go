package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// entryJSON is a changelog entry as the API answers it.
type entryJSON struct {
	ID          int64   `json:"id"`
	Title       string  `json:"title"`
	Body        string  `json:"body"`
	BodyHTML    string  `json:"body_html"`
	PublishedAt *string `json:"published_at"`
	Ideas       []struct {
		ID     int64  `json:"id"`
		Title  string `json:"title"`
		Status string `json:"status"`
		URL    string `json:"url"`
	} `json:"ideas"`
	URL string `json:"url"`
}

var entryKeys = []string{"body", "body_html", "id", "ideas", "published_at", "title", "url"}

func apiEntry(t *testing.T, r *apptest.Response, status int) entryJSON {
	t.Helper()
	raw := apiJSON[json.RawMessage](t, r, status)
	wantKeys(t, raw, entryKeys)
	var e entryJSON
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

func entryIdeaIDs(e entryJSON) []int64 {
	ids := make([]int64, len(e.Ideas))
	for i, idea := range e.Ideas {
		ids[i] = idea.ID
	}
	return ids
}

// mustEntry writes a changelog entry, published or a draft.
func mustEntry(t *testing.T, srv *apptest.Server, writer *models.User, title string, publish bool, ideas ...int64) *models.ChangelogEntry {
	t.Helper()
	body := "What changed in " + title
	e, err := srv.Store.CreateChangelogEntry(context.Background(), writer,
		models.ChangelogInput{Title: &title, Body: &body, Ideas: &ideas, Publish: &publish})
	if err != nil {
		t.Fatalf("create changelog entry %q: %v", title, err)
	}
	return e
}

// TestChangelogThroughTheAPI: the team writes a draft linked to ideas, which
// nobody else sees; publishing it with ship moves the ideas to shipped with
// the entry as their answer, through the same status change as any other;
// members see only the ideas they may see; deleting is audited.
func TestChangelogThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		team, member, visitor := bearerClient(t, srv, tess), bearerClient(t, srv, bram), srv.Client()

		lights := mustIdea(t, srv, anna, "Brighter rear lights for winter")
		bell := mustIdea(t, srv, bram, "A bell that rings twice as loud")
		hidden := mustIdea(t, srv, bram, "Gears that shift on their own")
		dup := mustIdea(t, srv, anna, "Louder bell please, it is too soft")
		if _, err := srv.Store.ModerateIdea(ctx, hidden.ID, mo, models.IdeaModeration{Hidden: ptrTo(true), Reason: "off-topic"}); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.Merge(ctx, dup.ID, bell.ID, mo, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.SetStatus(ctx, bell.ID, tess, "planned", "Next spring."); err != nil {
			t.Fatal(err)
		}

		// Who may write.
		body := fmt.Sprintf(`{"title":"Winter update","body":"Lights **brighter**, bells louder.","ideas":[%d,%d,%d,%d]}`, lights.ID, bell.ID, hidden.ID, dup.ID)
		wantAPIError(t, apiCall(visitor, http.MethodPost, "/changelog", body), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(member, http.MethodPost, "/changelog", body), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(bearerClient(t, srv, mo), http.MethodPost, "/changelog", body), http.StatusForbidden, "forbidden")

		// Bad input: a clear error, never a 500.
		for _, bad := range []struct {
			body, field string
		}{
			{`{"body":"no title"}`, "title"},
			{`{"title":"   "}`, "title"},
			{`{"title":"` + strings.Repeat("x", 121) + `"}`, "title"},
			{`{"title":"Unknown ideas","ideas":[999999]}`, "ideas"},
			{`{"title":"Negative ideas","ideas":[-1]}`, "ideas"},
			{`{"title":"Ideas of another type","ideas":"12"}`, "ideas"},
			{`{"title":"Ideas as text","ideas":["12"]}`, "ideas"},
			{`{"title":12}`, "title"},
			{`{"title":"Ship a draft","ship":true}`, "ship"},
			{`{"title":"Nul\u0000byte"}`, "title"},
		} {
			wantInvalidField(t, apiCall(team, http.MethodPost, "/changelog", bad.body), bad.field)
		}
		wantAPIError(t, apiCall(team, http.MethodPost, "/changelog", `{"title":`), http.StatusBadRequest, "malformed")
		wantStatus(t, apiCall(team, http.MethodPost, "/changelog", ""), http.StatusUnsupportedMediaType)

		// A draft: the team sees it with every idea it links; nobody else does.
		draft := apiEntry(t, apiCall(team, http.MethodPost, "/changelog", body), http.StatusCreated)
		if draft.PublishedAt != nil || draft.Title != "Winter update" || draft.BodyHTML != "<p>Lights <strong>brighter</strong>, bells louder.</p>\n" ||
			draft.URL != fmt.Sprintf("%s/changelog/%d", srv.URL, draft.ID) {
			t.Fatalf("draft %+v", draft)
		}
		if got := fmt.Sprint(entryIdeaIDs(draft)); got != fmt.Sprint([]int64{lights.ID, bell.ID, hidden.ID, dup.ID}) {
			t.Fatalf("draft links %s", got)
		}
		if i := draft.Ideas[1]; i.Title != bell.Title || i.Status != "planned" || i.URL != srv.URL+"/ideas/"+itoa(bell.ID)+"/"+bell.Slug {
			t.Fatalf("linked idea %+v", i)
		}
		path := "/changelog/" + itoa(draft.ID)
		wantAPIError(t, apiCall(visitor, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(member, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		apiEntry(t, apiCall(team, http.MethodGet, path, ""), http.StatusOK)
		list := apiJSON[struct {
			Entries []entryJSON `json:"entries"`
			Page    int         `json:"page"`
			PerPage int         `json:"per_page"`
			Total   int         `json:"total"`
		}](t, apiCall(team, http.MethodGet, "/changelog", ""), http.StatusOK)
		if len(list.Entries) != 0 || list.Total != 0 || list.Page != 1 || list.PerPage != 20 {
			t.Fatalf("the published changelog lists a draft: %+v", list)
		}

		// Publishing with ship: every linked idea the team may ship moves to
		// the first status of kind done, its answer linking the entry.
		wantAPIError(t, apiCall(member, http.MethodPatch, path, `{"publish":true,"ship":true}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(team, http.MethodPatch, path, `{"ideas":[1,"x"]}`), http.StatusUnprocessableEntity, "invalid")
		wantAPIError(t, apiCall(team, http.MethodPatch, "/changelog/999999", `{"publish":true}`), http.StatusNotFound, "not_found")
		published := apiEntry(t, apiCall(team, http.MethodPatch, path, `{"publish":true,"ship":true}`), http.StatusOK)
		if published.PublishedAt == nil || published.Title != "Winter update" || len(published.Ideas) != 4 {
			t.Fatalf("published %+v", published)
		}
		for _, i := range published.Ideas[:2] {
			if i.Status != "shipped" {
				t.Fatalf("idea %d is %q after shipping", i.ID, i.Status)
			}
		}
		for _, id := range []int64{hidden.ID, dup.ID} {
			if i, err := srv.Store.Idea(ctx, id, tess); err != nil || i.Status.Slug != "open" {
				t.Fatalf("a hidden or merged idea was shipped: %v %v", i.Status.Slug, err)
			}
		}
		history, err := srv.Store.StatusHistory(ctx, bell.ID)
		if err != nil || len(history) != 2 {
			t.Fatalf("history %v %v", history, err)
		}
		answer := history[1]
		if answer.To.Slug != "shipped" || answer.Actor == nil || answer.Actor.ID != tess.ID ||
			!strings.Contains(string(answer.NoteHTML), fmt.Sprintf(`<a href="/changelog/%d"`, draft.ID)) ||
			!strings.Contains(string(answer.NoteHTML), ">Winter update</a>") {
			t.Fatalf("the shipping answer %+v", answer)
		}
		audit, _, err := srv.Store.AuditLog(ctx, models.AuditFilter{Page: 1})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, a := range audit {
			actions[a.Action]++
		}
		if actions[models.AuditChangelogPublish] != 1 || actions[models.AuditIdeaStatus] != 3 {
			t.Fatalf("audit log after publishing: %v", actions)
		}

		// Shipping again leaves shipped ideas where they are.
		apiEntry(t, apiCall(team, http.MethodPatch, path, `{"ship":true}`), http.StatusOK)
		if h, _ := srv.Store.StatusHistory(ctx, bell.ID); len(h) != 2 {
			t.Fatalf("shipping twice made %d changes", len(h))
		}

		// Members and visitors see the ideas they may see, and no more.
		for _, c := range []*apptest.Client{visitor, member} {
			e := apiEntry(t, apiCall(c, http.MethodGet, path, ""), http.StatusOK)
			if got := fmt.Sprint(entryIdeaIDs(e)); got != fmt.Sprint([]int64{lights.ID, bell.ID}) {
				t.Fatalf("a member sees ideas %s", got)
			}
		}
		second := apiEntry(t, apiCall(team, http.MethodPost, "/changelog", `{"title":"Spring update","publish":true}`), http.StatusCreated)
		apiEntry(t, apiCall(team, http.MethodPost, "/changelog", `{"title":"A later draft"}`), http.StatusCreated)
		list = apiJSON[struct {
			Entries []entryJSON `json:"entries"`
			Page    int         `json:"page"`
			PerPage int         `json:"per_page"`
			Total   int         `json:"total"`
		}](t, apiCall(visitor, http.MethodGet, "/changelog?page=1", ""), http.StatusOK)
		if list.Total != 2 || len(list.Entries) != 2 || list.Entries[0].ID != second.ID || list.Entries[1].ID != draft.ID {
			t.Fatalf("published changelog %+v", list)
		}
		for _, q := range []string{"?page=0", "?page=x", "?per_page=101", "?page=99999"} {
			wantAPIError(t, apiCall(visitor, http.MethodGet, "/changelog"+q, ""), http.StatusUnprocessableEntity, "invalid")
		}
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/changelog/abc", ""), http.StatusNotFound, "not_found")

		// Deleting: 204, then gone, and in the audit log.
		wantAPIError(t, apiCall(member, http.MethodDelete, path, ""), http.StatusForbidden, "forbidden")
		wantStatus(t, apiCall(team, http.MethodDelete, path, ""), http.StatusNoContent)
		wantAPIError(t, apiCall(team, http.MethodGet, path, ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(team, http.MethodDelete, path, ""), http.StatusNotFound, "not_found")
		deleted, _, err := srv.Store.AuditLog(ctx, models.AuditFilter{Page: 1, Action: models.AuditChangelogDelete})
		if err != nil || len(deleted) != 1 || deleted[0].TargetID != draft.ID || deleted[0].Reason != "Winter update" ||
			deleted[0].ActorID == nil || *deleted[0].ActorID != tess.ID {
			t.Fatalf("audit of the delete: %+v %v", deleted, err)
		}
	})
}

func ptrTo[T any](v T) *T { return &v }

// TestChangelogPages: the team writes a draft in the editor, publishes it
// with ship; the public page shows the entry, what it delivers and whom it
// credits; the idea's page links the entry; the feed carries it. Text in
// every field stays inert.
func TestChangelogPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna de Vries", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		lights := mustIdea(t, srv, anna, "Brighter rear lights for winter")
		stand := mustIdea(t, srv, anna, "A kickstand that does not wobble")
		secret := mustIdea(t, srv, bram, "Gears that shift on their own")
		if _, err := srv.Store.ModerateIdea(ctx, secret.ID, mo, models.IdeaModeration{Hidden: ptrTo(true), Reason: "off-topic"}); err != nil {
			t.Fatal(err)
		}

		team := srv.SignedIn(tess)
		r := team.Get("/admin/changelog")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `form.changelog-form[action="/admin/changelog"] button[name="do"][value="ship"]`, 1)
		wantCount(t, r, `nav.site-nav a[href="/changelog"]`, 1)

		// A bad form keeps what was typed and says what is wrong.
		r = team.PostForm("/admin/changelog", url.Values{"title": {"Winter"}, "body": {"Kept text"}, "ideas": {"12, banana"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#entry-ideas[aria-invalid="true"]`, 1)
		wantText(t, r, "#entry-body", "Kept text")
		r = team.PostForm("/admin/changelog", url.Values{"title": {"Winter"}, "ideas": {"999999"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#entry-ideas[aria-invalid="true"]`, 1)

		// A draft, linked to ideas, one of them hidden.
		title := `Winter <script>alert(1)</script> update`
		r = team.PostForm("/admin/changelog", url.Values{
			"title": {title}, "body": {"Lights **brighter**.\n\n" + xssPayloads[2] + "\n\n[click](javascript:alert(1))"},
			"ideas": {fmt.Sprintf("#%d, %d %d", lights.ID, stand.ID, secret.ID)}, "do": {"save"},
		})
		wantStatus(t, r, http.StatusSeeOther)
		loc := r.Header.Get("Location")
		id, ok := strings.CutPrefix(loc, "/admin/changelog/")
		if !ok {
			t.Fatalf("saving a draft went to %q", loc)
		}
		r = team.Get(loc)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `.delivered-idea`, 3)
		wantCount(t, r, `.badge.draft`, 1)
		if v, _ := r.Doc.Find("#entry-ideas").Attr("value"); v != fmt.Sprintf("%d, %d, %d", lights.ID, stand.ID, secret.ID) {
			t.Fatalf("the editor's ideas field holds %q", v)
		}
		wantStatus(t, srv.Client().Get("/changelog/"+id), http.StatusNotFound)
		wantStatus(t, srv.SignedIn(bram).Get("/changelog/"+id), http.StatusNotFound)
		wantCount(t, srv.Client().Get("/changelog"), ".changelog-entry", 0)

		// Publish and ship from the editor.
		r = team.PostForm(loc, url.Values{"title": {title}, "body": {"Lights **brighter**.\n\n" + xssPayloads[2]},
			"ideas": {fmt.Sprintf("%d, %d, %d", lights.ID, stand.ID, secret.ID)}, "do": {"ship"}})
		wantStatus(t, r, http.StatusSeeOther)
		if got := r.Header.Get("Location"); got != "/changelog/"+id {
			t.Fatalf("publishing went to %q", got)
		}

		visitor := srv.Client()
		r = visitor.Get("/changelog")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".changelog-entry", 1)
		wantText(t, r, ".changelog-entry .entry-title a", "Winter <script>alert(1)</script> update")
		wantCount(t, r, ".changelog-entry .markdown strong", 1)
		wantCount(t, r, ".changelog-entry .delivered-idea", 2) // not the hidden one
		wantCount(t, r, ".changelog-entry .delivered-idea .status.status-done", 2)
		wantText(t, r, ".credits a.credit", "Anna de Vries") // once, though two of her ideas
		wantCount(t, r, ".credits a.credit", 1)
		wantCount(t, r, `.credits a.credit[href="/members/`+itoa(anna.ID)+`"]`, 1)
		wantCount(t, r, `a.feed-link[href="/feeds/changelog.atom"]`, 1)
		wantCount(t, r, `a.write-entry`, 0)
		assertInert(t, "/changelog", r)
		r = visitor.Get("/changelog/" + id)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, "h1.entry-title", "Winter <script>alert(1)</script> update")
		assertInert(t, "/changelog/"+id, r)
		if strings.Contains(strings.ToLower(string(r.Body)), "gears that shift") {
			t.Fatal("the entry's page names a hidden idea")
		}
		// Moderators read hidden ideas, and the entry lists it for them.
		wantCount(t, srv.SignedIn(mo).Get("/changelog/"+id), ".delivered-idea", 3)

		// The idea's page: shipped, with the link to the entry.
		r = visitor.Get(fmt.Sprintf("/ideas/%d/%s", lights.ID, lights.Slug))
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".idea-header .status", "Shipped")
		wantCount(t, r, `.shipped-in a[href="/changelog/`+id+`"]`, 1)
		wantText(t, r, ".shipped-in a", "Winter <script>alert(1)</script> update")
		wantCount(t, r, `.team-answer a[href="/changelog/`+id+`"]`, 1)
		assertInert(t, "idea page", r)

		// In Dutch.
		dutch := srv.Client()
		dutch.Header.Set("Accept-Language", "nl")
		r = dutch.Get("/changelog")
		wantText(t, r, "h1", "Wat is er nieuw")
		if got := strings.TrimSpace(r.Doc.Find(".credits").Text()); !strings.HasPrefix(got, "Gebouwd met ideeën van") {
			t.Fatalf("Dutch credits %q", got)
		}
		wantText(t, dutch.Get(fmt.Sprintf("/ideas/%d/%s", lights.ID, lights.Slug)), ".shipped-in", "Opgeleverd in Winter <script>alert(1)</script> update")

		// The feed: published entries only, with their sanitised text.
		mustEntry(t, srv, tess, "A draft stays out of the feed", false)
		f := getFeed(t, visitor, "/feeds/changelog.atom")
		wantTitles(t, "changelog feed", f, title)
		e := f.Entries[0]
		if link(e.Links, "alternate") != srv.URL+"/changelog/"+id || e.ID != srv.URL+"/changelog/"+id || e.Author.Name != "Tess" ||
			!strings.Contains(e.Content.Text, "<strong>brighter</strong>") || link(f.Links, "alternate") != srv.URL+"/changelog" {
			t.Fatalf("feed entry %+v", e)
		}
		assertFeedInert(t, "/feeds/changelog.atom", visitor.Get("/feeds/changelog.atom"))

		// Back to draft, then deleted from the editor.
		r = team.PostForm("/admin/changelog/"+id, url.Values{"title": {title}, "ideas": {itoa(lights.ID)}, "do": {"unpublish"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantStatus(t, visitor.Get("/changelog/"+id), http.StatusNotFound)
		wantCount(t, visitor.Get(fmt.Sprintf("/ideas/%d/%s", lights.ID, lights.Slug)), ".shipped-in", 0)
		r = team.PostForm("/admin/changelog/"+id+"/delete", url.Values{"confirm": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantStatus(t, team.Get("/admin/changelog/"+id), http.StatusNotFound)
		r = team.Get("/mod/audit?action=" + models.AuditChangelogDelete)
		wantCount(t, r, `.audit-entry[data-action="changelog.delete"]`, 1)

		// Members never reach the editor.
		wantStatus(t, srv.SignedIn(bram).Get("/admin/changelog"), http.StatusForbidden)
	})
}
