package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	xhtml "golang.org/x/net/html"

	"samen/app/apptest"
	"samen/models"
)

// fuzzWrite is a write the fuzz target sends: the JSON body of an API call,
// or the form of a page, as an admin would (so that every check runs and the
// body reaches the decoder and the model).
type fuzzWrite struct {
	method, path string
	form         bool
}

var fuzzWrites = []fuzzWrite{
	{"POST", "/api/v1/ideas", false},
	{"PATCH", "/api/v1/ideas/{idea}", false},
	{"POST", "/api/v1/ideas/{idea}/comments", false},
	{"PUT", "/api/v1/ideas/{idea}/status", false},
	{"PATCH", "/api/v1/ideas/{idea}/triage", false},
	{"POST", "/api/v1/ideas/{idea}/votes", false},
	{"PATCH", "/api/v1/ideas/{idea}/moderation", false},
	{"POST", "/api/v1/ideas/{idea}/merge", false},
	{"PUT", "/api/v1/ideas/{idea}/subscription", false},
	{"PATCH", "/api/v1/comments/{comment}/moderation", false},
	{"POST", "/api/v1/changelog", false},
	{"PATCH", "/api/v1/changelog/{entry}", false},
	{"POST", "/api/v1/webhooks", false},
	{"POST", "/api/v1/reports", false},
	{"POST", "/api/v1/statuses", false},
	{"POST", "/api/v1/notifications/read", false},
	{"PATCH", "/api/v1/branding", false},
	{"POST", "/api/v1/mod/members/{member}/sanction", false},
	{"POST", "/ideas", true},
	{"POST", "/ideas/{idea}/edit", true},
	{"POST", "/ideas/{idea}/comments", true},
	{"POST", "/ideas/{idea}/comments/{comment}/edit", true},
	{"POST", "/ideas/{idea}/status", true},
	{"POST", "/ideas/{idea}/triage", true},
	{"POST", "/ideas/{idea}/votes", true},
	{"POST", "/ideas/{idea}/moderation", true},
	{"POST", "/reports", true},
	{"POST", "/admin/changelog", true},
	{"POST", "/admin/changelog/{entry}", true},
	{"POST", "/admin/webhooks", true},
	{"POST", "/admin/statuses", true},
	{"POST", "/admin/categories", true},
	{"POST", "/admin/settings", true},
	{"POST", "/admin/branding", true},
	{"POST", "/admin/triage", true},
	{"POST", "/me/profile", true},
	{"POST", "/me/tokens", true},
	{"POST", "/mod/members/{member}/sanction", true},
	{"POST", "/lang", true},
	{"POST", "/theme", true},
	{"POST", "/api/v1/suggestions", false},
	{"POST", "/suggestions", true},
}

// FuzzWrites sends any body to every write, as JSON to the API and as a form
// to the pages, through the whole application, and checks that Samen never
// answers 500 (or any 5xx): what it cannot read, it refuses.
func FuzzWrites(f *testing.F) {
	seeds := []struct {
		route int
		body  string
	}{
		{0, `{"title":"Dark mode for the app","body":"Please *add* it","category":""}`},
		{0, `{"title":null,"body":12}`},
		{0, `{"title":"` + strings.Repeat("x", 300) + `"}`},
		{0, `[1,2,3]`},
		{0, `{"title":"\u0000nul","body":"\ud800"}`},
		{1, `{"title":"Renamed idea title","tags":["a","b"],"category":"nope"}`},
		{2, `{"body":"@Admin thanks","parent_id":99999999999999999999}`},
		{3, `{"status":"planned","note":"soon"}`},
		{4, `{"impact":5,"effort":-1,"assignee_id":1}`},
		{5, `{"name":"Visitor","email":"v@example.com","source":"email"}`},
		{6, `{"state":"hidden","locked":true,"pinned":"yes"}`},
		{7, `{"into":0}`},
		{10, `{"title":"Shipped","body":"x","ideas":[1,1,-5],"publish":true,"ship":true}`},
		{12, `{"url":"http://127.0.0.1:22/","events":["idea.created"],"secret":""}`},
		{12, `{"url":"https://hooks.example/x","events":["*"]}`},
		{13, `{"target":"idea","id":1,"reason":"spam"}`},
		{14, `{"name":"Later","slug":"later","kind":"open","color":"#zzz"}`},
		{16, `{"name":"Brand","accent":"#ffffff","css":"</style><script>"}`},
		{17, `{"action":"ban","days":-1,"reason":""}`},
		{18, "title=A+fine+idea+title&body=Text"},
		{18, "title=%ZZ&body=%00"},
		{20, "body=hello+%40Admin&parent_id=abc"},
		{22, "status=done&note=x"},
		{23, "impact=9&effort=&assignee=-1"},
		{29, "url=file:///etc/passwd&events=idea.created"},
		{32, "name=New&slug=new&parent=1&parent=2"},
		{33, "site_name=%3Cb%3E&moderation=maybe"},
		{34, "accent=red&logo=x"},
		{35, "action=merge&ids=1&ids=x"},
		{36, "name=" + strings.Repeat("%F0%9F%98%80", 100)},
		{38, "lang=xx"},
		{39, "theme=../../etc"},
		{40, `{"kind":"tag","name":"lights","idea_id":-1}`},
		{40, `{"kind":"category","name":"\u0000","note":7}`},
		{41, "kind=tag&name=lights&idea_id=99999999999999999999"},
		{41, "kind=category&name=" + strings.Repeat("x", 300)},
	}
	for _, s := range seeds {
		f.Add(uint8(s.route), s.body)
	}

	dialect := models.SQLite
	if os.Getenv("TEST_DATABASE_URL") != "" && os.Getenv("FUZZ_DIALECT") == models.Postgres {
		dialect = models.Postgres
	}
	srv := apptest.New(f, dialect, "SAMEN_RATE_LIMITS=off")
	ctx := context.Background()
	admin := srv.User("Admin", "admin@example.com", models.RoleAdmin)
	member := srv.User("Mia Member", "mia@example.com", models.RoleMember)
	idea, err := srv.Store.CreateIdea(ctx, member, models.NewIdea{Title: "An idea to write to", Body: "Body @Admin"})
	if err != nil {
		f.Fatal(err)
	}
	comment, err := srv.Store.CreateComment(ctx, idea.ID, member, models.NewComment{Body: "A comment"})
	if err != nil {
		f.Fatal(err)
	}
	title, body := "Entry", "Text"
	entry, err := srv.Store.CreateChangelogEntry(ctx, admin, models.ChangelogInput{Title: &title, Body: &body})
	if err != nil {
		f.Fatal(err)
	}
	token, _, err := srv.Store.CreateAPIToken(ctx, admin.ID, models.NewAPIToken{Name: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	browser := srv.SignedIn(admin)
	if r := browser.Get("/"); r.StatusCode != http.StatusOK || browser.CSRF == "" {
		f.Fatalf("home page: %d, CSRF %q", r.StatusCode, browser.CSRF)
	}
	session := browser.Cookie("samen_session")
	paths := strings.NewReplacer("{idea}", fmt.Sprint(idea.ID), "{comment}", fmt.Sprint(comment.ID),
		"{entry}", fmt.Sprint(entry.ID), "{member}", fmt.Sprint(member.ID))
	client := &http.Client{
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second,
	}

	f.Fuzz(func(t *testing.T, route uint8, body string) {
		w := fuzzWrites[int(route)%len(fuzzWrites)]
		target := srv.URL + paths.Replace(w.path)
		if w.form {
			body += "&_csrf=" + url.QueryEscape(browser.CSRF)
		}
		req, err := http.NewRequest(w.method, target, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if w.form {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.AddCookie(&http.Cookie{Name: "samen_session", Value: session})
		} else {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", w.method, w.path, err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("%s %s with %q: %d\n%s\nlog:\n%s", w.method, w.path, body, resp.StatusCode, answer, lastLines(srv.Logs(), 20))
		}
		if !w.form && resp.StatusCode >= 400 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s %s with %q: %d answered as %s", w.method, w.path, body, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// A new webhook is taken away again: the fuzzer's addresses get no deliveries.
		if strings.HasSuffix(w.path, "/webhooks") && resp.StatusCode < 400 {
			for _, table := range []string{"webhook_attempts", "webhook_deliveries", "webhooks"} {
				if _, err := srv.Store.DB().Exec("DELETE FROM " + table); err != nil {
					t.Fatal(err)
				}
			}
		}
	})
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// FuzzSearch sends any query to search on SQLite, and on PostgreSQL when
// TEST_DATABASE_URL is set, both to the store and through the search page
// and the API. The store answers results or a validation error, nothing
// else; the marked titles and snippets hold no markup but <mark>; the pages
// never answer 5xx.
func FuzzSearch(f *testing.F) {
	for _, seed := range []struct{ query, page string }{
		{"battery", "1"},
		{"dark mode", "2"},
		{`"unclosed`, "1"},
		{"NEAR(a b) OR * AND NOT", "1"},
		{"bat* ^col:x {a b}", "1"},
		{"a & b | !c <-> d:*", "1"},
		{"'; DROP TABLE ideas; --", "1"},
		{"\x00\x01\x02", "0"},
		{"\xff\xfe", "-1"},
		{strings.Repeat("word ", 100), "99999999999999999999"},
		{"café crème <b>", "1"},
		{"(((((((", "x"},
	} {
		f.Add(seed.query, seed.page)
	}
	dialects := []string{models.SQLite}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		dialects = append(dialects, models.Postgres)
	}
	var servers []*apptest.Server
	for _, dialect := range dialects {
		srv := apptest.New(f, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_SEARCH_TIMEOUT=60s")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		for _, title := range []string{"A longer battery for the city bike", "Dark mode for the app", "Café crème in the canteen",
			"Search that finds <b>bold</b> words", "NEAR the station: more bike racks", "Export & import of ideas"} {
			if _, err := srv.Store.CreateIdea(context.Background(), anna, models.NewIdea{Title: title, Body: title + " — with *more* text about it, battery & mode."}); err != nil {
				f.Fatal(err)
			}
		}
		servers = append(servers, srv)
	}
	client := &http.Client{Timeout: 60 * time.Second}

	f.Fuzz(func(t *testing.T, query, page string) {
		for _, srv := range servers {
			n, _ := strconv.Atoi(page)
			out, err := srv.Store.Search(context.Background(), query, n, nil)
			var invalid models.ValidationErrors
			switch {
			case errors.As(err, &invalid):
			case err != nil:
				t.Fatalf("%s: Search(%q, %d): %v", srv.Store.Dialect(), query, n, err)
			default:
				for _, r := range out.Results {
					checkOnlyMarks(t, query, string(r.TitleHTML))
					checkOnlyMarks(t, query, string(r.SnippetHTML))
				}
			}
			if _, err := srv.Store.SimilarIdeas(context.Background(), query, nil); err != nil && !errors.As(err, &invalid) {
				t.Fatalf("%s: SimilarIdeas(%q): %v", srv.Store.Dialect(), query, err)
			}
			for _, path := range []string{"/search", "/api/v1/ideas"} {
				resp, err := client.Get(srv.URL + path + "?" + url.Values{"q": {query}, "page": {page}}.Encode())
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 500 {
					t.Fatalf("%s: %s?q=%q&page=%q: %d\n%s", srv.Store.Dialect(), path, query, page, resp.StatusCode, lastLines(srv.Logs(), 20))
				}
			}
		}
	})
}

// checkOnlyMarks fails t when html holds an element other than <mark>.
func checkOnlyMarks(t *testing.T, query, html string) {
	t.Helper()
	z := xhtml.NewTokenizer(strings.NewReader(html))
	for tt := z.Next(); tt != xhtml.ErrorToken; tt = z.Next() {
		if tt == xhtml.TextToken {
			continue
		}
		name, hasAttr := z.TagName()
		if string(name) != "mark" || hasAttr {
			t.Fatalf("markup %q in search result %q for %q", z.Raw(), html, query)
		}
	}
}
