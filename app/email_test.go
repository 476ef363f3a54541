package app_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
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

// mailServer runs Samen mailing to a real SMTP sink, with a short gathering delay.
func mailServer(t *testing.T, dialect, delay string) (*apptest.Server, *modelstest.SMTPSink) {
	t.Helper()
	sink := modelstest.NewSMTPSink(t)
	srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_SMTP_URL="+sink.URL,
		"SAMEN_MAIL_FROM=ideas@example.com", "SAMEN_MAIL_DELAY="+delay, "SAMEN_BRAND_NAME=Bikes")
	return srv, sink
}

func TestEmailClosesTheLoop(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, sink := mailServer(t, dialect, "2s")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		nora := srv.User("Nora", "nora@example.com", models.RoleMember)
		bart := srv.User("Bart", "bart@example.com", models.RoleMember)
		otto := srv.User("Otto", "otto@example.com", models.RoleMember)
		tim := srv.User("Tim", "tim@example.com", models.RoleTeam)
		idea := mustIdea(t, srv, anna, "Brighter <lights> & louder bells")
		other := mustIdea(t, srv, otto, "Otto's own idea")
		team := bearerClient(t, srv, tim)

		// Nora and Bart vote, which follows the idea; Nora reads Dutch and wants
		// status changes at once (on an idea she only follows they would go to
		// her digest), Bart too. Otto only follows his own idea.
		for _, u := range []*models.User{nora, bart} {
			c := bearerClient(t, srv, u)
			apiJSON[map[string]any](t, apiCall(c, http.MethodPost, "/ideas/"+itoa(idea.ID)+"/vote", ""), http.StatusOK)
			body := `{"email":{"status_changed":"instant"}}`
			if u == nora {
				body = `{"language":"nl","email":{"status_changed":"instant"}}`
			}
			apiJSON[preferencesJSON](t, apiCall(c, http.MethodPatch, "/me/preferences", body), http.StatusOK)
		}

		// Three events on the idea within the delay: a status change with the
		// team's answer, a comment that mentions Anna, another status change.
		path := "/ideas/" + itoa(idea.ID)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPut, path+"/status", `{"status":"planned","note":"We will build it <b>this</b> spring."}`), http.StatusOK)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPost, path+"/comments", `{"body":"@Anna which colour would you like?"}`), http.StatusCreated)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPost, path+"/comments", `{"body":"Cost estimate: too high","internal":true}`), http.StatusCreated)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPut, path+"/status", `{"status":"in-progress","note":""}`), http.StatusOK)

		sink.Wait(t, "anna@example.com", 1, 20*time.Second)
		noras := sink.Wait(t, "nora@example.com", 1, 20*time.Second)
		sink.Wait(t, "bart@example.com", 1, 20*time.Second)
		time.Sleep(3 * time.Second) // the delay again: nothing more comes
		annas := sink.To("anna@example.com")
		if len(annas) != 1 {
			t.Fatalf("Anna got %d emails for three updates within the delay, want 1: %v", len(annas), subjects(annas))
		}
		m := annas[0]
		if m.ContentType != "multipart/alternative" || m.Text == "" || m.HTML == "" {
			t.Fatalf("Anna's email is %q (text %d, HTML %d bytes), want multipart/alternative with both", m.ContentType, len(m.Text), len(m.HTML))
		}
		if m.Subject != "“Brighter <lights> & louder bells”: 3 updates" {
			t.Errorf("subject %q", m.Subject)
		}
		for _, want := range []string{"Tim moved “Brighter <lights> & louder bells” to Planned", "We will build it this spring.",
			"Tim mentioned you", "which colour would you like?", "to In progress", srv.URL + "/ideas/" + itoa(idea.ID),
			srv.URL + "/me#email-settings", srv.URL + "/unsubscribe/"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("Anna's text lacks %q:\n%s", want, m.Text)
			}
		}
		if !strings.Contains(m.HTML, "Brighter &lt;lights&gt; &amp; louder bells") || strings.Contains(m.HTML, "<lights>") {
			t.Errorf("the HTML part does not escape the title:\n%s", m.HTML)
		}
		for _, mail := range sink.Messages() {
			if strings.Contains(mail.Text+mail.HTML, "Cost estimate") {
				t.Errorf("an internal note went to %v", mail.To)
			}
		}
		unsub := m.Header.Get("List-Unsubscribe")
		if !strings.HasPrefix(unsub, "<"+srv.URL+"/unsubscribe/") || !strings.HasSuffix(unsub, ">") ||
			m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe %q, List-Unsubscribe-Post %q", unsub, m.Header.Get("List-Unsubscribe-Post"))
		}

		// Nora hears of both status changes at once, in Dutch; the team's
		// answer waits for her digest.
		if len(noras) != 1 {
			t.Fatalf("Nora got %d emails: %v", len(noras), subjects(noras))
		}
		if n := noras[0]; n.Subject != "“Brighter <lights> & louder bells”: 2 nieuwtjes" || !strings.Contains(n.Text, "Gepland") ||
			!strings.Contains(n.Text, "Kies welke e-mails je krijgt") {
			t.Errorf("Nora's email is not in Dutch: %q\n%s", n.Subject, n.Text)
		}
		if got := sink.To("otto@example.com"); len(got) != 0 {
			t.Fatalf("Otto got someone else's email: %v", subjects(got))
		}

		// Bart unsubscribes with his email's one-click link, without cookies;
		// the next status change reaches Anna and Nora, not him.
		barts := sink.To("bart@example.com")
		link := strings.Trim(barts[0].Header.Get("List-Unsubscribe"), "<>")
		req := httptest.NewRequest(http.MethodPost, strings.TrimPrefix(link, srv.URL), strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, srv.Client().Do(req), http.StatusOK)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPut, path+"/status", `{"status":"shipped","note":"Out now."}`), http.StatusOK)
		sink.Wait(t, "anna@example.com", 2, 20*time.Second)
		sink.Wait(t, "nora@example.com", 2, 20*time.Second)
		time.Sleep(500 * time.Millisecond)
		if got := sink.To("bart@example.com"); len(got) != 1 {
			t.Fatalf("Bart got %d emails after unsubscribing from them, want only the first: %v", len(got), subjects(got))
		}
		if s := sink.To("anna@example.com")[1].Subject; s != "“Brighter <lights> & louder bells”: moved to Shipped" {
			t.Errorf("one update's subject %q", s)
		}

		// Anna turns status changes off: the next one sends her nothing.
		apiJSON[preferencesJSON](t, apiCall(bearerClient(t, srv, anna), http.MethodPatch, "/me/preferences", `{"email":{"status_changed":"off"}}`), http.StatusOK)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPut, "/ideas/"+itoa(other.ID)+"/status", `{"status":"planned","note":"Yes."}`), http.StatusOK)
		apiJSON[map[string]any](t, apiCall(team, http.MethodPut, path+"/status", `{"status":"declined","note":"Sorry, after all."}`), http.StatusOK)
		sink.Wait(t, "nora@example.com", 3, 20*time.Second)
		sink.Wait(t, "otto@example.com", 1, 20*time.Second)
		time.Sleep(500 * time.Millisecond)
		if got := sink.To("anna@example.com"); len(got) != 2 {
			t.Fatalf("Anna got %d emails with status changes off, want the 2 before: %v", len(got), subjects(got))
		}

		// A day later the hourly check sends Nora and Bart one digest each,
		// with the team's answer (Bart turned off status changes alone).
		before := len(sink.Messages())
		later := srv.Store.Now().Add(25 * time.Hour)
		if err := srv.Store.CheckMailAt(ctx, later); err != nil {
			t.Fatal(err)
		}
		digest := sink.Wait(t, "nora@example.com", 4, 20*time.Second)[3]
		if !strings.Contains(digest.Subject, "Bikes: 1 nieuwtje sinds je vorige overzicht") || !strings.Contains(digest.Text, "Tim beantwoordde “Brighter <lights> & louder bells” namens het team") {
			t.Errorf("digest %q:\n%s", digest.Subject, digest.Text)
		}
		if !strings.Contains(digest.Header.Get("List-Unsubscribe"), "/unsubscribe/"+itoa(nora.ID)+".all.") {
			t.Errorf("a digest's unsubscribe link is for all email: %q", digest.Header.Get("List-Unsubscribe"))
		}
		time.Sleep(500 * time.Millisecond)
		sink.Wait(t, "bart@example.com", 2, 20*time.Second)
		if got := sink.Messages()[before:]; len(got) != 2 {
			t.Errorf("the check sent %d emails, want Nora's and Bart's digests: %v", len(got), recipientsOf(got))
		}
		if err := srv.Store.CheckMailAt(ctx, later); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if got := sink.Messages()[before+2:]; len(got) != 0 {
			t.Errorf("a second check sent more: %v", recipientsOf(got))
		}
	})
}

func recipientsOf(list []modelstest.Mail) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = strings.Join(m.To, ",") + ": " + m.Subject
	}
	return out
}

func subjects(list []modelstest.Mail) []string {
	out := make([]string, len(list))
	for i, m := range list {
		out[i] = m.Subject
	}
	return out
}

func TestEmailDeliveriesAndMetrics(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, sink := mailServer(t, dialect, "0s")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		tim := srv.User("Tim", "tim@example.com", models.RoleTeam)
		ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		idea := mustIdea(t, srv, anna, "Kickstand")

		// The SMTP server refuses for a while: the email waits for a retry,
		// and admins see it.
		sink.Failing(true)
		apiJSON[map[string]any](t, apiCall(bearerClient(t, srv, tim), http.MethodPut, "/ideas/"+itoa(idea.ID)+"/status", `{"status":"planned","note":"Yes."}`), http.StatusOK)
		deadline := time.Now().Add(20 * time.Second)
		for srv.Store.MailStats().Retried == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the refused email was never counted as retried")
			}
			time.Sleep(20 * time.Millisecond)
		}
		admin := srv.SignedIn(ada)
		page := admin.Get("/admin/deliveries")
		for page.Doc.Find("tr.delivery").Length() == 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond) // River records the failure just after the attempt
			page = admin.Get("/admin/deliveries")
		}
		wantStatus(t, page, http.StatusOK)
		wantCount(t, page, "tr.delivery", 1)
		wantText(t, page, "tr.delivery td.state", "retryable")
		if !strings.Contains(page.Doc.Find("tr.delivery td.error").Text(), "451") {
			t.Errorf("the delivery's error: %q", page.Doc.Find("tr.delivery td.error").Text())
		}
		wantText(t, page, "tr.delivery a[href^='/mod/members/']", "Anna")
		wantStatus(t, srv.SignedIn(tim).Get("/admin/deliveries"), http.StatusForbidden)
		metrics := string(srv.Client().Get("/metrics").Body)
		if !regexp.MustCompile(`samen_deliveries_retried_total\{channel="email"\} [1-9]`).MatchString(metrics) {
			t.Errorf("/metrics does not count the retry")
		}
		for _, want := range []string{`samen_delivery_queue_depth{channel="email"} 1`,
			`samen_deliveries_sent_total{channel="email"} 0`, `samen_deliveries_failed_total{channel="email"} 0`} {
			if !strings.Contains(metrics, want) {
				t.Errorf("/metrics lacks %q", want)
			}
		}

		// Once it accepts again, the retry delivers.
		sink.Failing(false)
		sink.Wait(t, "anna@example.com", 1, 30*time.Second)
		deadline = time.Now().Add(10 * time.Second)
		for !strings.Contains(string(srv.Client().Get("/metrics").Body), `samen_delivery_queue_depth{channel="email"} 0`) {
			if time.Now().After(deadline) {
				t.Fatal("the email job is still pending after its email went")
			}
			time.Sleep(50 * time.Millisecond)
		}
		metrics = string(srv.Client().Get("/metrics").Body)
		if !strings.Contains(metrics, `samen_deliveries_sent_total{channel="email"} 1`) {
			t.Errorf("/metrics does not count the email sent")
		}
		wantCount(t, srv.SignedIn(ada).Get("/admin/deliveries"), "tr.delivery", 0)
	})
}

// TestNewIdeaNamesTheCategoryInTheReadersLanguage: a new idea in a followed
// category is told in each follower's language, the category's name too,
// in the email and in the inbox.
func TestNewIdeaNamesTheCategoryInTheReadersLanguage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, sink := mailServer(t, dialect, "0s")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		nora := srv.User("Nora", "nora@example.com", models.RoleMember)
		bart := srv.User("Bart", "bart@example.com", models.RoleMember)
		for _, u := range []*models.User{nora, bart} {
			c := bearerClient(t, srv, u)
			body := `{"email":{"new_idea":"instant"}}`
			if u == nora {
				body = `{"language":"nl","email":{"new_idea":"instant"}}`
			}
			apiJSON[preferencesJSON](t, apiCall(c, http.MethodPatch, "/me/preferences", body), http.StatusOK)
			apiJSON[map[string]bool](t, apiCall(c, http.MethodPut, "/categories/problems/subscription", `{"subscribed":true}`), http.StatusOK)
		}
		apiIdea(t, apiCall(bearerClient(t, srv, anna), http.MethodPost, "/ideas", `{"title":"A bell that rings","category":"problems"}`), http.StatusCreated)

		if got := sink.Wait(t, "nora@example.com", 1, 20*time.Second)[0].Subject; got != "Nieuw idee in Problemen: “A bell that rings”" {
			t.Errorf("Nora's subject %q", got)
		}
		if got := sink.Wait(t, "bart@example.com", 1, 20*time.Second)[0].Subject; got != "New idea in Problems: “A bell that rings”" {
			t.Errorf("Bart's subject %q", got)
		}
		const item = `li.notification[data-kind="new_idea"] a.notification-link`
		wantText(t, srv.SignedIn(nora).Get("/me/notifications"), item, "Nieuw idee in Problemen: “A bell that rings”")
		wantText(t, srv.SignedIn(bart).Get("/me/notifications"), item, "New idea in Problems: “A bell that rings”")
	})
}
