package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
	"samen/models/modelstest"
)

// ideaJSON is an idea as the API contract shows it.
type ideaJSON struct {
	ID       int64    `json:"id"`
	Title    string   `json:"title"`
	Slug     string   `json:"slug"`
	Body     string   `json:"body"`
	BodyHTML string   `json:"body_html"`
	Status   string   `json:"status"`
	Category *string  `json:"category"`
	Tags     []string `json:"tags"`
	Author   struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		AvatarURL string `json:"avatar_url"`
	} `json:"author"`
	Votes      int    `json:"votes"`
	Comments   int    `json:"comments"`
	Voted      bool   `json:"voted"`
	Locked     bool   `json:"locked"`
	Pinned     bool   `json:"pinned"`
	MergedInto *int64 `json:"merged_into"`
	CreatedAt  string `json:"created_at"`
	UpdatedAt  string `json:"updated_at"`
	URL        string `json:"url"`
}

var ideaKeys = []string{"author", "body", "body_html", "category", "comments", "created_at", "id", "images", "locked",
	"merged_into", "pinned", "slug", "source", "status", "tags", "title", "updated_at", "url", "voted", "votes"}

type commentJSON struct {
	ID       int64  `json:"id"`
	IdeaID   int64  `json:"idea_id"`
	ParentID *int64 `json:"parent_id"`
	Body     string `json:"body"`
	BodyHTML string `json:"body_html"`
	Author   struct {
		ID        int64  `json:"id"`
		Name      string `json:"name"`
		AvatarURL string `json:"avatar_url"`
	} `json:"author"`
	Deleted   bool    `json:"deleted"`
	CreatedAt string  `json:"created_at"`
	UpdatedAt string  `json:"updated_at"`
	EditedAt  *string `json:"edited_at"`
}

var commentKeys = []string{"author", "body", "body_html", "created_at", "deleted", "edited_at", "id", "idea_id", "images", "parent_id", "state", "updated_at"}

type listJSON struct {
	Ideas   []json.RawMessage `json:"ideas"`
	Page    int               `json:"page"`
	PerPage int               `json:"per_page"`
	Total   int64             `json:"total"`
}

type voteJSON struct {
	Voted bool `json:"voted"`
	Votes int  `json:"votes"`
}

// bearerClient is an API client authenticated by a fresh token of u.
func bearerClient(t *testing.T, srv *apptest.Server, u *models.User) *apptest.Client {
	t.Helper()
	token, _, err := srv.Store.CreateAPIToken(context.Background(), u.ID, models.NewAPIToken{Name: "test"})
	if err != nil {
		t.Fatal(err)
	}
	c := srv.Client()
	c.Header.Set("Authorization", "Bearer "+token)
	return c
}

// apiCall sends a request to /api/v1+path, with body as JSON when there is
// one, and the client's CSRF token when it has one.
func apiCall(c *apptest.Client, method, path, body string) *apptest.Response {
	ct := ""
	if body != "" {
		ct = "application/json"
	}
	return apiCallAs(c, method, path, ct, body)
}

func apiCallAs(c *apptest.Client, method, path, contentType, body string) *apptest.Response {
	req := httptest.NewRequest(method, "/api/v1"+path, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	return c.Do(req)
}

// apiJSON checks the status and JSON content type, and decodes the body.
func apiJSON[T any](t *testing.T, r *apptest.Response, status int) T {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s %s: content type %q", r.Request.Method, r.Request.URL, ct)
	}
	var out T
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", r.Request.Method, r.Request.URL, r.Body, err)
	}
	return out
}

// wantKeys checks that a JSON object has exactly the keys, no more, no fewer.
func wantKeys(t *testing.T, raw []byte, keys []string) {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("not an object: %s", raw)
	}
	got := make([]string, 0, len(m))
	for k := range m {
		got = append(got, k)
	}
	sort.Strings(got)
	if !slices.Equal(got, keys) {
		t.Fatalf("keys %v, want %v in %s", got, keys, raw)
	}
}

// wantIdeaKeys checks an idea's keys: those of everyone, and the team's
// when the team asks (TestTriageIsForTheTeamAlone checks who sees them).
func wantIdeaKeys(t *testing.T, raw []byte) {
	t.Helper()
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	if _, team := m["triage"]; team {
		wantKeys(t, raw, teamIdeaKeys)
		return
	}
	wantKeys(t, raw, ideaKeys)
}

// teamIdeaKeys are the keys of an idea the team reads: everyone's, the
// triage and the link to where a customer said it.
var teamIdeaKeys = slices.Sorted(slices.Values(append(slices.Clone(ideaKeys), "source_url", "triage")))

// apiIdea decodes one idea and checks its keys.
func apiIdea(t *testing.T, r *apptest.Response, status int) ideaJSON {
	t.Helper()
	raw := apiJSON[json.RawMessage](t, r, status)
	wantIdeaKeys(t, raw)
	var i ideaJSON
	if err := json.Unmarshal(raw, &i); err != nil {
		t.Fatal(err)
	}
	return i
}

func apiList(t *testing.T, c *apptest.Client, query string) (listJSON, []ideaJSON) {
	t.Helper()
	r := apiCall(c, http.MethodGet, "/ideas"+query, "")
	raw := apiJSON[json.RawMessage](t, r, http.StatusOK)
	wantKeys(t, raw, []string{"ideas", "page", "per_page", "total"})
	l := apiJSON[listJSON](t, r, http.StatusOK)
	if l.Ideas == nil {
		t.Fatalf("GET /ideas%s: ideas is not a list: %s", query, r.Body)
	}
	out := make([]ideaJSON, len(l.Ideas))
	for i, raw := range l.Ideas {
		wantIdeaKeys(t, raw)
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			t.Fatal(err)
		}
	}
	return l, out
}

func ids(list []ideaJSON) []int64 {
	out := make([]int64, len(list))
	for i, idea := range list {
		out[i] = idea.ID
	}
	return out
}

// wantFields checks a 422 that names exactly the fields.
func wantFields(t *testing.T, r *apptest.Response, fields ...string) {
	t.Helper()
	wantAPIError(t, r, http.StatusUnprocessableEntity, "invalid")
	var e apiError
	_ = json.Unmarshal(r.Body, &e)
	got := make([]string, 0, len(e.Error.Fields))
	for f, msg := range e.Error.Fields {
		if msg == "" {
			t.Fatalf("field %s without a message: %s", f, r.Body)
		}
		got = append(got, f)
	}
	sort.Strings(got)
	sort.Strings(fields)
	if !slices.Equal(got, fields) {
		t.Fatalf("%s %s: invalid fields %v, want %v: %s", r.Request.Method, r.Request.URL, got, fields, r.Body)
	}
}

func wantConflict(t *testing.T, r *apptest.Response, message string) {
	t.Helper()
	wantAPIError(t, r, http.StatusConflict, "conflict")
	var e apiError
	_ = json.Unmarshal(r.Body, &e)
	if e.Error.Message != message {
		t.Fatalf("conflict message %q, want %q", e.Error.Message, message)
	}
}

func wantTime(t *testing.T, name, value string) {
	t.Helper()
	at, err := time.Parse(time.RFC3339, value)
	if err != nil || !strings.HasSuffix(value, "Z") {
		t.Fatalf("%s %q is not RFC 3339 in UTC: %v", name, value, err)
	}
	if d := time.Since(at); d < -time.Minute || d > time.Minute {
		t.Fatalf("%s %q is not about now", name, value)
	}
}

const (
	closedMessage = "The idea is closed (shipped or declined): it takes no new votes."
	mergedMessage = "The idea was merged into another one; vote and comment there."
	lockedMessage = "The idea is locked: it takes no new votes or comments."
	othersMessage = "Others have voted or commented on the idea, so it can no longer be deleted."
)

func TestAPIIdeaLifecycle(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		cas := srv.User("Cas", "cas@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		visitor, a, b, c, team := srv.Client(), bearerClient(t, srv, anna), bearerClient(t, srv, bram), bearerClient(t, srv, cas), bearerClient(t, srv, tess)

		// Categories are public, with the default set.
		r := apiCall(visitor, http.MethodGet, "/categories", "")
		wantKeys(t, apiJSON[json.RawMessage](t, r, http.StatusOK), []string{"categories"})
		cats := apiJSON[struct {
			Categories []map[string]string `json:"categories"`
		}](t, r, http.StatusOK)
		wantCats := []map[string]string{
			{"slug": "features", "name": "New features", "name_nl": "Nieuwe functies", "description": "Something the product cannot do yet."},
			{"slug": "improvements", "name": "Improvements", "name_nl": "Verbeteringen", "description": "Make something that exists work better."},
			{"slug": "problems", "name": "Problems", "name_nl": "Problemen", "description": "Something is broken, confusing or in the way."},
		}
		if !reflect.DeepEqual(cats.Categories, wantCats) {
			t.Fatalf("categories %v", cats.Categories)
		}

		// Visitors read but do not write.
		for _, w := range []struct{ method, path, body string }{
			{"POST", "/ideas", `{"title":"A visitor's idea here","body":""}`},
			{"PATCH", "/ideas/1", `{"title":"A visitor's edit here"}`},
			{"DELETE", "/ideas/1", ""},
			{"POST", "/ideas/1/vote", ""},
			{"DELETE", "/ideas/1/vote", ""},
			{"POST", "/ideas/1/comments", `{"body":"hi"}`},
			{"PUT", "/ideas/1/status", `{"status":"planned","note":""}`},
		} {
			wantAPIError(t, apiCall(visitor, w.method, w.path, w.body), http.StatusUnauthorized, "unauthorized")
		}

		// Proposing.
		r = apiCall(a, http.MethodPost, "/ideas", `{"title":"  Swappable   battery for longer rides ","body":"Two *batteries* for 200 km.","category":"features"}`)
		idea := apiIdea(t, r, http.StatusCreated)
		if idea.ID <= 0 || idea.Title != "Swappable battery for longer rides" || idea.Slug != "swappable-battery-for-longer-rides" ||
			idea.Body != "Two *batteries* for 200 km." || idea.BodyHTML != "<p>Two <em>batteries</em> for 200 km.</p>\n" ||
			idea.Status != "open" || idea.Category == nil || *idea.Category != "features" || idea.Tags == nil || len(idea.Tags) != 0 ||
			idea.Author.ID != anna.ID || idea.Author.Name != "Anna" || idea.Author.AvatarURL != "" ||
			idea.Votes != 1 || idea.Comments != 0 || !idea.Voted || idea.Locked || idea.Pinned || idea.MergedInto != nil ||
			idea.URL != fmt.Sprintf("%s/ideas/%d/swappable-battery-for-longer-rides", srv.URL, idea.ID) {
			t.Fatalf("created idea: %+v", idea)
		}
		if !strings.Contains(string(r.Body), `"tags":[]`) || !strings.Contains(string(r.Body), `"merged_into":null`) {
			t.Fatalf("empty tags or merged_into not as the contract says: %s", r.Body)
		}
		wantTime(t, "created_at", idea.CreatedAt)
		wantTime(t, "updated_at", idea.UpdatedAt)
		id := idea.ID
		path := fmt.Sprintf("/ideas/%d", id)

		uncategorised := apiIdea(t, apiCall(b, http.MethodPost, "/ideas", `{"title":"Brighter front light for winter","body":""}`), http.StatusCreated)
		if uncategorised.Category != nil || !strings.Contains(string(apiCall(visitor, "GET", fmt.Sprintf("/ideas/%d", uncategorised.ID), "").Body), `"category":null`) {
			t.Fatalf("idea without category: %+v", uncategorised)
		}

		// Reading: voted is the caller's own.
		if got := apiIdea(t, apiCall(visitor, http.MethodGet, path, ""), http.StatusOK); got.Voted || got.Votes != 1 || got.Title != idea.Title {
			t.Fatalf("visitor sees %+v", got)
		}
		if got := apiIdea(t, apiCall(b, http.MethodGet, path, ""), http.StatusOK); got.Voted {
			t.Fatalf("bram sees his vote on anna's idea: %+v", got)
		}
		for _, p := range []string{"/ideas/999999", "/ideas/abc", "/ideas/0", "/ideas/-1", "/ideas/1.5", "/ideas/99999999999999999999"} {
			wantAPIError(t, apiCall(visitor, http.MethodGet, p, ""), http.StatusNotFound, "not_found")
		}

		// Editing: the author changes text; others may not; tags are for the team.
		edited := apiIdea(t, apiCall(a, http.MethodPatch, path, `{"title":"Swappable battery for long rides"}`), http.StatusOK)
		if edited.Title != "Swappable battery for long rides" || edited.Slug != "swappable-battery-for-long-rides" ||
			edited.Body != idea.Body || *edited.Category != "features" || !strings.HasSuffix(edited.URL, "/swappable-battery-for-long-rides") {
			t.Fatalf("edited idea: %+v", edited)
		}
		edited = apiIdea(t, apiCall(a, http.MethodPatch, path, `{"category":"improvements","body":"Two batteries."}`), http.StatusOK)
		if *edited.Category != "improvements" || edited.Body != "Two batteries." || edited.Title != "Swappable battery for long rides" {
			t.Fatalf("edited idea: %+v", edited)
		}
		wantAPIError(t, apiCall(b, http.MethodPatch, path, `{"title":"Bram rewrites Anna's idea"}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(a, http.MethodPatch, path, `{"tags":["battery"]}`), http.StatusForbidden, "forbidden")
		tagged := apiIdea(t, apiCall(team, http.MethodPatch, path, `{"tags":["Range","Battery","battery"," range "]}`), http.StatusOK)
		if !slices.Equal(tagged.Tags, []string{"battery", "range"}) || tagged.Title != edited.Title {
			t.Fatalf("tags %v", tagged.Tags)
		}
		wantFields(t, apiCall(a, http.MethodPatch, path, `{"title":"short","category":"nope"}`), "title", "category")

		// Statuses: the team with a public answer; members may not.
		wantAPIError(t, apiCall(a, http.MethodPut, path+"/status", `{"status":"planned","note":"mine"}`), http.StatusForbidden, "forbidden")
		planned := apiIdea(t, apiCall(team, http.MethodPut, path+"/status", `{"status":"planned","note":"We are on it."}`), http.StatusOK)
		if planned.Status != "planned" || planned.ID != id || planned.Tags == nil {
			t.Fatalf("planned: %+v", planned)
		}
		wantFields(t, apiCall(team, http.MethodPut, path+"/status", `{"status":"declined"}`), "note")
		wantFields(t, apiCall(team, http.MethodPut, path+"/status", `{"status":"declined","note":"   "}`), "note")
		wantFields(t, apiCall(team, http.MethodPut, path+"/status", `{"status":"nope","note":"x"}`), "status")
		wantFields(t, apiCall(team, http.MethodPut, path+"/status", `{}`), "status")
		history, err := srv.Store.StatusHistory(context.Background(), id)
		if err != nil || len(history) != 1 || history[0].Note != "We are on it." || *history[0].ActorID != tess.ID {
			t.Fatalf("status history %+v, %v", history, err)
		}

		// Votes are idempotent both ways.
		for range 2 {
			if v := apiJSON[voteJSON](t, apiCall(b, http.MethodPost, path+"/vote", ""), http.StatusOK); v != (voteJSON{true, 2}) {
				t.Fatalf("vote: %+v", v)
			}
		}
		wantKeys(t, apiCall(b, http.MethodPost, path+"/vote", "").Body, []string{"voted", "votes"})
		if got := apiIdea(t, apiCall(b, http.MethodGet, path, ""), http.StatusOK); !got.Voted || got.Votes != 2 {
			t.Fatalf("after the vote bram sees %+v", got)
		}
		for range 2 {
			if v := apiJSON[voteJSON](t, apiCall(b, http.MethodDelete, path+"/vote", ""), http.StatusOK); v != (voteJSON{false, 1}) {
				t.Fatalf("unvote: %+v", v)
			}
		}
		if v := apiJSON[voteJSON](t, apiCall(b, http.MethodPost, path+"/vote", ""), http.StatusOK); v != (voteJSON{true, 2}) {
			t.Fatalf("vote again: %+v", v)
		}
		wantAPIError(t, apiCall(b, http.MethodPost, "/ideas/999999/vote", ""), http.StatusNotFound, "not_found")

		// Shipped: no new votes, the votes cast stay.
		shipped := apiIdea(t, apiCall(team, http.MethodPut, path+"/status", `{"status":"shipped","note":""}`), http.StatusOK)
		if shipped.Status != "shipped" || shipped.Votes != 2 {
			t.Fatalf("shipped: %+v", shipped)
		}
		wantConflict(t, apiCall(c, http.MethodPost, path+"/vote", ""), closedMessage)
		if got := apiIdea(t, apiCall(visitor, http.MethodGet, path, ""), http.StatusOK); got.Votes != 2 {
			t.Fatalf("votes after shipping: %d", got.Votes)
		}

		// Deleting: one's own idea while nobody else took part; then 404.
		lonely := apiIdea(t, apiCall(a, http.MethodPost, "/ideas", `{"title":"An idea nobody else likes","body":""}`), http.StatusCreated)
		lonelyPath := fmt.Sprintf("/ideas/%d", lonely.ID)
		wantAPIError(t, apiCall(b, http.MethodDelete, lonelyPath, ""), http.StatusForbidden, "forbidden")
		r = apiCall(a, http.MethodDelete, lonelyPath, "")
		wantStatus(t, r, http.StatusNoContent)
		if len(r.Body) != 0 {
			t.Fatalf("204 with a body: %s", r.Body)
		}
		wantAPIError(t, apiCall(visitor, http.MethodGet, lonelyPath, ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(a, http.MethodDelete, lonelyPath, ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(b, http.MethodPost, lonelyPath+"/vote", ""), http.StatusNotFound, "not_found")
		popular := apiIdea(t, apiCall(a, http.MethodPost, "/ideas", `{"title":"An idea somebody else likes","body":""}`), http.StatusCreated)
		popularPath := fmt.Sprintf("/ideas/%d", popular.ID)
		apiJSON[voteJSON](t, apiCall(c, http.MethodPost, popularPath+"/vote", ""), http.StatusOK)
		wantConflict(t, apiCall(a, http.MethodDelete, popularPath, ""), othersMessage)
		apiIdea(t, apiCall(visitor, http.MethodGet, popularPath, ""), http.StatusOK)

		// Locked and merged ideas take no votes or comments; a merged idea still answers.
		execSQL(t, srv, "UPDATE ideas SET locked = TRUE WHERE id = ?", popular.ID)
		wantConflict(t, apiCall(b, http.MethodPost, popularPath+"/vote", ""), lockedMessage)
		wantConflict(t, apiCall(b, http.MethodPost, popularPath+"/comments", `{"body":"Me too"}`), lockedMessage)
		if got := apiIdea(t, apiCall(visitor, http.MethodGet, popularPath, ""), http.StatusOK); !got.Locked {
			t.Fatalf("locked idea: %+v", got)
		}
		execSQL(t, srv, "UPDATE ideas SET locked = FALSE, merged_into = ? WHERE id = ?", uncategorised.ID, popular.ID)
		merged := apiIdea(t, apiCall(visitor, http.MethodGet, popularPath, ""), http.StatusOK)
		if merged.MergedInto == nil || *merged.MergedInto != uncategorised.ID {
			t.Fatalf("merged idea: %+v", merged)
		}
		wantConflict(t, apiCall(b, http.MethodPost, popularPath+"/vote", ""), mergedMessage)
		wantConflict(t, apiCall(b, http.MethodPost, popularPath+"/comments", `{"body":"Me too"}`), mergedMessage)
		wantConflict(t, apiCall(a, http.MethodPatch, popularPath, `{"title":"Editing a merged idea"}`), mergedMessage)
	})
}

func TestAPIComments(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		visitor, a, b := srv.Client(), bearerClient(t, srv, anna), bearerClient(t, srv, bram)
		idea := apiIdea(t, apiCall(a, http.MethodPost, "/ideas", `{"title":"Swappable battery for longer rides","body":""}`), http.StatusCreated)
		other := apiIdea(t, apiCall(a, http.MethodPost, "/ideas", `{"title":"Brighter front light for winter","body":""}`), http.StatusCreated)
		path := fmt.Sprintf("/ideas/%d/comments", idea.ID)

		r := apiCall(visitor, http.MethodGet, path, "")
		wantStatus(t, r, http.StatusOK)
		if string(r.Body) != `{"comments":[]}` {
			t.Fatalf("no comments: %s", r.Body)
		}

		comment := func(c *apptest.Client, body string) commentJSON {
			t.Helper()
			raw := apiJSON[json.RawMessage](t, apiCall(c, http.MethodPost, path, body), http.StatusCreated)
			wantKeys(t, raw, commentKeys)
			var out commentJSON
			if err := json.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			return out
		}
		top := comment(b, `{"body":"  Yes, *please*. "}`)
		if top.ID <= 0 || top.IdeaID != idea.ID || top.ParentID != nil || top.Body != "Yes, *please*." ||
			top.BodyHTML != "<p>Yes, <em>please</em>.</p>\n" || top.Author.ID != bram.ID || top.Author.Name != "Bram" ||
			top.Deleted || top.EditedAt != nil {
			t.Fatalf("comment: %+v", top)
		}
		wantTime(t, "created_at", top.CreatedAt)
		wantTime(t, "updated_at", top.UpdatedAt)
		reply := comment(a, fmt.Sprintf(`{"body":"Thanks!","parent_id":%d}`, top.ID))
		deeper := comment(b, fmt.Sprintf(`{"body":"You're welcome.","parent_id":%d}`, reply.ID))
		if reply.ParentID == nil || *reply.ParentID != top.ID || deeper.ParentID == nil || *deeper.ParentID != top.ID {
			t.Fatalf("replies: %+v %+v", reply, deeper)
		}
		second := comment(a, `{"body":"Another thread","parent_id":null}`)

		foreign := apiJSON[commentJSON](t, apiCall(a, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", other.ID), `{"body":"elsewhere"}`), http.StatusCreated)
		wantFields(t, apiCall(b, http.MethodPost, path, fmt.Sprintf(`{"body":"cross","parent_id":%d}`, foreign.ID)), "parent_id")
		wantFields(t, apiCall(b, http.MethodPost, path, `{"body":"nowhere","parent_id":-1}`), "parent_id")
		wantFields(t, apiCall(b, http.MethodPost, path, `{"body":"   "}`), "body")
		wantFields(t, apiCall(b, http.MethodPost, path, `{}`), "body")
		wantFields(t, apiCall(b, http.MethodPost, path, `{"body":"`+strings.Repeat("x", models.MaxCommentLength+1)+`"}`), "body")
		wantAPIError(t, apiCall(b, http.MethodPost, "/ideas/999999/comments", `{"body":"hi"}`), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/ideas/999999/comments", ""), http.StatusNotFound, "not_found")
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/ideas/x/comments", ""), http.StatusNotFound, "not_found")

		r = apiCall(visitor, http.MethodGet, path, "")
		raw := apiJSON[map[string][]json.RawMessage](t, r, http.StatusOK)
		list := make([]commentJSON, len(raw["comments"]))
		for i, c := range raw["comments"] {
			wantKeys(t, c, commentKeys)
			if err := json.Unmarshal(c, &list[i]); err != nil {
				t.Fatal(err)
			}
		}
		got := make([]string, len(list))
		for i, c := range list {
			parent := "-"
			if c.ParentID != nil {
				parent = strconv.FormatInt(*c.ParentID, 10)
			}
			got[i] = fmt.Sprintf("%d<%s %s", c.ID, parent, c.Body)
		}
		want := []string{
			fmt.Sprintf("%d<- Yes, *please*.", top.ID),
			fmt.Sprintf("%d<%d Thanks!", reply.ID, top.ID),
			fmt.Sprintf("%d<%d You're welcome.", deeper.ID, top.ID),
			fmt.Sprintf("%d<- Another thread", second.ID),
		}
		if !slices.Equal(got, want) {
			t.Fatalf("comments %v, want %v", got, want)
		}
		if n := apiIdea(t, apiCall(visitor, http.MethodGet, fmt.Sprintf("/ideas/%d", idea.ID), ""), http.StatusOK).Comments; n != 4 {
			t.Fatalf("comment count %d", n)
		}

		// A deleted comment stays as a tombstone without text.
		if err := srv.Store.DeleteComment(context.Background(), reply.ID, anna); err != nil {
			t.Fatal(err)
		}
		raw = apiJSON[map[string][]json.RawMessage](t, apiCall(visitor, http.MethodGet, path, ""), http.StatusOK)
		var tomb commentJSON
		if err := json.Unmarshal(raw["comments"][1], &tomb); err != nil {
			t.Fatal(err)
		}
		if tomb.ID != reply.ID || !tomb.Deleted || tomb.Body != "" || tomb.BodyHTML != "" || *tomb.ParentID != top.ID {
			t.Fatalf("tombstone %+v", tomb)
		}
	})
}

func TestAPIListIdeas(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		voters := []*models.User{
			srv.User("Voter One", "v1@example.com", models.RoleMember),
			srv.User("Voter Two", "v2@example.com", models.RoleMember),
			srv.User("Voter Three", "v3@example.com", models.RoleMember),
		}
		create := func(author *models.User, title, category string) int64 {
			t.Helper()
			i, err := srv.Store.CreateIdea(ctx, author, models.NewIdea{Title: title, Body: "About " + title, Category: category})
			if err != nil {
				t.Fatal(err)
			}
			return i.ID
		}
		i1 := create(anna, "Swappable battery for longer rides", "features")
		i2 := create(bram, "Brighter front light for winter", "improvements")
		i3 := create(anna, "App crashes when pairing the lock", "problems")
		i4 := create(bram, "Battery level on the frame display", "features")
		i5 := create(anna, "Rear rack that carries two panniers", "")
		vote := func(idea int64, users ...*models.User) {
			for _, u := range users {
				if _, _, err := srv.Store.Vote(ctx, idea, u.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
		vote(i2, voters...)
		vote(i4, voters[0], voters[1])
		vote(i1, voters[2])
		if _, err := srv.Store.SetStatus(ctx, i3, tess, "planned", ""); err != nil {
			t.Fatal(err)
		}
		tags := []string{"Battery", "Range"}
		if _, err := srv.Store.UpdateIdea(ctx, i1, tess, models.IdeaUpdate{Tags: &tags}); err != nil {
			t.Fatal(err)
		}
		hidden := create(bram, "An idea that gets deleted soon", "")
		if err := srv.Store.DeleteIdea(ctx, hidden, bram); err != nil {
			t.Fatal(err)
		}

		visitor, v1 := srv.Client(), bearerClient(t, srv, voters[0])
		page, list := apiList(t, visitor, "")
		if page.Page != 1 || page.PerPage != 20 || page.Total != 5 || len(list) != 5 {
			t.Fatalf("default list: %+v", page)
		}
		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"?sort=top", []int64{i2, i4, i1, i5, i3}},
			{"?sort=new", []int64{i5, i4, i3, i2, i1}},
			{"?sort=new&status=planned", []int64{i3}},
			{"?sort=new&status=open", []int64{i5, i4, i2, i1}},
			{"?sort=new&category=features", []int64{i4, i1}},
			{"?sort=new&tag=battery", []int64{i1}},
			{"?sort=new&tag=unknown", []int64{}},
			{"?sort=new&q=battery", []int64{i4, i1}},
			{"?sort=new&q=BATT", []int64{i4, i1}},
			{"?sort=new&q=battery+frame", []int64{i4}},
			{"?sort=new&q=battery&category=improvements", []int64{}},
			{"?sort=new&q=deleted", []int64{}},
		} {
			page, list := apiList(t, visitor, c.query)
			if got := ids(list); !slices.Equal(got, c.want) || page.Total != int64(len(c.want)) {
				t.Errorf("GET /ideas%s: %v (total %d), want %v", c.query, got, page.Total, c.want)
			}
		}
		if _, list := apiList(t, visitor, "?q=battery"); len(list) != 2 {
			t.Fatalf("relevance search: %v", ids(list))
		}

		// Pages.
		for _, c := range []struct {
			query string
			want  []int64
		}{
			{"?sort=new&per_page=2", []int64{i5, i4}},
			{"?sort=new&per_page=2&page=2", []int64{i3, i2}},
			{"?sort=new&per_page=2&page=3", []int64{i1}},
			{"?sort=new&per_page=2&page=4", []int64{}},
		} {
			page, list := apiList(t, visitor, c.query)
			if got := ids(list); !slices.Equal(got, c.want) || page.Total != 5 || page.PerPage != 2 {
				t.Errorf("GET /ideas%s: %v, %+v, want %v", c.query, got, page, c.want)
			}
		}
		if r := apiCall(visitor, http.MethodGet, "/ideas?per_page=2&page=4", ""); !strings.Contains(string(r.Body), `"ideas":[]`) {
			t.Fatalf("an empty page is not an empty list: %s", r.Body)
		}

		// The viewer's votes, own ideas and voted ideas.
		_, list = apiList(t, v1, "?sort=new")
		for _, idea := range list {
			if want := idea.ID == i2 || idea.ID == i4; idea.Voted != want {
				t.Errorf("idea %d voted=%v for voter one", idea.ID, idea.Voted)
			}
		}
		_, list = apiList(t, visitor, "?sort=new")
		for _, idea := range list {
			if idea.Voted {
				t.Errorf("a visitor has voted on %d", idea.ID)
			}
		}
		if _, list := apiList(t, v1, "?sort=new&voted=1"); !slices.Equal(ids(list), []int64{i4, i2}) {
			t.Errorf("voted=1: %v", ids(list))
		}
		if _, list := apiList(t, bearerClient(t, srv, anna), "?sort=new&mine=true"); !slices.Equal(ids(list), []int64{i5, i3, i1}) {
			t.Errorf("mine=1: %v", ids(list))
		}
		if _, list := apiList(t, v1, "?sort=new&mine=0"); len(list) != 5 {
			t.Errorf("mine=0: %v", ids(list))
		}
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/ideas?mine=1", ""), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(visitor, http.MethodGet, "/ideas?voted=1", ""), http.StatusUnauthorized, "unauthorized")

		// Pinned ideas come first in every sort.
		execSQL(t, srv, "UPDATE ideas SET pinned = TRUE WHERE id = ?", i3)
		for _, sort := range []string{"hot", "top", "new", "updated"} {
			_, list := apiList(t, visitor, "?sort="+sort)
			if list[0].ID != i3 || !list[0].Pinned {
				t.Errorf("sort=%s: first %d, want pinned %d", sort, list[0].ID, i3)
			}
		}
	})
}

func TestAPIInvalidInput(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		team := bearerClient(t, srv, tess)
		idea := apiIdea(t, apiCall(team, http.MethodPost, "/ideas", `{"title":"Swappable battery for longer rides","body":""}`), http.StatusCreated)
		p := fmt.Sprintf("/ideas/%d", idea.ID)
		const js, form = "application/json", "application/x-www-form-urlencoded"

		for _, c := range []struct {
			method, path, ct, body string
			status                 int
			fields                 []string
		}{
			// Broken JSON is malformed.
			{"POST", "/ideas", js, `{"title":`, 400, nil},
			{"POST", "/ideas", js, ``, 400, nil},
			{"POST", "/ideas", js, `[]`, 400, nil},
			{"POST", "/ideas", js, `"title"`, 400, nil},
			{"POST", "/ideas", js, `{"title":"A long enough title"} {}`, 400, nil},
			{"POST", "/ideas", js, `{"title":"A long enough title"}}`, 400, nil},
			{"POST", "/ideas", js, "\xff\xfe\x00", 400, nil},
			{"PATCH", p, js, `{"title"}`, 400, nil},
			{"PUT", p + "/status", js, `nope`, 400, nil},
			{"POST", p + "/comments", js, `{"body":"x",}`, 400, nil},
			// Not JSON at all.
			{"POST", "/ideas", "text/plain", `{"title":"A long enough title"}`, 415, nil},
			{"POST", "/ideas", form, `title=A+long+enough+title`, 415, nil},
			{"POST", "/ideas", "", `{"title":"A long enough title"}`, 415, nil},
			{"POST", "/ideas", "application/json-patch+json", `{}`, 415, nil},
			{"POST", p + "/comments", "text/plain", `{"body":"hi"}`, 415, nil},
			// Wrong types and numbers out of range name their field.
			{"POST", "/ideas", js, `{"title":5,"body":""}`, 422, []string{"title"}},
			{"POST", "/ideas", js, `{"title":1e400,"body":""}`, 422, []string{"title"}},
			{"POST", "/ideas", js, `{"title":"A long enough title","body":["x"]}`, 422, []string{"body"}},
			{"POST", "/ideas", js, `{"title":"A long enough title","category":{"slug":"features"}}`, 422, []string{"category"}},
			{"POST", "/ideas", js, `{"title":"A long enough title","category":true}`, 422, []string{"category"}},
			{"PATCH", p, js, `{"tags":"battery"}`, 422, []string{"tags"}},
			{"PATCH", p, js, `{"tags":[1,2]}`, 422, []string{"tags"}},
			{"POST", p + "/comments", js, `{"body":"hi","parent_id":"x"}`, 422, []string{"parent_id"}},
			{"POST", p + "/comments", js, `{"body":"hi","parent_id":1e400}`, 422, []string{"parent_id"}},
			{"POST", p + "/comments", js, `{"body":"hi","parent_id":99999999999999999999}`, 422, []string{"parent_id"}},
			{"POST", p + "/comments", js, `{"body":"hi","parent_id":1.5}`, 422, []string{"parent_id"}},
			{"POST", p + "/comments", js, `{"body":"hi","parent_id":0}`, 422, []string{"parent_id"}},
			{"PUT", p + "/status", js, `{"status":3,"note":""}`, 422, []string{"status"}},
			{"PUT", p + "/status", js, `{"status":"planned","note":false}`, 422, []string{"note"}},
			// Broken UTF-8 and NUL bytes are not text.
			{"POST", "/ideas", js, "{\"title\":\"Broken \xff\xfe text here\",\"body\":\"\"}", 422, []string{"title"}},
			{"POST", "/ideas", js, "{\"title\":\"A long enough title\",\"body\":\"\xc3\x28\"}", 422, []string{"body"}},
			{"POST", "/ideas", js, "{\"title\":\"A long enough title\",\"body\":\"\",\"unknown\":\"\xff\"}", 201, nil},
			{"POST", "/ideas", js, `{"title":"A title with a \u0000 inside","body":""}`, 422, []string{"title"}},
			{"POST", "/ideas", js, `{"title":"A long enough title","body":"nul \u0000"}`, 422, []string{"body"}},
			{"PATCH", p, js, "{\"tags\":[\"ok\",\"\xff\"]}", 422, []string{"tags"}},
			{"PATCH", p, js, `{"tags":["a\u0000b"]}`, 422, []string{"tags"}},
			{"POST", p + "/comments", js, "{\"body\":\"\xff\"}", 422, []string{"body"}},
			{"POST", p + "/comments", js, `{"body":"\u0000"}`, 422, []string{"body"}},
			{"PUT", p + "/status", js, "{\"status\":\"declined\",\"note\":\"\xed\xa0\x80\"}", 422, []string{"note"}},
			{"PUT", p + "/status", js, `{"status":"planned","note":"\u0000"}`, 422, []string{"note"}},
			{"PUT", p + "/status", js, `{"status":"plan\u0000ned","note":""}`, 422, []string{"status"}},
			{"POST", "/ideas", js, `{"title":"A long enough title","category":"feat\u0000ures"}`, 422, []string{"category"}},
			// Validation by the models.
			{"POST", "/ideas", js, `{}`, 422, []string{"title"}},
			{"POST", "/ideas", js, `null`, 422, []string{"title"}},
			{"POST", "/ideas", js, `{"title":"short","body":"","category":"nope"}`, 422, []string{"title", "category"}},
			{"POST", "/ideas", js, `{"title":"` + strings.Repeat("x", models.MaxTitleLength+1) + `"}`, 422, []string{"title"}},
			{"POST", "/ideas", js, `{"title":"A long enough title","body":"` + strings.Repeat("x", 900<<10) + `"}`, 422, []string{"body"}},
			{"PATCH", p, js, `{"tags":["` + strings.Repeat("x", 41) + `"]}`, 422, []string{"tags"}},
			// Ids in paths that name nothing.
			{"GET", "/ideas/abc", "", "", 404, nil},
			{"PATCH", "/ideas/abc", js, `{}`, 404, nil},
			{"DELETE", "/ideas/-1", "", "", 404, nil},
			{"POST", "/ideas/99999999999999999999/vote", "", "", 404, nil},
			{"DELETE", "/ideas/1e3/vote", "", "", 404, nil},
			{"GET", "/ideas/%ff/comments", "", "", 404, nil},
			{"POST", "/ideas/0/comments", js, `{"body":"hi"}`, 404, nil},
			{"PUT", "/ideas/999999/status", js, `{"status":"planned","note":""}`, 404, nil},
			// Query strings.
			{"GET", "/ideas?per_page=0", "", "", 422, []string{"per_page"}},
			{"GET", "/ideas?per_page=101", "", "", 422, []string{"per_page"}},
			{"GET", "/ideas?per_page=abc", "", "", 422, []string{"per_page"}},
			{"GET", "/ideas?per_page=1e400", "", "", 422, []string{"per_page"}},
			{"GET", "/ideas?page=-1", "", "", 422, []string{"page"}},
			{"GET", "/ideas?page=0", "", "", 422, []string{"page"}},
			{"GET", "/ideas?page=99999999999999999999", "", "", 422, []string{"page"}},
			{"GET", "/ideas?page=501", "", "", 422, []string{"page"}},
			{"GET", "/ideas?page=abc&per_page=0&sort=best", "", "", 422, []string{"page", "per_page", "sort"}},
			{"GET", "/ideas?sort=relevance", "", "", 422, []string{"sort"}},
			{"GET", "/ideas?status=nope&category=nope", "", "", 422, []string{"status", "category"}},
			{"GET", "/ideas?mine=maybe", "", "", 422, []string{"mine"}},
			{"GET", "/ideas?q=%ff", "", "", 422, []string{"q"}},
			{"GET", "/ideas?q=" + strings.Repeat("x", models.MaxQueryLength+1), "", "", 422, []string{"q"}},
			{"GET", "/ideas?tag=%ff", "", "", 422, []string{"tag"}},
			{"GET", "/ideas?tag=a%00b", "", "", 422, []string{"tag"}},
			{"GET", "/ideas?status=%ff&category=%00", "", "", 422, []string{"status", "category"}},
			{"GET", "/ideas?q=%00%22*%27--&sort=new", "", "", 200, nil},
			{"GET", "/ideas?q=battery%00", "", "", 200, nil}, // a word and a NUL byte: the byte separates words
			{"GET", "/ideas?q=a+OR+b+NEAR(c)+%26+!d:*", "", "", 200, nil},
		} {
			r := apiCallAs(team, c.method, c.path, c.ct, c.body)
			what := fmt.Sprintf("%s %s %.60q", c.method, c.path, c.body)
			if r.StatusCode >= 500 {
				t.Errorf("%s: %d %s", what, r.StatusCode, r.Body)
				continue
			}
			if r.StatusCode != c.status {
				t.Errorf("%s: status %d, want %d: %.300s", what, r.StatusCode, c.status, r.Body)
				continue
			}
			if c.status < 400 {
				continue
			}
			var e apiError
			if err := json.Unmarshal(r.Body, &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Errorf("%s: error body %s", what, r.Body)
				continue
			}
			got := make([]string, 0, len(e.Error.Fields))
			for f := range e.Error.Fields {
				got = append(got, f)
			}
			sort.Strings(got)
			want := slices.Clone(c.fields)
			sort.Strings(want)
			if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
				t.Errorf("%s: fields %v, want %v: %s", what, e.Error.Fields, want, r.Body)
			}
		}

		// The field messages say what a field must be.
		r := apiCall(team, http.MethodPost, p+"/comments", `{"body":"hi","parent_id":"x"}`)
		var e apiError
		_ = json.Unmarshal(r.Body, &e)
		if e.Error.Fields["parent_id"] != "must be a whole number" {
			t.Errorf("parent_id message %q", e.Error.Fields["parent_id"])
		}
		r = apiCall(team, http.MethodPatch, p, `{"tags":[1]}`)
		_ = json.Unmarshal(r.Body, &e)
		if e.Error.Fields["tags"] != "must be a list of strings" {
			t.Errorf("tags message %q", e.Error.Fields["tags"])
		}

		// Bodies over the limit (3 MiB): 413, answered once the declared length is read.
		addr := strings.TrimPrefix(srv.URL, "http://")
		raw := "POST /api/v1/ideas HTTP/1.1\r\nHost: " + addr + "\r\nAuthorization: " + team.Header.Get("Authorization") +
			"\r\nContent-Type: application/json\r\nContent-Length: " + strconv.Itoa(4<<20) + "\r\n\r\n{\"title\":\""
		status, body := rawResponse(t, addr, raw)
		if status != http.StatusRequestEntityTooLarge || !strings.Contains(body, `"code":"too_large"`) {
			t.Fatalf("4 MiB body: %d %s", status, body)
		}
		// Nothing above was stored but the one valid idea with an unknown field.
		if _, list := apiList(t, team, ""); len(list) != 2 {
			t.Fatalf("%d ideas after the invalid input", len(list))
		}
	})
}

func TestAPIAuthentication(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		u := srv.User("Anna", "anna@example.com", models.RoleMember)
		body := `{"title":"Swappable battery for longer rides","body":""}`

		// A bearer token needs no CSRF token.
		idea := apiIdea(t, apiCall(bearerClient(t, srv, u), http.MethodPost, "/ideas", body), http.StatusCreated)
		if idea.Author.ID != u.ID {
			t.Fatalf("author %+v", idea.Author)
		}
		bad := srv.Client()
		bad.Header.Set("Authorization", "Bearer samen_nope")
		wantAPIError(t, apiCall(bad, http.MethodPost, "/ideas", body), http.StatusUnauthorized, "unauthorized")
		wantAPIError(t, apiCall(bad, http.MethodGet, "/ideas", ""), http.StatusUnauthorized, "unauthorized")

		// The session cookie needs the X-CSRF-Token header on writes.
		member := srv.SignedIn(u)
		if got := apiIdea(t, apiCall(member, http.MethodGet, fmt.Sprintf("/ideas/%d", idea.ID), ""), http.StatusOK); !got.Voted {
			t.Fatalf("cookie GET: %+v", got)
		}
		wantAPIError(t, apiCall(member, http.MethodPost, "/ideas", body), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(member, http.MethodDelete, fmt.Sprintf("/ideas/%d/vote", idea.ID), ""), http.StatusForbidden, "forbidden")
		member.Get("/")
		if member.CSRF == "" {
			t.Fatal("no CSRF token on the home page")
		}
		second := apiIdea(t, apiCall(member, http.MethodPost, "/ideas", `{"title":"Brighter front light for winter"}`), http.StatusCreated)
		if v := apiJSON[voteJSON](t, apiCall(member, http.MethodDelete, fmt.Sprintf("/ideas/%d/vote", second.ID), ""), http.StatusOK); v != (voteJSON{false, 0}) {
			t.Fatalf("unvote own idea: %+v", v)
		}
		member.CSRF = "forged"
		wantAPIError(t, apiCall(member, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", second.ID), ""), http.StatusForbidden, "forbidden")
	})
}

// TestAPIConcurrentVotes votes and withdraws through the API at once, each
// member twice over, and the idea ends with exactly the votes that stand.
func TestAPIConcurrentVotes(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		author := srv.User("Anna", "anna@example.com", models.RoleMember)
		idea := apiIdea(t, apiCall(bearerClient(t, srv, author), http.MethodPost, "/ideas", `{"title":"Swappable battery for longer rides"}`), http.StatusCreated)
		path := fmt.Sprintf("/ideas/%d/vote", idea.ID)
		const members = 30
		clients := make([]*apptest.Client, members)
		for i := range clients {
			clients[i] = bearerClient(t, srv, srv.User(fmt.Sprintf("Member %d", i), fmt.Sprintf("m%d@example.com", i), models.RoleMember))
		}
		var wg sync.WaitGroup
		for i, c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				steps := []string{"POST", "POST", "DELETE", "POST"} // ends voted
				if i%2 == 1 {
					steps = []string{"POST", "DELETE", "DELETE"} // ends without a vote
				}
				for _, method := range steps {
					if r := apiCall(c, method, path, ""); r.StatusCode != http.StatusOK {
						t.Errorf("%s %s: %d %s", method, path, r.StatusCode, r.Body)
					}
				}
			}()
		}
		wg.Wait()
		if got := apiIdea(t, apiCall(srv.Client(), http.MethodGet, fmt.Sprintf("/ideas/%d", idea.ID), ""), http.StatusOK); got.Votes != 1+members/2 {
			t.Fatalf("votes %d, want %d", got.Votes, 1+members/2)
		}
		wantVotesEqualRows(t, srv.Store)
	})
}

// TestConcurrentVotesKeepCounterEqualToRows has 30 members cast and withdraw
// 60 votes each on 3 shared ideas at once, repeating some to test that a
// repeated vote changes nothing; every counter must end equal to its rows.
func TestConcurrentVotesKeepCounterEqualToRows(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		s := modelstest.Open(t, dialect)
		ctx := context.Background()
		newUser := func(i int) *models.User {
			u, err := s.CreateUser(ctx, models.NewUser{Name: fmt.Sprintf("Member %d", i), Email: fmt.Sprintf("m%d@example.com", i)})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		author := newUser(-1)
		var ideas [3]int64
		for i := range ideas {
			idea, err := s.CreateIdea(ctx, author, models.NewIdea{Title: fmt.Sprintf("Shared idea number %d", i)})
			if err != nil {
				t.Fatal(err)
			}
			ideas[i] = idea.ID
		}
		const members, ops = 30, 60
		users := make([]*models.User, members)
		for i := range users {
			users[i] = newUser(i)
		}

		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			final = map[int64]int{} // idea -> members whose vote stands
		)
		for g, u := range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				voted := map[int64]bool{}
				for k := range ops {
					idea := ideas[(g+k)%len(ideas)]
					cast := !voted[idea]
					change := s.Unvote
					if cast {
						change = s.Vote
					}
					changed, _, err := change(ctx, idea, u.ID)
					if err != nil || !changed {
						t.Errorf("member %d, op %d (cast %v): changed=%v err=%v", g, k, cast, changed, err)
						return
					}
					voted[idea] = cast
					if k%7 == 0 { // the same again changes nothing
						if changed, _, err := change(ctx, idea, u.ID); err != nil || changed {
							t.Errorf("member %d, op %d repeated: changed=%v err=%v", g, k, changed, err)
							return
						}
					}
				}
				mu.Lock()
				defer mu.Unlock()
				for idea, v := range voted {
					if v {
						final[idea]++
					}
				}
			}()
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		counts := wantVotesEqualRows(t, s)
		for _, id := range ideas {
			if want := 1 + final[id]; counts[id] != want {
				t.Errorf("idea %d: %d votes, want %d (the author's and the standing ones)", id, counts[id], want)
			}
		}
	})
}

// wantVotesEqualRows checks every idea's counter against its vote rows and
// returns the counts.
func wantVotesEqualRows(t *testing.T, s *models.Store) map[int64]int {
	t.Helper()
	rows, err := s.DB().Query(`SELECT ideas.id, ideas.votes, (SELECT COUNT(*) FROM votes WHERE votes.idea_id = ideas.id) FROM ideas`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	counts := map[int64]int{}
	for rows.Next() {
		var id int64
		var counter, real int
		if err := rows.Scan(&id, &counter, &real); err != nil {
			t.Fatal(err)
		}
		if counter != real {
			t.Errorf("idea %d: counter %d, %d vote rows", id, counter, real)
		}
		counts[id] = real
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return counts
}
