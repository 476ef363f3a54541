package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// commentsOf reads an idea's comments through the API, as raw objects and decoded.
func commentsOf(t *testing.T, c *apptest.Client, ideaID int64) ([]map[string]json.RawMessage, []commentJSON) {
	t.Helper()
	r := apiCall(c, http.MethodGet, fmt.Sprintf("/ideas/%d/comments", ideaID), "")
	raw := apiJSON[struct {
		Comments []map[string]json.RawMessage `json:"comments"`
	}](t, r, http.StatusOK)
	list := apiJSON[struct {
		Comments []commentJSON `json:"comments"`
	}](t, r, http.StatusOK)
	return raw.Comments, list.Comments
}

// saveSettings changes some settings from their defaults.
func saveSettings(t *testing.T, srv *apptest.Server, admin *models.User, changes map[string]string) {
	t.Helper()
	values := models.DefaultSettings.Form()
	for k, v := range changes {
		values[k] = v
	}
	if _, err := srv.Store.SaveSettings(t.Context(), admin, values, false); err != nil {
		t.Fatal(err)
	}
}

// established makes members look like accounts that joined a year ago.
func established(t *testing.T, srv *apptest.Server, users ...*models.User) {
	t.Helper()
	for _, u := range users {
		execSQL(t, srv, "UPDATE users SET created_at = ? WHERE id = ?", time.Now().AddDate(-1, 0, 0).UTC(), u.ID)
	}
}

// showPath follows an idea's address to its page.
func showPage(t *testing.T, c *apptest.Client, id int64) *apptest.Response {
	t.Helper()
	r := c.Get(fmt.Sprintf("/ideas/%d", id))
	for r.StatusCode == http.StatusMovedPermanently || r.StatusCode == http.StatusSeeOther {
		r = c.Get(r.Header.Get("Location"))
	}
	return r
}

func TestHiddenMergedIdeasStayHiddenOnTheTarget(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna, bram := srv.User("Anna", "anna@example.com", models.RoleMember), srv.User("Bram", "bram@example.com", models.RoleMember)
		cato := srv.User("Cato", "cato@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		m, visitor, member := bearerClient(t, srv, mo), srv.Client(), bearerClient(t, srv, cato)

		target := mustIdea(t, srv, anna, "Mudguards that fit wide tyres")
		dup := mustIdea(t, srv, bram, "Secret duplicate about mudguards")
		mustComment(t, srv, dup.ID, cato, "A comment under the duplicate")
		apiIdea(t, apiCall(m, http.MethodPost, fmt.Sprintf("/ideas/%d/merge", dup.ID), fmt.Sprintf(`{"into":%d}`, target.ID)), http.StatusOK)
		if _, list := commentsOf(t, visitor, target.ID); len(list) != 1 {
			t.Fatalf("before hiding, the target shows %d comments of the merged idea, want 1", len(list))
		}
		apiIdea(t, apiCall(m, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", dup.ID), `{"hidden":true,"reason":"spam"}`), http.StatusOK)

		for name, c := range map[string]*apptest.Client{"visitor": visitor, "member": member} {
			if _, list := commentsOf(t, c, target.ID); len(list) != 0 {
				t.Fatalf("%s: the comments API shows %d comments of a hidden merged idea", name, len(list))
			}
		}
		for name, c := range map[string]*apptest.Client{"visitor": srv.Client(), "member": srv.SignedIn(cato)} {
			r := showPage(t, c, target.ID)
			wantStatus(t, r, http.StatusOK)
			wantCount(t, r, ".merged-from li", 0)
			wantCount(t, r, "li.comment", 0)
			if strings.Contains(r.Doc.Find("main").Text(), "Secret duplicate") {
				t.Fatalf("%s: the target's page names the hidden merged idea", name)
			}
		}
		feed := visitor.Get(fmt.Sprintf("/feeds/ideas/%d.atom", target.ID))
		wantStatus(t, feed, http.StatusOK)
		if strings.Contains(string(feed.Body), "under the duplicate") || strings.Contains(string(feed.Body), "Secret duplicate") {
			t.Fatal("the target's feed shows the hidden merged idea")
		}
		// Moderators still see it, marked.
		r := showPage(t, srv.SignedIn(mo), target.ID)
		wantCount(t, r, ".merged-from li", 1)
		if _, list := commentsOf(t, m, target.ID); len(list) != 1 {
			t.Fatalf("moderators read %d comments of the hidden merged idea, want 1", len(list))
		}
	})
}

func TestPremoderationHoldsUntilPostsAreApproved(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		saveSettings(t, srv, admin, map[string]string{"premoderate_first": "1"})
		idea := mustIdea(t, srv, admin, "Kickstand that holds a loaded bike")
		nina := srv.User("Nina", "nina@example.com", models.RoleMember)
		n, m, visitor := bearerClient(t, srv, nina), bearerClient(t, srv, admin), srv.Client()
		post := func(body string) commentJSON {
			return apiJSON[commentJSON](t, apiCall(n, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea.ID), fmt.Sprintf(`{"body":%q}`, body)), http.StatusCreated)
		}
		state := func(id int64) string {
			raw, _ := commentsOf(t, n, idea.ID)
			for _, c := range raw {
				var cid int64
				var st string
				_ = json.Unmarshal(c["id"], &cid)
				_ = json.Unmarshal(c["state"], &st)
				if cid == id {
					return st
				}
			}
			return "missing"
		}
		first, second := post("My first comment here"), post("My second comment here")
		if s1, s2 := state(first.ID), state(second.ID); s1 != models.StatePending || s2 != models.StatePending {
			t.Fatalf("with one post reviewed, the first two comments are %s and %s, want both pending", s1, s2)
		}
		if _, list := commentsOf(t, visitor, idea.ID); len(list) != 0 {
			t.Fatalf("visitors read %d unreviewed comments", len(list))
		}
		wantStatus(t, apiCall(m, http.MethodPost, fmt.Sprintf("/mod/queue/comment/%d", first.ID), `{"action":"reject"}`), http.StatusNoContent)
		if third := post("My third comment here"); state(third.ID) != models.StatePending {
			t.Fatal("a rejected post counted towards trust")
		}
		wantStatus(t, apiCall(m, http.MethodPost, fmt.Sprintf("/mod/queue/comment/%d", second.ID), `{"action":"approve"}`), http.StatusNoContent)
		if fourth := post("My fourth comment here"); state(fourth.ID) != models.StatePublished {
			t.Fatal("after one approved post the next one still waits")
		}
	})
}

func TestEditsPassTheSameBrakesAsNewPosts(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		a, page := bearerClient(t, srv, anna), srv.SignedIn(anna)
		idea := createIdeaAPI(t, a, "Bell that sounds like a bird")
		links := "See https://a.example https://b.example https://c.example"
		wantFields(t, apiCall(a, http.MethodPatch, fmt.Sprintf("/ideas/%d", idea), fmt.Sprintf(`{"body":%q}`, links)), "body")

		c1 := mustComment(t, srv, idea, anna, "Birdsong in the city")
		c2 := mustComment(t, srv, idea, anna, "Something else entirely")
		showPage(t, page, idea)
		edit := func(id int64, body string) *apptest.Response {
			return page.PostForm(fmt.Sprintf("/ideas/%d/comments/%d/edit", idea, id), url.Values{"body": {body}})
		}
		wantStatus(t, edit(c1.ID, links), http.StatusUnprocessableEntity)
		wantStatus(t, edit(c2.ID, "Birdsong in the city"), http.StatusUnprocessableEntity)
		if _, list := commentsOf(t, srv.Client(), idea); list[0].Body != "Birdsong in the city" || list[1].Body != "Something else entirely" {
			t.Fatalf("refused edits changed the comments: %+v", list)
		}

		// Pre-moderation: an untrusted member's edit of an approved post goes back to review.
		saveSettings(t, srv, admin, map[string]string{"premoderate_first": "3"})
		nina := srv.User("Nina", "nina@example.com", models.RoleMember)
		n, m := bearerClient(t, srv, nina), bearerClient(t, srv, admin)
		ninaIdea := createIdeaAPI(t, n, "Lock that opens with the phone")
		wantStatus(t, apiCall(m, http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", ninaIdea), `{"action":"approve"}`), http.StatusNoContent)
		apiIdea(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", ninaIdea), ""), http.StatusOK)
		edited := apiIdea(t, apiCall(n, http.MethodPatch, fmt.Sprintf("/ideas/%d", ninaIdea), `{"title":"Buy cheap watches at my shop"}`), http.StatusOK)
		if edited.Title != "Buy cheap watches at my shop" {
			t.Fatalf("the author reads %q after the edit", edited.Title)
		}
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", ninaIdea), ""), http.StatusNotFound, "not_found")
		if _, list := apiList(t, srv.Client(), "?q=watches"); len(list) != 0 {
			t.Fatal("search finds the edit awaiting review")
		}
		type queueJSON struct {
			Items []struct {
				Target string `json:"target"`
				ID     int64  `json:"id"`
				Idea   struct {
					Title string `json:"title"`
				} `json:"idea"`
			} `json:"items"`
		}
		q := apiJSON[queueJSON](t, apiCall(m, http.MethodGet, "/mod/queue", ""), http.StatusOK)
		if len(q.Items) != 1 || q.Items[0].ID != ninaIdea || q.Items[0].Idea.Title != "Buy cheap watches at my shop" {
			t.Fatalf("the queue does not show the edit with its new text: %+v", q)
		}
		wantStatus(t, apiCall(m, http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", ninaIdea), `{"action":"reject","reason":"spam"}`), http.StatusNoContent)
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", ninaIdea), ""), http.StatusNotFound, "not_found")

		comment := apiJSON[commentJSON](t, apiCall(n, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea), `{"body":"A fine idea"}`), http.StatusCreated)
		wantStatus(t, apiCall(m, http.MethodPost, fmt.Sprintf("/mod/queue/comment/%d", comment.ID), `{"action":"approve"}`), http.StatusNoContent)
		before := apiIdea(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", idea), ""), http.StatusOK).Comments
		ninaPage := srv.SignedIn(nina)
		showPage(t, ninaPage, idea)
		wantStatus(t, ninaPage.PostForm(fmt.Sprintf("/ideas/%d/comments/%d/edit", idea, comment.ID), url.Values{"body": {"Visit my shop now"}}), http.StatusSeeOther)
		for _, c := range func() []commentJSON { _, l := commentsOf(t, srv.Client(), idea); return l }() {
			if c.ID == comment.ID {
				t.Fatalf("visitors read the edit awaiting review: %+v", c)
			}
		}
		if after := apiIdea(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", idea), ""), http.StatusOK).Comments; after != before-1 {
			t.Fatalf("the idea counts %d comments while one waits, want %d", after, before-1)
		}
		wantStatus(t, apiCall(m, http.MethodPost, fmt.Sprintf("/mod/queue/comment/%d", comment.ID), `{"action":"approve"}`), http.StatusNoContent)
		if after := apiIdea(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", idea), ""), http.StatusOK).Comments; after != before {
			t.Fatalf("the idea counts %d comments after approval, want %d", after, before)
		}
		if _, list := commentsOf(t, srv.Client(), idea); list[len(list)-1].Body != "Visit my shop now" {
			t.Fatalf("the approved edit: %+v", list[len(list)-1])
		}
	})
}

func TestStaffEditsAreAuditedAndRanked(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		m, page := bearerClient(t, srv, mo), srv.SignedIn(mo)
		adminIdea := mustIdea(t, srv, admin, "Roadmap for the next frame")
		adminComment := mustComment(t, srv, adminIdea.ID, admin, "Words of the admin")
		annaIdea := mustIdea(t, srv, anna, "Rack for two child seats")
		annaComment := mustComment(t, srv, annaIdea.ID, anna, "Words of Anna")

		showPage(t, page, adminIdea.ID)
		wantStatus(t, page.PostForm(fmt.Sprintf("/ideas/%d/comments/%d/edit", adminIdea.ID, adminComment.ID), url.Values{"body": {"Rewritten"}}), http.StatusForbidden)
		wantStatus(t, page.PostForm(fmt.Sprintf("/ideas/%d/comments/%d/delete", adminIdea.ID, adminComment.ID), url.Values{"confirm": {"1"}}), http.StatusForbidden)
		wantAPIError(t, apiCall(m, http.MethodPatch, fmt.Sprintf("/ideas/%d", adminIdea.ID), `{"title":"An admin's idea rewritten"}`), http.StatusForbidden, "forbidden")
		if _, list := commentsOf(t, srv.Client(), adminIdea.ID); list[0].Body != "Words of the admin" {
			t.Fatalf("a moderator rewrote an admin's comment: %+v", list[0])
		}
		r := page.Get(fmt.Sprintf("/ideas/%d/roadmap-for-the-next-frame", adminIdea.ID))
		wantCount(t, r, fmt.Sprintf("#comment-%d details.comment-edit", adminComment.ID), 0)

		wantStatus(t, page.PostForm(fmt.Sprintf("/ideas/%d/comments/%d/edit", annaIdea.ID, annaComment.ID), url.Values{"body": {"Tidied by Mo"}}), http.StatusSeeOther)
		apiIdea(t, apiCall(m, http.MethodPatch, fmt.Sprintf("/ideas/%d", annaIdea.ID), `{"body":"A tidier text"}`), http.StatusOK)
		type entries struct {
			Entries []struct {
				Action   string `json:"action"`
				Previous string `json:"previous"`
				Actor    *struct {
					ID int64 `json:"id"`
				} `json:"actor"`
			} `json:"entries"`
		}
		log := apiJSON[entries](t, apiCall(m, http.MethodGet, fmt.Sprintf("/mod/audit?target=comment:%d", annaComment.ID), ""), http.StatusOK)
		if len(log.Entries) != 1 || log.Entries[0].Action != "comment.edit" || log.Entries[0].Previous != "Words of Anna" || log.Entries[0].Actor.ID != mo.ID {
			t.Fatalf("audit log of a moderator's comment edit: %+v", log.Entries)
		}
		log = apiJSON[entries](t, apiCall(m, http.MethodGet, fmt.Sprintf("/mod/audit?target=idea:%d", annaIdea.ID), ""), http.StatusOK)
		if len(log.Entries) != 1 || log.Entries[0].Action != models.AuditIdeaEdit || !strings.Contains(log.Entries[0].Previous, "Details of Rack for two child seats") {
			t.Fatalf("audit log of a moderator's idea edit: %+v", log.Entries)
		}
		r = page.Get(fmt.Sprintf("/mod/audit?target=comment:%d", annaComment.ID))
		wantStatus(t, r, http.StatusOK)
		if !strings.Contains(r.Doc.Find(".audit-previous").Text(), "Words of Anna") {
			t.Fatal("the audit page does not show the previous text")
		}
	})
}

func TestReportsCannotBeUsedAsAWeapon(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		established(t, srv, anna)
		var fresh, old []*apptest.Client
		for i := range 4 {
			fresh = append(fresh, bearerClient(t, srv, srv.User(fmt.Sprintf("Fresh %d", i), fmt.Sprintf("fresh%d@example.com", i), models.RoleMember)))
			u := srv.User(fmt.Sprintf("Old %d", i), fmt.Sprintf("old%d@example.com", i), models.RoleMember)
			established(t, srv, u)
			old = append(old, bearerClient(t, srv, u))
		}
		report := func(c *apptest.Client, id int64) {
			t.Helper()
			wantStatus(t, apiCall(c, http.MethodPost, "/reports", fmt.Sprintf(`{"target":"idea","id":%d,"reason":"spam"}`, id)), http.StatusCreated)
		}
		visible := func(id int64) bool {
			return apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", id), "").StatusCode == http.StatusOK
		}
		adminIdea := mustIdea(t, srv, admin, "Spring colours for the frame")
		for _, c := range old[:3] {
			report(c, adminIdea.ID)
		}
		if !visible(adminIdea.ID) {
			t.Fatal("reports hid an admin's idea")
		}
		annaIdea := mustIdea(t, srv, anna, "Wider handlebars as an option")
		for _, c := range fresh[:3] {
			report(c, annaIdea.ID)
		}
		if !visible(annaIdea.ID) {
			t.Fatal("three new accounts hid an established member's idea")
		}
		for _, c := range old[:3] {
			report(c, annaIdea.ID)
		}
		if visible(annaIdea.ID) {
			t.Fatal("three established members' reports left the idea visible")
		}
		execSQL(t, srv, "UPDATE users SET trusted = ? WHERE id = ?", true, anna.ID)
		trustedIdea := mustIdea(t, srv, anna, "Quieter hub motor please")
		for _, c := range old[:3] {
			report(c, trustedIdea.ID)
		}
		if !visible(trustedIdea.ID) {
			t.Fatal("reports hid a trusted member's idea")
		}

		// The weight is a setting, on the settings page in both languages.
		p := srv.SignedIn(admin)
		r := p.Get("/admin/settings")
		wantStatus(t, r, http.StatusOK)
		for _, key := range []string{"new_account_report_weight", "new_account_days"} {
			label := strings.TrimSpace(r.Doc.Find(fmt.Sprintf(`label[for="setting-%s"]`, key)).Text())
			if label == "" || strings.Contains(label, "settings.") {
				t.Fatalf("setting %s has label %q", key, label)
			}
		}
		p.Header.Set("Accept-Language", "nl")
		r = p.Get("/admin/settings")
		if label := r.Doc.Find(`label[for="setting-new_account_report_weight"]`).Text(); !strings.Contains(strings.ToLower(label), "nieuw") {
			t.Fatalf("Dutch label %q", label)
		}
	})
}

func TestTombstonesNameNobody(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna, bram := srv.User("Anna", "anna@example.com", models.RoleMember), srv.User("Bram", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		idea := mustIdea(t, srv, anna, "Front basket that folds flat")
		gone := mustComment(t, srv, idea.ID, anna, "I will delete this")
		hidden := mustComment(t, srv, idea.ID, bram, "Rude words here")
		if err := srv.Store.DeleteComment(t.Context(), gone.ID, anna); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, apiCall(bearerClient(t, srv, mo), http.MethodPatch, fmt.Sprintf("/comments/%d/moderation", hidden.ID), `{"hidden":true,"reason":"rude"}`), http.StatusOK)
		for name, c := range map[string]*apptest.Client{"visitor": srv.Client(), "member": bearerClient(t, srv, anna)} {
			raw, list := commentsOf(t, c, idea.ID)
			if len(list) != 2 {
				t.Fatalf("%s: %d comments, want two tombstones", name, len(list))
			}
			for i, cm := range raw {
				if string(cm["author"]) != "null" || list[i].Body != "" {
					t.Fatalf("%s: a tombstone carries author %s and body %q", name, cm["author"], list[i].Body)
				}
			}
		}
		r := showPage(t, srv.Client(), idea.ID)
		wantCount(t, r, "li.comment", 2)
		wantCount(t, r, "li.comment .author", 0)
		if strings.Contains(r.Doc.Find(".discussion").Text(), "Bram") {
			t.Fatal("the page names the author of a hidden comment")
		}
		// Moderators still read who wrote a hidden comment.
		if _, list := commentsOf(t, bearerClient(t, srv, mo), idea.ID); list[1].Author.ID != bram.ID {
			t.Fatalf("moderators lost the hidden comment's author: %+v", list[1])
		}
	})
}

func TestSuspendedModeratorsReadNoHiddenContent(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		a := bearerClient(t, srv, admin)
		hiddenIdea := mustIdea(t, srv, anna, "Idea that will be hidden")
		idea := mustIdea(t, srv, anna, "Idea with a hidden comment")
		comment := mustComment(t, srv, idea.ID, anna, "Hidden words")
		apiIdea(t, apiCall(a, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", hiddenIdea.ID), `{"hidden":true,"reason":"spam"}`), http.StatusOK)
		wantStatus(t, apiCall(a, http.MethodPatch, fmt.Sprintf("/comments/%d/moderation", comment.ID), `{"hidden":true,"reason":"rude"}`), http.StatusOK)

		m := bearerClient(t, srv, mo)
		apiIdea(t, apiCall(m, http.MethodGet, fmt.Sprintf("/ideas/%d", hiddenIdea.ID), ""), http.StatusOK)
		wantStatus(t, apiCall(a, http.MethodPost, fmt.Sprintf("/mod/members/%d/sanction", mo.ID), fmt.Sprintf(`{"action":"suspend","until":%q,"reason":"abuse of power"}`, time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339))), http.StatusOK)

		wantAPIError(t, apiCall(m, http.MethodGet, fmt.Sprintf("/ideas/%d", hiddenIdea.ID), ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(m, http.MethodGet, fmt.Sprintf("/ideas/%d/comments", hiddenIdea.ID), ""), http.StatusNotFound, "not_found")
		if _, list := commentsOf(t, m, idea.ID); len(list) != 1 || list[0].Body != "" {
			t.Fatalf("a suspended moderator reads a hidden comment: %+v", list)
		}
		p := srv.SignedIn(mo)
		wantStatus(t, showPage(t, p, hiddenIdea.ID), http.StatusNotFound)
		r := showPage(t, p, idea.ID)
		wantStatus(t, r, http.StatusOK)
		if strings.Contains(r.Doc.Find(".discussion").Text(), "Hidden words") {
			t.Fatal("a suspended moderator reads a hidden comment on the page")
		}
		wantCount(t, r, `.site-nav a[href="/mod"]`, 0)
		wantCount(t, showPage(t, srv.SignedIn(admin), idea.ID), `.site-nav a[href="/mod"]`, 1)
	})
}

func TestModerationFollowsTheRankRule(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		team := srv.User("Tess", "tess@example.com", models.RoleTeam)
		mina := srv.User("Mina", "mina@example.com", models.RoleModerator)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		m, page := bearerClient(t, srv, mo), srv.SignedIn(mo)

		adminIdea := mustIdea(t, srv, admin, "Roadmap for the next frame")
		adminComment := mustComment(t, srv, adminIdea.ID, admin, "Words of the admin")
		teamIdea := mustIdea(t, srv, team, "What the team builds in spring")
		minaIdea := mustIdea(t, srv, mina, "A fellow moderator's idea")
		annaIdea := mustIdea(t, srv, anna, "Rack for two child seats")
		annaComment := mustComment(t, srv, adminIdea.ID, anna, "Words of Anna")
		for i := range 3 {
			reporter := srv.User(fmt.Sprintf("Reporter %d", i), fmt.Sprintf("r%d@example.com", i), models.RoleMember)
			established(t, srv, reporter)
			wantStatus(t, apiCall(bearerClient(t, srv, reporter), http.MethodPost, "/reports", fmt.Sprintf(`{"target":"idea","id":%d,"reason":"spam"}`, adminIdea.ID)), http.StatusCreated)
		}

		// The API refuses every action on what a higher or equal role wrote.
		refused := []struct{ method, path, body string }{
			{http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", adminIdea.ID), `{"hidden":true,"reason":"spam"}`},
			{http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", adminIdea.ID), `{"locked":true}`},
			{http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", teamIdea.ID), `{"pinned":true}`},
			{http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", minaIdea.ID), `{"locked":true}`},
			{http.MethodPatch, fmt.Sprintf("/comments/%d/moderation", adminComment.ID), `{"hidden":true,"reason":"rude"}`},
			{http.MethodPost, fmt.Sprintf("/ideas/%d/merge", teamIdea.ID), fmt.Sprintf(`{"into":%d}`, annaIdea.ID)},
			{http.MethodDelete, fmt.Sprintf("/ideas/%d", minaIdea.ID), ""},
			{http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", adminIdea.ID), `{"action":"hide"}`},
			{http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", adminIdea.ID), `{"action":"dismiss"}`},
			{http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", adminIdea.ID), `{"action":"suspend"}`},
		}
		for _, r := range refused {
			resp := apiCall(m, r.method, r.path, r.body)
			wantAPIError(t, resp, http.StatusForbidden, "forbidden")
			if e := apiJSON[apiError](t, resp, http.StatusForbidden); !strings.Contains(e.Error.Message, "higher role") {
				t.Fatalf("%s %s: the refusal does not say why: %q", r.method, r.path, e.Error.Message)
			}
		}
		for _, id := range []int64{adminIdea.ID, teamIdea.ID, minaIdea.ID} {
			got := apiIdea(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", id), ""), http.StatusOK)
			if got.Locked || got.Pinned || got.MergedInto != nil {
				t.Fatalf("a refused action changed idea %d: %+v", id, got)
			}
		}
		if _, list := commentsOf(t, srv.Client(), adminIdea.ID); list[0].Body != "Words of the admin" {
			t.Fatalf("a moderator hid an admin's comment: %+v", list[0])
		}

		// The forms answer a friendly 403 page that says why, never a 500.
		showPage(t, page, adminIdea.ID)
		for _, r := range []*apptest.Response{
			page.PostForm(fmt.Sprintf("/ideas/%d/moderation", adminIdea.ID), url.Values{"do": {"hide"}, "reason": {"spam"}}),
			page.PostForm(fmt.Sprintf("/comments/%d/moderation", adminComment.ID), url.Values{"do": {"hide"}, "reason": {"rude"}}),
			page.PostForm(fmt.Sprintf("/ideas/%d/merge", teamIdea.ID), url.Values{"into": {fmt.Sprint(annaIdea.ID)}}),
			page.PostForm(fmt.Sprintf("/mod/queue/idea/%d", adminIdea.ID), url.Values{"action": {"hide"}}),
		} {
			wantStatus(t, r, http.StatusForbidden)
			wantCount(t, r, ".error-page .message.outranked", 1)
		}

		// Pages offer the controls only where they work.
		r := showPage(t, page, adminIdea.ID)
		wantCount(t, r, "section.moderation", 0)
		wantCount(t, r, fmt.Sprintf(`#comment-%d form[action="/comments/%d/moderation"]`, adminComment.ID, adminComment.ID), 0)
		wantCount(t, r, fmt.Sprintf(`#comment-%d form[action="/comments/%d/moderation"]`, annaComment.ID, annaComment.ID), 1)
		wantCount(t, showPage(t, page, annaIdea.ID), "section.moderation", 1)
		q := page.Get("/mod")
		wantStatus(t, q, http.StatusOK)
		item := fmt.Sprintf("#queue-idea-%d", adminIdea.ID)
		wantCount(t, q, item, 1)
		wantCount(t, q, item+" form.decide", 0)
		wantCount(t, q, item+" .outranked", 1)

		// Below in rank the same actions work; admins act on anyone else.
		apiIdea(t, apiCall(m, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", annaIdea.ID), `{"locked":true}`), http.StatusOK)
		wantStatus(t, apiCall(m, http.MethodPatch, fmt.Sprintf("/comments/%d/moderation", annaComment.ID), `{"hidden":true,"reason":"rude"}`), http.StatusOK)
		a := bearerClient(t, srv, admin)
		apiIdea(t, apiCall(a, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", minaIdea.ID), `{"pinned":true}`), http.StatusOK)
		// An admin pins and locks what they wrote, as nobody ranks above them; a
		// moderator's own idea waits for someone who outranks them.
		if got := apiIdea(t, apiCall(a, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", adminIdea.ID), `{"pinned":true,"locked":true}`), http.StatusOK); !got.Pinned || !got.Locked {
			t.Fatalf("an admin could not pin and lock their own idea: %+v", got)
		}
		wantCount(t, showPage(t, srv.SignedIn(admin), adminIdea.ID), "section.moderation", 1)
		wantAPIError(t, apiCall(m, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", mustIdea(t, srv, mo, "Mo's own idea").ID), `{"pinned":true}`), http.StatusForbidden, "forbidden")
		wantStatus(t, apiCall(a, http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", adminIdea.ID), `{"action":"dismiss"}`), http.StatusForbidden)
		other := srv.User("Otto", "otto@example.com", models.RoleAdmin)
		wantStatus(t, apiCall(bearerClient(t, srv, other), http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", adminIdea.ID), `{"action":"dismiss"}`), http.StatusNoContent)

		// What an admin merged from the team stays merged for moderators.
		unmerge := fmt.Sprintf(`.merged-from form[action="/ideas/%d/unmerge"]`, teamIdea.ID)
		apiIdea(t, apiCall(a, http.MethodPost, fmt.Sprintf("/ideas/%d/merge", teamIdea.ID), fmt.Sprintf(`{"into":%d}`, annaIdea.ID)), http.StatusOK)
		r = showPage(t, page, annaIdea.ID)
		wantCount(t, r, ".merged-from li", 1)
		wantCount(t, r, unmerge, 0)
		wantCount(t, showPage(t, srv.SignedIn(admin), annaIdea.ID), unmerge, 1)
		wantAPIError(t, apiCall(m, http.MethodPost, fmt.Sprintf("/ideas/%d/unmerge", teamIdea.ID), ""), http.StatusForbidden, "forbidden")
	})
}

func TestStandingDecidesWhatStaffAreOffered(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		established(t, srv, anna, mo)
		annaIdea := mustIdea(t, srv, anna, "Rack for two child seats")
		annaComment := mustComment(t, srv, annaIdea.ID, anna, "Words of Anna")
		moIdea := mustIdea(t, srv, mo, "Mo's idea about lights")

		before := showPage(t, srv.SignedIn(mo), annaIdea.ID)
		wantCount(t, before, `.idea-actions a[href$="/edit"]`, 1)
		wantCount(t, before, fmt.Sprintf("#comment-%d details.comment-edit", annaComment.ID), 1)

		until := time.Now().AddDate(0, 1, 0).UTC().Format(time.RFC3339)
		wantStatus(t, apiCall(bearerClient(t, srv, admin), http.MethodPost, fmt.Sprintf("/mod/members/%d/sanction", mo.ID),
			fmt.Sprintf(`{"action":"suspend","until":%q,"reason":"abuse of power"}`, until)), http.StatusOK)

		p := srv.SignedIn(mo)
		for _, id := range []int64{annaIdea.ID, moIdea.ID} {
			r := showPage(t, p, id)
			wantStatus(t, r, http.StatusOK)
			wantCount(t, r, ".idea-actions", 0)
			wantCount(t, r, "section.moderation", 0)
			wantCount(t, r, "details.comment-edit", 0)
			wantCount(t, r, "details.mod-hide", 0)
		}
		wantStatus(t, p.Get(fmt.Sprintf("/ideas/%d/edit", annaIdea.ID)), http.StatusForbidden)

		// What a suspended moderator wrote has no staff shield: reports hide it.
		for i := range 3 {
			reporter := srv.User(fmt.Sprintf("Reporter %d", i), fmt.Sprintf("r%d@example.com", i), models.RoleMember)
			established(t, srv, reporter)
			wantStatus(t, apiCall(bearerClient(t, srv, reporter), http.MethodPost, "/reports", fmt.Sprintf(`{"target":"idea","id":%d,"reason":"spam"}`, moIdea.ID)), http.StatusCreated)
		}
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", moIdea.ID), ""), http.StatusNotFound, "not_found")

		// The member page offers a sanction only where it works.
		page := srv.SignedIn(srv.User("Mina", "mina@example.com", models.RoleModerator))
		wantCount(t, page.Get(fmt.Sprintf("/mod/members/%d", anna.ID)), "section.sanction form", 1)
		r := page.Get(fmt.Sprintf("/mod/members/%d", admin.ID))
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "section.sanction form", 0)
		wantCount(t, r, "section.sanction .outranked", 1)
	})
}
