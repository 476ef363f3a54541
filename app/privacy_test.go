package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"samen/app/apptest"
	"samen/models"
)

// exportJSON is the part of an export the tests read.
type exportJSON struct {
	Profile struct {
		ID    int64  `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email"`
	} `json:"profile"`
	Preferences map[string]any   `json:"preferences"`
	Identities  []map[string]any `json:"identities"`
	Sessions    []map[string]any `json:"sessions"`
	APITokens   []map[string]any `json:"api_tokens"`
	Ideas       []struct {
		ID   int64  `json:"id"`
		Body string `json:"body"`
	} `json:"ideas"`
	Comments []exportComment `json:"comments"`
	Votes    []struct {
		Idea struct {
			ID int64 `json:"id"`
		} `json:"idea"`
	} `json:"votes"`
	Reports []struct {
		ID int64 `json:"id"`
	} `json:"reports"`
	Subscriptions struct {
		Ideas []struct {
			Idea struct {
				ID int64 `json:"id"`
			} `json:"idea"`
		} `json:"ideas"`
		Categories []struct {
			Category string `json:"category"`
		} `json:"categories"`
	} `json:"subscriptions"`
	Notifications []struct {
		ID int64 `json:"id"`
	} `json:"notifications"`
}

type exportComment struct {
	ID       int64 `json:"id"`
	Internal bool  `json:"internal"`
	Idea     struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	} `json:"idea"`
}

// activity is what one member did in a privacy test, to find it again.
type activity struct {
	user          *models.User
	idea          *models.Idea
	comments      []int64
	votedOn       int64
	report        int64
	notification  int64
	category      string
	reportNote    string
	commentBodies []string
}

// takePart makes u propose an idea, comment on it and on other's idea, vote
// for other's idea, report other's idea, follow a category and receive a
// notification from actor.
func takePart(t *testing.T, srv *apptest.Server, u *models.User, other *models.Idea, actor *models.User, category string) *activity {
	t.Helper()
	ctx := context.Background()
	a := &activity{user: u, category: category, reportNote: u.Name + " reports a private note"}
	a.idea = mustIdea(t, srv, u, u.Name+"'s own idea about lights")
	for _, body := range []string{u.Name + " adds detail to their own idea", u.Name + " comments on another idea"} {
		on := a.idea.ID
		if strings.Contains(body, "another") {
			on = other.ID
		}
		a.comments = append(a.comments, mustComment(t, srv, on, u, body).ID)
		a.commentBodies = append(a.commentBodies, body)
	}
	if _, _, err := srv.Store.Vote(ctx, other.ID, u.ID); err != nil {
		t.Fatal(err)
	}
	a.votedOn = other.ID
	rep, err := srv.Store.CreateReport(ctx, u, models.NewReport{Target: models.TargetIdea, ID: other.ID, Reason: models.ReportOther, Note: a.reportNote})
	if err != nil {
		t.Fatal(err)
	}
	a.report = rep.ID
	if err := srv.Store.FollowCategory(ctx, category, u.ID, true); err != nil {
		t.Fatal(err)
	}
	a.notification = mustNotify(t, srv, notifyRow{user: u, kind: models.NotifyStatusChanged, idea: &a.idea.ID, actor: actor, detail: "planned"})
	return a
}

// TestExportHoldsAllOfMineAndNothingOfOthers: a member's export holds every
// idea, comment, vote, report, subscription and notification of theirs, no
// secret, and nothing of another member who did the same things.
func TestExportHoldsAllOfMineAndNothingOfOthers(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		for _, slug := range []string{"bikes", "parking"} {
			if _, err := srv.Store.SaveCategory(ctx, 0, models.CategoryInput{Name: strings.ToUpper(slug[:1]) + slug[1:], Slug: slug}); err != nil {
				t.Fatal(err)
			}
		}
		anna := srv.User("Anna Exporter", "anna.exporter@example.com", models.RoleMember)
		otto := srv.User("Otto Otherson", "otto.otherson@example.com", models.RoleMember)
		tess := srv.User("Tess Team", "tess@example.com", models.RoleTeam)
		base := mustIdea(t, srv, tess, "A shared idea everyone talks about")
		note, err := srv.Store.CreateComment(ctx, base.ID, tess, models.NewComment{Body: "Internal: this one is cheap to build", Internal: true})
		if err != nil {
			t.Fatal(err)
		}
		mine := takePart(t, srv, anna, base, otto, "bikes")
		theirs := takePart(t, srv, otto, mine.idea, anna, "parking")
		// Otto's comment on Anna's idea, and a vote: about her idea, not hers.
		if _, _, err := srv.Store.Vote(ctx, mine.idea.ID, otto.ID); err != nil {
			t.Fatal(err)
		}
		secret, _, err := srv.Store.CreateAPIToken(ctx, anna.ID, models.NewAPIToken{Name: "my export script"})
		if err != nil {
			t.Fatal(err)
		}
		bearer := srv.Client()
		bearer.Header.Set("Authorization", "Bearer "+secret)

		req := httptest.NewRequest(http.MethodGet, "/api/v1/me/export", nil)
		req.Header.Set("Accept", "application/json")
		r := bearer.Do(req)
		out := apiJSON[exportJSON](t, r, http.StatusOK)
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("Content-Disposition %q", cd)
		}
		if out.Profile.ID != anna.ID || out.Profile.Email != "anna.exporter@example.com" || out.Profile.Name != anna.Name {
			t.Fatalf("profile %+v", out.Profile)
		}
		for _, key := range []string{"auto_subscribe", "email_digest", "email_prefs", "show_votes", "language"} {
			if _, ok := out.Preferences[key]; !ok {
				t.Errorf("preferences lack %q: %v", key, out.Preferences)
			}
		}
		if len(out.APITokens) != 1 || out.APITokens[0]["name"] != "my export script" {
			t.Errorf("api tokens %v", out.APITokens)
		}

		// Everything of hers.
		if len(out.Ideas) != 1 || out.Ideas[0].ID != mine.idea.ID || out.Ideas[0].Body == "" {
			t.Errorf("ideas %+v, want only %d with its body", out.Ideas, mine.idea.ID)
		}
		var comments []int64
		for _, c := range out.Comments {
			comments = append(comments, c.ID)
			if c.Idea.ID == 0 || c.Idea.Title == "" {
				t.Errorf("comment %d names no idea: %+v", c.ID, c.Idea)
			}
		}
		if !slices.Equal(comments, mine.comments) {
			t.Errorf("comments %v, want %v", comments, mine.comments)
		}
		var voted []int64
		for _, v := range out.Votes {
			voted = append(voted, v.Idea.ID)
		}
		slices.Sort(voted)
		// Her vote on the shared idea, and the one proposing her own cast.
		if want := []int64{base.ID, mine.idea.ID}; !slices.Equal(voted, want) || mine.votedOn != base.ID {
			t.Errorf("votes on %v, want %v", voted, want)
		}
		if len(out.Reports) != 1 || out.Reports[0].ID != mine.report {
			t.Errorf("reports %+v, want %d", out.Reports, mine.report)
		}
		var followed []int64
		for _, s := range out.Subscriptions.Ideas {
			followed = append(followed, s.Idea.ID)
		}
		if !slices.Contains(followed, mine.idea.ID) || !slices.Contains(followed, base.ID) {
			t.Errorf("followed ideas %v, want %d and %d", followed, mine.idea.ID, base.ID)
		}
		if len(out.Subscriptions.Categories) != 1 || out.Subscriptions.Categories[0].Category != "bikes" {
			t.Errorf("followed categories %+v", out.Subscriptions.Categories)
		}
		if len(out.Notifications) != 1 || out.Notifications[0].ID != mine.notification {
			t.Errorf("notifications %+v, want %d", out.Notifications, mine.notification)
		}

		// Nothing of Otto's, and no secret.
		body := strings.ToLower(string(r.Body))
		forbidden := []string{strings.ToLower(otto.Name), "otto.otherson", "otherson", strings.ToLower(theirs.reportNote),
			strings.ToLower(theirs.idea.Title), "parking", secret, "token_hash", "tokenhash", "subject-"}
		for _, b := range theirs.commentBodies {
			forbidden = append(forbidden, strings.ToLower(b))
		}
		for _, f := range forbidden {
			if strings.Contains(body, strings.ToLower(f)) {
				t.Errorf("the export holds %q, which is not hers", f)
			}
		}
		for _, id := range theirs.comments {
			if slices.Contains(comments, id) {
				t.Errorf("the export holds Otto's comment %d", id)
			}
		}

		if strings.Contains(body, "cheap to build") {
			t.Error("a member's export holds the team's internal note")
		}
		// The team's own internal notes are in their export.
		r = srv.SignedIn(tess).Get("/me/export")
		team := apiJSON[exportJSON](t, r, http.StatusOK)
		if !slices.ContainsFunc(team.Comments, func(c exportComment) bool { return c.ID == note.ID && c.Internal }) {
			t.Errorf("the team member's export lacks their internal note %d: %+v", note.ID, team.Comments)
		}

		// The page offers it too, to the member signed in, as a download.
		page := srv.SignedIn(anna)
		wantCount(t, page.Get("/me"), `a.export-data[href="/me/export"]`, 1)
		r = page.Get("/me/export")
		wantStatus(t, r, http.StatusOK)
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") {
			t.Fatalf("page export Content-Disposition %q", cd)
		}
	})
}

// TestDeletingAnAccountLeavesNoTrace: DELETE /api/v1/me with the member's
// token ends that token and the member's session in the same request; their
// ideas, comments and votes stay as a deleted member's, and their email and
// name appear nowhere: not in pages, API answers, feeds, nor any text column
// of any table.
func TestDeletingAnAccountLeavesNoTrace(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		const email, name = "gone.member@example.com", "Gwendolyn Gone"
		admin := srv.User("Ada Admin", "ada@example.com", models.RoleAdmin)
		mod := srv.User("Mo Moderator", "mo@example.com", models.RoleModerator)
		otto := srv.User("Otto Stays", "otto@example.com", models.RoleMember)
		gone := srv.User(name, email, models.RoleMember)
		if _, err := srv.Store.SaveSettings(ctx, admin, models.DefaultSettings.Form(), true); err != nil {
			t.Fatal(err)
		}
		if _, err := srv.Store.SaveCategory(ctx, 0, models.CategoryInput{Name: "Bikes", Slug: "bikes"}); err != nil {
			t.Fatal(err)
		}
		if err := srv.Store.FollowCategory(ctx, "bikes", gone.ID, true); err != nil {
			t.Fatal(err)
		}
		ottoIdea := mustIdea(t, srv, otto, "Otto wants brighter lights")
		goneIdea := mustIdea(t, srv, gone, "Gwendolyn asks for wider racks")
		goneComment := mustComment(t, srv, ottoIdea.ID, gone, "I agree, lights matter")
		hidden := mustComment(t, srv, ottoIdea.ID, gone, "A comment a moderator hides")
		if _, _, err := srv.Store.Vote(ctx, ottoIdea.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		// A private audit reason that names her, and a sign-in link for her email.
		if _, err := srv.Store.ModerateComment(ctx, hidden.ID, mod, true, "Hidden: "+name+" <"+email+"> asked for it", models.PublicReason{Category: models.ReasonOther}); err != nil {
			t.Fatal(err)
		}
		visitor := srv.Client()
		visitor.Get("/login")
		wantStatus(t, visitor.PostForm("/auth/email", url.Values{"email": {email}}), http.StatusOK)
		if countRows(t, srv, "login_tokens") == 0 {
			t.Fatal("no sign-in link was made for her email")
		}
		// The link's email is sent (a job still running keeps its row a moment longer).
		waitJobs(t, srv, "send_sign_in_link")
		mustNotify(t, srv, notifyRow{user: gone, kind: models.NotifyStatusChanged, idea: &goneIdea.ID, actor: otto, detail: "planned"})
		// A webhook's delivery log holds her as an idea's author.
		now := srv.Store.Now().UTC()
		hook := insertID(t, srv, "INSERT INTO webhooks (url, events, secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
			"https://hooks.example.com/in", ",idea.created,", "whsec_c2VjcmV0", now, now)
		execSQL(t, srv, "INSERT INTO webhook_deliveries (webhook_id, message_id, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
			hook, "msg_1", "idea.created", `{"type":"idea.created","data":{"idea":{"id":1,"author":{"id":4,"name":"`+name+`"}}}}`, now)

		cookie := srv.SignedIn(gone)
		wantStatus(t, cookie.Get("/me"), http.StatusOK)
		bearer := bearerClient(t, srv, gone)
		me := apiCall(bearer, http.MethodGet, "/me", "")
		wantStatus(t, me, http.StatusOK)

		// The planner's statistics are gathered while her address is stored:
		// their samples of indexed values hold it now.
		execSQL(t, srv, "ANALYZE")

		// A wrong confirmation changes nothing.
		wantStatus(t, apiCall(bearer, http.MethodDelete, "/me", `{"confirm":"someone@example.com"}`), http.StatusUnprocessableEntity)
		wantStatus(t, apiCall(bearer, http.MethodGet, "/me", ""), http.StatusOK)

		wantStatus(t, apiCall(bearer, http.MethodDelete, "/me", `{"confirm":"`+strings.ToUpper(email)+`"}`), http.StatusNoContent)
		// The token that asked, and the session of her browser, work no more.
		wantStatus(t, apiCall(bearer, http.MethodGet, "/me", ""), http.StatusUnauthorized)
		r := cookie.Get("/me")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("her old session after the deletion: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}

		// What she wrote stays, counted, as a deleted member's.
		for table, want := range map[string]int{"sessions WHERE user_id = " + fmt.Sprint(gone.ID): 0,
			"api_tokens WHERE user_id = " + fmt.Sprint(gone.ID): 0, "identities WHERE user_id = " + fmt.Sprint(gone.ID): 0,
			"subscriptions WHERE user_id = " + fmt.Sprint(gone.ID): 0, "category_subscriptions WHERE user_id = " + fmt.Sprint(gone.ID): 0,
			"notifications WHERE user_id = " + fmt.Sprint(gone.ID): 0, "login_tokens": 0,
			"votes WHERE user_id = " + fmt.Sprint(gone.ID): 2, "comments WHERE user_id = " + fmt.Sprint(gone.ID): 2,
			"ideas WHERE author_id = " + fmt.Sprint(gone.ID): 1} {
			if got := countRows(t, srv, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		// Replies to what she wrote, after she left, notify nobody.
		mustComment(t, srv, ottoIdea.ID, otto, "Replying after she left")
		if _, err := srv.Store.CreateComment(ctx, ottoIdea.ID, otto, models.NewComment{Body: "A reply to her comment", ParentID: &goneComment.ID}); err != nil {
			t.Fatal(err)
		}
		waitFannedOut(t, srv)
		if n := countRows(t, srv, fmt.Sprintf("notifications WHERE user_id = %d", gone.ID)); n != 0 {
			t.Errorf("the deleted member got %d notifications after leaving", n)
		}
		fresh, err := srv.Store.UserByID(ctx, gone.ID)
		if err != nil || fresh.DeletedAt == nil || fresh.Email != nil || fresh.Name != models.DeletedName {
			t.Fatalf("the user after deletion: %+v %v", fresh, err)
		}
		ideaPage := srv.Client().Get(fmt.Sprintf("/ideas/%d/%s", goneIdea.ID, goneIdea.Slug))
		wantStatus(t, ideaPage, http.StatusOK)
		wantText(t, ideaPage, "h1", goneIdea.Title)

		// Her email appears nowhere: pages, the API and feeds, for a visitor and the staff.
		team := srv.SignedIn(admin)
		paths := []string{"/", "/?sort=new", fmt.Sprintf("/ideas/%d/%s", goneIdea.ID, goneIdea.Slug),
			fmt.Sprintf("/ideas/%d/%s", ottoIdea.ID, ottoIdea.Slug), fmt.Sprintf("/members/%d", gone.ID),
			"/moderation", "/search?q=racks", "/feeds/ideas.atom", fmt.Sprintf("/feeds/ideas/%d.atom", ottoIdea.ID),
			fmt.Sprintf("/feeds/ideas/%d.atom", goneIdea.ID)}
		staffPaths := []string{"/mod/audit", fmt.Sprintf("/mod/members/%d", gone.ID), "/mod"}
		apiPaths := []string{"/ideas", fmt.Sprintf("/ideas/%d", goneIdea.ID), fmt.Sprintf("/ideas/%d/comments", ottoIdea.ID),
			"/mod/audit", fmt.Sprintf("/mod/members/%d", gone.ID)}
		check := func(who string, r *apptest.Response) {
			t.Helper()
			body := strings.ToLower(string(r.Body))
			for _, trace := range []string{email, "gone.member", strings.ToLower(name), "gwendolyn gone"} {
				if strings.Contains(body, trace) {
					t.Errorf("%s %s (%d) shows %q", who, r.Request.URL.Path, r.StatusCode, trace)
				}
			}
		}
		for _, p := range paths {
			check("visitor", srv.Client().Get(p))
			check("admin", team.Get(p))
		}
		for _, p := range staffPaths {
			check("admin", team.Get(p))
		}
		teamAPI := bearerClient(t, srv, admin)
		for _, p := range apiPaths {
			check("admin API", apiCall(teamAPI, http.MethodGet, p, ""))
		}

		// Nor any text column of any table, nor the planner's statistics
		// once gathered anew.
		waitJobs(t, srv, models.ForgetStatisticsArgs{}.Kind())
		for _, trace := range []string{email, name} {
			for _, hit := range scanDatabase(t, srv, trace) {
				t.Errorf("after the deletion %s", hit)
			}
		}

		// Her email makes a new member when used again (here the team records
		// a customer's vote for it): it never leads back to her old content.
		got := apiJSON[map[string]any](t, apiCall(teamAPI, http.MethodPost, fmt.Sprintf("/ideas/%d/votes", goneIdea.ID),
			`{"email":"`+email+`","source":"email"}`), http.StatusOK)
		if got["voted"] != true {
			t.Fatalf("the team's vote for her email: %v", got)
		}
		newcomer, err := srv.Store.UserByEmail(ctx, email)
		if err != nil || newcomer.ID == gone.ID {
			t.Fatalf("the email claimed the deleted account: %+v %v", newcomer, err)
		}
		if n := countRows(t, srv, fmt.Sprintf("ideas WHERE author_id = %d", newcomer.ID)); n != 0 {
			t.Fatalf("the newcomer with her email owns %d of her ideas", n)
		}
	})
}

// waitFannedOut waits until every event has been fanned out into notifications.
func waitFannedOut(t *testing.T, srv *apptest.Server) {
	t.Helper()
	for i := 0; countRows(t, srv, "events WHERE fanned_out_at IS NULL") > 0; i++ {
		if i > 200 {
			t.Fatal("events were never fanned out")
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitJobs waits until every job of kind has completed.
func waitJobs(t *testing.T, srv *apptest.Server, kind string) {
	t.Helper()
	for i := 0; countRows(t, srv, "river_job WHERE kind = '"+kind+"' AND state <> 'completed'") > 0; i++ {
		if i > 400 {
			t.Fatalf("the %s jobs never completed", kind)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// scanDatabase lists every table and column holding trace, in any letter case.
func scanDatabase(t *testing.T, srv *apptest.Server, trace string) []string {
	t.Helper()
	db := srv.Store.DB()
	type column struct{ table, name string }
	var columns []column
	if srv.Store.Dialect() == models.Postgres {
		rows, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns
			WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'json', 'jsonb', 'bytea')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.table, &c.name); err != nil {
				t.Fatal(err)
			}
			columns = append(columns, c)
		}
		rows.Close()
	} else {
		rows, err := db.Query(`SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND (p.type = '' OR UPPER(p.type) LIKE '%TEXT%' OR UPPER(p.type) LIKE '%CHAR%' OR UPPER(p.type) LIKE '%BLOB%' OR UPPER(p.type) LIKE '%JSON%')`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var c column
			if err := rows.Scan(&c.table, &c.name); err != nil {
				t.Fatal(err)
			}
			columns = append(columns, c)
		}
		rows.Close()
	}
	if len(columns) < 50 {
		t.Fatalf("found only %d text columns to scan", len(columns))
	}
	var hits []string
	placeholder := "?"
	if srv.Store.Dialect() == models.Postgres {
		placeholder = "$1"
	}
	for _, c := range columns {
		var n int
		q := fmt.Sprintf("SELECT COUNT(*) FROM %q WHERE LOWER(CAST(%q AS TEXT)) LIKE "+placeholder, c.table, c.name)
		if err := db.QueryRow(q, "%"+strings.ToLower(trace)+"%").Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n > 0 {
			hits = append(hits, fmt.Sprintf("%s.%s holds %q in %d rows", c.table, c.name, trace, n))
		}
	}
	if srv.Store.Dialect() == models.Postgres {
		// PostgreSQL's statistics: a column's common values and histogram
		// bounds. Of a table that ANALYZE found empty (reltuples 0) it keeps
		// the statistics gathered before, which only a superuser may clear
		// before PostgreSQL 18: those stay until the table has rows again.
		rows, err := db.Query(`SELECT s.tablename, s.attname FROM pg_stats s
			JOIN pg_class c ON c.relname = s.tablename AND c.relnamespace = current_schema()::regnamespace
			WHERE s.schemaname = current_schema() AND c.reltuples <> 0
			AND LOWER(COALESCE(s.most_common_vals::text, '') || COALESCE(s.histogram_bounds::text, '')) LIKE $1`, "%"+strings.ToLower(trace)+"%")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var table, column string
			if err := rows.Scan(&table, &column); err != nil {
				t.Fatal(err)
			}
			hits = append(hits, fmt.Sprintf("pg_stats of %s.%s hold %q", table, column, trace))
		}
		rows.Close()
	}
	return hits
}

// TestDeletingAnAccountFromThePage: /me asks for the email to confirm; a
// wrong one is refused in place, the right one signs the browser out.
func TestDeletingAnAccountFromThePage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna Leaves", "anna.leaves@example.com", models.RoleMember)
		c := srv.SignedIn(anna)
		r := c.Get("/me")
		wantCount(t, r, `form.delete-account-form[action="/me/delete"] input[name="confirm"]`, 1)
		r = c.PostForm("/me/delete", url.Values{"confirm": {"not my email"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		wantCount(t, r, `#delete-confirm[aria-invalid="true"]`, 1)
		wantCount(t, r, `#delete-confirm-error`, 1)
		r = c.PostForm("/me/delete", url.Values{"confirm": {"anna.leaves@example.com"}})
		wantStatus(t, r, http.StatusSeeOther)
		if c.Cookie("samen_session") != "" {
			t.Fatal("the browser keeps its session cookie")
		}
		r = c.Get("/")
		wantText(t, r, ".flash", "Your account is deleted. Thank you for taking part.")
		// Even the old cookie counts for nothing now.
		old := srv.SignedIn(anna)
		if r := old.Get("/me"); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("a session minted for the deleted member answers %d", r.StatusCode)
		}
	})
}

// TestVotersShowOnlyWhoChoseTo: an idea's voters are names for the team;
// others see the names of voters who chose to show them, and a count.
func TestVotersShowOnlyWhoChoseTo(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		// The author votes for their own idea, and shows no name either.
		author := srv.User("Author Ann", "ann@example.com", models.RoleMember)
		open := srv.User("Open Olga", "olga@example.com", models.RoleMember)
		shy := srv.User("Shy Sam", "sam@example.com", models.RoleMember)
		team := srv.User("Team Tess", "tess@example.com", models.RoleTeam)
		idea := mustIdea(t, srv, author, "Bells that ring softly")
		for _, u := range []*models.User{open, shy} {
			if _, _, err := srv.Store.Vote(ctx, idea.ID, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		// Olga chooses through the API, Sam leaves the default.
		olga := bearerClient(t, srv, open)
		got := apiJSON[map[string]any](t, apiCall(olga, http.MethodPatch, "/me", `{"show_votes":true}`), http.StatusOK)
		if got["show_votes"] != true {
			t.Fatalf("PATCH /me answered %v", got)
		}
		wantStatus(t, apiCall(olga, http.MethodPatch, "/me", `{"language":"fr"}`), http.StatusUnprocessableEntity)

		path := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)
		voters := func(c *apptest.Client) []string {
			t.Helper()
			r := c.Get(path)
			wantStatus(t, r, http.StatusOK)
			var names []string
			r.Doc.Find(".voters li.voter").Each(func(_ int, s *goquery.Selection) { names = append(names, strings.TrimSpace(s.Text())) })
			slices.Sort(names)
			return names
		}
		for who, c := range map[string]*apptest.Client{"visitor": srv.Client(), "member": srv.SignedIn(author), "voter": srv.SignedIn(shy)} {
			if got := voters(c); !slices.Equal(got, []string{"Open Olga"}) {
				t.Errorf("%s sees voters %v, want only Open Olga", who, got)
			}
		}
		r := srv.Client().Get(path)
		wantText(t, r, ".voters-others", "2 more voted without showing their names.")
		if got := voters(srv.SignedIn(team)); !slices.Equal(got, []string{"Author Ann", "Open Olga", "Shy Sam"}) {
			t.Errorf("the team sees voters %v, want all three", got)
		}

		// The page form changes it too.
		sam := srv.SignedIn(shy)
		sam.Get("/me")
		wantStatus(t, sam.PostForm("/me/privacy", url.Values{"show_votes": {"1"}, "language": {""}}), http.StatusSeeOther)
		if got := voters(srv.Client()); !slices.Equal(got, []string{"Open Olga", "Shy Sam"}) {
			t.Errorf("after Sam chose to show his vote, visitors see %v", got)
		}
	})
}

// TestLanguageFollowsMemberThenBrowserThenCommunity: the member's choice
// wins over the browser's, the browser's over the community's default.
func TestLanguageFollowsMemberThenBrowserThenCommunity(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_DEFAULT_LANGUAGE=nl")
		lang := func(c *apptest.Client, accept string) string {
			t.Helper()
			req := httptest.NewRequest(http.MethodGet, "/me", nil)
			if accept != "" {
				req.Header.Set("Accept-Language", accept)
			}
			r := c.Do(req)
			if r.StatusCode != http.StatusOK {
				req = httptest.NewRequest(http.MethodGet, "/", nil)
				if accept != "" {
					req.Header.Set("Accept-Language", accept)
				}
				r = c.Do(req)
			}
			wantStatus(t, r, http.StatusOK)
			got, _ := r.Doc.Find("html").Attr("lang")
			return got
		}
		visitor := srv.Client()
		if got := lang(visitor, ""); got != "nl" {
			t.Errorf("no preference at all: %q, want the community's nl", got)
		}
		if got := lang(visitor, "en-GB,en;q=0.8"); got != "en" {
			t.Errorf("a browser asking for English: %q, want en", got)
		}
		if got := lang(visitor, "fr-FR"); got != "nl" {
			t.Errorf("a browser asking for French only: %q, want the community's nl", got)
		}
		member := srv.SignedIn(srv.User("Mia Member", "mia@example.com", models.RoleMember))
		if got := lang(member, "en"); got != "en" {
			t.Errorf("a member without a choice, browser English: %q", got)
		}
		member.Get("/me")
		wantStatus(t, member.PostForm("/me/privacy", url.Values{"language": {"nl"}}), http.StatusSeeOther)
		// The choice is the member's, not this browser's cookie: a new session has it too.
		fresh := srv.SignedIn(mustUser(t, srv, "mia@example.com"))
		if got := lang(fresh, "en"); got != "nl" {
			t.Errorf("a member who chose Dutch, browser English: %q, want nl", got)
		}
		wantStatus(t, fresh.PostForm("/me/privacy", url.Values{"language": {"xx"}}), http.StatusUnprocessableEntity)
	})
}

func mustUser(t *testing.T, srv *apptest.Server, email string) *models.User {
	t.Helper()
	u, err := srv.Store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestPublicLogKeepsNamesPrivate: the public moderation log shows what was
// done and the reason's category; a reason only when marked public, and a
// public reason naming a member or an email is refused.
func TestPublicLogKeepsNamesPrivate(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		admin := srv.User("Ada Admin", "ada@example.com", models.RoleAdmin)
		mod := srv.User("Mo Moderator", "mo@example.com", models.RoleModerator)
		bob := srv.User("Bob Spammer", "bob@example.com", models.RoleMember)
		if _, err := srv.Store.SaveSettings(ctx, admin, models.DefaultSettings.Form(), true); err != nil {
			t.Fatal(err)
		}
		first := mustIdea(t, srv, bob, "Cheap watches for sale here")
		second := mustIdea(t, srv, bob, "More cheap watches for sale")
		modAPI := bearerClient(t, srv, mod)
		hide := func(id int64, body string) *apptest.Response {
			return apiCall(modAPI, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", id), body)
		}
		for _, reason := range []string{"Bob Spammer posts adverts", "adverts again from @BobSpammer", "write to bob@example.com", "mail someone@else.org"} {
			r := hide(first.ID, `{"hidden":true,"reason":"`+reason+`","reason_category":"spam","reason_public":true}`)
			wantStatus(t, r, http.StatusUnprocessableEntity)
			if !strings.Contains(string(r.Body), "name or email") {
				t.Errorf("refusing %q says %s", reason, r.Body)
			}
		}
		wantStatus(t, hide(first.ID, `{"hidden":true,"reason":"adverts","reason_category":"nonsense"}`), http.StatusUnprocessableEntity)
		// Private, it may name him: the team's audit log keeps it.
		wantStatus(t, hide(first.ID, `{"hidden":true,"reason":"Bob Spammer again","reason_category":"spam"}`), http.StatusOK)
		wantStatus(t, hide(second.ID, `{"hidden":true,"reason":"Advertising is not an idea","reason_category":"spam","reason_public":true}`), http.StatusOK)

		r := srv.Client().Get("/moderation")
		wantStatus(t, r, http.StatusOK)
		wantCount(t, r, `.public-action[data-action="idea.hide"]`, 2)
		wantCount(t, r, `.public-action .reason-category`, 2)
		wantCount(t, r, `.public-action q.reason`, 1)
		wantText(t, r, `.public-action q.reason`, "Advertising is not an idea")
		wantText(t, r, `.public-action .what`, "A moderator hid an idea")
		if strings.Contains(string(r.Body), "Bob") || strings.Contains(string(r.Body), "idea.hide<") {
			t.Errorf("the public log names Bob or shows codes:\n%s", r.Body)
		}
		audit := apiJSON[struct {
			Entries []struct {
				Reason         string `json:"reason"`
				ReasonCategory string `json:"reason_category"`
				ReasonPublic   bool   `json:"reason_public"`
			} `json:"entries"`
		}](t, apiCall(bearerClient(t, srv, admin), http.MethodGet, "/mod/audit?action=idea.hide", ""), http.StatusOK)
		if len(audit.Entries) != 2 || !audit.Entries[0].ReasonPublic || audit.Entries[1].ReasonPublic ||
			audit.Entries[1].ReasonCategory != "spam" || audit.Entries[1].Reason != "Bob Spammer again" {
			t.Errorf("the audit API: %+v", audit.Entries)
		}
		// The page's hide form refuses the same, and says why.
		third := mustIdea(t, srv, admin, "Quieter bells")
		comment := mustComment(t, srv, third.ID, bob, "Buy my watches")
		page := srv.SignedIn(mod)
		page.Get(fmt.Sprintf("/ideas/%d/%s", third.ID, third.Slug))
		r = page.PostForm(fmt.Sprintf("/comments/%d/moderation", comment.ID), url.Values{"do": {"hide"},
			"reason": {"Bob Spammer sells watches"}, "reason_category": {"spam"}, "reason_public": {"1"}})
		wantStatus(t, r, http.StatusUnprocessableEntity)
		if !strings.Contains(r.Doc.Find(".field-errors").Text(), "name or email") {
			t.Errorf("the refusal on the page says %q", r.Doc.Find(".field-errors").Text())
		}
		wantStatus(t, page.PostForm(fmt.Sprintf("/comments/%d/moderation", comment.ID), url.Values{"do": {"hide"},
			"reason": {"Selling, not an idea"}, "reason_category": {"spam"}, "reason_public": {"1"}}), http.StatusSeeOther)
		r = srv.Client().Get("/moderation")
		wantText(t, r, `.public-action[data-action="comment.hide"] q.reason`, "Selling, not an idea")

		// The team's audit log keeps the private reason, with its category.
		r = srv.SignedIn(admin).Get("/mod/audit")
		wantCount(t, r, `.audit-entry .reason-category`, 3)
		wantCount(t, r, `.audit-entry .reason-public`, 2)
		if !strings.Contains(r.Doc.Find(".audit-entry").Text(), "Bob Spammer again") {
			t.Error("the audit log lost the private reason")
		}
	})
}
