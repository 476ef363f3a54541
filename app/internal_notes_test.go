package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"samen/app/apptest"
	"samen/models"
)

// TestInternalNotesAreTheTeamsAlone writes the team's internal notes (a
// note, a reply, a note with a mention, a note edited by an admin, a note on
// an idea merged into another, a deleted note) and then walks every route of
// the route table as a member (the author of the idea, signed in), as that
// member's API token and as a visitor, plus the feeds, search and the lists
// with a query: no answer holds any note's text, nor marks one.
func TestInternalNotesAreTheTeamsAlone(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		bramUser := srv.User("Bram", "bram@example.com", models.RoleMember)
		modUser := srv.User("Maartje", "maartje@example.com", models.RoleModerator)
		tessUser := srv.User("Tess", "tess@example.com", models.RoleTeam)
		timUser := srv.User("Tim Team", "tim@example.com", models.RoleTeam)
		adminUser := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		if _, err := srv.Store.SaveSettings(ctx, adminUser, models.DefaultSettings.Form(), true); err != nil {
			t.Fatal(err)
		}

		idea := mustIdea(t, srv, annaUser, "Swappable battery for long rides")
		dup := mustIdea(t, srv, bramUser, "Spare battery for long rides")
		public := mustComment(t, srv, idea.ID, bramUser, "I would buy a second battery")
		path := "/ideas/" + itoa(idea.ID)

		// The team writes notes through the API and the page.
		tess := bearerClient(t, srv, tessUser)
		note := func(c *apptest.Client, ideaID int64, body string, extra string) commentJSON {
			t.Helper()
			r := apiCall(c, http.MethodPost, "/ideas/"+itoa(ideaID)+"/comments", `{"body":"`+body+`","internal":true`+extra+`}`)
			raw := apiJSON[json.RawMessage](t, r, http.StatusCreated)
			wantKeys(t, raw, append(slices.Clone(commentKeys[:9]), append([]string{"internal"}, commentKeys[9:]...)...))
			var cm commentJSON
			_ = json.Unmarshal(raw, &cm)
			return cm
		}
		secrets := []string{"zebrasecret", "quokkareply", "mentionnarwhal", "axolotlbefore", "pangolinmerged", "dodogone"}
		first := note(tess, idea.ID, "Cost is high: zebrasecret", "")
		reply := note(tess, idea.ID, "Supplier says quokkareply", `,"parent_id":`+itoa(public.ID))
		mention := note(tess, idea.ID, "@TimTeam please check mentionnarwhal", "")
		edited := note(tess, idea.ID, "First draft axolotlbefore", "")
		note(tess, dup.ID, "On the duplicate: pangolinmerged", "")
		gone := note(tess, idea.ID, "Soon gone: dodogone", "")
		if reply.ParentID == nil || *reply.ParentID != public.ID {
			t.Fatalf("the internal reply hangs under %v", reply.ParentID)
		}
		ada := bearerClient(t, srv, adminUser)
		r := apiCall(ada, http.MethodGet, path, "")
		wantStatus(t, r, http.StatusOK)
		page := srv.SignedIn(adminUser)
		page.Get(path + "/" + idea.Slug)
		wantStatus(t, page.PostForm(path+"/comments/"+itoa(edited.ID)+"/edit", url.Values{"body": {"Edited by the admin: nothing to see"}}), http.StatusSeeOther)
		tessPage := srv.SignedIn(tessUser)
		tessPage.Get(path + "/" + idea.Slug)
		wantStatus(t, tessPage.PostForm(path+"/comments/"+itoa(gone.ID)+"/delete", url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		if _, err := srv.Store.Merge(ctx, dup.ID, idea.ID, modUser, "same idea"); err != nil {
			t.Fatal(err)
		}
		r = tessPage.PostForm(path+"/comments", url.Values{"body": {"Through the page: ibexpage"}, "internal": {"1"}})
		wantStatus(t, r, http.StatusSeeOther)
		secrets = append(secrets, "ibexpage")

		// Only the team may write one: a member, a moderator and a visitor are refused.
		for who, c := range map[string]*apptest.Client{"a member": bearerClient(t, srv, bramUser), "a moderator": bearerClient(t, srv, modUser)} {
			r := apiCall(c, http.MethodPost, path+"/comments", `{"body":"Let me in","internal":true}`)
			if r.StatusCode != http.StatusForbidden {
				t.Fatalf("%s writes an internal note: %d", who, r.StatusCode)
			}
		}
		wantAPIError(t, apiCall(srv.Client(), http.MethodPost, path+"/comments", `{"body":"x","internal":true}`), http.StatusUnauthorized, "unauthorized")
		bramPage := srv.SignedIn(bramUser)
		bramPage.Get(path + "/" + idea.Slug)
		wantStatus(t, bramPage.PostForm(path+"/comments", url.Values{"body": {"Sneaky"}, "internal": {"1"}}), http.StatusForbidden)
		// Nobody replies in public under a note.
		wantFields(t, apiCall(bearerClient(t, srv, bramUser), http.MethodPost, path+"/comments", `{"body":"A reply","parent_id":`+itoa(first.ID)+`}`), "parent_id")
		wantFields(t, apiCall(tess, http.MethodPost, path+"/comments", `{"body":"A reply","parent_id":`+itoa(first.ID)+`}`), "parent_id")
		wantFields(t, apiCall(tess, http.MethodPost, path+"/comments", `{"body":"x","internal":"yes"}`), "internal")

		// The team sees them, marked; the mention of a team member links.
		r = srv.SignedIn(timUser).Get("/ideas/" + itoa(idea.ID) + "/" + idea.Slug)
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, "li.comment.internal", 6)
		wantCount(t, r, "li.comment.internal .badge.internal", 6)
		wantCount(t, r, fmt.Sprintf(`#comment-%d a.mention[href="/members/%d"]`, mention.ID, timUser.ID), 1)
		wantCount(t, r, "#comment-internal", 1)
		list := apiJSON[struct{ Comments []json.RawMessage }](t, apiCall(tess, http.MethodGet, path+"/comments", ""), http.StatusOK)
		internal := 0
		for _, raw := range list.Comments {
			if bytes.Contains(raw, []byte(`"internal":true`)) {
				internal++
			}
		}
		if internal != 6 {
			t.Fatalf("the team's API lists %d internal notes, want 6", internal)
		}
		// The idea's public counts and order know nothing of them.
		got := apiIdea(t, apiCall(srv.Client(), http.MethodGet, path, ""), http.StatusOK)
		if got.Comments != 1 {
			t.Fatalf("the idea counts %d comments, want the 1 public one", got.Comments)
		}

		// Everyone else, by every route.
		memberUser := annaUser
		clients := map[string]func() *apptest.Client{
			"a visitor": srv.Client,
			"a member":  func() *apptest.Client { c := srv.SignedIn(memberUser); c.Get("/"); return c },
			"a member's API token": func() *apptest.Client {
				return bearerClient(t, srv, memberUser)
			},
		}
		_, otherSession, err := srv.Store.CreateSession(ctx, memberUser.ID, "other", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		_, otherToken, err := srv.Store.CreateAPIToken(ctx, memberUser.ID, models.NewAPIToken{Name: "other"})
		if err != nil {
			t.Fatal(err)
		}
		param := func(rt fiber.Route, name string) string {
			p := strings.TrimPrefix(rt.Path, "/api/v1")
			switch {
			case name == "slug":
				return idea.Slug
			case name == "target":
				return models.TargetComment
			case name == "provider":
				return "nosuch"
			case name == "token":
				return "nosuch"
			case name == "comment":
				return itoa(first.ID)
			case strings.HasPrefix(p, "/members/"), strings.HasPrefix(p, "/mod/members/"):
				return itoa(tessUser.ID)
			case strings.HasPrefix(p, "/comments/"), strings.HasPrefix(p, "/mod/queue/"):
				return itoa(first.ID)
			case strings.HasPrefix(p, "/me/sessions/"):
				return itoa(otherSession.ID)
			case strings.HasPrefix(p, "/me/tokens/"):
				return itoa(otherToken.ID)
			}
			return itoa(idea.ID)
		}
		// Searches ask for words of the notes; a page shows its query, so not their secrets.
		extra := []string{
			"/search?q=supplier", "/search?q=cost+battery", "/?q=supplier", "/search?q=draft", "/ideas/similar?title=zebrasecret+battery",
			"/api/v1/ideas?q=zebrasecret", "/api/v1/ideas?sort=updated", "/api/v1/ideas/" + itoa(idea.ID) + "/comments",
			"/api/v1/ideas/" + itoa(dup.ID), "/feeds/ideas.atom", "/feeds/ideas/" + itoa(idea.ID) + ".atom",
			"/feeds/ideas/" + itoa(dup.ID) + ".atom", "/members/" + itoa(timUser.ID), "/moderation",
		}
		routes := tableRoutes(t, srv)
		// Reads first, then writes, each write with a fresh client (some end the session).
		slices.SortStableFunc(routes, func(a, b fiber.Route) int {
			return boolOrder(a.Method != http.MethodGet) - boolOrder(b.Method != http.MethodGet)
		})
		var leaks []string
		requests := 0
		for who, client := range clients {
			reader := client()
			check := func(c *apptest.Client, req *http.Request, route string) {
				r := c.Do(req)
				requests++
				if r.StatusCode >= 500 {
					leaks = append(leaks, fmt.Sprintf("%s %s as %s: %d", req.Method, route, who, r.StatusCode))
				}
				body := strings.ToLower(string(r.Body))
				for _, s := range secrets {
					if strings.Contains(body, s) {
						leaks = append(leaks, fmt.Sprintf("%s %s as %s shows %q", req.Method, route, who, s))
					}
				}
				if strings.Contains(body, `"internal":true`) || (r.Doc != nil && r.Doc.Find(".comment.internal, .badge.internal").Length() > 0) {
					leaks = append(leaks, fmt.Sprintf("%s %s as %s marks an internal note", req.Method, route, who))
				}
			}
			for _, target := range extra {
				req, _ := http.NewRequest(http.MethodGet, target, nil)
				if strings.HasPrefix(target, "/api/") {
					req.Header.Set("Accept", "application/json")
				}
				check(reader, req, target)
			}
			for _, rt := range routes {
				target := pathParam.ReplaceAllStringFunc(rt.Path, func(m string) string {
					return url.PathEscape(param(rt, pathParam.FindStringSubmatch(m)[1]))
				})
				target = strings.Replace(target, "*", "css/samen.css", 1)
				c := reader
				if rt.Method != http.MethodGet {
					c = client()
					c.Get("/")
				}
				check(c, routeRequest(rt, target, c), target)
			}
		}
		t.Logf("%d requests", requests)
		if len(leaks) > 0 {
			t.Fatalf("internal notes reach others:\n  %s", strings.Join(leaks, "\n  "))
		}

		// The admin's edit kept no text of the note in the audit log, which
		// moderators read, nor does a moderator read the note anywhere.
		mod := srv.SignedIn(modUser)
		for _, target := range []string{"/mod/audit", "/mod/members/" + itoa(tessUser.ID), "/ideas/" + itoa(idea.ID) + "/" + idea.Slug, "/mod"} {
			r := mod.Get(target)
			wantStatus(t, r, http.StatusOK)
			for _, s := range secrets {
				if strings.Contains(string(r.Body), s) {
					t.Fatalf("a moderator reads %q at %s", s, target)
				}
			}
		}
		wantAPIError(t, apiCall(bearerClient(t, srv, modUser), http.MethodPatch, "/comments/"+itoa(first.ID)+"/moderation", `{"hidden":true,"reason":"spam"}`), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(bearerClient(t, srv, bramUser), http.MethodPost, "/reports", `{"target":"comment","id":`+itoa(first.ID)+`,"reason":"spam"}`), http.StatusNotFound, "not_found")
	})
}

func boolOrder(b bool) int {
	if b {
		return 1
	}
	return 0
}
