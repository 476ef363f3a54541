package models_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"samen/models"
	"samen/models/modelstest"
)

// mailStore opens a store that mails to a real SMTP sink, with jobs running.
func mailStore(t *testing.T, dialect string, delay time.Duration) (*models.Store, *modelstest.SMTPSink) {
	t.Helper()
	sink := modelstest.NewSMTPSink(t)
	s := modelstest.OpenWith(t, dialect, models.Options{SMTPURL: sink.URL, MailFrom: "ideas@example.com",
		BaseURL: "https://ideas.example.com", MailDelay: delay, JobPollInterval: 20 * time.Millisecond, Brand: "Bikes"})
	ctx := context.Background()
	if err := s.StartJobs(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.StopJobs(stop)
	})
	return s, sink
}

func mailDialects(t *testing.T, f func(t *testing.T, dialect string)) {
	for _, d := range []string{models.SQLite, models.Postgres} {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}

func mailMember(t *testing.T, s *models.Store, name, email string, role models.Role) *models.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), models.NewUser{Name: name, Email: email, EmailVerified: true, Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// waitEmailed waits until the mail job has settled every notification of
// the member: emailed, or left out because it cannot or need not go. The
// job runs in the background, later on a loaded machine.
func waitEmailed(t *testing.T, s *models.Store, userID int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := s.Unemailed(context.Background(), userID)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d notifications still wait for an email after 20 s", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestMailGathersAnIdeasUpdatesIntoOneEmail(t *testing.T) {
	mailDialects(t, func(t *testing.T, dialect string) {
		s, sink := mailStore(t, dialect, 1500*time.Millisecond)
		ctx := context.Background()
		anna := mailMember(t, s, "Anna", "anna@example.com", models.RoleMember)
		bart := mailMember(t, s, "Bart", "bart@example.com", models.RoleMember)
		tim := mailMember(t, s, "Tim", "tim@example.com", models.RoleTeam)
		dutch := "nl"
		if _, err := s.UpdatePreferences(ctx, bart.ID, models.PreferencesChange{Language: &dutch}); err != nil {
			t.Fatal(err)
		}
		// Each update says when it happened, in the member's language.
		days := []time.Time{s.Now().UTC()}
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "Brighter <b>lights</b>", Body: "Please."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, idea.ID, tim, "planned", "We *will* do this & more."); err != nil {
			t.Fatal(err)
		}
		secret, err := s.CreateComment(ctx, idea.ID, tim, models.NewComment{Body: "Internal: costs a fortune", Internal: true})
		if err != nil {
			t.Fatal(err)
		}
		reply, err := s.CreateComment(ctx, idea.ID, bart, models.NewComment{Body: "Yes, **please**"})
		if err != nil {
			t.Fatal(err)
		}
		at := func(n models.Notification) models.Notification {
			n.IdeaID, n.UserID = &idea.ID, anna.ID
			return n
		}
		// Three updates for Anna on one idea within the delay (the status
		// change's own, and two written here: a mention in an internal note,
		// which the fan-out would never send her, shows the email never quotes
		// one), and one for Bart.
		for _, n := range []models.Notification{
			at(models.Notification{Kind: models.NotifyMention, ActorID: &tim.ID, CommentID: &secret.ID}),
			at(models.Notification{Kind: models.NotifyReply, ActorID: &bart.ID, CommentID: &reply.ID}),
		} {
			if _, err := s.NotifyForTest(ctx, n); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.NotifyForTest(ctx, models.Notification{Kind: models.NotifyMention, UserID: bart.ID, IdeaID: &idea.ID, ActorID: &anna.ID}); err != nil {
			t.Fatal(err)
		}
		sink.Wait(t, "anna@example.com", 1, 15*time.Second)
		sink.Wait(t, "bart@example.com", 1, 15*time.Second)
		time.Sleep(2 * time.Second) // nothing more comes
		got := sink.To("anna@example.com")
		if len(got) != 1 {
			t.Fatalf("Anna got %d emails, want 1", len(got))
		}
		m := got[0]
		if m.ContentType != "multipart/alternative" || m.Text == "" || m.HTML == "" {
			t.Fatalf("want multipart/alternative with text and HTML, got %q (text %d, html %d bytes)", m.ContentType, len(m.Text), len(m.HTML))
		}
		if m.Subject != "“Brighter <b>lights</b>”: 3 updates" {
			t.Errorf("subject %q", m.Subject)
		}
		for _, want := range []string{"Tim moved “Brighter <b>lights</b>” to Planned", "We will do this & more.",
			"Bart replied to your comment", "Yes, please", "https://ideas.example.com/ideas/"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, m.Text)
			}
		}
		if strings.Contains(m.Text+m.HTML, "costs a fortune") {
			t.Errorf("an internal note went out by email:\n%s", m.Text)
		}
		if strings.Contains(m.HTML, "<b>lights</b>") || !strings.Contains(m.HTML, "&lt;b&gt;lights&lt;/b&gt;") {
			t.Errorf("the HTML part does not escape the title:\n%s", m.HTML)
		}
		unsub := m.Header.Get("List-Unsubscribe")
		if !strings.HasPrefix(unsub, "<https://ideas.example.com/unsubscribe/") || m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Errorf("List-Unsubscribe %q, -Post %q", unsub, m.Header.Get("List-Unsubscribe-Post"))
		}
		days = append(days, s.Now().UTC())
		saysDay := func(text, layout string, months map[time.Month]string) bool {
			for _, d := range days {
				day := d.Format(layout)
				if months != nil {
					day = strings.Replace(day, d.Month().String(), months[d.Month()], 1)
				}
				if strings.Contains(text, "("+day+", ") && strings.Contains(text, " UTC)") {
					return true
				}
			}
			return false
		}
		if !saysDay(m.Text, "January 2, 2006", nil) || !strings.Contains(m.HTML, `class="when"`) {
			t.Errorf("Anna's email does not say when in English:\n%s", m.Text)
		}
		dutchMonths := map[time.Month]string{time.January: "januari", time.February: "februari", time.March: "maart", time.April: "april",
			time.May: "mei", time.June: "juni", time.July: "juli", time.August: "augustus", time.September: "september",
			time.October: "oktober", time.November: "november", time.December: "december"}
		for _, b := range sink.To("bart@example.com") {
			if strings.Contains(b.Text, "Bart replied") || strings.Contains(b.Text, "We will do this") {
				t.Errorf("Bart got Anna's updates:\n%s", b.Text)
			}
			if !saysDay(b.Text, "2 January 2006", dutchMonths) {
				t.Errorf("Bart's email does not say when in Dutch:\n%s", b.Text)
			}
		}
		if n, err := s.Unemailed(ctx, anna.ID); err != nil || n != 0 {
			t.Errorf("Anna has %d notifications not emailed (%v), want 0", n, err)
		}
		if st := s.MailStats(); st.Sent != 2 {
			t.Errorf("stats %+v, want 2 sent", st)
		}
	})
}

func TestMailModesAndDigest(t *testing.T) {
	mailDialects(t, func(t *testing.T, dialect string) {
		s, sink := mailStore(t, dialect, 0)
		ctx := context.Background()
		anna := mailMember(t, s, "Anna", "anna@example.com", models.RoleMember)
		bart := mailMember(t, s, "Bart", "bart@example.com", models.RoleMember)
		tim := mailMember(t, s, "Tim", "tim@example.com", models.RoleTeam)
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "Mudguards", Body: "Longer ones."})
		if err != nil {
			t.Fatal(err)
		}
		nl := "nl"
		if _, err := s.UpdatePreferences(ctx, bart.ID, models.PreferencesChange{Language: &nl}); err != nil {
			t.Fatal(err)
		}
		// Bart only follows the idea: its status change waits for his digest;
		// the team's answer is off for Anna.
		if _, err := s.UpdatePreferences(ctx, anna.ID, models.PreferencesChange{Email: map[string]string{models.NotifyTeamAnswer: models.MailOff}}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.NotifyForTest(ctx,
			models.Notification{Kind: models.NotifyStatusChanged, UserID: bart.ID, IdeaID: &idea.ID, ActorID: &tim.ID, Detail: "planned"},
			models.Notification{Kind: models.NotifyTeamAnswer, UserID: anna.ID, IdeaID: &idea.ID, ActorID: &tim.ID},
			models.Notification{Kind: models.NotifyTeamAnswer, UserID: bart.ID, IdeaID: &idea.ID, ActorID: &tim.ID},
		); err != nil {
			t.Fatal(err)
		}
		if n, _ := s.Unemailed(ctx, anna.ID); n != 0 {
			t.Errorf("Anna's answer set to off is waiting for email (%d)", n)
		}
		if err := s.CheckMail(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		if got := sink.Messages(); len(got) != 0 {
			t.Fatalf("sent %d emails before any is due: %q", len(got), got[0].Subject)
		}
		// A day later the check sends Bart one digest, in Dutch.
		start := s.Now()
		s.SetClock(func() time.Time { return start.Add(25 * time.Hour) })
		if err := s.CheckMail(ctx); err != nil {
			t.Fatal(err)
		}
		m := sink.Wait(t, "bart@example.com", 1, 15*time.Second)[0]
		if m.Subject != "Bikes: 2 nieuwtjes sinds je vorige overzicht" {
			t.Errorf("digest subject %q", m.Subject)
		}
		if !strings.Contains(m.Text, "Tim heeft “Mudguards” verplaatst naar Gepland") && !strings.Contains(m.Text, "Gepland") {
			t.Errorf("digest is not in Dutch:\n%s", m.Text)
		}
		if err := s.CheckMail(ctx); err != nil {
			t.Fatal(err)
		}
		time.Sleep(500 * time.Millisecond)
		if got := sink.Messages(); len(got) != 1 {
			t.Fatalf("sent %d emails, want the one digest", len(got))
		}
		waitEmailed(t, s, bart.ID)
	})
}

func TestMailSkipsMembersItCannotReach(t *testing.T) {
	mailDialects(t, func(t *testing.T, dialect string) {
		s, sink := mailStore(t, dialect, 0)
		ctx := context.Background()
		anna := mailMember(t, s, "Anna", "anna@example.com", models.RoleMember)
		ada := mailMember(t, s, "Ada", "ada@example.com", models.RoleAdmin)
		unverified, err := s.CreateUser(ctx, models.NewUser{Name: "Uma", Email: "uma@example.com", Role: models.RoleMember})
		if err != nil {
			t.Fatal(err)
		}
		banned := mailMember(t, s, "Ben", "ben@example.com", models.RoleMember)
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "Louder bells", Body: "Louder please."})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Sanction(ctx, ada, banned.ID, models.Sanction{Action: models.DecideBan, Reason: "spam"}); err != nil {
			t.Fatal(err)
		}
		var notifs []models.Notification
		for _, u := range []*models.User{unverified, banned, anna} {
			notifs = append(notifs, models.Notification{Kind: models.NotifyMention, UserID: u.ID, IdeaID: &idea.ID, ActorID: &ada.ID})
		}
		if _, err := s.NotifyForTest(ctx, notifs...); err != nil {
			t.Fatal(err)
		}
		sink.Wait(t, "anna@example.com", 1, 15*time.Second)
		time.Sleep(500 * time.Millisecond)
		if got := sink.Messages(); len(got) != 1 {
			t.Fatalf("sent %d emails, want Anna's alone", len(got))
		}
		for _, u := range []*models.User{unverified, banned} {
			waitEmailed(t, s, u.ID)
		}
		if got := sink.Messages(); len(got) != 1 {
			t.Fatalf("sent %d emails, want Anna's alone", len(got))
		}
	})
}

func TestMailLeavesOutWhatWasReadMeanwhile(t *testing.T) {
	mailDialects(t, func(t *testing.T, dialect string) {
		s, sink := mailStore(t, dialect, time.Second)
		ctx := context.Background()
		anna := mailMember(t, s, "Anna", "anna@example.com", models.RoleMember)
		bart := mailMember(t, s, "Bart", "bart@example.com", models.RoleMember)
		idea, err := s.CreateIdea(ctx, anna, models.NewIdea{Title: "Louder bells", Body: "Louder please."})
		if err != nil {
			t.Fatal(err)
		}
		read, err := s.NotifyForTest(ctx, models.Notification{Kind: models.NotifyMention, UserID: anna.ID, IdeaID: &idea.ID, ActorID: &bart.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.MarkRead(ctx, anna.ID, []int64{read[0].ID}, false); err != nil {
			t.Fatal(err)
		}
		// The mail job runs a second after the notification; under load it
		// may run later, so wait for it to settle the notification, then
		// check that it settled it without an email.
		waitEmailed(t, s, anna.ID)
		time.Sleep(300 * time.Millisecond)
		if got := sink.Messages(); len(got) != 0 {
			t.Fatalf("sent %q, about a notification read before its email went", got[0].Subject)
		}
	})
}

// TestMailKeepsItsConnectionOpen: messages sent one after another share one
// SMTP connection; when the server has hung up meanwhile, the next message
// goes over a new one, once.
func TestMailKeepsItsConnectionOpen(t *testing.T) {
	mailDialects(t, func(t *testing.T, dialect string) {
		s, sink := mailStore(t, dialect, 0)
		ctx := context.Background()
		send := func(to string) {
			t.Helper()
			if err := s.SendForTest(ctx, models.Email{To: to, Subject: "Hello " + to, Text: "Hello."}); err != nil {
				t.Fatal(err)
			}
		}
		for _, to := range []string{"anna@example.com", "bart@example.com", "cato@example.com"} {
			send(to)
		}
		if n := sink.Connections(); n != 1 {
			t.Fatalf("3 messages in a row took %d connections, want 1", n)
		}
		sink.Hangup()
		send("dirk@example.com")
		send("eva@example.com")
		if n := sink.Connections(); n != 2 {
			t.Fatalf("after the server hung up, %d connections in all, want 2", n)
		}
		for _, to := range []string{"anna@example.com", "bart@example.com", "cato@example.com", "dirk@example.com", "eva@example.com"} {
			if got := sink.To(to); len(got) != 1 || got[0].Subject != "Hello "+to {
				t.Errorf("%s received %d messages: %v", to, len(got), got)
			}
		}
	})
}
