package app_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// receiver is a webhook endpoint on 127.0.0.1 that checks every request
// as a receiver would: the signature recomputed from the headers and the
// raw body with the secret, and a timestamp close to now.
type receiver struct {
	*httptest.Server
	mu      sync.Mutex
	secret  string
	fails   int // answer 500 to this many requests first
	got     []delivery
	refused []string // what was wrong with requests that failed the checks
}

// delivery is one request the receiver took.
type delivery struct {
	ID   string
	Body webhookBody
	Raw  []byte
}

type webhookBody struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
	Data      struct {
		Idea    json.RawMessage `json:"idea"`
		Comment json.RawMessage `json:"comment"`
		Vote    *struct {
			UserID int64 `json:"user_id"`
			Votes  int   `json:"votes"`
		} `json:"vote"`
		Entry json.RawMessage `json:"entry"`
	} `json:"data"`
}

func newReceiver(t *testing.T, fails int) *receiver {
	r := &receiver{fails: fails}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := verifySignature(r.secret, req.Header, raw, time.Now()); err != nil {
		r.refused = append(r.refused, err.Error())
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.fails > 0 {
		r.fails--
		http.Error(w, "not today", http.StatusInternalServerError)
		return
	}
	var body webhookBody
	if err := json.Unmarshal(raw, &body); err != nil {
		r.refused = append(r.refused, "body: "+err.Error())
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.got = append(r.got, delivery{ID: req.Header.Get("webhook-id"), Body: body, Raw: raw})
	_, _ = w.Write([]byte(`{"ok":true}`))
}

// verifySignature is Standard Webhooks' check, written from the spec.
func verifySignature(secret string, h http.Header, body []byte, now time.Time) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook headers")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return errors.New("bad timestamp")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s too far from now", ts)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil || !strings.HasPrefix(secret, "whsec_") || len(key) < 24 {
		return errors.New("bad secret")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(sigs) {
		version, value, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(value)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return errors.New("no valid signature")
}

// messages returns what the receiver took so far.
func (r *receiver) messages() ([]delivery, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got), slices.Clone(r.refused)
}

// waitFor waits (bounded) until the receiver took n deliveries.
func (r *receiver) waitFor(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, refused := r.messages()
		if len(refused) > 0 {
			t.Fatalf("the receiver refused requests: %v", refused)
		}
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			types := make([]string, len(got))
			for i, d := range got {
				types[i] = d.Body.Type
			}
			t.Fatalf("the receiver took %d deliveries %v, want %d", len(got), types, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventsSettled waits until River has worked every webhook job.
func eventsSettled(t *testing.T, srv *apptest.Server) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var n int
		err := srv.Store.DB().QueryRow(`SELECT count(*) FROM river_job WHERE kind IN ('webhook_event', 'webhook_delivery')
			AND state NOT IN ('completed', 'discarded', 'cancelled')`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("webhook jobs are still waiting")
}

type webhookJSON struct {
	ID      int64    `json:"id"`
	URL     string   `json:"url"`
	Events  []string `json:"events"`
	Secret  string   `json:"secret"`
	Enabled bool     `json:"enabled"`
}

type deliveryJSON struct {
	ID        int64  `json:"id"`
	WebhookID string `json:"webhook_id"`
	Type      string `json:"type"`
	CreatedAt string `json:"created_at"`
	Delivered bool   `json:"delivered"`
	Attempts  []struct {
		At         string `json:"at"`
		StatusCode int    `json:"status_code"`
		DurationMS int    `json:"duration_ms"`
		Response   string `json:"response"`
		Error      string `json:"error"`
	} `json:"attempts"`
}

// register registers the receiver for events through the API.
func register(t *testing.T, admin *apptest.Client, r *receiver, events ...string) webhookJSON {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"url": r.URL + "/hook", "events": events})
	resp := apiCall(admin, http.MethodPost, "/webhooks", string(body))
	raw := apiJSON[json.RawMessage](t, resp, http.StatusCreated)
	wantKeys(t, raw, []string{"events", "id", "secret", "url"})
	h := apiJSON[webhookJSON](t, resp, http.StatusCreated)
	if !strings.HasPrefix(h.Secret, "whsec_") || !slices.Equal(h.Events, events) || h.URL != r.URL+"/hook" {
		t.Fatalf("registered %+v", h)
	}
	r.setSecret(h.Secret)
	return h
}

func deliveries(t *testing.T, admin *apptest.Client, hookID int64) []deliveryJSON {
	t.Helper()
	resp := apiCall(admin, http.MethodGet, fmt.Sprintf("/webhooks/%d/deliveries", hookID), "")
	return apiJSON[struct {
		Deliveries []deliveryJSON `json:"deliveries"`
	}](t, resp, http.StatusOK).Deliveries
}

func ideaOf(t *testing.T, d delivery) map[string]json.RawMessage {
	t.Helper()
	wantKeys(t, d.Body.Data.Idea, ideaKeys) // a visitor's idea: no triage, no source link
	var m map[string]json.RawMessage
	_ = json.Unmarshal(d.Body.Data.Idea, &m)
	return m
}

// TestWebhooksDeliverEveryEvent: each event type reaches a subscribed
// receiver, signed, with the data a visitor may see; internal notes, hidden
// content and drafts send nothing; the secret shows only once; only admins
// manage webhooks.
func TestWebhooksDeliverEveryEvent(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_WEBHOOK_ALLOW_PRIVATE=true", "SAMEN_WEBHOOK_RETRY_BASE=10ms")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		mo := srv.User("Mo", "mo@example.com", models.RoleModerator)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		admin, author, voter, moderator, team := bearerClient(t, srv, ada), bearerClient(t, srv, anna), bearerClient(t, srv, bram), bearerClient(t, srv, mo), bearerClient(t, srv, tess)

		// Only admins manage webhooks.
		wantAPIError(t, apiCall(team, http.MethodPost, "/webhooks", `{"url":"http://example.com","events":["idea.created"]}`), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(team, http.MethodGet, "/webhooks", ""), http.StatusForbidden, "forbidden")
		wantAPIError(t, apiCall(srv.Client(), http.MethodGet, "/webhooks", ""), http.StatusUnauthorized, "unauthorized")
		wantStatus(t, srv.SignedIn(tess).Get("/admin/webhooks"), http.StatusForbidden)

		rcv := newReceiver(t, 0)
		hook := register(t, admin, rcv, models.WebhookEvents...)
		list := apiCall(admin, http.MethodGet, "/webhooks", "")
		listed := apiJSON[struct {
			Webhooks []json.RawMessage `json:"webhooks"`
		}](t, list, http.StatusOK).Webhooks
		if len(listed) != 1 || strings.Contains(string(list.Body), hook.Secret) {
			t.Fatalf("the list shows the secret, or not the webhook: %s", list.Body)
		}
		wantKeys(t, listed[0], []string{"created_at", "disabled_at", "disabled_reason", "enabled", "events", "id", "url"})

		// One of each event.
		idea := apiIdea(t, apiCall(author, http.MethodPost, "/ideas", `{"title":"Lights that follow the road","body":"Turning with the wheel."}`), http.StatusCreated)
		apiIdea(t, apiCall(author, http.MethodPatch, fmt.Sprintf("/ideas/%d", idea.ID), `{"body":"Turning with the handlebar."}`), http.StatusOK)
		comment := apiJSON[commentJSON](t, apiCall(voter, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea.ID), `{"body":"Yes please"}`), http.StatusCreated)
		wantStatus(t, apiCall(voter, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea.ID), ""), http.StatusOK)
		wantStatus(t, apiCall(voter, http.MethodDelete, fmt.Sprintf("/ideas/%d/vote", idea.ID), ""), http.StatusOK)
		apiIdea(t, apiCall(team, http.MethodPut, fmt.Sprintf("/ideas/%d/status", idea.ID), `{"status":"planned","note":"Coming in spring"}`), http.StatusOK)
		dup := apiIdea(t, apiCall(voter, http.MethodPost, "/ideas", `{"title":"Headlights that turn","body":"Same thing."}`), http.StatusCreated)
		wantStatus(t, apiCall(moderator, http.MethodPost, fmt.Sprintf("/ideas/%d/merge", dup.ID), fmt.Sprintf(`{"into":%d}`, idea.ID)), http.StatusOK)
		entry := apiEntry(t, apiCall(team, http.MethodPost, "/changelog", `{"title":"Secret draft title","body":"Not yet","ideas":[]}`), http.StatusCreated)
		rcv.waitFor(t, 8) // idea.created twice, one of each other but changelog.published
		eventsSettled(t, srv)

		// What sends nothing: an edit that changes nothing, an internal note, content that is hidden, a draft.
		apiIdea(t, apiCall(author, http.MethodPatch, fmt.Sprintf("/ideas/%d", idea.ID), `{"body":"Turning with the handlebar."}`), http.StatusOK)
		wantStatus(t, apiCall(team, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea.ID), `{"body":"Internal: costs too much","internal":true}`), http.StatusCreated)
		hidden := apiIdea(t, apiCall(author, http.MethodPost, "/ideas", `{"title":"Spam about bells","body":"Buy bells."}`), http.StatusCreated)
		rcv.waitFor(t, 9) // its creation, before a moderator hides it
		wantStatus(t, apiCall(moderator, http.MethodPatch, fmt.Sprintf("/ideas/%d/moderation", hidden.ID), `{"hidden":true,"reason":"spam"}`), http.StatusOK)
		wantStatus(t, apiCall(moderator, http.MethodPatch, fmt.Sprintf("/ideas/%d", hidden.ID), `{"tags":["spam"]}`), http.StatusOK)
		wantStatus(t, apiCall(moderator, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", hidden.ID), `{"body":"Hidden discussion"}`), http.StatusCreated)
		wantStatus(t, apiCall(team, http.MethodPatch, fmt.Sprintf("/changelog/%d", entry.ID), `{"body":"Still a draft"}`), http.StatusOK)
		// Nor what waits for review: a new member's first idea and comment while the community pre-moderates.
		settings := models.DefaultSettings.Form()
		settings["premoderate_first"] = "5"
		if _, err := srv.Store.SaveSettings(t.Context(), ada, settings, false); err != nil {
			t.Fatal(err)
		}
		newcomer := bearerClient(t, srv, srv.User("Nina", "nina@example.com", models.RoleMember))
		pendingIdea := apiIdea(t, apiCall(newcomer, http.MethodPost, "/ideas", `{"title":"Pending lights","body":"Awaiting review"}`), http.StatusCreated)
		pendingComment := apiJSON[struct {
			ID    int64  `json:"id"`
			State string `json:"state"`
		}](t, apiCall(newcomer, http.MethodPost, fmt.Sprintf("/ideas/%d/comments", idea.ID), `{"body":"Awaiting review too"}`), http.StatusCreated)
		if pendingComment.State != models.StatePending {
			t.Fatalf("the newcomer's comment is %q, not pending", pendingComment.State)
		}
		// Then publishing the entry does.
		wantStatus(t, apiCall(team, http.MethodPatch, fmt.Sprintf("/changelog/%d", entry.ID), `{"publish":true,"body":"Out now"}`), http.StatusOK)
		rcv.waitFor(t, 10) // the entry
		eventsSettled(t, srv)
		got, _ := rcv.messages()
		if len(got) != 10 {
			t.Fatalf("the receiver took %d deliveries, want 10", len(got))
		}

		byType := map[string][]delivery{}
		seen := map[string]bool{}
		for _, d := range got {
			byType[d.Body.Type] = append(byType[d.Body.Type], d)
			if seen[d.ID] {
				t.Fatalf("webhook-id %s came twice", d.ID)
			}
			seen[d.ID] = true
			wantTime(t, "timestamp", d.Body.Timestamp)
			for _, secret := range []string{"Awaiting review", "Internal: costs too much", "Hidden discussion", `"spam"`, "Still a draft", "triage", "source_url"} {
				if strings.Contains(string(d.Raw), secret) {
					t.Fatalf("%s sent %q: %s", d.Body.Type, secret, d.Raw)
				}
			}
		}
		for _, typ := range models.WebhookEvents {
			want := 1
			if typ == models.EventIdeaCreated {
				want = 3 // the idea, the duplicate, the spam before it was hidden
			}
			if len(byType[typ]) != want {
				t.Fatalf("%s delivered %d times, want %d", typ, len(byType[typ]), want)
			}
		}
		if m := ideaOf(t, byType[models.EventIdeaUpdated][0]); !strings.Contains(string(m["body"]), "handlebar") {
			t.Fatalf("idea.updated carries %s", m["body"])
		}
		if m := ideaOf(t, byType[models.EventIdeaStatusChanged][0]); string(m["status"]) != `"planned"` {
			t.Fatalf("idea.status_changed carries status %s", m["status"])
		}
		if m := ideaOf(t, byType[models.EventIdeaMerged][0]); string(m["id"]) != strconv.FormatInt(dup.ID, 10) || string(m["merged_into"]) != strconv.FormatInt(idea.ID, 10) {
			t.Fatalf("idea.merged carries %s into %s", m["id"], m["merged_into"])
		}
		c := byType[models.EventCommentCreated][0]
		ideaOf(t, c)
		var cm commentJSON
		if err := json.Unmarshal(c.Body.Data.Comment, &cm); err != nil || cm.ID != comment.ID || cm.Body != "Yes please" {
			t.Fatalf("comment.created carries %s", c.Body.Data.Comment)
		}
		for typ, votes := range map[string]int{models.EventVoteCreated: 2, models.EventVoteDeleted: 1} {
			d := byType[typ][0]
			ideaOf(t, d)
			if v := d.Body.Data.Vote; v == nil || v.UserID != bram.ID || v.Votes != votes {
				t.Fatalf("%s carries vote %s", typ, d.Raw)
			}
		}
		e := byType[models.EventChangelogPublished][0]
		var published entryJSON
		if err := json.Unmarshal(e.Body.Data.Entry, &published); err != nil || published.ID != entry.ID || published.PublishedAt == nil {
			t.Fatalf("changelog.published carries %s", e.Body.Data.Entry)
		}

		// The delivery log lists them, newest first, each delivered at once.
		log := deliveries(t, admin, hook.ID)
		if len(log) != 10 || log[0].Type != models.EventChangelogPublished {
			t.Fatalf("the log holds %d deliveries, the newest %+v", len(log), log[0])
		}
		for i, d := range log {
			if !d.Delivered || len(d.Attempts) != 1 || d.Attempts[0].StatusCode != 200 || d.Attempts[0].Response != `{"ok":true}` ||
				(i > 0 && d.ID > log[i-1].ID) || !seen[d.WebhookID] {
				t.Fatalf("delivery %d: %+v", i, d)
			}
			wantTime(t, "created_at", d.CreatedAt)
		}

		// Approving what waited for review sends it.
		wantStatus(t, apiCall(moderator, http.MethodPost, fmt.Sprintf("/mod/queue/idea/%d", pendingIdea.ID), `{"action":"approve"}`), http.StatusNoContent)
		wantStatus(t, apiCall(moderator, http.MethodPost, fmt.Sprintf("/mod/queue/comment/%d", pendingComment.ID), `{"action":"approve"}`), http.StatusNoContent)
		approved := rcv.waitFor(t, 12)[10:]
		slices.SortFunc(approved, func(a, b delivery) int { return strings.Compare(a.Body.Type, b.Body.Type) })
		if approved[0].Body.Type != models.EventCommentCreated || approved[1].Body.Type != models.EventIdeaCreated ||
			string(ideaOf(t, approved[1])["id"]) != strconv.FormatInt(pendingIdea.ID, 10) || !strings.Contains(string(approved[0].Body.Data.Comment), "Awaiting review too") {
			t.Fatalf("after approval: %s and %s", approved[0].Raw, approved[1].Raw)
		}

		// A webhook that hears only votes gets only votes.
		votesOnly := newReceiver(t, 0)
		register(t, admin, votesOnly, models.EventVoteCreated)
		wantStatus(t, apiCall(author, http.MethodPost, "/ideas", `{"title":"Mudguards that stay on","body":"Please."}`), http.StatusCreated)
		wantStatus(t, apiCall(moderator, http.MethodPost, fmt.Sprintf("/ideas/%d/vote", idea.ID), ""), http.StatusOK)
		if only := votesOnly.waitFor(t, 1); only[0].Body.Type != models.EventVoteCreated {
			t.Fatalf("the votes-only webhook got %s", only[0].Body.Type)
		}
		eventsSettled(t, srv)
		if only, _ := votesOnly.messages(); len(only) != 1 {
			t.Fatalf("the votes-only webhook got %d deliveries", len(only))
		}

		// Deleting stops deliveries.
		wantStatus(t, apiCall(admin, http.MethodDelete, fmt.Sprintf("/webhooks/%d", hook.ID), ""), http.StatusNoContent)
		wantAPIError(t, apiCall(admin, http.MethodGet, fmt.Sprintf("/webhooks/%d/deliveries", hook.ID), ""), http.StatusNotFound, "not_found")
	})
}

// TestWebhookRetriesKeepTheID: a receiver that fails twice gets the event
// on the third attempt, all three in the delivery log under one webhook-id;
// redelivering (API and page) sends it again with the same webhook-id; the
// metrics count it all.
func TestWebhookRetriesKeepTheID(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_WEBHOOK_ALLOW_PRIVATE=true", "SAMEN_WEBHOOK_RETRY_BASE=5ms")
		ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		admin := bearerClient(t, srv, ada)
		rcv := newReceiver(t, 2)
		hook := register(t, admin, rcv, models.EventIdeaCreated)
		idea := mustIdea(t, srv, anna, "Bells that ring in tune")

		got := rcv.waitFor(t, 1)
		eventsSettled(t, srv)
		log := deliveries(t, admin, hook.ID)
		if len(log) != 1 {
			t.Fatalf("%d deliveries, want 1", len(log))
		}
		d := log[0]
		if !d.Delivered || len(d.Attempts) != 3 || d.WebhookID != got[0].ID {
			t.Fatalf("delivery %+v, received as %s", d, got[0].ID)
		}
		for i, want := range []int{500, 500, 200} {
			a := d.Attempts[i]
			if a.StatusCode != want {
				t.Fatalf("attempt %d answered %d, want %d", i+1, a.StatusCode, want)
			}
			wantTime(t, "at", a.At)
		}
		if !strings.Contains(d.Attempts[0].Response, "not today") {
			t.Fatalf("the first attempt's answer is %q", d.Attempts[0].Response)
		}
		if m := ideaOf(t, got[0]); string(m["id"]) != strconv.FormatInt(idea.ID, 10) {
			t.Fatalf("delivered idea %s", m["id"])
		}

		// Redelivering through the API: one more attempt, the same webhook-id.
		resp := apiCall(admin, http.MethodPost, fmt.Sprintf("/webhooks/%d/deliveries/%d/retry", hook.ID, d.ID), "")
		again := apiJSON[deliveryJSON](t, resp, http.StatusOK)
		if len(again.Attempts) != 4 || again.Attempts[3].StatusCode != 200 || again.WebhookID != d.WebhookID {
			t.Fatalf("after redelivery: %+v", again)
		}
		// And through the page, with its form.
		page := srv.SignedIn(ada)
		show := page.Get(fmt.Sprintf("/admin/webhooks/%d", hook.ID))
		wantStatus(t, show, http.StatusOK)
		if n := show.Doc.Find(fmt.Sprintf("#delivery-%d tr.attempt", d.ID)).Length(); n != 4 {
			t.Fatalf("the page lists %d attempts, want 4", n)
		}
		action, _ := show.Doc.Find(fmt.Sprintf("#delivery-%d form.redeliver", d.ID)).Attr("action")
		wantStatus(t, page.PostForm(action, nil), http.StatusSeeOther)
		got = rcv.waitFor(t, 3)
		if got[1].ID != d.WebhookID || got[2].ID != d.WebhookID || string(got[2].Raw) != string(got[0].Raw) {
			t.Fatalf("redeliveries came as %s and %s, want %s with the same body", got[1].ID, got[2].ID, d.WebhookID)
		}
		if n := len(deliveries(t, admin, hook.ID)[0].Attempts); n != 5 {
			t.Fatalf("%d attempts in the log, want 5", n)
		}
		// A delivery of another webhook, or none, is not found.
		wantAPIError(t, apiCall(admin, http.MethodPost, fmt.Sprintf("/webhooks/%d/deliveries/%d/retry", hook.ID+1, d.ID), ""), http.StatusNotFound, "not_found")

		metrics := srv.Client().Get("/metrics")
		wantStatus(t, metrics, http.StatusOK)
		for _, line := range []string{
			`samen_deliveries_sent_total{channel="webhook"} 3`,
			`samen_deliveries_retried_total{channel="webhook"} 2`,
			`samen_deliveries_failed_total{channel="webhook"} 0`,
			`samen_delivery_queue_depth{channel="webhook"} 0`,
		} {
			if !strings.Contains(string(metrics.Body), line+"\n") {
				t.Fatalf("/metrics lacks %q", line)
			}
		}
	})
}

// TestWebhooksRefusePrivateAddresses: without SAMEN_WEBHOOK_ALLOW_PRIVATE,
// a URL that is or resolves to a loopback, private or link-local address
// is refused at registration (422 naming url), and a webhook that points
// there anyway (its name resolved elsewhere when it was registered) is
// refused at delivery: the attempt is logged, the receiver hears nothing.
func TestWebhooksRefusePrivateAddresses(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_WEBHOOK_RETRY_BASE=1h")
		ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		admin := bearerClient(t, srv, ada)
		rcv := newReceiver(t, 0)

		for _, u := range []string{
			rcv.URL, "http://localhost:8080/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
			"http://10.1.2.3/hook", "http://192.168.1.1/hook", "http://172.16.0.1/hook", "http://169.254.169.254/latest/meta-data",
			"http://[fe80::1]/hook", "http://[fd00::1]/hook", "http://0.0.0.0/hook", "http://[::]/hook", "http://224.0.0.1/hook",
			"http://100.64.0.1/hook", "ftp://example.com/hook", "example.com/hook", "http://user:pw@203.0.113.7/hook",
		} {
			body, _ := json.Marshal(map[string]any{"url": u, "events": []string{models.EventIdeaCreated}})
			wantFields(t, apiCall(admin, http.MethodPost, "/webhooks", string(body)), "url")
		}
		wantFields(t, apiCall(admin, http.MethodPost, "/webhooks", `{"url":"https://203.0.113.7/hook","events":["idea.exploded"]}`), "events")
		wantFields(t, apiCall(admin, http.MethodPost, "/webhooks", `{"url":"https://203.0.113.7/hook","events":[]}`), "events")
		wantFields(t, apiCall(admin, http.MethodPost, "/webhooks", `{"url":"http://127.0.0.1/","events":["nope"]}`), "events", "url")
		wantAPIError(t, apiCall(admin, http.MethodPost, "/webhooks", `{"url":`), http.StatusBadRequest, "malformed")
		if n := countRows(t, srv, "webhooks"); n != 0 {
			t.Fatalf("%d webhooks registered", n)
		}

		// At delivery: the address dialled is checked.
		execSQL(t, srv, `INSERT INTO webhooks (url, events, secret, created_at, updated_at) VALUES (?, ',idea.created,', ?, ?, ?)`,
			rcv.URL+"/hook", models.NewWebhookSecret(), time.Now().UTC(), time.Now().UTC())
		mustIdea(t, srv, anna, "Lights that never reach the intranet")
		deadline := time.Now().Add(15 * time.Second)
		var log []deliveryJSON
		for time.Now().Before(deadline) {
			list := apiJSON[struct {
				Webhooks []webhookJSON `json:"webhooks"`
			}](t, apiCall(admin, http.MethodGet, "/webhooks", ""), http.StatusOK).Webhooks
			if len(list) != 1 {
				t.Fatalf("%d webhooks", len(list))
			}
			if log = deliveries(t, admin, list[0].ID); len(log) == 1 && len(log[0].Attempts) == 1 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(log) != 1 || len(log[0].Attempts) != 1 {
			t.Fatalf("the log: %+v", log)
		}
		a := log[0].Attempts[0]
		if log[0].Delivered || a.StatusCode != 0 || !strings.Contains(a.Error, "private") {
			t.Fatalf("the refused attempt: %+v", log[0])
		}
		if got, refused := rcv.messages(); len(got)+len(refused) != 0 {
			t.Fatalf("the private receiver was reached: %v %v", got, refused)
		}
	})
}

// TestWebhookDisabledAfterRepeatedFailures: once the last deliveries all
// failed after every attempt, the webhook is disabled, the audit log says
// so and admins see a notice on their pages (members do not); enabling it
// again clears the notice and deliveries resume.
func TestWebhookDisabledAfterRepeatedFailures(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_WEBHOOK_ALLOW_PRIVATE=true", "SAMEN_WEBHOOK_RETRY_BASE=1ms")
		ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		admin := bearerClient(t, srv, ada)
		rcv := newReceiver(t, models.WebhookAttempts*models.WebhookDisableAfter)
		hook := register(t, admin, rcv, models.EventIdeaCreated)
		for i := range models.WebhookDisableAfter {
			mustIdea(t, srv, anna, fmt.Sprintf("Idea number %d that nobody hears", i+1))
		}
		eventsSettled(t, srv)

		list := apiJSON[struct {
			Webhooks []webhookJSON `json:"webhooks"`
		}](t, apiCall(admin, http.MethodGet, "/webhooks", ""), http.StatusOK).Webhooks
		if len(list) != 1 || list[0].Enabled {
			t.Fatalf("after %d failed deliveries: %+v", models.WebhookDisableAfter, list)
		}
		log := deliveries(t, admin, hook.ID)
		if len(log) != models.WebhookDisableAfter {
			t.Fatalf("%d deliveries", len(log))
		}
		for _, d := range log {
			if d.Delivered || len(d.Attempts) != models.WebhookAttempts {
				t.Fatalf("delivery %d: delivered %v after %d attempts", d.ID, d.Delivered, len(d.Attempts))
			}
		}
		metrics := string(srv.Client().Get("/metrics").Body)
		for _, line := range []string{
			fmt.Sprintf(`samen_deliveries_failed_total{channel="webhook"} %d`, models.WebhookDisableAfter),
			fmt.Sprintf(`samen_deliveries_retried_total{channel="webhook"} %d`, models.WebhookDisableAfter*(models.WebhookAttempts-1)),
			`samen_delivery_queue_depth{channel="webhook"} 0`,
		} {
			if !strings.Contains(metrics, line+"\n") {
				t.Fatalf("/metrics lacks %q", line)
			}
		}
		audit := srv.SignedIn(ada).Get("/mod/audit?action=" + models.AuditWebhookDisable)
		wantStatus(t, audit, http.StatusOK)
		if !strings.Contains(string(audit.Body), rcv.URL) {
			t.Fatal("the audit log does not record the disabling")
		}

		// The notice: on the admin's pages, not on a member's.
		page := srv.SignedIn(ada)
		home := page.Get("/")
		wantStatus(t, home, http.StatusOK)
		if home.Doc.Find(".webhooks-disabled a[href='/admin/webhooks']").Length() != 1 {
			t.Fatal("the admin's home page has no notice of the disabled webhook")
		}
		if srv.SignedIn(anna).Get("/").Doc.Find(".webhooks-disabled").Length() != 0 {
			t.Fatal("a member sees the webhook notice")
		}
		hooks := page.Get("/admin/webhooks")
		wantStatus(t, hooks, http.StatusOK)
		card := hooks.Doc.Find(fmt.Sprintf("#webhook-%d", hook.ID))
		if !card.HasClass("webhook-disabled") || card.Find("form.webhook-enable").Length() != 1 {
			t.Fatal("the webhooks page does not show the webhook disabled, with a way to enable it")
		}

		// Nothing is sent while it is off.
		mustIdea(t, srv, anna, "An idea while the webhook is off")
		eventsSettled(t, srv)
		if n := len(deliveries(t, admin, hook.ID)); n != models.WebhookDisableAfter {
			t.Fatalf("%d deliveries while disabled", n)
		}

		// Enabling it again, with the page's form.
		action, _ := card.Find("form.webhook-enable").Attr("action")
		wantStatus(t, page.PostForm(action, nil), http.StatusSeeOther)
		if page.Get("/").Doc.Find(".webhooks-disabled").Length() != 0 {
			t.Fatal("the notice stays after enabling")
		}
		mustIdea(t, srv, anna, "An idea heard again")
		if got := rcv.waitFor(t, 1); got[0].Body.Type != models.EventIdeaCreated {
			t.Fatalf("after enabling: %s", got[0].Body.Type)
		}
	})
}

// TestWebhooksPage: admins register a webhook with the page's form and see
// its secret once, and delete it only with the confirmation ticked.
func TestWebhooksPage(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_WEBHOOK_ALLOW_PRIVATE=true")
		ada := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		page := srv.SignedIn(ada)
		home := page.Get("/")
		if home.Doc.Find("nav a[href='/admin/webhooks']").Length() != 1 {
			t.Fatal("no link to the webhooks in the admin's navigation")
		}
		if srv.SignedIn(srv.User("Tess", "tess@example.com", models.RoleTeam)).Get("/").Doc.Find("nav a[href='/admin/webhooks']").Length() != 0 {
			t.Fatal("the team sees the link to the webhooks")
		}
		wantStatus(t, page.Get("/admin/webhooks"), http.StatusOK)

		bad := page.PostForm("/admin/webhooks", url.Values{"url": {"ftp://example.com"}, "events": {"idea.created"}})
		wantStatus(t, bad, http.StatusUnprocessableEntity)
		if v, _ := bad.Doc.Find("#webhook-url").Attr("value"); v != "ftp://example.com" {
			t.Fatalf("the form forgot the URL: %q", v)
		}

		created := page.PostForm("/admin/webhooks", url.Values{"url": {"https://203.0.113.7/hook"}, "events": {"idea.created", "vote.created"}})
		wantStatus(t, created, http.StatusCreated)
		secret := strings.TrimSpace(created.Doc.Find(".webhook-secret").Text())
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("the secret shown is %q", secret)
		}
		list := page.Get("/admin/webhooks")
		if strings.Contains(string(list.Body), secret) || list.Doc.Find("li.webhook").Length() != 1 {
			t.Fatal("the list shows the secret again, or not the webhook")
		}
		action, _ := list.Doc.Find("form.webhook-delete").Attr("action")
		wantStatus(t, page.PostForm(action, nil), http.StatusSeeOther)
		if page.Get("/admin/webhooks").Doc.Find("li.webhook").Length() != 1 {
			t.Fatal("deleted without the confirmation")
		}
		wantStatus(t, page.PostForm(action, url.Values{"confirm": {"1"}}), http.StatusSeeOther)
		if page.Get("/admin/webhooks").Doc.Find("li.webhook").Length() != 0 {
			t.Fatal("not deleted with the confirmation")
		}
	})
}
