package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"samen/app/apptest"
	"samen/models"
)

type preferencesJSON struct {
	Language      string            `json:"language"`
	AutoSubscribe bool              `json:"auto_subscribe"`
	Digest        string            `json:"digest"`
	Email         map[string]string `json:"email"`
}

func TestPreferencesAPI(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		as := bearerClient(t, srv, anna)

		r := apiCall(as, http.MethodGet, "/me/preferences", "")
		got := apiJSON[preferencesJSON](t, r, http.StatusOK)
		wantKeys(t, r.Body, []string{"auto_subscribe", "digest", "email", "language"})
		if got.Language != "en" || !got.AutoSubscribe || got.Digest != "daily" || len(got.Email) != len(models.NotificationKinds) {
			t.Fatalf("defaults %+v", got)
		}
		for kind, want := range map[string]string{"reply": "instant", "mention": "instant", "status_changed": "instant",
			"team_answer": "digest", "merged": "digest", "changelog": "digest", "new_idea": "digest"} {
			if got.Email[kind] != want {
				t.Errorf("default for %s is %q, want %q", kind, got.Email[kind], want)
			}
		}

		// A change of some parts leaves the rest.
		r = apiCall(as, http.MethodPatch, "/me/preferences", `{"language":"nl","digest":"weekly","email":{"reply":"off","team_answer":"instant"}}`)
		got = apiJSON[preferencesJSON](t, r, http.StatusOK)
		if got.Language != "nl" || got.Digest != "weekly" || !got.AutoSubscribe || got.Email["reply"] != "off" ||
			got.Email["team_answer"] != "instant" || got.Email["mention"] != "instant" {
			t.Fatalf("after the change %+v", got)
		}
		got = apiJSON[preferencesJSON](t, apiCall(as, http.MethodPatch, "/me/preferences", `{"auto_subscribe":false}`), http.StatusOK)
		if got.AutoSubscribe || got.Language != "nl" || got.Email["reply"] != "off" {
			t.Fatalf("after turning following off %+v", got)
		}
		// The language is the member's language for pages too.
		if u, err := srv.Store.UserByID(context.Background(), anna.ID); err != nil || u.Locale != "nl" {
			t.Fatalf("locale %q, %v", u.Locale, err)
		}

		// Unknown kinds, modes, periods and languages are 422, naming each.
		wantFields(t, apiCall(as, http.MethodPatch, "/me/preferences", `{"language":"fr","digest":"hourly","email":{"gossip":"instant","reply":"sometimes"}}`),
			"digest", "email.gossip", "email.reply", "language")
		wantFields(t, apiCall(as, http.MethodPatch, "/me/preferences", `{"auto_subscribe":"yes"}`), "auto_subscribe")
		wantAPIError(t, apiCall(as, http.MethodPatch, "/me/preferences", `{"email":`), http.StatusBadRequest, "malformed")
		if again := apiJSON[preferencesJSON](t, apiCall(as, http.MethodGet, "/me/preferences", ""), http.StatusOK); again.Digest != "weekly" || again.Email["reply"] != "off" {
			t.Fatalf("a refused change changed something: %+v", again)
		}
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, "/me/preferences", ""), http.StatusUnauthorized, "unauthorized")
	})
}

func TestEmailSettingsForm(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		c := srv.SignedIn(anna)

		page := c.Get("/me")
		wantStatus(t, page, http.StatusOK)
		wantCount(t, page, "#email-settings tr.email-mode", len(models.NotificationKinds))
		wantText(t, page, `#email-settings select[name="email.reply"] option[selected]`, "At once")
		wantText(t, page, `#email-settings select[name="email.merged"] option[selected]`, "In the digest")

		form := url.Values{"language": {"nl"}, "digest": {"weekly"}}
		for _, kind := range models.NotificationKinds {
			form.Set("email."+kind, "digest")
		}
		form.Set("email.mention", "off")
		r := c.PostForm("/me/email", form)
		wantStatus(t, r, http.StatusSeeOther)
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "/me") {
			t.Fatalf("redirect to %q", loc)
		}
		p, err := srv.Store.Preferences(context.Background(), anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Language != "nl" || p.Digest != "weekly" || p.AutoSubscribe || p.Email["mention"] != "off" || p.Email["reply"] != "digest" {
			t.Fatalf("saved %+v", p)
		}
		// The page is in Dutch now, and shows what was saved.
		page = c.Get("/me")
		wantText(t, page, "#email-settings-title", "E-mailinstellingen")
		wantText(t, page, `#email-settings select[name="email.mention"] option[selected]`, "Uit")
		wantCount(t, page, `#email-settings input[name="auto_subscribe"][checked]`, 0)

		form.Set("email.reply", "loud")
		r = c.PostForm("/me/email", form)
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#email-settings select[name="email.reply"][aria-invalid="true"]`, 1)
	})
}

func TestUnsubscribeLink(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bart := srv.User("Bart", "bart@example.com", models.RoleMember)
		token, err := srv.Store.UnsubscribeToken(ctx, anna.ID, []string{models.NotifyStatusChanged, models.NotifyTeamAnswer})
		if err != nil {
			t.Fatal(err)
		}

		// Opening the link changes nothing.
		page := srv.Client().Get("/unsubscribe/" + token)
		wantStatus(t, page, http.StatusOK)
		wantCount(t, page, `form.unsubscribe-form[method="post"] button[type="submit"]`, 1)
		wantText(t, page, ".confirm", "Stop emails about status changes, the team's answers?")
		if p, _ := srv.Store.Preferences(ctx, anna.ID); p.Email[models.NotifyStatusChanged] != models.MailInstant {
			t.Fatalf("GET unsubscribed: %+v", p.Email)
		}

		// A mail client's one-click POST: no cookies, no CSRF token.
		req := httptest.NewRequest(http.MethodPost, "/unsubscribe/"+token, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r := srv.Client().Do(req)
		wantStatus(t, r, http.StatusOK)
		wantText(t, r, ".unsubscribed", "You will no longer get emails about status changes, the team's answers.")
		p, err := srv.Store.Preferences(ctx, anna.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Email[models.NotifyStatusChanged] != models.MailOff || p.Email[models.NotifyTeamAnswer] != models.MailOff || p.Email[models.NotifyReply] != models.MailInstant {
			t.Fatalf("after unsubscribing %+v", p.Email)
		}
		if other, _ := srv.Store.Preferences(ctx, bart.ID); other.Email[models.NotifyStatusChanged] != models.MailInstant {
			t.Fatalf("someone else was unsubscribed: %+v", other.Email)
		}
		// Again: no harm.
		wantStatus(t, srv.Client().Do(httptest.NewRequest(http.MethodPost, "/unsubscribe/"+token, nil)), http.StatusOK)

		// A digest's link turns off everything.
		all, err := srv.Store.UnsubscribeToken(ctx, bart.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		wantStatus(t, srv.Client().Do(httptest.NewRequest(http.MethodPost, "/unsubscribe/"+all, nil)), http.StatusOK)
		if p, _ := srv.Store.Preferences(ctx, bart.ID); p.Email[models.NotifyReply] != models.MailOff || p.Email[models.NotifyNewIdea] != models.MailOff {
			t.Fatalf("after unsubscribing from all %+v", p.Email)
		}

		// Forged, altered and malformed tokens: a friendly 404, never a 500.
		parts := strings.Split(token, ".")
		forged := []string{
			itoa(bart.ID) + "." + parts[1] + "." + parts[2], // Anna's signature on Bart's id
			parts[0] + ".reply." + parts[2],                 // another kind
			parts[0] + "." + parts[1] + ".AAAAAAAAAAAAAAAAAAAAAAAA",
			"nonsense", "1.all", "0.all.x", "-1.all.x", "99999999999999999999.all.x", parts[0] + ".nosuchkind." + parts[2],
			strings.Repeat("9", 400),
		}
		for _, bad := range forged {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				r := srv.Client().Do(httptest.NewRequest(method, "/unsubscribe/"+url.PathEscape(bad), nil))
				wantStatus(t, r, http.StatusNotFound)
				wantCount(t, r, ".unsubscribe-invalid", 1)
			}
		}
		if p, _ := srv.Store.Preferences(ctx, bart.ID); p.Email[models.NotifyReply] != models.MailOff {
			t.Fatal("a forged token changed something")
		}
		// The exemption from CSRF is this route alone.
		req = httptest.NewRequest(http.MethodPost, "/me/email", strings.NewReader("language=nl"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, srv.SignedIn(anna).Do(req), http.StatusForbidden)
	})
}
