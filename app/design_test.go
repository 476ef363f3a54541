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
