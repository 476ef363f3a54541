package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"samen/app/apptest"
	"samen/models"
)

// liveEvent is one Server-Sent Event as a browser's EventSource reads it.
type liveEvent struct {
	Name string
	Data map[string]any
}

// liveStream reads a live page's stream in the background.
type liveStream struct {
	t      *testing.T
	resp   *http.Response
	events chan liveEvent
	// ended is closed when the server ended the stream.
	ended  chan struct{}
	cancel context.CancelFunc
}

// openLive opens path's stream as the client (its session cookie, if any),
// and fails t unless the server answers 200 with an event stream.
func openLive(t *testing.T, srv *apptest.Server, c *apptest.Client, path string) *liveStream {
	t.Helper()
	resp, cancel := liveRequest(t, srv, c, path)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("GET %s: %d %s, want 200 text/event-stream", path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &liveStream{t: t, resp: resp, events: make(chan liveEvent, 100), ended: make(chan struct{}), cancel: cancel}
	go s.read()
	t.Cleanup(s.Close)
	return s
}

// liveRequest sends GET path with the client's session and returns the
// answer, its body unread.
func liveRequest(t *testing.T, srv *apptest.Server, c *apptest.Client, path string) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	if session := c.Cookie("samen_session"); session != "" {
		req.AddCookie(&http.Cookie{Name: "samen_session", Value: session})
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		cancel()
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp, func() { cancel(); resp.Body.Close() }
}

func (s *liveStream) read() {
	defer close(s.ended)
	lines := bufio.NewScanner(s.resp.Body)
	var e liveEvent
	for lines.Scan() {
		line := lines.Text()
		switch {
		case line == "":
			if e.Name != "" {
				s.events <- e
			}
			e = liveEvent{}
		case strings.HasPrefix(line, "event: "):
			e.Name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e.Data); err != nil {
				s.t.Errorf("event %s: data %q is not JSON: %v", e.Name, line, err)
			}
		}
	}
}

// Close hangs up.
func (s *liveStream) Close() { s.cancel() }

// liveWait bounds every wait for an event: far above what a loaded machine
// needs, and reached only when the event never comes.
const liveWait = 15 * time.Second

// next waits for the next event named name that satisfies ok, skipping
// others, and fails t at the deadline. The events skipped are returned too.
func (s *liveStream) next(name string, ok func(liveEvent) bool) (liveEvent, []liveEvent) {
	s.t.Helper()
	deadline := time.After(liveWait)
	var skipped []liveEvent
	for {
		select {
		case e := <-s.events:
			if e.Name == name && (ok == nil || ok(e)) {
				return e, skipped
			}
			skipped = append(skipped, e)
		case <-s.ended:
			s.t.Fatalf("the stream ended before a %s event; it sent %v", name, skipped)
		case <-deadline:
			s.t.Fatalf("no %s event within %v; the stream sent %v", name, liveWait, skipped)
		}
	}
}

// num reads a number of an event's data.
func (e liveEvent) num(key string) int64 {
	n, _ := e.Data[key].(float64)
	return int64(n)
}

func votesAre(n int64) func(liveEvent) bool {
	return func(e liveEvent) bool { return e.num("votes") == n }
}

// TestLiveStreamShowsAnotherMembersVoteAndComment: the author follows their
// idea's page; another member votes and the team answers, through the plain
// forms. The stream says the new count, the new comment, and the author's
// unread count once the notification of the answer is written.
func TestLiveStreamShowsAnotherMembersVoteAndComment(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		tess := srv.User("Tess", "tess@example.com", models.RoleTeam)
		idea := mustIdea(t, srv, anna, "Kickstand that holds on hills")
		path := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)

		// The page names its stream and loads the script that opens it.
		author := srv.SignedIn(anna)
		page := author.Get(path)
		wantStatus(t, page, http.StatusOK)
		if got, _ := page.Doc.Find("body").Attr("data-live"); got != "/live?idea="+itoa(idea.ID) {
			t.Fatalf("the idea page's body names the stream %q", got)
		}
		wantCount(t, page, `script[src*="/js/live."]`, 1)

		stream := openLive(t, srv, author, "/live?idea="+itoa(idea.ID))
		first, _ := stream.next("votes", nil)
		if first.num("idea") != idea.ID || first.num("votes") != int64(idea.Votes) {
			t.Fatalf("the stream starts with %v, want idea %d's %d votes", first.Data, idea.ID, idea.Votes)
		}
		unread, _ := stream.next("unread", nil)
		if unread.num("count") != 0 {
			t.Fatalf("the stream starts with %v unread, want 0", unread.Data)
		}

		voter := srv.SignedIn(bram)
		voter.Get(path)
		wantStatus(t, voter.PostForm("/ideas/"+itoa(idea.ID)+"/vote", url.Values{"next": {path}}), http.StatusSeeOther)
		votes, _ := stream.next("votes", votesAre(int64(idea.Votes)+1))
		if label, _ := votes.Data["label"].(string); label != fmt.Sprintf("%d votes", idea.Votes+1) {
			t.Fatalf("the vote event's label is %q", label)
		}

		// The team answers in public.
		answerer := srv.SignedIn(tess)
		answerer.Get(path)
		r := answerer.PostForm("/ideas/"+itoa(idea.ID)+"/comments", url.Values{"body": {"We are trying one on the steep street to the station"}})
		wantStatus(t, r, http.StatusSeeOther)
		comment, _ := stream.next("comment", nil)
		if want := fmt.Sprintf("%s#comment-%d", path, comment.num("comment")); r.Header.Get("Location") != want {
			t.Fatalf("the stream names comment %v; the comment is at %s", comment.Data, r.Header.Get("Location"))
		}
		// The page the script reads it from shows it.
		wantCount(t, author.Get(path), fmt.Sprintf("#comment-%d", comment.num("comment")), 1)

		// The author hears of the comment: the badge goes to 1.
		stream.next("unread", func(e liveEvent) bool { return e.num("count") == 1 })
	})
}

// TestLiveStreamKeepsWhatAMemberMayNotReadAway: an internal note, comments
// waiting for review and one a moderator rejected (hidden) reach no
// member's or visitor's stream, while the team's stream hears of the note;
// the comment approved after them all is the first their streams name.
func TestLiveStreamKeepsWhatAMemberMayNotReadAway(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off")
		ctx := context.Background()
		admin := srv.User("Ada", "ada@example.com", models.RoleAdmin)
		saveSettings(t, srv, admin, map[string]string{"premoderate_first": "1"})
		team := srv.User("Tess", "tess@example.com", models.RoleTeam)
		member := srv.User("Mila", "mila@example.com", models.RoleMember)
		newcomer := srv.User("Nina", "nina@example.com", models.RoleMember)
		idea := mustIdea(t, srv, admin, "Lights that switch on at dusk")
		path := "/live?idea=" + itoa(idea.ID)

		members := openLive(t, srv, srv.SignedIn(member), path)
		visitors := openLive(t, srv, srv.Client(), path)
		teams := openLive(t, srv, srv.SignedIn(team), path)
		for _, s := range []*liveStream{members, visitors, teams} {
			s.next("votes", nil)
		}

		note, err := srv.Store.CreateComment(ctx, idea.ID, team, models.NewComment{Body: "Supplier quoted too much", Internal: true})
		if err != nil {
			t.Fatal(err)
		}
		// A newcomer's first comments wait for review: one is rejected
		// (hidden), the other approved (published).
		var held [2]*models.Comment
		for i, body := range []string{"A rude remark, to be rejected", "A kind remark, to be approved"} {
			if held[i], err = srv.Store.CreateComment(ctx, idea.ID, newcomer, models.NewComment{Body: body}); err != nil || held[i].State != models.StatePending {
				t.Fatalf("a newcomer's comment: %v %v, want it pending", held[i], err)
			}
		}
		hidden, public := held[0], held[1]
		for c, action := range map[*models.Comment]string{hidden: models.DecideReject, public: models.DecideApprove} {
			if err := srv.Store.Decide(ctx, admin, models.TargetComment, c.ID, models.Decision{Action: action}); err != nil {
				t.Fatalf("%s comment %d: %v", action, c.ID, err)
			}
		}

		got, _ := teams.next("comment", nil)
		if got.num("comment") != note.ID {
			t.Fatalf("the team's stream names comment %v first, want the note %d", got.Data, note.ID)
		}
		for who, s := range map[string]*liveStream{"member": members, "visitor": visitors} {
			got, _ := s.next("comment", nil)
			if id := got.num("comment"); id != public.ID {
				t.Fatalf("the %s's stream names comment %d first, want the approved one %d (note %d, hidden %d)",
					who, id, public.ID, note.ID, hidden.ID)
			}
		}
	})
}

// TestLiveStreamsAreBounded: a member's streams beyond their bound get 429
// and the instance's beyond its bound 503, both with Retry-After; a stream
// closed frees its place. Bad requests get clear answers.
func TestLiveStreamsAreBounded(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_RATE_LIMITS=off", "SAMEN_LIVE_PER_MEMBER=2", "SAMEN_LIVE_MAX_CONNECTIONS=3")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		bram := srv.User("Bram", "bram@example.com", models.RoleMember)
		idea := mustIdea(t, srv, anna, "Bells that ring twice")
		a := srv.SignedIn(anna)

		refused := func(c *apptest.Client, want int) {
			t.Helper()
			resp, cancel := liveRequest(t, srv, c, "/live")
			defer cancel()
			if resp.StatusCode != want || resp.Header.Get("Retry-After") == "" {
				t.Fatalf("GET /live: %d with Retry-After %q, want %d with one", resp.StatusCode, resp.Header.Get("Retry-After"), want)
			}
		}
		first := openLive(t, srv, a, "/live")
		openLive(t, srv, a, "/live?idea="+itoa(idea.ID))
		refused(a, http.StatusTooManyRequests)

		// Another member still gets one, up to the instance's bound.
		b := srv.SignedIn(bram)
		openLive(t, srv, b, "/live")
		refused(b, http.StatusServiceUnavailable)

		// Closing a stream frees its place at once (long before a heartbeat
		// would find the connection gone): a page left leaves no stream behind.
		first.Close()
		freed := eventually(t, time.Now().Add(liveWait), func() bool {
			resp, cancel := liveRequest(t, srv, a, "/live")
			defer cancel()
			return resp.StatusCode == http.StatusOK
		})
		if !freed {
			t.Fatal("a closed stream kept its place")
		}

		// Nothing to follow, or nothing to read.
		visitor := srv.Client()
		for path, want := range map[string]int{
			"/live":                           http.StatusNoContent,
			"/live?idea=abc":                  http.StatusUnprocessableEntity,
			"/live?idea=-4":                   http.StatusUnprocessableEntity,
			"/live?idea=99999999999999999999": http.StatusUnprocessableEntity,
			"/live?idea=987654":               http.StatusNotFound,
		} {
			wantStatus(t, visitor.Get(path), want)
		}
	})
}

// TestIdleLiveStreamCloses: a stream without updates says "idle" and ends,
// after heartbeats, so an open tab nobody looks at holds no connection.
func TestIdleLiveStreamCloses(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect, "SAMEN_LIVE_IDLE=2s", "SAMEN_LIVE_HEARTBEAT=1s")
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		stream := openLive(t, srv, srv.SignedIn(anna), "/live")
		stream.next("unread", nil)
		stream.next("idle", nil)
		select {
		case <-stream.ended:
		case <-time.After(liveWait):
			t.Fatal("the stream stayed open after saying idle")
		}
	})
}

// TestStoppingEndsLiveStreams: a graceful stop ends open streams at once, so
// it does not wait for them until its timeout.
func TestStoppingEndsLiveStreams(t *testing.T) {
	each(t, func(t *testing.T, dialect string) {
		srv := apptest.New(t, dialect)
		anna := srv.User("Anna", "anna@example.com", models.RoleMember)
		streams := []*liveStream{openLive(t, srv, srv.SignedIn(anna), "/live"), openLive(t, srv, srv.SignedIn(anna), "/live")}
		for _, s := range streams {
			s.next("unread", nil)
		}
		if err := srv.App.ShutdownWithTimeout(liveWait); err != nil {
			t.Fatalf("stopping with live streams open: %v", err)
		}
		for _, s := range streams {
			select {
			case <-s.ended:
			case <-time.After(liveWait):
				t.Fatal("a stream stayed open after the server stopped")
			}
		}
	})
}

// TestLiveStreamHearsAnotherInstancesVote: two instances on one PostgreSQL
// database; a page following an idea on one hears a vote cast through the
// other, through each instance's one listening connection.
func TestLiveStreamHearsAnotherInstancesVote(t *testing.T) {
	a := apptest.New(t, models.Postgres, "SAMEN_RATE_LIMITS=off")
	b := a.Twin("SAMEN_RATE_LIMITS=off")
	waitListening(t, a, b)
	anna := a.User("Anna", "anna@example.com", models.RoleMember)
	bram := a.User("Bram", "bram@example.com", models.RoleMember)
	idea := mustIdea(t, a, anna, "Mudguards that do not rattle")

	stream := openLive(t, b, b.SignedIn(anna), "/live?idea="+itoa(idea.ID))
	stream.next("votes", nil)
	stream.next("unread", nil)

	voter := a.SignedIn(bram)
	path := fmt.Sprintf("/ideas/%d/%s", idea.ID, idea.Slug)
	voter.Get(path)
	wantStatus(t, voter.PostForm("/ideas/"+itoa(idea.ID)+"/vote", url.Values{"next": {path}}), http.StatusSeeOther)
	stream.next("votes", votesAre(int64(idea.Votes)+1))
	wantStatus(t, voter.PostForm("/ideas/"+itoa(idea.ID)+"/unvote", url.Values{"next": {path}}), http.StatusSeeOther)
	stream.next("votes", votesAre(int64(idea.Votes)))

	// Each instance listens on one connection, however many pages follow.
	for range 3 {
		openLive(t, b, b.Client(), "/live?idea="+itoa(idea.ID)).next("votes", nil)
	}
	var listening int
	err := a.Store.DB().QueryRow(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
		models.ListenerName).Scan(&listening)
	if err != nil {
		t.Fatal(err)
	}
	if listening != 2 {
		t.Fatalf("%d connections listen, want one per instance (2)", listening)
	}
}
