package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

// createIdeaAPI proposes an idea through the API and returns its id.
func createIdeaAPI(t *testing.T, c *apptest.Client, title string) int64 {
	t.Helper()
	return apiIdea(t, apiCall(c, http.MethodPost, "/ideas", fmt.Sprintf(`{"title":%q}`, title)), http.StatusCreated).ID
}

func TestModerateIdeasThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna, bram := srv.User("Anna", "anna@example.com", models.RoleMember), srv.User("Bram", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		a, b, m, visitor := bearerClient(t, srv, anna), bearerClient(t, srv, bram), bearerClient(t, srv, mo), srv.Client()

		first := createIdeaAPI(t, a, "Fold-away pedals for the hallway")
		second := createIdeaAPI(t, b, "Folding pedals for tight spaces")
		path := func(id int64, rest string) string { return "/ideas/" + strconv.FormatInt(id, 10) + rest }

		// Members may not moderate; visitors must sign in.
		wantAPIError(t, apiCall(a, http.MethodPatch, path(second, "/moderation"), `{"locked":true}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(visitor, http.MethodPatch, path(second, "/moderation"), `{"locked":true}`), http.StatusUnauthorized, "unauthorized")

		// Lock: no votes or comments, shown in the API.
		locked := apiIdea(t, apiCall(m, http.MethodPatch, path(second, "/moderation"), `{"locked":true,"reason":"heated"}`), http.StatusOK)
		if !locked.Locked {
			t.Fatalf("locked: %+v", locked)
		}
		wantConflict(t, apiCall(a, http.MethodPost, path(second, "/vote"), ""), lockedMessage)
		wantConflict(t, apiCall(a, http.MethodPost, path(second, "/comments"), `{"body":"Still?"}`), lockedMessage)
		apiIdea(t, apiCall(m, http.MethodPatch, path(second, "/moderation"), `{"locked":false}`), http.StatusOK)

		// Pin: first in every sort.
		apiIdea(t, apiCall(m, http.MethodPatch, path(first, "/moderation"), `{"pinned":true}`), http.StatusOK)
		for _, sort := range []string{"hot", "top", "new", "updated"} {
			if _, list := apiList(t, visitor, "?sort="+sort); len(list) != 2 || list[0].ID != first || !list[0].Pinned {
				t.Fatalf("sort %s: pinned idea not first: %v", sort, ids(list))
			}
		}

		// Hide needs a reason; a hidden idea is gone for members, there for moderators.
		wantFields(t, apiCall(m, http.MethodPatch, path(second, "/moderation"), `{"hidden":true}`), "reason")
		wantFields(t, apiCall(m, http.MethodPatch, path(second, "/moderation"), `{"hidden":"yes"}`), "hidden")
		apiIdea(t, apiCall(m, http.MethodPatch, path(second, "/moderation"), `{"hidden":true,"reason":"spam link"}`), http.StatusOK)
		wantAPIError(t, apiCall(a, http.MethodGet, path(second, ""), ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(b, http.MethodGet, path(second, ""), ""), http.StatusNotFound, "not_found")
		apiIdea(t, apiCall(m, http.MethodGet, path(second, ""), ""), http.StatusOK)
		page := srv.SignedIn(mo).Get(path(second, ""))
		if page.StatusCode == http.StatusMovedPermanently {
			page = srv.SignedIn(mo).Get(page.Header.Get("Location"))
		}
		wantStatus(t, page, http.StatusOK)
		if !strings.Contains(page.Doc.Find(".hidden-banner").Text(), "spam link") {
			t.Fatalf("moderators see no banner with the reason on a hidden idea")
		}
		apiIdea(t, apiCall(m, http.MethodPatch, path(second, "/moderation"), `{"hidden":false}`), http.StatusOK)
		apiIdea(t, apiCall(b, http.MethodGet, path(second, ""), ""), http.StatusOK)

		// Merge: refused into itself, needs a target, answers the target.
		wantConflict(t, apiCall(m, http.MethodPost, path(second, "/merge"), fmt.Sprintf(`{"into":%d}`, second)), "An idea cannot be merged into itself.")
		wantFields(t, apiCall(m, http.MethodPost, path(second, "/merge"), `{}`), "into")
		wantFields(t, apiCall(m, http.MethodPost, path(second, "/merge"), `{"into":99999}`), "into")
		wantFields(t, apiCall(m, http.MethodPost, path(second, "/merge"), `{"into":"one"}`), "into")
		target := apiIdea(t, apiCall(m, http.MethodPost, path(second, "/merge"), fmt.Sprintf(`{"into":%d,"reason":"same idea"}`, first)), http.StatusOK)
		if target.ID != first || target.Votes != 2 {
			t.Fatalf("merge answered %+v, want the target with both authors' votes", target)
		}
		merged := apiIdea(t, apiCall(visitor, http.MethodGet, path(second, ""), ""), http.StatusOK)
		if merged.MergedInto == nil || *merged.MergedInto != first {
			t.Fatalf("merged idea in the API: %+v", merged)
		}
		third := createIdeaAPI(t, a, "Pedals that fold with one click")
		wantConflict(t, apiCall(m, http.MethodPost, path(third, "/merge"), fmt.Sprintf(`{"into":%d}`, second)), mergedMessage)

		// The merged idea's page leads to the target, with a note.
		browser := srv.SignedIn(bram)
		r := browser.Get(path(second, "/folding-pedals-for-tight-spaces"))
		wantStatus(t, r, http.StatusSeeOther)
		r = browser.Get(r.Header.Get("Location"))
		wantStatus(t, r, http.StatusOK)
		if r.Doc.Find("article.idea").AttrOr("data-id", "") != strconv.FormatInt(first, 10) || r.Doc.Find(".flash").Length() != 1 {
			t.Fatalf("the merged idea's page does not lead to the target with a note")
		}
		wantCount(t, r, ".merged-from li", 1)

		restored := apiIdea(t, apiCall(m, http.MethodPost, path(second, "/unmerge"), ""), http.StatusOK)
		if restored.MergedInto != nil || restored.Votes != 1 {
			t.Fatalf("unmerged: %+v", restored)
		}
		if back := apiIdea(t, apiCall(visitor, http.MethodGet, path(first, ""), ""), http.StatusOK); back.Votes != 1 {
			t.Fatalf("the target keeps %d votes after unmerge, want 1", back.Votes)
		}
		wantConflict(t, apiCall(m, http.MethodPost, path(second, "/unmerge"), ""), "The idea is not merged into another one.")

		// Moderators edit members' titles, categories and tags, on the record.
		edited := apiIdea(t, apiCall(m, http.MethodPatch, path(third, ""), `{"title":"Pedals that fold away with one click","category":"improvements","tags":["pedals"]}`), http.StatusOK)
		if edited.Title != "Pedals that fold away with one click" || edited.Category == nil || *edited.Category != "improvements" || len(edited.Tags) != 1 {
			t.Fatalf("a moderator's edit: %+v", edited)
		}
		wantAPIError(t, apiCall(b, http.MethodPatch, path(third, ""), `{"title":"Someone else's idea renamed"}`), http.StatusForbidden, "forbidden")

		// Every action is in the audit log, filterable.
		type entries struct {
			Entries []struct {
				Action string `json:"action"`
				Actor  *struct {
					ID int64 `json:"id"`
				} `json:"actor"`
				TargetID int64  `json:"target_id"`
				Reason   string `json:"reason"`
			} `json:"entries"`
		}
		log := apiJSON[entries](t, apiCall(m, http.MethodGet, fmt.Sprintf("/mod/audit?target=idea:%d", second), ""), http.StatusOK)
		var actions []string
		for _, e := range log.Entries {
			actions = append(actions, e.Action)
			if e.Actor == nil || e.Actor.ID != mo.ID || e.TargetID != second {
				t.Fatalf("audit entry %+v", e)
			}
		}
		want := "idea.unmerge idea.merge idea.unhide idea.hide idea.unlock idea.lock"
		if strings.Join(actions, " ") != want {
			t.Fatalf("audit log of idea %d: %v, want %s", second, actions, want)
		}
		log = apiJSON[entries](t, apiCall(m, http.MethodGet, "/mod/audit?action=idea.pin", ""), http.StatusOK)
		if len(log.Entries) != 1 || log.Entries[0].TargetID != first {
			t.Fatalf("audit log filtered by action: %+v", log)
		}
		log = apiJSON[entries](t, apiCall(m, http.MethodGet, fmt.Sprintf("/mod/audit?target=idea:%d", third), ""), http.StatusOK)
		if len(log.Entries) != 2 || log.Entries[0].Action != models.AuditIdeaTags || log.Entries[1].Action != models.AuditIdeaEdit {
			t.Fatalf("audit log of a moderator's edit: %+v", log.Entries)
		}
		wantFields(t, apiCall(m, http.MethodGet, "/mod/audit?actor=x&target=idea:y", ""), "actor", "target")
		wantAPIError(t, apiCall(a, http.MethodGet, "/mod/audit", ""), http.StatusForbidden, "forbidden")
	})
}

func TestReportsQueueAndOutcomeThroughTheAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		a, m := bearerClient(t, srv, anna), bearerClient(t, srv, mo)
		idea := createIdeaAPI(t, a, "Integrated lights in the frame")
		troll := srv.User("Troll", "troll@example.com", models.RoleMember)
		tc := bearerClient(t, srv, troll)
		comment := apiJSON[commentJSON](t, apiCall(tc, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea), `{"body":"You are all fools"}`), http.StatusCreated)

		reporters := make([]*apptest.Client, 3)
		for i := range reporters {
			u := srv.User(fmt.Sprintf("Reporter %d", i), fmt.Sprintf("r%d@example.com", i), models.RoleMember)
			established(t, srv, u) // reports from new accounts weigh less
			reporters[i] = bearerClient(t, srv, u)
		}
		body := fmt.Sprintf(`{"target":"comment","id":%d,"reason":"abusive"}`, comment.ID)
		type reportJSON struct {
			ID       int64  `json:"id"`
			Target   string `json:"target"`
			TargetID int64  `json:"target_id"`
			Reason   string `json:"reason"`
			Outcome  string `json:"outcome"`
		}
		rep := apiJSON[reportJSON](t, apiCall(reporters[0], http.MethodPost, "/reports", body), http.StatusCreated)
		if rep.ID == 0 || rep.Target != "comment" || rep.TargetID != comment.ID || rep.Reason != "abusive" || rep.Outcome != "" {
			t.Fatalf("report: %+v", rep)
		}
		wantConflict(t, apiCall(reporters[0], http.MethodPost, "/reports", body), "You have reported this already; a moderator will look at it.")
		wantFields(t, apiCall(reporters[1], http.MethodPost, "/reports", `{"target":"user","id":"x","reason":7}`), "id")
		wantFields(t, apiCall(reporters[1], http.MethodPost, "/reports", `{"target":"user","id":1,"reason":"meh"}`), "target", "reason")
		wantAPIError(t, apiCall(reporters[1], http.MethodPost, "/reports", `{"target":"comment","id":99999,"reason":"spam"}`), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(srv.Client(), http.MethodPost, "/reports", body), http.StatusUnauthorized, "unauthorized")

		visibleText := func() string {
			list := apiJSON[struct {
				Comments []commentJSON `json:"comments"`
			}](t, apiCall(a, http.MethodGet, fmt.Sprintf("/ideas/%d/comments", idea), ""), http.StatusOK)
			if len(list.Comments) != 1 {
				t.Fatalf("comments: %+v", list)
			}
			return list.Comments[0].Body
		}
		apiJSON[reportJSON](t, apiCall(reporters[1], http.MethodPost, "/reports", body), http.StatusCreated)
		if visibleText() == "" {
			t.Fatal("two reports hid the comment; the threshold is three")
		}
		apiJSON[reportJSON](t, apiCall(reporters[2], http.MethodPost, "/reports", body), http.StatusCreated)
		if got := visibleText(); got != "" {
			t.Fatalf("three reports left the comment readable: %q", got)
		}

		type queueJSON struct {
			Items []struct {
				Target  string       `json:"target"`
				ID      int64        `json:"id"`
				Pending bool         `json:"pending"`
				Reports []reportJSON `json:"reports"`
			} `json:"items"`
		}
		wantAPIError(t, apiCall(a, http.MethodGet, "/mod/queue", ""), http.StatusForbidden, "forbidden")
		q := apiJSON[queueJSON](t, apiCall(m, http.MethodGet, "/mod/queue", ""), http.StatusOK)
		if len(q.Items) != 1 || q.Items[0].Target != "comment" || q.Items[0].ID != comment.ID || len(q.Items[0].Reports) != 3 || q.Items[0].Pending {
			t.Fatalf("queue: %+v", q)
		}
		path := fmt.Sprintf("/mod/queue/comment/%d", comment.ID)
		wantFields(t, apiCall(m, http.MethodPost, path, `{"action":"explode"}`), "action")
		wantFields(t, apiCall(m, http.MethodPost, path, `{"action":"suspend","until":"2001-01-01T00:00:00Z"}`), "until")
		wantAPIError(t, apiCall(m, http.MethodPost, "/mod/queue/user/1", `{"action":"hide"}`), http.StatusUnprocessableEntity, "invalid")
		r := apiCall(m, http.MethodPost, path, `{"action":"suspend","reason":"insults"}`)
		wantStatus(t, r, http.StatusNoContent)
		if q := apiJSON[queueJSON](t, apiCall(m, http.MethodGet, "/mod/queue", ""), http.StatusOK); len(q.Items) != 0 {
			t.Fatalf("queue after the decision: %+v", q)
		}
		mine := apiJSON[struct {
			Reports []reportJSON `json:"reports"`
		}](t, apiCall(reporters[2], http.MethodGet, "/reports", ""), http.StatusOK)
		if len(mine.Reports) != 1 || mine.Reports[0].Outcome != models.OutcomeSuspended {
			t.Fatalf("the reporter's reports: %+v", mine)
		}

		// The suspended author may read, but not propose, vote, comment or report.
		apiCall(tc, http.MethodGet, "/ideas", "")
		wantStatus(t, apiCall(tc, http.MethodGet, fmt.Sprintf("/ideas/%d", idea), ""), http.StatusOK)
		wantStatus(t, apiCall(tc, http.MethodGet, "/me", ""), http.StatusOK)
		for _, call := range [][3]string{
			{http.MethodPost, "/ideas", `{"title":"Another rude idea here"}`},
			{http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea), ""},
			{http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea), `{"body":"more"}`},
			{http.MethodPost, "/reports", fmt.Sprintf(`{"target":"idea","id":%d,"reason":"spam"}`, idea)},
		} {
			wantAPIError(t, apiCall(tc, call[0], call[1], call[2]), http.StatusForbidden, "forbidden")
		}
		page := srv.SignedIn(troll)
		page.Get("/")
		wantStatus(t, page.PostForm(fmt.Sprintf("/ideas/%d/vote", idea), nil), http.StatusForbidden)
		wantStatus(t, page.PostForm("/ideas", url.Values{"title": {"Another rude idea here"}}), http.StatusForbidden)
		me := page.Get("/me")
		wantStatus(t, me, http.StatusOK)
		wantCount(t, me, ".suspended-banner", 1)
	})
}

func TestMembersSuspendBanAndLiftInPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna de Vries", "anna@example.com", models.RoleMember)
		srv.User("Bram Bakker", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		annaPage, annaAPI := srv.SignedIn(anna), bearerClient(t, srv, anna)
		wantStatus(t, annaPage.Get("/me"), http.StatusOK)
		mod := srv.SignedIn(mo)

		r := mod.Get("/mod/members?q=VRIES")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "tr.member-row", 1)
		wantText(t, r, "tr.member-row a", "Anna de Vries")
		wantCount(t, mod.Get("/mod/members?q=%25"), "tr.member-row", 0)
		wantStatus(t, mod.Get("/mod/members?page=x"), http.StatusUnprocessableEntity)
		wantStatus(t, annaPage.Get("/mod/members"), http.StatusForbidden)

		member := fmt.Sprintf("/mod/members/%d", anna.ID)
		wantStatus(t, mod.Get(member), http.StatusOK)
		wantStatus(t, mod.Get("/mod/members/99999"), http.StatusNotFound)

		// Suspend until a date: the member reads, but may not vote.
		until := time.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")
		wantStatus(t, mod.PostForm(member+"/sanction", url.Values{"confirm": {"1"}, "action": {"suspend"}, "until": {"not a date"}, "reason": {"x"}}), http.StatusUnprocessableEntity)
		wantStatus(t, mod.PostForm(member+"/sanction", url.Values{"confirm": {"1"}, "action": {"suspend"}, "until": {until}}), http.StatusUnprocessableEntity)
		r = mod.PostForm(member+"/sanction", url.Values{"confirm": {"1"}, "action": {"suspend"}, "until": {until}, "reason": {"cool down"}})
		wantStatus(t, r, http.StatusSeeOther)
		r = mod.Get(member)
		wantText(t, r, ".badge.standing-suspended", "Suspended")
		idea := createIdeaAPI(t, bearerClient(t, srv, mo), "Puncture-proof tyres as standard")
		wantAPIError(t, apiCall(annaAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea), ""), http.StatusForbidden, "forbidden")
		wantStatus(t, annaPage.Get("/me"), http.StatusOK)

		// Ban: the live session and the token stop working at once.
		r = mod.PostForm(member+"/sanction", url.Values{"confirm": {"1"}, "action": {"ban"}, "reason": {"spam again"}})
		wantStatus(t, r, http.StatusSeeOther)
		// A form from a page shown before the ban leads to sign-in, not a bare refusal.
		r = annaPage.PostForm(fmt.Sprintf("/ideas/%d/vote", idea), nil)
		wantStatus(t, r, http.StatusSeeOther)
		if r.Header.Get("Location") != "/login" {
			t.Fatalf("a banned member's form went to %q", r.Header.Get("Location"))
		}
		r = annaPage.Get("/me")
		wantStatus(t, r, http.StatusSeeOther)
		if !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("a banned member's session still reaches /me: %s", r.Header.Get("Location"))
		}
		wantAPIError(t, apiCall(annaAPI, http.MethodGet, "/me", ""), http.StatusUnauthorized, "unauthorized")

		// Lift: the member may take part again (with a new session).
		wantStatus(t, mod.PostForm(member+"/sanction", url.Values{"action": {"lift"}}), http.StatusSeeOther)
		wantStatus(t, apiCall(annaAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea), ""), http.StatusOK)

		r = mod.Get(member)
		var actions []string
		r.Doc.Find(".history-actions li").Each(func(_ int, s *goquery.Selection) {
			actions = append(actions, s.AttrOr("data-action", "")+": "+s.Find(".what").Text())
		})
		if want := "member.lift: Mo lifted a suspension or ban|member.ban: Mo banned a member|member.suspend: Mo suspended a member"; strings.Join(actions, "|") != want {
			t.Fatalf("the member's history shows actions %q, want %q", actions, want)
		}
		r = mod.Get("/mod/audit?action=member.ban")
		wantCount(t, r, "tr.audit-entry", 1)
		wantText(t, r, "tr.audit-entry td:nth-child(2)", "Mo banned a member")
		wantText(t, r, "tr.audit-entry td:nth-child(4)", "spam again")

		// A moderator may not act on a peer or higher.
		other := srv.User("Other Mod", "om@example.com", models.RoleModerator)
		wantStatus(t, mod.PostForm(fmt.Sprintf("/mod/members/%d/sanction", other.ID), url.Values{"confirm": {"1"}, "action": {"ban"}, "reason": {"x"}}), http.StatusForbidden)

		// The public moderation log is off until an admin publishes it, and names no one.
		visitor := srv.Client()
		wantStatus(t, visitor.Get("/moderation"), http.StatusNotFound)
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		form := url.Values{"public_moderation_log": {"1"}}
		for k, v := range models.DefaultSettings.Form() {
			form.Set(k, v)
		}
		admin.Get("/admin/settings")
		form.Set("report_threshold", "0")
		r = admin.PostForm("/admin/settings", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, "#error-report_threshold", 1)
		if r.Doc.Find("#setting-report_threshold").AttrOr("value", "") != "0" {
			t.Fatal("the settings form lost what the admin typed")
		}
		form.Set("report_threshold", "3")
		wantStatus(t, admin.PostForm("/admin/settings", form), http.StatusSeeOther)
		r = visitor.Get("/moderation")
		wantStatus(t, r, http.StatusOK)
		if n := r.Doc.Find("li.public-action").Length(); n < 3 {
			t.Fatalf("the public log shows %d actions", n)
		}
		if text := r.Doc.Find("main").Text(); strings.Contains(text, "Anna") || strings.Contains(text, "Mo ") {
			t.Fatalf("the public log names people: %s", text)
		}
	})
}

func TestSpamBrakesAnswer429AndKeepTheText(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		values := models.DefaultSettings.Form()
		values["ideas_per_hour"], values["comments_per_hour"] = "1", "1"
		if _, err := srv.Store.SaveSettings(t.Context(), admin, values, false); err != nil {
			t.Fatal(err)
		}
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		api, page := bearerClient(t, srv, anna), srv.SignedIn(anna)
		idea := createIdeaAPI(t, api, "Reflective paint on the frame")
		r := apiCall(api, http.MethodPost, "/ideas", `{"title":"A second idea in the same hour"}`)
		wantAPIError(t, r, http.StatusTooManyRequests, "too_many_requests")
		if retry, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || retry < 1 || retry > 3600 {
			t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
		}
		if !strings.Contains(string(r.Body), "at most 1 ideas an hour") {
			t.Fatalf("the 429 does not say why: %s", r.Body)
		}
		page.Get("/ideas/new")
		r = page.PostForm("/ideas", url.Values{"title": {"A second idea in the same hour"}, "body": {"Keep these words"}})
		wantStatus(t, r, http.StatusTooManyRequests)
		wantCount(t, r, "form.idea-form .limit", 1)
		wantText(t, r, "textarea#body", "Keep these words")

		ideaPage := fmt.Sprintf("/ideas/%d/reflective-paint-on-the-frame", idea)
		page.Get(ideaPage)
		wantStatus(t, page.PostForm(fmt.Sprintf("/ideas/%d/comments", idea), url.Values{"body": {"First comment"}}), http.StatusSeeOther)
		page.Get(ideaPage)
		r = page.PostForm(fmt.Sprintf("/ideas/%d/comments", idea), url.Values{"body": {"Second comment, kept"}})
		wantStatus(t, r, http.StatusTooManyRequests)
		wantText(t, r, "textarea#comment-body", "Second comment, kept")
		wantCount(t, r, ".comment-form .limit", 1)
		if r.Header.Get("Retry-After") == "" {
			t.Fatal("no Retry-After on the page")
		}
		if got, err := srv.Store.Comments(t.Context(), idea, nil); err != nil || len(got) != 1 {
			t.Fatalf("comments stored: %d %v", len(got), err)
		}
	})
}

func TestPremoderationInPages(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		values := models.DefaultSettings.Form()
		values["premoderate_first"] = "1"
		if _, err := srv.Store.SaveSettings(t.Context(), admin, values, false); err != nil {
			t.Fatal(err)
		}
		nina := srv.SignedIn(srv.User("Nina", "nina@example.com", models.RoleMember))
		loc := proposeThroughForm(t, nina, "A newcomer's first idea", "Hello all", "")
		r := nina.Get(loc)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, ".pending-banner", 1)
		wantStatus(t, srv.Client().Get(loc), http.StatusNotFound)

		mod := srv.SignedIn(srv.User("Mo", "mo@example.com", models.RoleModerator))
		r = mod.Get("/mod")
		wantCount(t, r, "li.queue-item", 1)
		wantCount(t, r, `li.queue-item button[value="approve"]`, 1)
		id := ideaURL.FindStringSubmatch(loc)[1]
		wantStatus(t, mod.PostForm("/mod/queue/idea/"+id, url.Values{"action": {"approve"}}), http.StatusSeeOther)
		wantStatus(t, srv.Client().Get(loc), http.StatusOK)
		wantCount(t, mod.Get("/mod"), "li.queue-item", 0)
	})
}

// TestXSSPayloadsComeOutInertInModeration puts every payload in names,
// report notes and moderators' reasons, and checks the moderation pages.
func TestXSSPayloadsComeOutInertInModeration(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := t.Context()
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		values := models.DefaultSettings.Form()
		values["report_threshold"] = "100"
		if _, err := srv.Store.SaveSettings(ctx, admin, values, true); err != nil {
			t.Fatal(err)
		}
		var authors []*models.User
		for i, p := range xssPayloads {
			u, err := srv.Store.CreateUser(ctx, models.NewUser{Name: truncateRunes(p, 50), Email: fmt.Sprintf("p%d@example.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			authors = append(authors, u)
		}
		target, err := srv.Store.CreateIdea(ctx, authors[0], models.NewIdea{Title: "A payload to report " + truncateRunes(xssPayloads[0], 50)})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range xssPayloads[1:] {
			if _, err := srv.Store.CreateReport(ctx, authors[i+1], models.NewReport{Target: models.TargetIdea, ID: target.ID, Reason: models.ReportOther, Note: truncateRunes(p, 500)}); err != nil {
				t.Fatalf("report with %q: %v", p, err)
			}
		}
		viewer := srv.SignedIn(admin)
		assertInert(t, "queue", viewer.Get("/mod"))
		for i, p := range xssPayloads[1:] {
			until := srv.Store.Now().Add(24 * time.Hour)
			if _, err := srv.Store.Sanction(ctx, admin, authors[i+1].ID, models.Sanction{Action: models.DecideSuspend, Until: until, Reason: truncateRunes(p, 500)}); err != nil {
				t.Fatalf("suspend with %q: %v", p, err)
			}
		}
		if err := srv.Store.Decide(ctx, admin, models.TargetIdea, target.ID, models.Decision{Action: models.DecideHide, Reason: truncateRunes(xssPayloads[1], 500)}); err != nil {
			t.Fatal(err)
		}
		pages := []string{"/mod/audit", "/mod/members", "/mod/members?q=" + url.QueryEscape("<script>"), "/moderation",
			fmt.Sprintf("/mod/members/%d", authors[0].ID), fmt.Sprintf("/ideas/%d", target.ID)}
		for _, u := range authors[1:4] {
			pages = append(pages, fmt.Sprintf("/mod/members/%d", u.ID))
		}
		for _, path := range pages {
			r := viewer.Get(path)
			if r.StatusCode == http.StatusMovedPermanently {
				r = viewer.Get(r.Header.Get("Location"))
			}
			wantStatus(t, r, http.StatusOK)
			assertInert(t, path, r)
		}
		reporter := srv.SignedIn(authors[2])
		assertInert(t, "/me of a reporter", reporter.Get("/me"))
	})
}
