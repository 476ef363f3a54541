package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// mailLog follows what a real SMTP sink received, one step of a test at a
// time.
type mailLog struct {
	srv  *apptest.Server
	sink *modelstest.SMTPSink
	seen int
}

// expect waits for the emails of one step, each "address: subject", then
// until the mail job has settled every notification (no event waits for
// its fan-out, no notification for its email), and checks that exactly
// those came: nothing missing, nothing more, nothing twice.
func (l *mailLog) expect(t *testing.T, step string, want ...string) []modelstest.Mail {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(l.sink.Messages())-l.seen < len(want) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d emails within 30 s, want %v; got %v; email jobs not completed: %v", step, len(l.sink.Messages())-l.seen,
				want, recipientsOf(l.sink.Messages()[l.seen:]), openMailJobs(t, l.srv))
		}
		time.Sleep(20 * time.Millisecond)
	}
	mailSettled(t, l.srv)
	got := l.sink.Messages()[l.seen:]
	l.seen += len(got)
	lines := make([]string, len(got))
	for i, m := range got {
		if len(m.To) != 1 {
			t.Fatalf("%s: an email to %v; each goes to one member", step, m.To)
		}
		lines[i] = m.To[0] + ": " + m.Subject
	}
	slices.Sort(lines)
	slices.Sort(want)
	if !slices.Equal(lines, want) {
		t.Fatalf("%s:\n got  %q\n want %q", step, lines, want)
	}
	return got
}

// openMailJobs lists the email jobs that have not completed, for a
// failure's message.
func openMailJobs(t *testing.T, srv *apptest.Server) []string {
	t.Helper()
	rows, err := srv.Store.DB().Query(`SELECT id, kind, state, attempt FROM river_job
		WHERE kind IN ('notify_fanout', 'notify_email', 'notify_email_again') AND state <> 'completed' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id int64
		var kind, state string
		var attempt int
		if err := rows.Scan(&id, &kind, &state, &attempt); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %s, attempt %d", kind, id, state, attempt))
	}
	return out
}

// mailSettled waits until every event is fanned out and every notification
// emailed, or left out because it need not or may not go.
func mailSettled(t *testing.T, srv *apptest.Server) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var events, unemailed int
		err := srv.Store.DB().QueryRow(`SELECT (SELECT COUNT(*) FROM events WHERE fanned_out_at IS NULL),
			(SELECT COUNT(*) FROM notifications WHERE emailed_at IS NULL)`).Scan(&events, &unemailed)
		if err != nil {
			t.Fatal(err)
		}
		if events == 0 && unemailed == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, %d events wait for their fan-out and %d notifications for their email", events, unemailed)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestWhoHearsWhatByEmail: every member wants every kind of email at once;
// each kind of event, caused through the API, reaches over SMTP exactly
// the members who may hear of it, and nobody else: not the actor, not who
// unfollowed or unsubscribed (by the email's link or in the preferences),
// nobody of a hidden idea or of an internal note, nobody uninvolved.
func TestWhoHearsWhatByEmail(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv, sink := mailServer(t, dialect, "0s")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		cato := srv.User("Cato", "cato@example.com", models.RoleMember)
		dirk := srv.User("Dirk", "dirk@example.com", models.RoleMember)
		eva := srv.User("Eva", "eva@example.com", models.RoleMember)
		otto := srv.User("Otto", "otto@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		tim := srv.User("Tim", "tim@example.com", models.RoleTeam)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		body := func(v any) string {
			b, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		}
		as := map[*models.User]*apptest.Client{}
		instant := map[string]string{}
		for _, kind := range models.NotificationKinds {
			instant[kind] = models.MailInstant
		}
		for _, u := range []*models.User{anna, bram, cato, dirk, eva, otto, tess, tim, mo} {
			as[u] = bearerClient(t, srv, u)
			got := apiJSON[preferencesJSON](t, apiCall(as[u], http.MethodPatch, "/me/preferences", body(map[string]any{"email": instant})), http.StatusOK)
			for _, kind := range models.NotificationKinds {
				if got.Email[kind] != models.MailInstant {
					t.Fatalf("%s's %s email is %q", u.Name, kind, got.Email[kind])
				}
			}
		}
		log := &mailLog{srv: srv, sink: sink}
		call := func(u *models.User, method, path, body string, status int) map[string]any {
			t.Helper()
			return apiJSON[map[string]any](t, apiCall(as[u], method, path, body), status)
		}
		id := func(v map[string]any) string { return itoa(int64(v["id"].(float64))) }

		// Eva follows the Features category: a new idea there tells her, not
		// its author.
		cats := apiJSON[struct {
			Categories []struct{ Slug, Name string }
		}](t, apiCall(as[eva], http.MethodGet, "/categories", ""), http.StatusOK).Categories
		if len(cats) == 0 {
			t.Fatal("no categories")
		}
		cat := cats[0]
		call(eva, http.MethodPut, "/categories/"+cat.Slug+"/subscription", `{"subscribed":true}`, http.StatusOK)
		const title = "Swappable battery"
		ideaID := id(call(anna, http.MethodPost, "/ideas", body(map[string]string{"title": title, "body": "For long rides.", "category": cat.Slug}), http.StatusCreated))
		idea := "/ideas/" + ideaID
		log.expect(t, "new idea", "eva@example.com: New idea in "+cat.Name+": “"+title+"”")

		// Bram votes and Cato comments: both follow the idea now, and a
		// member's comment tells nobody.
		call(bram, http.MethodPost, idea+"/vote", "", http.StatusOK)
		catoSays := id(call(cato, http.MethodPost, idea+"/comments", `{"body":"Yes, for touring."}`, http.StatusCreated))
		log.expect(t, "a vote and a member's comment")

		// Dirk replies to Cato and mentions Anna, then unfollows the idea.
		dirkSays := id(call(dirk, http.MethodPost, idea+"/comments", `{"body":"@Anna what about the weight?","parent_id":`+catoSays+`}`, http.StatusCreated))
		log.expect(t, "reply and mention",
			"cato@example.com: “"+title+"”: a reply to your comment",
			"anna@example.com: “"+title+"”: you were mentioned")
		call(dirk, http.MethodPut, idea+"/subscription", `{"subscribed":false}`, http.StatusOK)

		// The team's status change: every follower but the actor.
		call(tess, http.MethodPut, idea+"/status", `{"status":"planned","note":"On the list for spring."}`, http.StatusOK)
		planned := log.expect(t, "status change",
			"anna@example.com: “"+title+"”: moved to Planned",
			"bram@example.com: “"+title+"”: moved to Planned",
			"cato@example.com: “"+title+"”: moved to Planned")

		// Bram unsubscribes with his email's one-click link, Cato turns the
		// team's answers off in the preferences.
		var link string
		for _, m := range planned {
			if m.To[0] == "bram@example.com" {
				link = strings.Trim(m.Header.Get("List-Unsubscribe"), "<>")
			}
		}
		req := httptest.NewRequest(http.MethodPost, strings.TrimPrefix(link, srv.URL), strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		wantStatus(t, srv.Client().Do(req), http.StatusOK)
		call(cato, http.MethodPatch, "/me/preferences", `{"email":{"team_answer":"off"}}`, http.StatusOK)
		call(tess, http.MethodPut, idea+"/status", `{"status":"in-progress","note":""}`, http.StatusOK)
		log.expect(t, "status change after unsubscribing",
			"anna@example.com: “"+title+"”: moved to In progress",
			"cato@example.com: “"+title+"”: moved to In progress")
		call(tess, http.MethodPost, idea+"/comments", `{"body":"We are testing two sizes."}`, http.StatusCreated)
		log.expect(t, "team answer",
			"anna@example.com: “"+title+"”: the team answered",
			"bram@example.com: “"+title+"”: the team answered")

		// An internal note tells the members nothing, not even one it names;
		// a teammate it names hears of it, without its words.
		const secret = "Cost estimate: too high"
		call(tess, http.MethodPost, idea+"/comments", body(map[string]any{"body": "@Tim @Anna " + secret, "internal": true}), http.StatusCreated)
		log.expect(t, "internal note", "tim@example.com: “"+title+"”: you were mentioned")

		// Bram reports Dirk's comment and a moderator hides it: the reporter
		// hears the outcome, the writer why.
		call(bram, http.MethodPost, "/reports", `{"target":"comment","id":`+dirkSays+`,"reason":"off-topic"}`, http.StatusCreated)
		wantStatus(t, apiCall(as[mo], http.MethodPost, "/mod/queue/comment/"+dirkSays, `{"action":"hide","reason":"Off-topic here."}`), http.StatusNoContent)
		log.expect(t, "report decided",
			"bram@example.com: Your report on “"+title+"” was reviewed",
			"dirk@example.com: “"+title+"”: a moderator hid what you wrote")

		// A duplicate, followed by its author and Dirk, is merged: the
		// followers of both ideas hear, the moderator does not.
		const dupTitle = "Second battery"
		dup := "/ideas/" + id(call(cato, http.MethodPost, "/ideas", body(map[string]string{"title": dupTitle, "body": "Same.", "category": cat.Slug}), http.StatusCreated))
		log.expect(t, "another new idea", "eva@example.com: New idea in "+cat.Name+": “"+dupTitle+"”")
		call(dirk, http.MethodPost, dup+"/vote", "", http.StatusOK)
		call(mo, http.MethodPost, dup+"/merge", `{"into":`+ideaID+`}`, http.StatusOK)
		merged := "“" + dupTitle + "”: merged into “" + title + "”"
		log.expect(t, "merge",
			"anna@example.com: "+merged, "bram@example.com: "+merged, "cato@example.com: "+merged,
			"dirk@example.com: "+merged, "tess@example.com: "+merged)

		// The changelog ships the idea: its followers hear of the entry, and
		// not of a status change besides; Bram unsubscribed from status
		// changes alone.
		call(tess, http.MethodPost, "/changelog", `{"title":"Batteries you swap","body":"Out now.","ideas":[`+ideaID+`],"publish":true,"ship":true}`, http.StatusCreated)
		shipped := "“" + title + "”: shipped in “Batteries you swap”"
		log.expect(t, "changelog", "anna@example.com: "+shipped, "bram@example.com: "+shipped, "cato@example.com: "+shipped)

		// A moderator hides the idea: its author hears why, and then nobody
		// hears of it any more.
		call(mo, http.MethodPatch, idea+"/moderation", `{"hidden":true,"reason":"Spam after all."}`, http.StatusOK)
		log.expect(t, "idea hidden", "anna@example.com: “"+title+"”: a moderator hid what you wrote")
		call(tess, http.MethodPut, idea+"/status", `{"status":"open","note":"Reopened."}`, http.StatusOK)
		log.expect(t, "status change of a hidden idea")

		all := sink.Messages()
		for _, m := range all {
			if strings.Contains(m.Text+m.HTML, secret) {
				t.Errorf("the internal note's words went to %v", m.To)
			}
		}
		if got := sink.To("otto@example.com"); len(got) != 0 {
			t.Errorf("Otto, who follows nothing, got %v", subjects(got))
		}
		for _, u := range []*models.User{tess, mo} {
			// Neither hears of their own actions: Tess only of the merge, Mo of nothing.
			if got := sink.To(*u.Email); len(got) > 1 || (u == mo && len(got) != 0) {
				t.Errorf("%s got %v", u.Name, subjects(got))
			}
		}
		// Otto's inbox is empty; Eva's holds her two new ideas, no one else's.
		inbox := func(u *models.User) []string {
			got := apiJSON[struct {
				Notifications []struct{ Kind string } `json:"notifications"`
			}](t, apiCall(as[u], http.MethodGet, "/notifications", ""), http.StatusOK)
			kinds := make([]string, len(got.Notifications))
			for i, n := range got.Notifications {
				kinds[i] = n.Kind
			}
			return kinds
		}
		if got := inbox(otto); len(got) != 0 {
			t.Errorf("Otto's inbox: %v", got)
		}
		if got := inbox(eva); !slices.Equal(got, []string{models.NotifyNewIdea, models.NotifyNewIdea}) {
			t.Errorf("Eva's inbox: %v", got)
		}
	})
}
