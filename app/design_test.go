package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

// wantConfirmed checks that a form was answered with 303 and that the page it
// leads to confirms with msg in a status message that screen readers announce.
// It returns that page.
func wantConfirmed(t *testing.T, c *apptest.Client, r *apptest.Response, msg string) *apptest.Response {
	t.Helper()
	wantStatus(t, r, http.StatusSeeOther)
	path, _, _ := strings.Cut(r.Header.Get("Location"), "#") // browsers keep the fragment to themselves
	page := c.Get(path)
	for hops := 0; page.StatusCode == http.StatusMovedPermanently && hops < 3; hops++ {
		path = page.Header.Get("Location")
		page = c.Get(path)
	}
	wantStatus(t, page, http.StatusOK)
	wantText(t, page, `.flash[role="status"]`, msg)
	// Shown once: the next page has no message.
	wantCount(t, c.Get(path), ".flash", 0)
	return page
}

var lastComment = regexp.MustCompile(`#comment-(\d+)$`)

// TestEveryFormConfirmsWithAMessage: each create and save answers with the
// page it leads to and a message saying it worked.
func TestEveryFormConfirmsWithAMessage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.SignedIn(srv.User("Anna", "anna@example.com", models.RoleMember))
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))

		anna.Get("/ideas/new")
		r := anna.PostForm("/ideas", url.Values{"title": {"Brighter rear light"}, "body": {"Please."}, "category": {"features"}})
		path := wantConfirmed(t, anna, r, "Your idea is published. Thank you!").Request.URL.Path
		id := ideaURL.FindStringSubmatch(path)[1]

		anna.Get("/ideas/" + id + "/edit")
		r = anna.PostForm("/ideas/"+id+"/edit", url.Values{"title": {"Brighter rear light, please"}, "body": {"Please."}, "category": {"features"}})
		wantConfirmed(t, anna, r, "Your changes are saved.")

		r = anna.PostForm("/ideas/"+id+"/comments", url.Values{"body": {"Even at dusk."}})
		wantConfirmed(t, anna, r, "Your comment is posted.")
		commentID := lastComment.FindStringSubmatch(r.Header.Get("Location"))[1]
		r = anna.PostForm("/ideas/"+id+"/comments/"+commentID+"/edit", url.Values{"body": {"Even at dusk, really."}})
		wantConfirmed(t, anna, r, "Your comment is saved.")

		team.Get("/ideas/" + id + "/brighter-rear-light-please")
		r = team.PostForm("/ideas/"+id+"/status", url.Values{"status": {"planned"}, "note": {"Next year."}})
		wantConfirmed(t, team, r, "The status and answer are saved.")

		anna.Get("/me/notifications")
		r = anna.PostForm("/me/notifications/read", url.Values{"all": {"1"}})
		wantConfirmed(t, anna, r, "Marked as read.")

		anna.Get("/me")
		r = anna.PostForm("/me/privacy", url.Values{"language": {"en"}})
		wantConfirmed(t, anna, r, "Your choices are saved.")

		admin.Get("/admin/categories")
		r = admin.PostForm("/admin/categories", url.Values{"name": {"Lights"}})
		wantConfirmed(t, admin, r, "The category is saved.")

		admin.Get("/admin/statuses")
		r = admin.PostForm("/admin/statuses", url.Values{"name": {"Later"}, "colour": {"#445566"}, "kind": {"open"}})
		wantConfirmed(t, admin, r, "The status is saved.")

		team.Get("/admin/changelog")
		r = team.PostForm("/admin/changelog", url.Values{"title": {"Spring release"}, "body": {"Lights."}})
		wantConfirmed(t, team, r, "The draft is saved.")

		// Forms that show a secret once answer with that page, announced too.
		admin.Get("/admin/webhooks")
		r = admin.PostForm("/admin/webhooks", url.Values{"url": {"https://203.0.113.7/hook"}, "events": {"idea.created"}})
		wantStatus(t, r, http.StatusCreated)
		wantCount(t, r, `.webhook-created[role="status"] code.webhook-secret`, 1)
		r = anna.PostForm("/me/tokens", url.Values{"name": {"my script"}})
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `.new-token[role="status"] code`, 1)
	})
}

// destructive is a form that removes or shuts out: it asks for a ticked box.
type destructive struct {
	name string
	// page holds the form.
	page string
	// action is where the form posts, with the fields besides the box.
	action string
	fields url.Values
	// gone reports whether the action happened.
	gone func() bool
}

// TestDestructiveActionsAskForConfirmation: deleting, revoking and banning
// forms carry a required box; sent without it, nothing happens and the page
// says so; with it, the action happens.
func TestDestructiveActionsAskForConfirmation(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		annaUser := srv.User("Anna", "anna@example.com", models.RoleMember)
		anna := srv.SignedIn(annaUser)
		mo := srv.SignedIn(srv.User("Mo", "mo@example.com", models.RoleModerator))
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
		adminUser := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		admin := srv.SignedIn(adminUser)
		spam := srv.User("Spammer", "spam@example.com", models.RoleMember)

		ideaID := createIdeaAPI(t, bearerClient(t, srv, annaUser), "A lamp that stays on")
		idea, ideaPage := fmt.Sprintf("/ideas/%d", ideaID), fmt.Sprintf("/ideas/%d/a-lamp-that-stays-on", ideaID)
		comment, err := srv.Store.CreateComment(ctx, ideaID, annaUser, models.NewComment{Body: "Also the front one."})
		if err != nil {
			t.Fatal(err)
		}
		admin.Get("/admin/categories")
		wantStatus(t, admin.PostForm("/admin/categories", url.Values{"name": {"Lights"}}), http.StatusSeeOther)
		cats, err := srv.Store.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var lights models.Category
		for _, c := range cats {
			if c.Name == "Lights" {
				lights = c
			}
		}
		admin.Get("/admin/statuses")
		wantStatus(t, admin.PostForm("/admin/statuses", url.Values{"name": {"Later"}, "colour": {"#445566"}, "kind": {"open"}}), http.StatusSeeOther)
		team.Get("/admin/changelog")
		r := team.PostForm("/admin/changelog", url.Values{"title": {"Spring release"}, "body": {"Lights."}})
		wantStatus(t, r, http.StatusSeeOther)
		entry := r.Header.Get("Location")
		anna.Get("/me")
		wantStatus(t, anna.PostForm("/me/tokens", url.Values{"name": {"my script"}}), http.StatusOK)
		tokens, err := srv.Store.APITokens(ctx, annaUser.ID)
		if err != nil {
			t.Fatal(err)
		}
		var script models.APIToken
		for _, tk := range tokens {
			if tk.Name == "my script" {
				script = tk
			}
		}
		admin.Get("/admin/webhooks")
		wantStatus(t, admin.PostForm("/admin/webhooks", url.Values{"url": {"https://203.0.113.7/hook"}, "events": {"idea.created"}}), http.StatusCreated)
		hooks, err := srv.Store.Webhooks(ctx, adminUser)
		if err != nil || len(hooks) != 1 {
			t.Fatalf("webhooks %v, %v", hooks, err)
		}

		status := func(c *apptest.Client, path string) func() bool {
			return func() bool { return c.Get(path).StatusCode == http.StatusNotFound }
		}
		absent := func(c *apptest.Client, path, selector string) func() bool {
			return func() bool { return c.Get(path).Doc.Find(selector).Length() == 0 }
		}
		member := fmt.Sprintf("/mod/members/%d", spam.ID)
		cases := []struct {
			c *apptest.Client
			destructive
		}{
			{anna, destructive{"comment", ideaPage, fmt.Sprintf("%s/comments/%d/delete", idea, comment.ID), nil,
				absent(anna, ideaPage, fmt.Sprintf("#comment-%d form.comment-delete", comment.ID))}},
			{anna, destructive{"idea", ideaPage, idea + "/delete", nil, status(srv.Client(), ideaPage)}},
			{admin, destructive{"category", "/admin/categories", fmt.Sprintf("/admin/categories/%d/delete", lights.ID), nil,
				absent(admin, "/admin/categories", `tr.category[data-slug="lights"]`)}},
			{admin, destructive{"status", "/admin/statuses", "/admin/statuses/later/delete", nil,
				absent(admin, "/admin/statuses", `form[action="/admin/statuses/later/delete"]`)}},
			{team, destructive{"changelog entry", entry, entry + "/delete", nil, status(team, entry)}},
			{anna, destructive{"token", "/me", fmt.Sprintf("/me/tokens/%d/revoke", script.ID), nil,
				absent(anna, "/me", fmt.Sprintf(`tr.token[data-id="%d"]`, script.ID))}},
			{admin, destructive{"webhook", "/admin/webhooks", fmt.Sprintf("/admin/webhooks/%d/delete", hooks[0].ID), nil,
				absent(admin, "/admin/webhooks", "form.webhook-delete")}},
			{mo, destructive{"ban", member, member + "/sanction", url.Values{"action": {"ban"}, "reason": {"spam"}},
				func() bool {
					u, err := srv.Store.UserByID(ctx, spam.ID)
					return err == nil && u.BannedAt != nil
				}}},
		}
		for _, tc := range cases {
			page := tc.c.Get(tc.page)
			wantStatus(t, page, http.StatusOK)
			wantCount(t, page, `form[action="`+tc.action+`"] input[type="checkbox"][name="confirm"][required]`, 1)
			form := url.Values{}
			for k, v := range tc.fields {
				form[k] = v
			}
			r := tc.c.PostForm(tc.action, form)
			wantConfirmed(t, tc.c, r, "Nothing changed: tick the box to confirm first.")
			if tc.gone() {
				t.Fatalf("%s: done without the confirmation", tc.name)
			}
			form.Set("confirm", "1")
			wantStatus(t, tc.c.PostForm(tc.action, form), http.StatusSeeOther)
			if !tc.gone() {
				t.Fatalf("%s: not done with the confirmation", tc.name)
			}
		}

		// Lifting a ban is not destructive: its button skips the box.
		page := mo.Get(member)
		wantCount(t, page, `button[name="action"][value="lift"][formnovalidate]`, 1)
		wantStatus(t, mo.PostForm(member+"/sanction", url.Values{"action": {"lift"}}), http.StatusSeeOther)
		if u, err := srv.Store.UserByID(ctx, spam.ID); err != nil || u.BannedAt != nil {
			t.Fatalf("ban not lifted: %+v, %v", u, err)
		}
		if strings.Contains(string(page.Body), "webhook_confirm") {
			t.Fatal("a message id printed as text")
		}
	})
}

// TestEmptyStatesInviteTheNextStep: a list with nothing in it says what to
// do next, with a link to do it.
func TestEmptyStatesInviteTheNextStep(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		visitor := srv.Client()
		anna := srv.SignedIn(srv.User("Anna", "anna@example.com", models.RoleMember))
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))

		cases := []struct {
			c                *apptest.Client
			path, link, text string
		}{
			{visitor, "/", `.empty a.propose-first[href="/ideas/new"]`, "No ideas yet. Be the first to propose an idea!"},
			{visitor, "/?status=shipped", `.empty a[href="/"]`, "No ideas match these filters."},
			{visitor, "/search?q=zeppelin", `.empty a[href^="/ideas/new?title=zeppelin"]`, ""},
			{visitor, "/roadmap", `#column-planned .empty a.next-step[href="/ideas/new"]`, ""},
			{visitor, "/changelog", `.empty a.next-step[href="/roadmap"]`, ""},
			{team, "/changelog", `.empty a.next-step[href="/admin/changelog#new-entry-title"]`, ""},
			{team, "/admin/changelog", `td.empty a.next-step[href="#new-entry-title"]`, ""},
			{anna, "/me/notifications", `.empty a.next-step[href="/"]`, ""},
			{anna, "/me/following", `.empty a.next-step[href="/"]`, ""},
			{team, "/admin/triage", `.empty a.next-step[href="/admin/triage?view=all"]`, ""},
			{admin, "/admin/webhooks", `.empty a.next-step[href="#new-webhook"]`, ""},
		}
		for _, tc := range cases {
			r := tc.c.Get(tc.path)
			wantStatus(t, r, http.StatusOK)
			wantCount(t, r, tc.link, map[bool]int{true: 2, false: 1}[tc.path == "/me/following"])
			if tc.text != "" {
				wantText(t, r, ".empty p", tc.text)
			}
		}
		wantCount(t, visitor.Get("/"), "#new-webhook, .empty a.next-step", 0)

		// With no categories left, the admin's list invites the first.
		cats, err := srv.Store.Categories(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cats {
			if err := srv.Store.DeleteCategory(ctx, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		r := admin.Get("/admin/categories")
		wantCount(t, r, `td.empty a.next-step[href="#new-category"]`, 1)
		wantCount(t, r, "h2#new-category", 1)
	})
}

// TestTablesReflowWithLabels: every cell of every table carries the label
// its column has, which phones show when the rows become cards.
func TestTablesReflowWithLabels(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		adminUser := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		admin := srv.SignedIn(adminUser)
		ideaID := createIdeaAPI(t, bearerClient(t, srv, adminUser), "A lamp that stays on")
		title := "Spring release"
		ideas := []int64{ideaID}
		if _, err := srv.Store.CreateChangelogEntry(ctx, adminUser, models.ChangelogInput{Title: &title, Ideas: &ideas}); err != nil {
			t.Fatal(err)
		}
		admin.Get("/me")
		wantStatus(t, admin.PostForm("/me/tokens", url.Values{"name": {"my script"}}), http.StatusOK)

		tables := 0
		for _, path := range []string{"/me", "/admin/categories", "/admin/changelog", "/admin/triage?view=all", "/mod/members", "/mod/audit", "/admin/analytics"} {
			r := admin.Get(path)
			wantStatus(t, r, http.StatusOK)
			tables += r.Doc.Find("main table").Length()
			if n := r.Doc.Find("main table tbody td:not([data-label])").Length(); n > 0 {
				html, _ := r.Doc.Find("main table tbody td:not([data-label])").First().Parent().Html()
				t.Errorf("%s: %d cells without data-label, first in row %s", path, n, html)
			}
		}
		if tables < 11 {
			t.Fatalf("the pages show %d tables, want at least 11", tables)
		}
	})
}

// TestIdeaListShowsExcerptAvatarAndANamedVote: each row of the list reads as
// a card: the start of the idea's text as words (no Markdown), its author's
// picture or initial, and a vote button that says which idea it votes for
// and whether the member did.
func TestIdeaListShowsExcerptAvatarAndANamedVote(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("bram", "bram@example.com", models.RoleMember)
		if err := srv.Store.UpdateProfile(ctx, anna.ID, "Anna", "https://example.com/anna.png"); err != nil {
			t.Fatal(err)
		}
		long := "## Why\n\nThe **rear light** is [too dim](https://example.com) at dusk, and `lumen` counts matter. " + strings.Repeat("More words here. ", 20)
		first, err := srv.Store.CreateIdea(ctx, anna, models.NewIdea{Title: "A brighter rear light", Body: long})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.CreateIdea(ctx, bram, models.NewIdea{Title: "A bell that rings louder", Body: "Short."}); err != nil {
			t.Fatal(err)
		}
		member := srv.SignedIn(bram)
		r := member.Get("/?sort=new")
		wantStatus(t, r, http.StatusOK)
		row := fmt.Sprintf(`li.idea-row[data-id="%d"]`, first.ID)
		excerpt := strings.TrimSpace(r.Doc.Find(row + " p.excerpt").Text())
		if !strings.HasPrefix(excerpt, "Why The rear light is too dim at dusk, and lumen counts matter.") || !strings.HasSuffix(excerpt, "…") {
			t.Fatalf("excerpt %q", excerpt)
		}
		for _, syntax := range []string{"**", "##", "](", "`"} {
			if strings.Contains(excerpt, syntax) {
				t.Fatalf("the excerpt shows Markdown %q: %q", syntax, excerpt)
			}
		}
		if n := len([]rune(excerpt)); n > models.ExcerptLength+1 {
			t.Fatalf("excerpt of %d characters", n)
		}
		wantCount(t, r, row+` a.author img.avatar[src="https://example.com/anna.png"][alt=""]`, 1)
		wantText(t, r, `li.idea-row:not(`+row[len("li.idea-row"):]+`) a.author .avatar.initial[aria-hidden="true"]`, "B")
		wantText(t, r, `li.idea-row:not(`+row[len("li.idea-row"):]+`) p.excerpt`, "Short.")

		// The vote button names its idea and says whether it is pressed; the
		// button and its count keep their ids for the in-place vote.
		button := r.Doc.Find(row + ` form[action$="/vote"] button.vote-button[aria-pressed="false"]`)
		if button.Length() != 1 || strings.TrimSpace(button.Find(".visually-hidden").Text()) != ": A brighter rear light" {
			t.Fatalf("vote button %d, named %q", button.Length(), button.Find(".visually-hidden").Text())
		}
		wantCount(t, r, fmt.Sprintf(`div.vote#vote-%d .vote-count[aria-label="1 vote"]`, first.ID), 1)
		wantCount(t, r, `#announcer[role="status"]`, 1)
	})
}

// TestAdminNavShowsWhereYouAre: the admin pages share one menu of their
// sections, which marks the page shown, as the header's menu does.
func TestAdminNavShowsWhereYouAre(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		admin := srv.SignedIn(srv.User("Ada", "ada@example.com", models.RoleAdmin))
		for _, path := range []string{"/admin/categories", "/admin/statuses", "/admin/settings", "/admin/branding", "/admin/webhooks", "/admin/deliveries"} {
			r := admin.Get(path)
			wantStatus(t, r, http.StatusOK)
			wantCount(t, r, `nav.admin-nav a`, 6)
			wantCount(t, r, `nav.admin-nav a[aria-current="page"]`, 1)
			wantCount(t, r, `nav.admin-nav a[href="`+path+`"][aria-current="page"]`, 1)
			if path != "/admin/deliveries" {
				wantCount(t, r, `.staff-menu a[href="`+path+`"][aria-current="page"]`, 1)
			}
		}
		// The team sees none of the admin's sections.
		team := srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam))
		wantCount(t, team.Get("/admin/triage"), "nav.admin-nav", 0)
	})
}
