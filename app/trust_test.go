package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// TestTrustLevelOnTheMemberPages: an admin sets the thresholds on the
// settings page (a threshold below the level under it is a 422 naming the
// field); a member sees their level and what the next one needs on /me as
// the days pass, a moderator sees it on the member's page, and a suspension
// shows as a level change and a wait.
func TestTrustLevelOnTheMemberPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		base := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		day := 0
		srv.Store.SetClock(func() time.Time { return base.Add(time.Duration(day) * 24 * time.Hour) })
		t.Cleanup(func() { srv.Store.SetClock(nil) })

		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		form := url.Values{}
		for k, v := range models.DefaultSettings.Form() {
			form.Set(k, v)
		}
		r := admin.Get("/admin/settings")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "#setting-trust2_days", 1)
		form.Set("trust1_days", "2")
		form.Set("trust1_posts", "1")
		form.Set("trust1_votes", "1")
		form.Set("trust2_days", "1") // below level 1's
		r = admin.PostForm("/admin/settings", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#error-trust2_days", 1)
		if r.Doc.Find("#setting-trust2_days").AttrOr("value", "") != "1" {
			t.Fatal("the settings form lost what the admin typed")
		}
		form.Set("trust2_days", "two")
		wantStatus(t, admin.PostForm("/admin/settings", form), http.StatusUnprocessableEntity)
		form.Set("trust2_days", "3")
		wantStatus(t, admin.PostForm("/admin/settings", form), http.StatusSeeOther)

		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		page := srv.SignedIn(anna)
		r = page.Get("/me")
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".trust-level .current-level", "Level 0: New")
		wantText(t, r, ".trust-level .next-level", "To reach level 1 (Basic):")
		wantText(t, r, `.trust-step[data-key="days_active"]`, "Days signed in: 1 of 2")
		wantCount(t, r, ".trust-step.met", 1) // no sanction to wait out
		if _, err := srv.Store.CreateIdea(t.Context(), anna, models.NewIdea{Title: "Mudguards that stay quiet"}); err != nil {
			t.Fatal(err)
		}
		r = page.Get("/me")
		wantCount(t, r, ".trust-step.met", 3)
		wantCount(t, r, ".trust-change", 0)

		day++
		r = page.Get("/me")
		wantText(t, r, ".trust-level .current-level", "Level 1: Basic")
		wantText(t, r, ".trust-level .next-level", "To reach level 2 (Member):")
		wantCount(t, r, ".trust-change", 1)
		wantCount(t, r, `.trust-change[data-to="1"]`, 1)

		mod := srv.User("Mo", "mo@example.com", models.RoleModerator)
		modPage := srv.SignedIn(mod)
		memberURL := "/mod/members/" + strconv.FormatInt(anna.ID, 10)
		r = modPage.Get(memberURL)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".badge.trust-level", "Trust level 1: Basic")

		r = modPage.Get("/mod/members?q=anna")
		wantText(t, r, ".member-row .trust-level", "Level 1: Basic")
		r = modPage.PostForm(memberURL+"/sanction", url.Values{"action": {"suspend"}, "reason": {"Heated thread"},
			"until": {base.Add(4 * 24 * time.Hour).Format("2006-01-02")}, "confirm": {"1"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("suspend: %d %.300s", r.StatusCode, r.Body)
		}
		r = modPage.Get(memberURL)
		wantText(t, r, ".badge.trust-level", "Trust level 0: New")
		r = page.Get("/me")
		wantText(t, r, ".trust-level .current-level", "Level 0: New")
		wantCount(t, r, ".trust-blocked", 1)
		wantCount(t, r, `.trust-change[data-to="0"]`, 1)

		// Only admins make leaders, from the member's page; a suspended member is none.
		wantCount(t, r, "form[action$=\"/trust\"]", 0)
		r = admin.Get(memberURL)
		wantCount(t, r, `form[action$="/trust"] button[value="grant"]`, 0)
		wantStatus(t, admin.PostForm(memberURL+"/trust", url.Values{"action": {"grant"}}), http.StatusUnprocessableEntity)
		wantStatus(t, admin.PostForm(memberURL+"/sanction", url.Values{"action": {"lift"}, "reason": {"Calmer now"}}), http.StatusSeeOther)
		r = admin.Get(memberURL)
		wantCount(t, r, `form[action$="/trust"] button[value="grant"]`, 1)
		wantStatus(t, modPage.PostForm(memberURL+"/trust", url.Values{"action": {"grant"}}), http.StatusForbidden)
		wantStatus(t, admin.PostForm(memberURL+"/trust", url.Values{"action": {"grant"}}), http.StatusSeeOther)
		r = admin.Get(memberURL)
		wantText(t, r, ".badge.trust-level", "Trust level 4: Leader")
		wantCount(t, r, `form[action$="/trust"] button[value="revoke"]`, 1)
		r = page.Get("/me")
		wantText(t, r, ".trust-level .current-level", "Level 4: Leader")
		wantCount(t, r, `.trust-change[data-to="4"]`, 1)

		// A moderator's own page says their role decides.
		r = modPage.Get("/me")
		wantCount(t, r, ".trust-level .next-level", 0)
		wantCount(t, r, ".trust-step", 0)

		// In Dutch.
		if err := srv.Store.SetLocale(t.Context(), anna.ID, "nl"); err != nil {
			t.Fatal(err)
		}
		r = page.Get("/me")
		wantText(t, r, ".trust-level h2", "Vertrouwensniveau")
		wantText(t, r, ".trust-level .current-level", "Niveau 4: Voortrekker")
	})
}

// TestSuggestionFlow: a member of the suggesting level suggests a tag and a
// category through the form; one below it is told the level; moderators
// accept the tag, admins the category, and the member sees what became of both.
func TestSuggestionFlow(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		otto := srv.User("Otto", "otto@example.com", models.RoleMember)
		idea := mustIdea(t, srv, otto, "Bells that ring twice")
		rik := srv.User("Rik", "rik@example.com", models.RoleMember)
		execSQL(t, srv, "UPDATE users SET trust_level = ?, trusted = ? WHERE id = ?", 2, true, rik.ID)
		page := srv.SignedIn(rik)

		newbie := srv.SignedIn(srv.User("Nico", "nico@example.com", models.RoleMember))
		r := newbie.Get("/suggestions")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".suggest-locked", 1)
		wantCount(t, r, "form.suggestion-form", 0)
		wantStatus(t, newbie.PostForm("/suggestions", url.Values{"kind": {"category"}, "name": {"Locks"}}), http.StatusForbidden)

		r = page.Get("/me")
		wantCount(t, r, "a.suggest-link", 1)
		r = page.Get("/suggestions?idea=" + strconv.FormatInt(idea.ID, 10))
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `form.suggestion-form input[name="kind"][value="tag"][checked]`, 1)
		r = page.PostForm("/suggestions", url.Values{"kind": {"tag"}, "name": {"bells"}, "idea_id": {"abc"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#error-idea_id", 1)
		if r.Doc.Find("#suggestion-name").AttrOr("value", "") != "bells" {
			t.Fatal("the form lost what the member typed")
		}
		r = page.PostForm("/suggestions", url.Values{"kind": {"category"}, "name": {"Features"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#error-name", 1)
		r = page.PostForm("/suggestions", url.Values{"kind": {"tag"}, "name": {"Bells"}, "idea_id": {strconv.FormatInt(idea.ID, 10)}, "note": {"about bells"}})
		wantStatus(t, r, http.StatusSeeOther)
		wantStatus(t, page.PostForm("/suggestions", url.Values{"kind": {"category"}, "name": {"Accessories"}}), http.StatusSeeOther)
		r = page.Get("/suggestions")
		wantCount(t, r, `.my-suggestion[data-state="pending"]`, 2)

		mod := srv.SignedIn(srv.User("Mo", "mo@example.com", models.RoleModerator))
		r = mod.Get("/mod/suggestions")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "li.suggestion", 2)
		wantCount(t, r, `li.suggestion[data-kind="category"] button[value="accept"]`, 0)
		tagID := r.Doc.Find(`li.suggestion[data-kind="tag"]`).AttrOr("data-id", "")
		catID := r.Doc.Find(`li.suggestion[data-kind="category"]`).AttrOr("data-id", "")
		wantStatus(t, mod.PostForm("/mod/suggestions/"+tagID, url.Values{"decision": {"maybe"}}), http.StatusUnprocessableEntity)
		wantStatus(t, mod.PostForm("/mod/suggestions/"+catID, url.Values{"decision": {"accept"}}), http.StatusForbidden)
		wantStatus(t, mod.PostForm("/mod/suggestions/"+tagID, url.Values{"decision": {"accept"}}), http.StatusSeeOther)
		wantStatus(t, mod.PostForm("/mod/suggestions/"+tagID, url.Values{"decision": {"reject"}}), http.StatusConflict)
		got, err := srv.Store.Idea(t.Context(), idea.ID, nil)
		if err != nil || len(got.Tags) != 1 || got.Tags[0].Slug != "bells" {
			t.Fatalf("the idea's tags: %+v %v", got, err)
		}

		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		r = admin.Get("/mod/suggestions")
		wantCount(t, r, `li.suggestion[data-kind="category"] button[value="accept"]`, 1)
		wantStatus(t, admin.PostForm("/mod/suggestions/"+catID, url.Values{"decision": {"accept"}, "answer": {"Welcome"}}), http.StatusSeeOther)
		if c, err := srv.Store.CategoryBySlug(t.Context(), "accessories"); err != nil || c.Name != "Accessories" {
			t.Fatalf("the category: %+v %v", c, err)
		}
		r = page.Get("/suggestions")
		wantCount(t, r, `.my-suggestion[data-state="accepted"]`, 2)
		wantText(t, r, `.my-suggestion q`, "Welcome")
	})
}

// TestSuggestionsAPI: the same flow through /api/v1.
func TestSuggestionsAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		otto := srv.User("Otto", "otto@example.com", models.RoleMember)
		idea := mustIdea(t, srv, otto, "Bells that ring twice")
		rik := srv.User("Rik", "rik@example.com", models.RoleMember)
		execSQL(t, srv, "UPDATE users SET trust_level = ?, trusted = ? WHERE id = ?", 2, true, rik.ID)
		member, newbie := bearerClient(t, srv, rik), bearerClient(t, srv, otto)
		body := fmt.Sprintf(`{"kind":"tag","name":"Bells","idea_id":%d,"note":"about bells"}`, idea.ID)
		wantAPIError(t, apiCall(newbie, http.MethodPost, "/suggestions", body), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(member, http.MethodPost, "/suggestions", `{"kind":"colour","name":"red"}`), http.StatusUnprocessableEntity, "invalid")
		r := apiCall(member, http.MethodPost, "/suggestions", body)
		wantStatus(t, r, http.StatusCreated)
		made := decodeJSON[struct {
			ID     int64  `json:"id"`
			State  string `json:"state"`
			IdeaID *int64 `json:"idea_id"`
		}](t, r)
		if made.State != "pending" || made.IdeaID == nil || *made.IdeaID != idea.ID {
			t.Fatalf("made: %+v", made)
		}
		wantAPIError(t, apiCall(member, http.MethodGet, "/mod/suggestions", ""), http.StatusForbidden, "forbidden")
		mod := bearerClient(t, srv, srv.User("Mo", "mo@example.com", models.RoleModerator))
		type list struct {
			Suggestions []struct {
				ID    int64  `json:"id"`
				State string `json:"state"`
			} `json:"suggestions"`
		}
		if got := decodeJSON[list](t, apiCall(mod, http.MethodGet, "/mod/suggestions", "")); len(got.Suggestions) != 1 || got.Suggestions[0].ID != made.ID {
			t.Fatalf("pending: %+v", got)
		}
		path := "/mod/suggestions/" + strconv.FormatInt(made.ID, 10)
		wantAPIError(t, apiCall(mod, http.MethodPost, path, `{"decision":"perhaps"}`), http.StatusUnprocessableEntity, "invalid")
		r = apiCall(mod, http.MethodPost, path, `{"decision":"reject","answer":"We have a tag for sounds"}`)
		wantStatus(t, r, http.StatusOK)
		wantAPIError(t, apiCall(mod, http.MethodPost, path, `{"decision":"accept"}`), http.StatusConflict, "conflict")
		if got := decodeJSON[list](t, apiCall(member, http.MethodGet, "/suggestions", "")); len(got.Suggestions) != 1 || got.Suggestions[0].State != "rejected" {
			t.Fatalf("mine: %+v", got)
		}
		// The member's export holds their level and suggestions.
		export := decodeJSON[struct {
			Profile struct {
				TrustLevel int `json:"trust_level"`
			} `json:"profile"`
			Suggestions []struct {
				Name  string `json:"name"`
				State string `json:"state"`
			} `json:"suggestions"`
		}](t, apiCall(member, http.MethodGet, "/me/export", ""))
		if export.Profile.TrustLevel != 2 || len(export.Suggestions) != 1 || export.Suggestions[0].Name != "Bells" || export.Suggestions[0].State != "rejected" {
			t.Fatalf("export: %+v", export)
		}
	})
}
